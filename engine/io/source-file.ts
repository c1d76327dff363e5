/**
 * Reads an input file once for an importer: bytes, checksum and the decoded UTF-8 text,
 * refusing what no importer can read (missing, empty, binary, not UTF-8) with the line
 * where the problem starts.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError, NotFoundError, where } from '../errors.ts';

export interface SourceFile {
  /** the path as given */
  readonly path: string;
  /** the short name used in messages (`merimee.csv line 12, …`) */
  readonly name: string;
  /** UTF-8 text, byte-order mark removed */
  readonly text: string;
  readonly size: number;
  /** sha256 of the raw bytes, hex */
  readonly sha256: string;
  /** file modification date, YYYY-MM-DD (a fallback vintage when the data carries none) */
  readonly modified: string;
}

export function readSourceFile(path: string): SourceFile {
  const { bytes, mtime } = readBytes(path);
  return sourceFromBytes(path, bytes, mtime);
}

/** The file's bytes and modification time; a missing file is NotFoundError, others InputError. */
function readBytes(path: string): { bytes: Buffer; mtime: Date } {
  try {
    return { bytes: readFileSync(path), mtime: statSync(path).mtime };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`${path}: no such file`, { cause: err });
    throw new InputError(`${path}: cannot be read (${code ?? String(err)})`, { cause: err });
  }
}

/** Same checks as readSourceFile, for bytes already in memory (tests, uploads). */
export function sourceFromBytes(path: string, bytes: Uint8Array, mtime = new Date()): SourceFile {
  const name = basename(path);
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new InputError(
      `${where(name, lineAt(bytes, nul))}: NUL byte at offset ${nul}: this is a binary file, expected UTF-8 text`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    const at = firstInvalidUtf8(bytes);
    throw new InputError(
      `${where(name, lineAt(bytes, at))}: byte 0x${bytes[at].toString(16).padStart(2, '0')} at offset ${at} ` +
        `is not valid UTF-8 (expected UTF-8 text; re-export the file as UTF-8)`,
      { cause: err },
    );
  }
  // TextDecoder already drops a leading BOM; a second one (double-encoded export) is dropped too.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new InputError(`${name}: the file is empty (expected a header line and records)`);
  return {
    path,
    name,
    text,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    modified: mtime.toISOString().slice(0, 10),
  };
}

/** 1-based line number of the byte at `offset`. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Offset of the first byte that breaks UTF-8 (only called once decoding has failed). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return Math.max(0, b.length - 1);
}

/**
 * For importers that decode the file themselves (binary formats): checksum, size and date,
 * `text` left empty. Missing and empty files are refused as in readSourceFile.
 */
export function readBinarySourceFile(path: string): SourceFile {
  const { bytes, mtime } = readBytes(path);
  const name = basename(path);
  if (bytes.length === 0) throw new InputError(`${name}: the file is empty`);
  return {
    path,
    name,
    text: '',
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    modified: mtime.toISOString().slice(0, 10),
  };
}
