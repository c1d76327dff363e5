/** Access errors of the HTTP API, in the Vigie error family (status mapped by the server). */
import { VigieError } from '../errors.ts';

/** No session, a wrong password or an expired session. */
export class AuthError extends VigieError {
  override readonly httpStatus = 401;
}

/** Authenticated (or anonymous) but not allowed: missing role, missing CSRF token. */
export class ForbiddenError extends VigieError {
  override readonly httpStatus = 403;
}

/** Too many failed logins; `retryAfter` in seconds goes to the Retry-After header. */
export class ThrottledError extends VigieError {
  override readonly httpStatus = 429;
  constructor(message: string, readonly retryAfter: number) {
    super(message);
  }
}
