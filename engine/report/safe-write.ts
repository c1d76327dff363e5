/**
 * Output files appear whole or not at all: everything is written to a temporary file in the
 * destination's own folder (same file system, so the final rename is atomic), then renamed.
 * A failure removes the temporary file. The folder is checked first so an unwritable path
 * fails before any work is done.
 */
import { accessSync, constants, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';

/** Throws InputError when `out` cannot be created: missing folder, not a folder, no write permission. */
export function checkWritable(out: string): string {
  const path = resolve(out);
  const dir = dirname(path);
  if (!existsSync(dir)) throw new InputError(`cannot write ${out}: the folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new InputError(`cannot write ${out}: ${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InputError(`cannot write ${out}: no write permission in ${dir}`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new InputError(`cannot write ${out}: it is a folder`);
  return path;
}

/** Runs `write(tmpPath)` then renames the temporary file to `out`; returns the absolute path. */
export async function writeAtomically(out: string, write: (tmpPath: string) => Promise<void>): Promise<string> {
  const path = checkWritable(out);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    await write(tmp);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && /^E(ACCES|PERM|ROFS|NOSPC|NOENT)$/.test(err.code)) {
      throw new InputError(`cannot write ${out}: ${err.message}`, { cause: err });
    }
    throw err;
  }
  return path;
}
