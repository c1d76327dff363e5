/**
 * CSV for Excel in French: `;` separator, UTF-8 with BOM, CRLF, French headers (field titles).
 * Decimals are written with a decimal COMMA and no thousands separator (3,25): with `;` as the
 * separator no quoting is needed, Excel-fr reads them as numbers, and LibreOffice/QGIS read them
 * with « virgule » as decimal separator. Text is quoted only when it holds `;`, `"` or a newline.
 * Booleans are « oui » / « non ». Points get no geometry column (x/y and lon/lat are fields);
 * polygon layers leave geometry out (use GeoPackage or GeoJSON for shapes).
 */
import { registerExportFormat } from '../formats.ts';
import type { Value } from '../table.ts';
import { TextOut } from './text-out.ts';

export function csvCell(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'oui' : 'non';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : decimal(v);
  const text = neutraliseFormula(v);
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A text cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab / carriage
 * return before one) gets a leading apostrophe, as OWASP advises against CSV injection: a
 * monument title or a reviewer's note is data, never a formula. Numbers are written as numbers
 * and are not affected.
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Plain notation with a decimal comma (no exponent, at most 10 decimals, trailing zeros trimmed). */
function decimal(v: number): string {
  let s = Math.abs(v) >= 1e-6 ? String(v) : v.toFixed(10);
  if (/e/i.test(s)) s = v.toFixed(10);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s.replace('.', ',');
}

registerExportFormat({
  name: 'csv',
  extension: '.csv',
  contentType: 'text/csv; charset=utf-8',
  description: 'CSV « ; », UTF-8 avec BOM, décimales à virgule (Excel en français)',
  async write(table, path) {
    const out = new TextOut(path);
    await out.write('\ufeff' + table.fields.map((f) => csvCell(f.title)).join(';') + '\r\n');
    for (const r of table.rows) await out.write(r.values.map(csvCell).join(';') + '\r\n');
    await out.close();
  },
});
