/**
 * Reads an input file once for an importer: bytes, checksum and decoded text, refusing what
 * no importer can read (missing, empty, binary, an encoding we cannot tell) with the line
 * where the problem starts. Compressed inputs are opened here, for every importer:
 *
 * - `.gz` (gzip magic 1f 8b): decompressed in memory.
 * - `.zip` (magic `PK`): one member is read. The member is chosen by `member` (a RegExp, or a
 *   string matched against the member's base name, case-insensitively, `*` as a wildcard),
 *   else the one data file of the archive (documentation, folders and `__MACOSX/` ignored),
 *   else the one with the most likely extension; several equally likely ones are an
 *   InputError listing them.
 * - Archive bombs are refused before anything is expanded: a member or archive expanding
 *   beyond ARCHIVE_LIMITS.maxRatio (200×) its compressed size or beyond maxBytes (2 GB).
 *
 * Text decoding (readSourceFile): UTF-8 (BOM or not), UTF-16 (BOM, or NUL every other byte),
 * Windows-1252 as spreadsheets re-save CSV (or Mac Roman, whichever reads as more French text),
 * each recorded in `encoding`; UTF-8 text that was once read as Latin-1/Windows-1252 and saved
 * again (« rÃ©fÃ©rence ») is repaired and counted in `notes`.
 *
 * For other modules (hazards: zipped shapefiles and GeoPackages):
 *   listArchive(path)                       → the members with their sizes
 *   openArchiveMember(path, { pattern })    → { name, bytes } of one member, in memory
 *   extractArchive(path, { pattern })       → { dir, files, remove() }: members written under a
 *       fresh temporary folder (all members by default: a shapefile needs its .dbf/.shx/.prj),
 *       removed by remove() or when the process exits; copy what must outlive the process.
 *   readBinarySourceFile(path, { member })  → for binary importers: a `.zip`/`.gz` input is
 *       extracted and `path` points at the chosen member inside the temporary folder (its
 *       sidecars beside it); `archive` tells the archive, member and extracted files.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, normalize, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { InputError, NotFoundError, show, where } from '../errors.ts';
import type { CsvTable } from './csv-table.ts';
import { readSpreadsheet, spreadsheetKind, type SpreadsheetKind } from './spreadsheet.ts';

export interface SourceFile {
  /** the path as given (binary sources from an archive: the extracted member, see `archive`) */
  readonly path: string;
  /** the short name used in messages (`merimee.csv line 12, …`; `x.zip/member.csv line 12`) */
  readonly name: string;
  /** decoded text, byte-order mark removed ('' for binary sources) */
  readonly text: string;
  /** size in bytes of the file as given */
  readonly size: number;
  /** sha256 of the raw bytes of the file as given, hex */
  readonly sha256: string;
  /** file modification date, YYYY-MM-DD (a fallback vintage when the data carries none) */
  readonly modified: string;
  /** how the text was decoded: utf-8, utf-8-bom, utf-16le, utf-16be, windows-1252, macintosh; 'binary' */
  readonly encoding?: string;
  /** what was done to read the file (decompressed, re-encoded, repaired), one sentence each */
  readonly notes?: string[];
  /** set when the input was an archive or compressed file */
  readonly archive?: ArchiveSource;
  /** set when the input was a folder (readSourceFolder): its data files, sorted */
  readonly files?: string[];
  /**
   * set when the input was a spreadsheet (.xlsx, .ods: spreadsheet.ts): its first sheet with data as
   * a table (records numbered by the sheet's rows), which readCsvTable returns; `text` then holds the
   * same table tab-separated for readers of plain text
   */
  readonly table?: CsvTable;
}

export interface ArchiveSource {
  /** the archive as given */
  readonly path: string;
  readonly format: 'zip' | 'gzip';
  /** the member read (zip), or the decompressed name (gzip) */
  readonly member: string;
  /** binary sources: the temporary folder holding the extracted members */
  readonly dir?: string;
  /** binary sources: every extracted file (absolute paths) */
  readonly files?: string[];
}

export interface SourceOptions {
  /** which archive member to read: a RegExp on the member's path, or a base name (`*` wildcard) */
  member?: RegExp | string;
}

/** Limits against archive bombs: expansion ratio over the compressed size, and total bytes. */
export const ARCHIVE_LIMITS = { maxRatio: 200, maxBytes: 2 * 1024 ** 3 };

export function readSourceFile(path: string, options: SourceOptions = {}): SourceFile {
  const { bytes, mtime } = readBytes(path);
  const sheetKind = spreadsheetKind(bytes);
  if (sheetKind) return spreadsheetSource(path, bytes, mtime, sheetKind);
  const unpacked = unpack(path, bytes, options, TEXT_EXTENSIONS);
  const source = sourceFromBytes(unpacked.name, unpacked.bytes, mtime);
  return {
    ...source,
    path,
    name: unpacked.name,
    size: bytes.length,
    sha256: sha256(bytes),
    notes: [...unpacked.notes, ...(source.notes ?? [])],
    ...(unpacked.archive ? { archive: unpacked.archive } : {}),
  };
}

/** A workbook read as its first sheet with data (spreadsheet.ts). */
function spreadsheetSource(path: string, bytes: Buffer, mtime: Date, kind: SpreadsheetKind): SourceFile {
  const name = basename(path);
  const read = readSpreadsheet(name, bytes, kind, 'a table with a header row', ARCHIVE_LIMITS);
  const quote = (v: string) => (/[\t\n\r"]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const text = [read.table.header, ...read.table.records.map((r) => r.fields)].map((row) => row.map(quote).join('\t')).join('\n') + '\n';
  return { path, name, text, size: bytes.length, sha256: sha256(bytes), modified: mtime.toISOString().slice(0, 10), encoding: kind, notes: read.notes, table: read.table };
}

/** The file's bytes and modification time; a missing file is NotFoundError, others InputError. */
function readBytes(path: string): { bytes: Buffer; mtime: Date } {
  try {
    return { bytes: readFileSync(path), mtime: statSync(path).mtime };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`${path}: no such file`, { cause: err });
    if (code === 'EISDIR') throw new InputError(`${path}: is a folder, expected a file`, { cause: err });
    throw new InputError(`${path}: cannot be read (${code ?? String(err)})`, { cause: err });
  }
}

/** Same checks as readSourceFile, for bytes already in memory (tests, uploads); no archives. */
export function sourceFromBytes(path: string, bytes: Uint8Array, mtime = new Date()): SourceFile {
  const name = basename(path);
  const decoded = decodeText(name, bytes);
  if (decoded.text.trim() === '') throw new InputError(`${name}: the file is empty (expected a header line and records)`);
  return {
    path,
    name,
    text: decoded.text,
    size: bytes.length,
    sha256: sha256(bytes),
    modified: mtime.toISOString().slice(0, 10),
    encoding: decoded.encoding,
    notes: decoded.notes,
  };
}

/**
 * For importers that decode the file themselves (binary formats): checksum, size and date,
 * `text` left empty. Missing and empty files are refused as in readSourceFile. A `.zip` or
 * `.gz` input is extracted to a temporary folder and `path` is the chosen member there.
 */
export function readBinarySourceFile(path: string, options: SourceOptions = {}): SourceFile {
  const { bytes, mtime } = readBytes(path);
  const given = basename(path);
  if (bytes.length === 0) throw new InputError(`${given}: the file is empty (expected the layer's data: an interrupted download?)`);
  const base = { size: bytes.length, sha256: sha256(bytes), modified: mtime.toISOString().slice(0, 10), text: '', encoding: 'binary' };
  const format = compressionOf(path, bytes);
  if (!format) return { ...base, path, name: given, notes: [] };
  if (format === 'gzip') {
    const inner = basename(path).replace(/\.gz$/i, '') || 'data';
    const out = gunzipChecked(given, bytes);
    const dir = tempDir();
    const file = join(dir, inner);
    writeFileSync(file, out);
    return {
      ...base,
      path: file,
      name: `${given}/${inner}`,
      notes: [`decompressed from gzip (${out.length.toLocaleString('en-US')} bytes)`],
      archive: { path, format, member: inner, dir, files: [file] },
    };
  }
  const entries = zipEntries(given, bytes);
  const chosen = chooseMember(given, entries, options.member, BINARY_EXTENSIONS);
  const extracted = extractEntries(given, bytes, entries);
  const file = join(extracted.dir, ...chosen.name.split('/'));
  return {
    ...base,
    path: file,
    name: `${given}/${chosen.name}`,
    notes: [`read from zip member ${chosen.name} (${entries.length} members)`],
    archive: { path, format, member: chosen.name, dir: extracted.dir, files: extracted.files },
  };
}

/**
 * A folder given for importers that read several files (communes of every département):
 * its files with one of `extensions` (sorted by name), checksummed together; `text` empty.
 * Each file is then read with readSourceFile by the importer.
 */
export function readSourceFolder(path: string, extensions: readonly string[]): SourceFile {
  const name = basename(path);
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch (err) {
    throw new InputError(`${path}: cannot be read as a folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  const files = entries
    .filter((f) => extensions.some((e) => f.toLowerCase().endsWith(e)))
    .sort()
    .map((f) => join(path, f));
  if (files.length === 0) {
    throw new InputError(`${name}: a folder without ${extensions.join(' / ')} files (found: ${entries.slice(0, 10).join(', ') || 'nothing'})`);
  }
  const hash = createHash('sha256');
  let size = 0;
  let mtime = 0;
  for (const f of files) {
    const { bytes, mtime: m } = readBytes(f);
    hash.update(basename(f)).update(sha256(bytes));
    size += bytes.length;
    mtime = Math.max(mtime, m.getTime());
  }
  return {
    path,
    name: `${name}/`,
    text: '',
    size,
    sha256: hash.digest('hex'),
    modified: new Date(mtime).toISOString().slice(0, 10),
    encoding: 'folder',
    notes: [`read ${files.length} files from the folder ${name}`],
    files,
  };
}

/** True when `path` names a folder. */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Archives

export interface ArchiveEntry {
  /** path inside the archive, `/`-separated */
  readonly name: string;
  /** uncompressed size as declared by the archive */
  readonly size: number;
  readonly compressedSize: number;
}

export interface ExtractedArchive {
  /** temporary folder holding the members under their archive paths */
  readonly dir: string;
  /** absolute paths of the extracted files */
  readonly files: string[];
  /** removes the folder now (it is removed at process exit anyway) */
  remove(): void;
}

/** The members of a zip archive (folders left out). */
export function listArchive(path: string): ArchiveEntry[] {
  const { bytes } = readBytes(path);
  return zipEntries(basename(path), bytes).map(({ name, size, compressedSize }) => ({ name, size, compressedSize }));
}

/**
 * One member of a zip archive, decompressed in memory. `pattern` picks it (see the module
 * comment); without one the archive must hold one data file. Refuses archive bombs.
 */
export function openArchiveMember(path: string, options: { pattern?: RegExp | string } = {}): { name: string; bytes: Uint8Array } {
  const { bytes } = readBytes(path);
  const given = basename(path);
  if (compressionOf(path, bytes) === 'gzip') return { name: given.replace(/\.gz$/i, ''), bytes: gunzipChecked(given, bytes) };
  const entries = zipEntries(given, bytes);
  const chosen = chooseMember(given, entries, options.pattern, [...TEXT_EXTENSIONS, ...BINARY_EXTENSIONS]);
  return { name: chosen.name, bytes: inflateMember(given, bytes, chosen) };
}

/**
 * Writes the members of a zip archive (those matching `pattern`, else all) to a fresh
 * temporary folder. Refuses archive bombs and members whose path leaves the folder.
 */
export function extractArchive(path: string, options: { pattern?: RegExp | string } = {}): ExtractedArchive {
  const { bytes } = readBytes(path);
  const given = basename(path);
  if (compressionOf(path, bytes) === 'gzip') {
    const dir = tempDir();
    const file = join(dir, given.replace(/\.gz$/i, '') || 'data');
    writeFileSync(file, gunzipChecked(given, bytes));
    return { dir, files: [file], remove: () => removeTemp(dir) };
  }
  const entries = zipEntries(given, bytes);
  const wanted = options.pattern === undefined ? entries : entries.filter((e) => memberMatches(e.name, options.pattern!));
  if (wanted.length === 0) {
    throw new InputError(`${given}: no member matches ${String(options.pattern)} (members: ${listNames(entries)})`);
  }
  const { dir, files } = extractEntries(given, bytes, wanted);
  return { dir, files, remove: () => removeTemp(dir) };
}

interface ZipEntry extends ArchiveEntry {
  readonly compression: number;
}

type Compression = 'zip' | 'gzip' | undefined;

function compressionOf(path: string, bytes: Uint8Array): Compression {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6)) {
    return 'zip';
  }
  if (/\.(zip|gz)$/i.test(path)) {
    // Named as an archive but not one: say so rather than read compressed-looking garbage.
    const head = Array.from(bytes.slice(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new InputError(`${basename(path)}: named ${extname(path)} but its first bytes (${head}) are not a ${/zip$/i.test(path) ? 'zip (50 4b 03 04)' : 'gzip (1f 8b)'} header`);
  }
  return undefined;
}

function unpack(
  path: string,
  bytes: Buffer,
  options: SourceOptions,
  preferred: readonly string[],
): { name: string; bytes: Uint8Array; notes: string[]; archive?: ArchiveSource } {
  const given = basename(path);
  const format = compressionOf(path, bytes);
  if (!format) return { name: given, bytes, notes: [] };
  if (format === 'gzip') {
    const inner = given.replace(/\.gz$/i, '') || 'data';
    const out = gunzipChecked(given, bytes);
    return {
      name: given,
      bytes: out,
      notes: [`decompressed from gzip (${out.length.toLocaleString('en-US')} bytes)`],
      archive: { path, format, member: inner },
    };
  }
  const entries = zipEntries(given, bytes);
  const chosen = chooseMember(given, entries, options.member, preferred);
  return {
    name: `${given}/${chosen.name}`,
    bytes: inflateMember(given, bytes, chosen),
    notes: [`read from zip member ${chosen.name} (${entries.length} member${entries.length > 1 ? 's' : ''})`],
    archive: { path, format, member: chosen.name },
  };
}

function gunzipChecked(name: string, bytes: Uint8Array): Buffer {
  const limit = Math.min(ARCHIVE_LIMITS.maxBytes, Math.max(1024 * 1024, bytes.length * ARCHIVE_LIMITS.maxRatio));
  try {
    return gunzipSync(bytes, { maxOutputLength: limit });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new InputError(
        `${name}: refused, it expands beyond ${formatBytes(limit)} (more than ${ARCHIVE_LIMITS.maxRatio}× its ` +
          `${formatBytes(bytes.length)} or more than ${formatBytes(ARCHIVE_LIMITS.maxBytes)}): an archive bomb or not a data file`,
        { cause: err },
      );
    }
    throw new InputError(`${name}: not a readable gzip file (${(err as Error).message})`, { cause: err });
  }
}

/** The file members of a zip, with the bomb checks done on the declared sizes. */
function zipEntries(name: string, bytes: Uint8Array): ZipEntry[] {
  const entries: ZipEntry[] = [];
  try {
    unzipSync(bytes, {
      filter: (f: UnzipFileInfo) => {
        if (!f.name.endsWith('/')) entries.push({ name: f.name, size: f.originalSize, compressedSize: f.size, compression: f.compression });
        return false;
      },
    });
  } catch (err) {
    throw new InputError(`${name}: not a readable zip archive (${(err as Error).message}; expected a complete zip: a truncated download?)`, { cause: err });
  }
  if (entries.length === 0) throw new InputError(`${name}: the zip archive holds no file`);
  const total = entries.reduce((s, e) => s + e.size, 0);
  const bomb = (what: string) =>
    new InputError(
      `${name}: refused, ${what} (limits: ${ARCHIVE_LIMITS.maxRatio}× the compressed size and ` +
        `${formatBytes(ARCHIVE_LIMITS.maxBytes)} in all): an archive bomb or not a data archive`,
    );
  if (total > ARCHIVE_LIMITS.maxBytes) throw bomb(`its ${entries.length} members expand to ${formatBytes(total)}`);
  if (total > Math.max(1024 * 1024, bytes.length * ARCHIVE_LIMITS.maxRatio)) {
    throw bomb(`it expands to ${formatBytes(total)} from ${formatBytes(bytes.length)} (${Math.round(total / bytes.length)}×)`);
  }
  for (const e of entries) {
    if (e.size > 1024 * 1024 && e.size > Math.max(1, e.compressedSize) * ARCHIVE_LIMITS.maxRatio) {
      throw bomb(`member ${e.name} expands to ${formatBytes(e.size)} from ${formatBytes(e.compressedSize)} (${Math.round(e.size / Math.max(1, e.compressedSize))}×)`);
    }
    if (e.compression !== 0 && e.compression !== 8) {
      throw new InputError(`${name}: member ${e.name} uses compression method ${e.compression} (expected stored 0 or deflate 8; re-create the zip with a standard tool)`);
    }
  }
  return entries;
}

/** Decompressed bytes of one member; the output buffer has the declared size, so a lying header cannot grow it. */
function inflateMember(name: string, bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  let out: Uint8Array | undefined;
  try {
    out = unzipSync(bytes, { filter: (f) => f.name === entry.name })[entry.name];
  } catch (err) {
    throw new InputError(`${name}: member ${entry.name} cannot be decompressed (${(err as Error).message}; expected an intact zip: a damaged or truncated download?)`, { cause: err });
  }
  if (!out) throw new InputError(`${name}: member ${entry.name} cannot be found`);
  return out;
}

function extractEntries(name: string, bytes: Uint8Array, entries: readonly ZipEntry[]): { dir: string; files: string[] } {
  const wanted = new Set(entries.map((e) => e.name));
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, { filter: (f) => wanted.has(f.name) });
  } catch (err) {
    throw new InputError(`${name}: cannot be decompressed (${(err as Error).message}; expected an intact zip: a damaged or truncated download?)`, { cause: err });
  }
  const dir = tempDir();
  const files: string[] = [];
  for (const [member, data] of Object.entries(members)) {
    const target = normalize(join(dir, ...member.split('/')));
    // "Zip slip": a member named ../../x must not be written outside the folder.
    if (!target.startsWith(dir + sep)) throw new InputError(`${name}: member ${show(member)} points outside the archive (refused)`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
    files.push(target);
  }
  return { dir, files };
}

/** Extensions that hold data, most likely first, for picking the member of an archive. */
const TEXT_EXTENSIONS = ['.csv', '.txt', '.tsv', '.utf', '.json', '.geojson'];
const BINARY_EXTENSIONS = ['.gpkg', '.shp', '.fgb', '.geojson', '.json', '.tif', '.tiff', '.asc', '.csv', '.txt'];
/** Members that are documentation or sidecars, never the data asked for. */
const NOT_DATA = /(^|\/)(__MACOSX\/|\.)|\.(pdf|md|html?|xml|qml|sld|lyr|qgs|docx?|odt|xlsx?|ods|png|jpe?g|gif|prj|cpg|dbf|shx|sbn|sbx|qix|aux|ovr|tfw|log)$|(^|\/)(readme|licen[cs]e|lisezmoi)[^/]*$/i;

function chooseMember(name: string, entries: readonly ZipEntry[], pattern: RegExp | string | undefined, preferred: readonly string[]): ZipEntry {
  if (pattern !== undefined) {
    const hits = entries.filter((e) => memberMatches(e.name, pattern));
    if (hits.length === 1) return hits[0];
    if (hits.length === 0) throw new InputError(`${name}: no member matches ${String(pattern)} (members: ${listNames(entries)}; expected one such file, or name one with --member)`);
    const data = hits.filter((e) => !NOT_DATA.test(e.name));
    if (data.length === 1) return data[0];
    throw new InputError(`${name}: ${hits.length} members match ${String(pattern)}: ${listNames(hits)} (give a more precise --member)`);
  }
  if (entries.length === 1) return entries[0];
  const data = entries.filter((e) => !NOT_DATA.test(e.name));
  if (data.length === 1) return data[0];
  for (const ext of preferred) {
    const withExt = data.filter((e) => e.name.toLowerCase().endsWith(ext));
    if (withExt.length === 1) return withExt[0];
    if (withExt.length > 1) {
      throw new InputError(`${name}: ${withExt.length} ${ext} members: ${listNames(withExt)} (choose one with --member NAME)`);
    }
  }
  throw new InputError(`${name}: no data file among its members: ${listNames(entries)} (choose one with --member NAME)`);
}

function memberMatches(member: string, pattern: RegExp | string): boolean {
  if (pattern instanceof RegExp) return pattern.test(member);
  const glob = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return glob.test(member) || glob.test(member.split('/').pop() ?? member);
}

function listNames(entries: readonly ArchiveEntry[], max = 12): string {
  const names = entries.map((e) => e.name).sort().slice(0, max);
  return names.join(', ') + (entries.length > max ? `, … (${entries.length} in all)` : '');
}

const temps = new Set<string>();
let exitHook = false;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-archive-'));
  temps.add(dir);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const d of temps) removeTemp(d);
    });
  }
  return dir;
}

function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  temps.delete(dir);
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${n} bytes`;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Text encodings

export interface DecodedText {
  text: string;
  encoding: string;
  notes: string[];
}

/**
 * Decodes a text file whatever encoding a user's tools gave it, or refuses it naming what was
 * found. See the module comment for the encodings read.
 */
export function decodeText(name: string, bytes: Uint8Array): DecodedText {
  const notes: string[] = [];
  let text: string;
  let encoding: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    text = strictDecode(name, bytes.subarray(2), 'utf-16le');
    encoding = 'utf-16le';
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    text = strictDecode(name, bytes.subarray(2), 'utf-16be');
    encoding = 'utf-16be';
  } else if (utf16Without(bytes)) {
    encoding = utf16Without(bytes)!;
    text = strictDecode(name, bytes, encoding);
  } else {
    const nul = bytes.indexOf(0);
    if (nul >= 0) {
      throw new InputError(
        `${where(name, lineAt(bytes, nul))}: NUL byte at offset ${nul}: this is a binary file, expected UTF-8 text (or a CSV re-saved by a spreadsheet in Windows-1252 or UTF-16)`,
      );
    }
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      encoding = bom ? 'utf-8-bom' : 'utf-8';
    } catch (err) {
      const legacy = legacyEncoding(bytes);
      const at = firstInvalidUtf8(bytes);
      const bad = `byte 0x${bytes[at].toString(16).padStart(2, '0')} at offset ${at}`;
      if (bom || !legacy) {
        throw new InputError(
          `${where(name, lineAt(bytes, at))}: ${bad} is not valid UTF-8` +
            (bom ? ' although the file starts with a UTF-8 byte-order mark (a file mixing encodings?)' : ', nor Windows-1252 text') +
            ` (expected UTF-8 text; re-export the file as UTF-8)`,
          { cause: err },
        );
      }
      text = legacy.text;
      encoding = legacy.encoding;
      notes.push(
        `read as ${legacy.encoding === 'windows-1252' ? 'Windows-1252' : 'Mac Roman'} (not UTF-8: ${bad}, line ${lineAt(bytes, at)}), ` +
          `as a spreadsheet re-saves CSV`,
      );
    }
  }
  // TextDecoder drops a leading BOM; a second one (double-encoded export) is dropped too.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const repaired = repairMojibake(text);
  if (repaired.count > 0) {
    text = repaired.text;
    notes.push(
      `repaired ${repaired.count} mis-encoded sequence${repaired.count > 1 ? 's' : ''} (UTF-8 once read as Latin-1, ` +
        `e.g. ${show(repaired.example.from, 30)} → ${show(repaired.example.to, 30)})`,
    );
  }
  return { text, encoding, notes };
}

function strictDecode(name: string, bytes: Uint8Array, encoding: string): string {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch (err) {
    throw new InputError(`${name}: looks like ${encoding.toUpperCase()} text but does not decode as such (expected UTF-8 text)`, { cause: err });
  }
}

/** 'utf-16le' / 'utf-16be' when the first bytes hold a NUL every other byte (text without BOM). */
function utf16Without(bytes: Uint8Array): string | undefined {
  const n = Math.min(bytes.length & ~1, 1024);
  if (n < 8) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > pairs * 0.6 && evenNul === 0) return 'utf-16le';
  if (evenNul > pairs * 0.6 && oddNul === 0) return 'utf-16be';
  return undefined;
}

/** Bytes 0x81 0x8d 0x8f 0x90 0x9d are unassigned in Windows-1252. */
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
/** Characters of French text outside ASCII: a correct decoding shows many of them. */
const FRENCH = /[àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»°’€]/g;

/** A single-byte spreadsheet encoding that reads the bytes as French text, if any. */
function legacyEncoding(bytes: Uint8Array): { text: string; encoding: string } | undefined {
  let controls = 0;
  for (const b of bytes) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) controls++;
  if (controls > 0) return undefined;
  const candidates: { text: string; encoding: string; score: number }[] = [];
  for (const encoding of ['windows-1252', 'macintosh']) {
    if (encoding === 'windows-1252' && bytes.some((b) => CP1252_UNDEFINED.has(b))) continue;
    let text: string;
    try {
      text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    } catch {
      continue;
    }
    let high = 0;
    for (const b of bytes) if (b >= 0x80) high++;
    const french = text.match(FRENCH)?.length ?? 0;
    candidates.push({ text, encoding, score: high ? french / high : 0 });
  }
  candidates.sort((a, b) => b.score - a.score);
  const best = candidates[0];
  // Most non-ASCII characters of a real French file decode to letters of the language.
  return best && best.score >= 0.5 ? { text: best.text, encoding: best.encoding } : undefined;
}

/** Windows-1252 characters of bytes 0x80–0x9f, to undo a Windows-1252 mis-decoding. */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const BYTE_OF = new Map<string, number>();
for (let b = 0x80; b <= 0xff; b++) BYTE_OF.set(String.fromCharCode(b), b);
for (let i = 0; i < 32; i++) BYTE_OF.set(CP1252_HIGH[i], 0x80 + i);
const CONT = `[\\u0080-\\u00bf${CP1252_HIGH.replace(/[\u0080-\u009f]/g, '')}]`;
/** A UTF-8 multi-byte sequence seen through Latin-1/Windows-1252 glasses; `Ã ` is « à » whose no-break space was lost. */
const MOJIBAKE_SOURCE = `[\\u00c2-\\u00df]${CONT}|[\\u00e0-\\u00ef]${CONT}{2}|[\\u00f0-\\u00f4]${CONT}{3}|\\u00c3 (?= )|\\u00c3(?=[\\s,;|.)])`;
/** What makes a text certainly mis-encoded: Ã or Â followed by a continuation character. */
const MOJIBAKE_SURE = new RegExp(`[\\u00c2\\u00c3]${CONT}`);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function fixSequence(seq: string): string {
  if (seq === '\u00c3 ' || seq === '\u00c3') return 'à';
  try {
    return UTF8.decode(Uint8Array.from(seq, (ch) => BYTE_OF.get(ch)!));
  } catch {
    return seq;
  }
}

/**
 * Repairs text that was UTF-8, read as Latin-1 or Windows-1252 and written again as UTF-8
 * (« rÃ©fÃ©rence » → « référence »). Only runs when the text has the unmistakable Ã/Â
 * pairs; a no-break space lost in the round trip (« Ã  » for « à ») is restored as « à ».
 */
export function repairMojibake(text: string): { text: string; count: number; example: { from: string; to: string } } {
  if (!MOJIBAKE_SURE.test(text)) return { text, count: 0, example: { from: '', to: '' } };
  let count = 0;
  let first = -1;
  const out = text.replace(new RegExp(MOJIBAKE_SOURCE, 'g'), (seq: string, offset: number) => {
    const fixed = fixSequence(seq);
    if (fixed !== seq) {
      count++;
      if (first < 0) first = offset;
    }
    return fixed;
  });
  if (count === 0) return { text, count, example: { from: '', to: '' } };
  const start = Math.max(0, text.slice(0, first).search(/[^\s;,|:"'(]*$/));
  const rest = text.slice(first).search(/[\s;,|"')]/);
  const from = text.slice(start, rest < 0 ? text.length : first + Math.max(rest, 2));
  return { text: out, count, example: { from, to: from.replace(new RegExp(MOJIBAKE_SOURCE, 'g'), fixSequence) } };
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
