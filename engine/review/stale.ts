/** A write based on an old version: 409 with the current state, so the client can show both. */
import { ConflictError } from '../errors.ts';

export class StaleVersionError extends ConflictError {
  constructor(message: string, readonly current: unknown) {
    super(message);
  }
}
