/**
 * Parses delimited text into a header and records that remember the line they start on.
 * The delimiter is detected from the header line among the ones a format allows; any
 * structural fault (unclosed quote, wrong field count) is an InputError naming the line,
 * the column and what was expected, because a half-read table must never be imported.
 */
import { parse, type CsvError } from 'csv-parse/sync';
import { InputError, show, where } from '../errors.ts';
import { checkLastLine, limitFields } from './record-rules.ts';
import type { SourceFile } from './source-file.ts';

export interface CsvRecord {
  /** 1-based line where the record starts (quoted newlines make records span lines) */
  readonly line: number;
  readonly fields: string[];
  /** where the record is when its line does not tell (a JSON record: « feature 12 ») */
  readonly label?: string;
}

export interface CsvTable {
  readonly delimiter: string;
  readonly header: string[];
  readonly records: CsvRecord[];
}

export interface CsvOptions {
  /** delimiters the format allows, most likely first */
  readonly delimiters: readonly string[];
  /** what a valid header looks like, for messages */
  readonly expected: string;
}

export function readCsvTable(source: SourceFile, options: CsvOptions): CsvTable {
  // a spreadsheet was read into a table already (source-file.ts), its records numbered by row
  if (source.table) return source.table;
  const firstLine = source.text.slice(0, lineEnd(source.text, 0));
  const delimiter = detectDelimiter(firstLine, options.delimiters);
  if (!delimiter) {
    throw new InputError(
      `${where(source.name, 1)}: header ${show(firstLine, 80)} is not separated by ` +
        `${options.delimiters.map((d) => JSON.stringify(d)).join(' or ')} (expected ${options.expected})`,
    );
  }

  // Lines are counted here from the bytes each record consumed: csv-parse's own `lines`
  // counts a quoted "\r\n" as two lines, which would point messages at the wrong line.
  const bytes = Buffer.from(source.text);
  const lines = new LineCounter(bytes);
  let lastEnd = 0; // line where the previous record ended, to locate errors that have no record
  const starts: number[] = [];
  let rows: string[][];
  try {
    rows = parse(bytes, {
      delimiter,
      skip_empty_lines: true,
      // Real exports carry quotes inside unquoted fields (`Eglise dite "la Grande"`).
      relax_quotes: true,
      on_record: (fields: string[], ctx) => {
        lastEnd = lines.endingAt(ctx.bytes);
        starts.push(lastEnd - newlinesIn(fields));
        return fields;
      },
    });
  } catch (err) {
    throw structuralError(source, err as CsvError, delimiter, lastEnd, lines, options.expected);
  }
  const parsed: CsvRecord[] = rows.map((fields, i) => ({ line: starts[i], fields }));
  const [head, ...records] = parsed;
  if (!head) throw new InputError(`${source.name}: the file is empty (expected ${options.expected})`);
  const header = head.fields.map((h) => h.trim());
  // The shared record rules (engine/io/record-rules.ts): oversize fields cut and flagged, a last
  // line without a line break flagged.
  for (const r of parsed) limitFields(r.fields, header, source.name, r.line);
  const last = records[records.length - 1];
  checkLastLine(source.text, source.name, last?.line, last?.fields[last.fields.length - 1]);
  return { delimiter, header, records };
}

/** The allowed delimiter occurring most often outside quotes in the header line, if any. */
export function detectDelimiter(headerLine: string, allowed: readonly string[]): string | undefined {
  const counts = new Map<string, number>(allowed.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best: string | undefined;
  for (const d of allowed) if (counts.get(d)! > 0 && (!best || counts.get(d)! > counts.get(best)!)) best = d;
  return best;
}

function structuralError(
  source: SourceFile,
  err: CsvError,
  delimiter: string,
  lastEnd: number,
  lines: LineCounter,
  expected: string,
): Error {
  if (!err || typeof err !== 'object' || !('code' in err)) return err;
  const header = headerOf(source.text);
  const column = (i: number | undefined) => (i !== undefined && header[i] !== undefined ? header[i] : `column ${(i ?? 0) + 1}`);
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
    const line = lastEnd + 1;
    const value = fieldTail(source.text, lineStart(source.text, line), delimiter, err.column as number);
    return new InputError(
      `${where(source.name, line, column(err.column as number))}: ${show(value)} opens a quote that is never closed: ` +
        `the file ends inside it (truncated file? expected a closing " then ${JSON.stringify(delimiter)} or a new line)`,
      { cause: err },
    );
  }
  if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
    const record = (err.record ?? []) as string[];
    const line = lines.endingAt(err.bytes as number) - newlinesIn(record);
    const n = record.length;
    const message =
      n < header.length
        ? `${where(source.name, line, column(n))}: missing, the row has ${n} fields where the header has ${header.length} ` +
          `(last value ${show(record[n - 1] ?? '')}; expected ${header.length} values separated by ${JSON.stringify(delimiter)}: ` +
          `truncated row or lost separator?)`
        : `${where(source.name, line, column(header.length - 1))}: followed by an extra value ${show(record[header.length])}, ` +
          `the row has ${n} fields where the header has ${header.length} (expected ${JSON.stringify(delimiter)} only ` +
          `between values or inside quotes)`;
    return new InputError(message, { cause: err });
  }
  return new InputError(`${where(source.name, lines.endingAt(err.bytes as number))}: ${err.message} (expected ${expected})`, {
    cause: err,
  });
}

function headerOf(text: string): string[] {
  const first = text.slice(0, lineEnd(text, 0));
  const d = detectDelimiter(first, ['|', ';', ',', '\t']) ?? '|';
  try {
    return (parse(first, { delimiter: d, relax_quotes: true }) as string[][])[0]?.map((h) => h.trim()) ?? [];
  } catch {
    return first.split(d).map((h) => h.replace(/^"|"$/g, '').trim());
  }
}

/** Line (1-based) on which the content before byte offset `end` finishes; offsets must not decrease. */
class LineCounter {
  private offset = 0;
  private newlines = 0;
  constructor(private readonly bytes: Buffer) {}

  endingAt(end: number): number {
    if (end < this.offset) {
      this.offset = 0;
      this.newlines = 0;
    }
    for (let i = this.bytes.indexOf(0x0a, this.offset); i >= 0 && i < end; i = this.bytes.indexOf(0x0a, i + 1)) this.newlines++;
    this.offset = end;
    // A record that consumed its own line break ends on the line before that break.
    return end > 0 && this.bytes[end - 1] === 0x0a ? this.newlines : this.newlines + 1;
  }
}

function lineEnd(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  const end = i < 0 ? text.length : i;
  return text[end - 1] === '\r' ? end - 1 : end;
}

function lineStart(text: string, line: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return text.length;
    start = nl + 1;
  }
  return start;
}

/** Text of field number `column` of the record starting at `from`, up to the end of the file. */
function fieldTail(text: string, from: number, delimiter: string, column: number): string {
  let quoted = false;
  let count = 0;
  for (let i = from; i < text.length && count < column; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (!quoted && text[i] === delimiter && ++count === column) return text.slice(i + 1);
  }
  return text.slice(from);
}

function newlinesIn(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) n++;
  return n;
}
