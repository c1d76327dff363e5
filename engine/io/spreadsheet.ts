/**
 * Spreadsheets as tables: an Excel workbook (.xlsx, Office Open XML) or an OpenDocument
 * spreadsheet (.ods, LibreOffice, the administration's open format) read into the same
 * header-and-records table the CSV reader gives, so every table importer (Mérimée, museums,
 * condition surveys, archaeological sites, SPR, commune tables) takes what heritage services
 * keep their lists in. A legacy Excel 97–2003 workbook (.xls) is refused by name.
 *
 * What is read: the first sheet holding data (hidden sheets skipped; the others named in a note),
 * its first non-empty row as the header, every later non-empty row as a record whose `line` is
 * the sheet's own row number (what the spreadsheet shows beside the row). Cells become text as
 * the spreadsheet displays them in essence: strings as typed, numbers as their shortest decimal
 * (Excel's « 0.10000000000000001 » is 0.1), dates as ISO dates (`2018-12-31`, with the time
 * when there is one), booleans as TRUE / FALSE, errors (#N/A) as empty. A cell right of the
 * header's last column that holds something is an error naming the row and column: a record
 * must not carry values no column names. Code columns (INSEE, postal code, département) whose
 * cells the workbook holds as numbers get their leading zeros back (01004, not 1004), and say so.
 *
 * The zip is unpacked with fflate (archive bomb limits as for any archive: source-file.ts) and
 * the XML read with fast-xml-parser.
 */
import { strFromU8, unzipSync, type UnzipFileInfo } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import { InputError, show } from '../errors.ts';
import type { CsvRecord, CsvTable } from './csv-table.ts';

export type SpreadsheetKind = 'xlsx' | 'ods' | 'xls';

/** What kind of spreadsheet the bytes are, from their content (the extension is only a hint); null: not one. */
export function spreadsheetKind(bytes: Uint8Array): SpreadsheetKind | null {
  if (bytes.length >= 8 && bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0) return 'xls';
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) return null;
  const head = strFromU8(bytes.subarray(0, Math.min(bytes.length, 200)), true);
  // ODF puts an uncompressed `mimetype` member first; Office Open XML starts with [Content_Types].xml
  if (head.includes('mimetypeapplication/vnd.oasis.opendocument.spreadsheet')) return 'ods';
  const names: string[] = [];
  try {
    unzipSync(bytes, { filter: (f: UnzipFileInfo) => (names.push(f.name), false) });
  } catch {
    return null;
  }
  if (names.includes('xl/workbook.xml')) return 'xlsx';
  if (names.includes('content.xml') && names.includes('META-INF/manifest.xml') && head.includes('opendocument.spreadsheet')) return 'ods';
  return null;
}

export interface SheetTable {
  table: CsvTable;
  /** what was done, one sentence each (the sheet chosen, others ignored, codes restored) */
  notes: string[];
}

/** Archive bomb limits for the workbook's members: source-file.ts's ARCHIVE_LIMITS. */
export interface BombLimits {
  maxRatio: number;
  maxBytes: number;
}

/** Reads the first sheet with data of an .xlsx or .ods workbook as a table; `name` starts every message. */
export function readSpreadsheet(name: string, bytes: Uint8Array, kind: SpreadsheetKind, expected: string, limits: BombLimits): SheetTable {
  if (kind === 'xls') {
    throw new InputError(`${name}: an Excel 97–2003 workbook (.xls), which is not read here; save it as .xlsx (Excel: Fichier › Enregistrer sous), .ods or CSV UTF-8 (expected ${expected})`);
  }
  const members = unzipWorkbook(name, bytes, limits);
  const sheets = kind === 'xlsx' ? xlsxSheets(name, members) : odsSheets(name, members);
  const withData = sheets.filter((s) => s.rows.some((r) => r.cells.some((c) => c !== '')));
  if (withData.length === 0) throw new InputError(`${name}: no sheet holds any data (${sheets.length} sheet(s): ${sheets.map((s) => show(s.name)).join(', ')}; expected ${expected})`);
  const chosen = withData[0];
  const notes = [`read from sheet ${show(chosen.name)}${withData.length > 1 ? ` (${withData.length - 1} other sheet(s) with data ignored: ${withData.slice(1).map((s) => show(s.name)).join(', ')})` : ''}`];
  return { table: tableOf(name, chosen, notes), notes };
}

/** A sheet's rows as text cells, with the row numbers the spreadsheet shows. */
interface Sheet {
  name: string;
  /** `numeric`: the columns whose cell is a number in the workbook (not text typed as digits) */
  rows: { row: number; cells: string[]; numeric: Set<number> }[];
}

/**
 * Columns of French codes that spreadsheets turn into numbers, losing their leading zero (the
 * INSEE code 01004 becomes 1004, the postal code 03470 becomes 3470, the département 01 becomes 1),
 * with their width; a number cell shorter than that is given its zeros back.
 */
const CODE_COLUMNS: [RegExp, number][] = [
  [/insee|code.?postal|^cp$|code.?commune|^com$|^cog|code.?officiel/i, 5],
  [/^(code.?)?d[ée]p(artement)?$|^dpt$|^code.?dep|code.?d[ée]partement/i, 2],
];

function tableOf(name: string, sheet: Sheet, notes: string[]): CsvTable {
  const rows = sheet.rows.filter((r) => r.cells.some((c) => c.trim() !== ''));
  const headRow = rows[0];
  let width = headRow.cells.length;
  while (width > 0 && headRow.cells[width - 1].trim() === '') width--;
  const header = headRow.cells.slice(0, width).map((c) => c.trim());
  const widths = header.map((h) => CODE_COLUMNS.find(([re]) => re.test(h.normalize('NFD').replace(/[\u0300-\u036f]/g, '')))?.[1] ?? 0);
  const restored = new Map<string, number>();
  const records: CsvRecord[] = [];
  for (const r of rows.slice(1)) {
    const extra = r.cells.findIndex((c, i) => i >= width && c.trim() !== '');
    if (extra >= 0) {
      throw new InputError(
        `${name} line ${r.row}, column ${columnName(extra)}: ${show(r.cells[extra])} is right of the header's last column (${columnName(width - 1)}, ${show(header[width - 1])}); ` +
          `expected values under named columns only (sheet ${show(sheet.name)})`,
      );
    }
    const fields = r.cells.slice(0, width);
    while (fields.length < width) fields.push('');
    for (let i = 0; i < width; i++) {
      if (widths[i] && r.numeric.has(i) && /^\d+$/.test(fields[i]) && fields[i].length < widths[i]) {
        fields[i] = fields[i].padStart(widths[i], '0');
        restored.set(header[i], (restored.get(header[i]) ?? 0) + 1);
      }
    }
    records.push({ line: r.row, fields });
  }
  if (restored.size) {
    notes.push(`leading zeros restored in ${[...restored].map(([h, n]) => `${n} ${show(h)} cell(s)`).join(', ')}: the workbook stores these codes as numbers (01004 as 1004)`);
  }
  return { delimiter: '', header, records };
}

function unzipWorkbook(name: string, bytes: Uint8Array, limits: BombLimits): Map<string, string> {
  const wanted = /^(xl\/(workbook\.xml|_rels\/workbook\.xml\.rels|sharedStrings\.xml|styles\.xml|worksheets\/[^/]+\.xml)|content\.xml)$/;
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f: UnzipFileInfo) => {
        if (!wanted.test(f.name)) return false;
        total += f.originalSize;
        if (f.originalSize > Math.max(limits.maxRatio * f.size, 1024 * 1024) || total > limits.maxBytes) {
          throw new InputError(`${name}: refused, member ${f.name} expands to ${f.originalSize.toLocaleString('en-US')} bytes from ${f.size.toLocaleString('en-US')}: a workbook bomb or a damaged file`);
        }
        return true;
      },
    });
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${name}: not a readable workbook (${(err as Error).message}; a truncated download?)`, { cause: err });
  }
  return new Map(Object.entries(files).map(([k, v]) => [k, strFromU8(v)]));
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (tag) => ['sheet', 'Relationship', 'si', 'r', 'row', 'c', 'xf', 'numFmt'].includes(tag),
});

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
type Node = Record<string, unknown>;

/** Text of an XML node as fast-xml-parser gives it: a string, or an object with `#text`; Excel's `_x000D_` escapes decoded. */
function textOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number') return String(v).replace(/_x([0-9A-Fa-f]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  if (Array.isArray(v)) return v.map(textOf).join('');
  return textOf((v as Node)['#text']);
}

// ---------------------------------------------------------------- xlsx

function xlsxSheets(name: string, files: Map<string, string>): Sheet[] {
  const need = (path: string) => {
    const text = files.get(path);
    if (text === undefined) throw new InputError(`${name}: ${path} is missing; not a complete Excel workbook`);
    return parser.parse(text) as Node;
  };
  const workbook = need('xl/workbook.xml').workbook as Node;
  const date1904 = ['1', 'true'].includes(String(((workbook.workbookPr as Node | undefined) ?? {})['@date1904'] ?? ''));
  const rels = new Map<string, string>();
  for (const r of asArray((files.has('xl/_rels/workbook.xml.rels') ? (need('xl/_rels/workbook.xml.rels').Relationships as Node) : {}).Relationship as Node[] | undefined)) {
    rels.set(String(r['@Id']), String(r['@Target']).replace(/^\/?xl\//, ''));
  }
  const shared = files.has('xl/sharedStrings.xml')
    ? asArray(((need('xl/sharedStrings.xml').sst as Node) ?? {}).si as Node[] | undefined).map((si) =>
        // plain <t>, or rich text runs <r><t>; phonetic runs <rPh> are not text
        si.t !== undefined ? textOf(si.t) : asArray(si.r as Node[] | undefined).map((r) => textOf(r.t)).join(''),
      )
    : [];
  const dateStyles = files.has('xl/styles.xml') ? xlsxDateStyles(need('xl/styles.xml')) : new Set<number>();
  const out: Sheet[] = [];
  for (const s of asArray(((workbook.sheets as Node) ?? {}).sheet as Node[] | undefined)) {
    if (s['@state'] === 'hidden' || s['@state'] === 'veryHidden') continue;
    const target = rels.get(String(s['@r:id'] ?? '')) ?? '';
    const path = `xl/${target}`;
    if (!files.has(path)) continue;
    const data = ((need(path).worksheet as Node) ?? {}).sheetData as Node | string | undefined;
    const rows: Sheet['rows'] = [];
    let next = 1;
    for (const row of asArray(typeof data === 'object' ? (data.row as Node[] | undefined) : undefined)) {
      const r = row['@r'] !== undefined ? Number(row['@r']) : next;
      next = r + 1;
      const cells: string[] = [];
      const numeric = new Set<number>();
      let col = 0;
      for (const c of asArray(row.c as Node[] | undefined)) {
        if (c['@r'] !== undefined) col = columnIndex(String(c['@r']));
        cells[col] = xlsxCell(c, shared, dateStyles, date1904);
        if ((c['@t'] ?? 'n') === 'n' && !(c['@s'] !== undefined && dateStyles.has(Number(c['@s'])))) numeric.add(col);
        col++;
      }
      for (let i = 0; i < cells.length; i++) cells[i] ??= '';
      rows.push({ row: r, cells, numeric });
    }
    out.push({ name: String(s['@name']), rows });
  }
  return out;
}

function xlsxCell(c: Node, shared: string[], dateStyles: Set<number>, date1904: boolean): string {
  const t = c['@t'] ?? 'n';
  const v = textOf(c.v);
  switch (t) {
    case 's':
      return shared[Number(v)] ?? '';
    case 'inlineStr': {
      const is = (c.is ?? {}) as Node;
      return is.t !== undefined ? textOf(is.t) : asArray(is.r as Node[] | undefined).map((r) => textOf(r.t)).join('');
    }
    case 'str':
      return v;
    case 'b':
      return v === '1' ? 'TRUE' : v === '0' ? 'FALSE' : v;
    case 'e':
      return '';
    case 'd':
      return v.replace(/T00:00:00(\.0+)?Z?$/, '');
    default: {
      if (v === '') return '';
      const n = Number(v);
      if (!Number.isFinite(n)) return v;
      if (c['@s'] !== undefined && dateStyles.has(Number(c['@s']))) return serialDate(n, date1904);
      return String(n);
    }
  }
}

/** Indexes of the cell styles (cellXfs) whose number format is a date or time. */
function xlsxDateStyles(styles: Node): Set<number> {
  const sheet = (styles.styleSheet ?? {}) as Node;
  const custom = new Map<number, string>();
  for (const f of asArray(((sheet.numFmts as Node) ?? {}).numFmt as Node[] | undefined)) custom.set(Number(f['@numFmtId']), String(f['@formatCode']));
  const isDate = (id: number) => {
    if ((id >= 14 && id <= 22) || (id >= 45 && id <= 47) || (id >= 27 && id <= 36) || (id >= 50 && id <= 58)) return true;
    const code = custom.get(id);
    if (!code) return false;
    // quoted text, escapes, colours and conditions are not date parts
    const bare = code.replace(/"[^"]*"|\\.|\[[^\]]*\]/g, '');
    return /[dmyhs]/i.test(bare) && !/[#0?]/.test(bare.replace(/[dmyhs]+/gi, ''));
  };
  const out = new Set<number>();
  asArray(((sheet.cellXfs as Node) ?? {}).xf as Node[] | undefined).forEach((xf, i) => {
    if (isDate(Number(xf['@numFmtId'] ?? 0))) out.add(i);
  });
  return out;
}

/** An Excel date serial as an ISO date (with the time when it has one). */
function serialDate(n: number, date1904: boolean): string {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  const ms = Math.round(n * 86400) * 1000;
  const iso = new Date(epoch + ms).toISOString();
  return ms % 86400000 === 0 ? iso.slice(0, 10) : iso.slice(0, 19).replace(/:00$/, '');
}

/** `B12` → 1 (zero-based column of an A1 reference). */
function columnIndex(ref: string): number {
  const letters = /^[A-Z]+/i.exec(ref)?.[0].toUpperCase() ?? 'A';
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** 1 → `B`. */
function columnName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

// ---------------------------------------------------------------- ods

const odsParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false, trimValues: false, preserveOrder: true });

/** Most repeated rows or columns a file may ask for (ODS pads sheets with « 1,048,576 empty rows »). */
const MAX_REPEAT = 100_000;

function odsSheets(name: string, files: Map<string, string>): Sheet[] {
  const content = files.get('content.xml');
  if (content === undefined) throw new InputError(`${name}: content.xml is missing; not a complete OpenDocument spreadsheet`);
  const doc = odsParser.parse(content) as OrderedNode[];
  const out: Sheet[] = [];
  for (const table of findAll(doc, 'table:table')) {
    const rows: Sheet['rows'] = [];
    let r = 1;
    for (const row of findAll(children(table), 'table:table-row')) {
      const repeat = Math.min(Number(attr(row, 'table:number-rows-repeated') ?? 1), MAX_REPEAT);
      const cells: string[] = [];
      const numeric = new Set<number>();
      for (const cell of children(row)) {
        const tag = tagOf(cell);
        if (tag !== 'table:table-cell' && tag !== 'table:covered-table-cell') continue;
        const times = Math.min(Number(attr(cell, 'table:number-columns-repeated') ?? 1), MAX_REPEAT);
        const value = tag === 'table:covered-table-cell' ? '' : odsCell(cell);
        if (attr(cell, 'office:value-type') === 'float') for (let k = 0; k < times; k++) numeric.add(cells.length + k);
        // trailing empty cells repeated to the sheet's width are not data
        if (value === '' && times > 1) {
          for (let k = 0; k < times && cells.length < 16384; k++) cells.push('');
        } else for (let k = 0; k < times; k++) cells.push(value);
      }
      while (cells.length && cells[cells.length - 1] === '') cells.pop();
      if (cells.length > 0) for (let k = 0; k < repeat; k++) rows.push({ row: r + k, cells: [...cells], numeric });
      r += Number(attr(row, 'table:number-rows-repeated') ?? 1);
    }
    out.push({ name: attr(table, 'table:name') ?? `sheet ${out.length + 1}`, rows });
  }
  return out;
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const tagOf = (n: OrderedNode) => Object.keys(n).find((k) => k !== ':@') ?? '';
const children = (n: OrderedNode): OrderedNode[] => (n[tagOf(n)] as OrderedNode[] | undefined) ?? [];
const attr = (n: OrderedNode, a: string): string | undefined => n[':@']?.[`@${a}`];

function findAll(nodes: OrderedNode[], tag: string): OrderedNode[] {
  const out: OrderedNode[] = [];
  for (const n of nodes) {
    const t = tagOf(n);
    if (t === tag) out.push(n);
    else if (t !== '#text' && Array.isArray(n[t])) out.push(...findAll(n[t] as OrderedNode[], tag));
  }
  return out;
}

function odsCell(cell: OrderedNode): string {
  const type = attr(cell, 'office:value-type');
  if (type === 'float' || type === 'percentage' || type === 'currency') {
    const n = Number(attr(cell, 'office:value'));
    return Number.isFinite(n) ? String(n) : odsText(children(cell));
  }
  if (type === 'date') return (attr(cell, 'office:date-value') ?? '').replace(/T00:00:00(\.0+)?$/, '');
  if (type === 'boolean') return attr(cell, 'office:boolean-value') === 'true' ? 'TRUE' : 'FALSE';
  return odsText(children(cell));
}

/** Text of a cell: its paragraphs joined by line breaks, `<text:s c="3"/>` as spaces, `<text:tab/>`, `<text:line-break/>`. */
function odsText(nodes: OrderedNode[]): string {
  const paragraphs: string[] = [];
  for (const n of nodes) if (tagOf(n) === 'text:p' || tagOf(n) === 'text:h') paragraphs.push(inline(children(n)));
  return paragraphs.join('\n');
}

function inline(nodes: OrderedNode[]): string {
  let s = '';
  for (const n of nodes) {
    const t = tagOf(n);
    if (t === '#text') s += String(n['#text']);
    else if (t === 'text:s') s += ' '.repeat(Number(attr(n, 'text:c') ?? 1));
    else if (t === 'text:tab') s += '\t';
    else if (t === 'text:line-break') s += '\n';
    else if (t === 'office:annotation') continue;
    else s += inline(children(n));
  }
  return s;
}
