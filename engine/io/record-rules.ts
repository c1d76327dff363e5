/**
 * One rule for duplicates, sizes and truncation, the same for every importer (docs/import-rules.md):
 *
 * - **Duplicate ids**: the first record with an id is kept; every later record with the same id
 *   is rejected (not stored) and reported as `duplicate_id`, naming the id, its line (or feature)
 *   and the line of the record kept. Hazard zones, whose id may be shared by the parts of one
 *   zone, are duplicates only when the id and the geometry repeat.
 * - **Nesting**: JSON nested deeper than JSON_DEPTH_LIMIT (64) levels is refused before parsing.
 * - **Field size**: a field longer than FIELD_LIMIT_BYTES (64 KiB of UTF-8) is cut to that size
 *   and the record kept and flagged `field_too_long` with its line, field and length.
 * - **Truncated files**: a record cut by the end of the file is refused where it shows (an
 *   unclosed quote, missing fields, cut JSON: InputError naming the line); a delimited text
 *   whose last line does not end with a line break is flagged `unterminated_last_line` (its last
 *   value may be cut); a file that declares its own count (GeoJSON `numberReturned`,
 *   `totalFeatures`, `numberMatched`) and holds a different number of records is refused
 *   (`numberReturned`) or flagged `partial_extract` (more matched than returned: a paged download).
 *
 * Readers shared by several importers (CSV tables, GeoJSON, vector formats) apply the size and
 * truncation rules themselves and hand their flags to the import in progress through
 * `recordIssue`; `importLayer` collects them (`collectRecordIssues`) into the import's report.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { InputError, show, where } from '../errors.ts';
import type { ImportIssue } from '../importers.ts';

/** Longest field kept whole, in bytes of UTF-8. */
export const FIELD_LIMIT_BYTES = 64 * 1024;

/** Deepest JSON nesting read (a GeoJSON MultiPolygon needs 7 levels with its feature). */
export const JSON_DEPTH_LIMIT = 64;

/**
 * Refuses JSON nested deeper than JSON_DEPTH_LIMIT before it is parsed: every reader walks
 * geometries recursively, and 10,000 nested arrays would overflow the stack. One pass over
 * the text, strings skipped.
 */
export function checkJsonDepth(text: string, file: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > JSON_DEPTH_LIMIT) {
        let line = 1;
        for (let k = text.indexOf('\n'); k >= 0 && k < i; k = text.indexOf('\n', k + 1)) line++;
        throw new InputError(
          `${where(file, line)}: JSON nested more than ${JSON_DEPTH_LIMIT} levels deep at offset ${i} ` +
            `(expected GeoJSON: a geometry needs at most 4 levels of arrays)`,
        );
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

const collector = new AsyncLocalStorage<ImportIssue[]>();

/** Runs `fn` and returns what it gave plus the issues the shared readers recorded meanwhile. */
export async function collectRecordIssues<T>(fn: () => Promise<T>): Promise<{ result: T; issues: ImportIssue[] }> {
  const issues: ImportIssue[] = [];
  const result = await collector.run(issues, fn);
  return { result, issues };
}

/** Adds a flag to the import in progress (ignored outside importLayer, e.g. a reader used alone). */
export function recordIssue(issue: ImportIssue): void {
  collector.getStore()?.push(issue);
}

/** `file line N, field` or, for features without a text line, `file, features[i], field`. */
function place(file: string, line: number | null, at: string | undefined, field?: string): string {
  if (at) return `${at}${field ? `, ${field}` : ''}`;
  return where(file, line ?? undefined, field);
}

/**
 * Cuts a string longer than FIELD_LIMIT_BYTES and records the flag; returns the value to keep.
 * `at` names a feature (`zones.gpkg, feature 12`) when there is no text line.
 */
export function limitField(value: string, file: string, line: number | null, field: string, at?: string, recordId?: string): string {
  // Fast path: a string of ≤ 16,384 UTF-16 units cannot exceed 64 KiB in UTF-8.
  if (value.length <= FIELD_LIMIT_BYTES / 4) return value;
  const bytes = Buffer.byteLength(value);
  if (bytes <= FIELD_LIMIT_BYTES) return value;
  let cut = Buffer.from(value).subarray(0, FIELD_LIMIT_BYTES).toString('utf8');
  if (cut.endsWith('\ufffd')) cut = cut.slice(0, -1); // a character split by the cut
  recordIssue({
    line,
    recordId,
    reason: 'field_too_long',
    field,
    value: show(value, 40),
    kept: true,
    message:
      `${place(file, line, at, field)}: ${show(value, 40)} is ${bytes.toLocaleString('en-US')} bytes long ` +
      `(expected at most ${FIELD_LIMIT_BYTES.toLocaleString('en-US')}); kept cut to that length`,
  });
  return cut;
}

/** limitField over every string field of a row (in place). */
export function limitFields(fields: string[], header: readonly string[], file: string, line: number): void {
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.length > FIELD_LIMIT_BYTES / 4) fields[i] = limitField(f, file, line, header[i] ?? `column ${i + 1}`);
  }
}

/** limitField over every string property of a feature (in place, nested values as their JSON). */
export function limitProperties(props: Record<string, unknown> | null | undefined, file: string, at: string): void {
  if (!props) return;
  for (const k of Object.keys(props)) {
    const v = props[k];
    if (typeof v === 'string') {
      if (v.length > FIELD_LIMIT_BYTES / 4) props[k] = limitField(v, file, null, k, at);
    } else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
      let text: string;
      try {
        text = JSON.stringify(v);
      } catch {
        text = '';
      }
      if (text.length > FIELD_LIMIT_BYTES / 4 && Buffer.byteLength(text) > FIELD_LIMIT_BYTES) {
        props[k] = limitField(text, file, null, k, at);
      }
    }
  }
}

/**
 * Flags a delimited text whose last line has no line break: the file may have been cut inside
 * its last record, and a cut value can still parse (« 47.25 » from « 47.2591 »).
 */
export function checkLastLine(text: string, file: string, lastRecordLine: number | undefined, lastValue?: string): void {
  if (lastRecordLine === undefined || text.length === 0 || text.endsWith('\n') || text.endsWith('\r')) return;
  recordIssue({
    line: lastRecordLine,
    reason: 'unterminated_last_line',
    value: lastValue,
    kept: true,
    message:
      `${where(file, lastRecordLine)}: the file ends without a line break after ${show(lastValue ?? '', 40)} ` +
      `(expected every record to end with one): the file may have been cut inside this record; check it against the source`,
  });
}

/**
 * Compares the number of records a file declares with the number read: `returned` (the count of
 * this file) must match, else InputError; `matched` (what the server had) larger than the count
 * read is flagged as a partial extract.
 */
export function checkDeclaredCount(
  file: string,
  found: number,
  declared: { returned?: { field: string; value: unknown }; matched?: { field: string; value: unknown } },
): void {
  const r = declared.returned;
  if (r && typeof r.value === 'number' && Number.isFinite(r.value) && r.value !== found) {
    throw new InputError(
      `${file}, ${r.field}: the file declares ${r.value} features but holds ${found} ` +
        `(expected ${found === 0 ? 'its features' : `${r.field} = ${found}`}; a truncated or edited download?)`,
    );
  }
  const m = declared.matched;
  if (m && typeof m.value === 'number' && Number.isFinite(m.value) && m.value > found) {
    recordIssue({
      line: null,
      reason: 'partial_extract',
      field: m.field,
      value: String(m.value),
      kept: true,
      message:
        `${file}, ${m.field}: the source matched ${m.value} features and this file holds ${found} ` +
        `(expected all of them: a paged download; fetch the other pages and import them together)`,
    });
  }
}

/** The rejection of a record whose id repeats the one at `firstAt` (`line 12`, `x.gpkg, feature 3`). */
export function duplicateIssue(file: string, line: number | null, field: string, id: string, firstAt: string, at?: string): ImportIssue {
  return {
    line,
    recordId: id,
    reason: 'duplicate_id',
    field,
    value: id,
    kept: false,
    message:
      `${place(file, line, at, field)}: ${show(id)} repeats the id of ${firstAt} ` +
      `(expected each id once); the first record is kept, this one is not stored`,
  };
}

/**
 * The duplicate-id rule: `seen(id, line)` returns undefined the first time and a rejection
 * issue (`duplicate_id`, kept: false) every later time, naming both lines.
 */
export class RecordIds {
  private readonly first = new Map<string, string>();

  constructor(
    private readonly file: string,
    private readonly field: string,
  ) {}

  /** `line` for text records; for features `line` is null and `at` names the feature. */
  seen(id: string, line: number | null, at?: string): ImportIssue | undefined {
    const firstAt = this.first.get(id);
    const here = at ?? `line ${line}`;
    if (firstAt === undefined) {
      this.first.set(id, here);
      return undefined;
    }
    return duplicateIssue(this.file, line, this.field, id, firstAt, at);
  }

  get size(): number {
    return this.first.size;
  }
}
