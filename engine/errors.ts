/**
 * Vigie's error family. Every error that reaches a user is one of these, mapped once
 * to a CLI exit code (`exitCode`) and an HTTP status (`httpStatus`).
 * Messages name the file, line/field, the bad value and what was expected.
 */
export class VigieError extends Error {
  readonly exitCode: number = 1;
  readonly httpStatus: number = 500;
  /** The message in French for the web app's users, where it differs from the CLI's English one. */
  readonly fr?: string;
  constructor(message: string, options?: { cause?: unknown; fr?: string }) {
    super(message, options);
    this.name = new.target.name;
    if (options?.fr) this.fr = options.fr;
  }
}

/** Bad user input: a malformed file, an unknown option, a value out of range. */
export class InputError extends VigieError {
  override readonly exitCode = 2;
  override readonly httpStatus = 400;
}

/** A coordinate reference system that is missing, unknown or unusable. */
export class CrsError extends InputError {}

/** Something asked for does not exist (a reference, a file, a scope). */
export class NotFoundError extends VigieError {
  override readonly exitCode = 3;
  override readonly httpStatus = 404;
}

/** A write conflicts with the current state (stale version, duplicate). */
export class ConflictError extends VigieError {
  override readonly exitCode = 4;
  override readonly httpStatus = 409;
}

/** The database cannot be opened or written (locked by another process, corrupt). */
export class StoreError extends VigieError {
  override readonly exitCode = 5;
  override readonly httpStatus = 503;
}

/**
 * A defect in Vigie itself (a function called with arguments its contract excludes), not a
 * problem with the user's data or the database file: exit 70 (EX_SOFTWARE), HTTP 500.
 */
export class InternalError extends VigieError {
  override readonly exitCode = 70;
  override readonly httpStatus = 500;
}

/** Builds the canonical location prefix `file line N, field: ` used in input messages. */
export function where(file: string, line?: number, field?: string): string {
  let s = file;
  if (line !== undefined) s += ` line ${line}`;
  if (field !== undefined) s += `, ${field}`;
  return s;
}

/** Quotes a bad value for a message, truncated so binary garbage stays readable. */
export function show(value: unknown, max = 60): string {
  const s = typeof value === 'string' ? value : String(value);
  const clean = s.replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ufffd]/g, '�');
  return JSON.stringify(clean.length > max ? clean.slice(0, max) + '…' : clean);
}
