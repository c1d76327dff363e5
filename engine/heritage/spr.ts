/**
 * Sites patrimoniaux remarquables (`spr`): `;` CSV keyed by code_insee (commune, nom_spr,
 * date_creation); no geometry is published, so scoring joins them through the commune.
 */
import { InputError, show, where } from '../errors.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { readCsvTable } from '../io/csv-table.ts';
import { RecordIds } from '../io/record-rules.ts';
import type { AppendColumn } from '../store/store.ts';
import { issue, layerName, OPEN_LICENCE, type LayerImportOptions } from '../hazards/common.ts';
import { restoreInseeZero } from './communes.ts';

interface SprRow {
  code_insee: string;
  commune: string | null;
  nom_spr: string | null;
  date_creation: string | null;
}

const INSEE = /^(\d{5}|2[AB]\d{3})$/;
const DATE = /^(\d{4}(-\d{2}(-\d{2})?)?|\d{2}\/\d{2}\/\d{4})$/;

export const sprImporter: Importer = {
  description: 'sites patrimoniaux remarquables (";" CSV: code_insee, commune, nom_spr, date_creation)',
  async prepare({ source, options }: ImportContext): Promise<PreparedImport> {
    const file = source.name;
    const table = readCsvTable(source, { delimiters: [';', ',', '\t'], expected: 'a ";" header with code_insee, commune, nom_spr, date_creation' });
    const lower = table.header.map((h) => h.toLowerCase());
    const idx = (names: string[]) => lower.findIndex((h) => names.includes(h));
    const ci = idx(['code_insee', 'insee', 'code_commune', 'codgeo']);
    if (ci < 0) throw new InputError(`${where(file, 1)}: no code_insee column in header ${show(table.header.join(table.delimiter), 100)} (expected code_insee;commune;nom_spr;date_creation)`);
    const mi = idx(['commune', 'nom_commune', 'libelle']);
    const ni = idx(['nom_spr', 'nom', 'libelle_spr', 'denomination']);
    const di = idx(['date_creation', 'date_de_creation', 'date']);
    if (table.records.length === 0) throw new InputError(`${file}: header only, no SPR rows (expected one row per SPR after the header)`);
    const rows: SprRow[] = [];
    const issues: ImportIssue[] = [];
    const ids = new RecordIds(file, ni >= 0 ? `${table.header[ci]} + ${table.header[ni]}` : table.header[ci]);
    for (const rec of table.records) {
      const f = (i: number) => (i >= 0 ? (rec.fields[i] ?? '').trim() : '');
      const given = f(ci);
      const code = restoreInseeZero(given);
      if (code !== given) {
        issues.push(issue(file, rec.line, 'insee_zero_restored', `${show(given)} lost its leading zero (a spreadsheet stores 08006 as the number 8006); read as ${code}`, {
          recordId: code, field: table.header[ci], value: given, kept: true,
        }));
      }
      if (!INSEE.test(code)) {
        throw new InputError(`${where(file, rec.line, table.header[ci])}: ${show(code)} is not an INSEE commune code (expected 5 characters, e.g. 56008 or 2A004)`);
      }
      // An SPR is its commune and its name (a commune may have several): the shared duplicate rule.
      const duplicate = ids.seen(ni >= 0 && f(ni) ? `${code} ${f(ni)}` : code, rec.line);
      if (duplicate) {
        issues.push(duplicate);
        continue;
      }
      let date: string | null = f(di) || null;
      if (date && !DATE.test(date)) {
        issues.push(issue(file, rec.line, 'invalid_date', `${show(date)} is not a date (expected YYYY-MM-DD); kept without a date`, {
          recordId: code, field: table.header[di], value: date, kept: true,
        }));
        date = null;
      } else if (date && date.includes('/')) {
        const [d, m, y] = date.split('/');
        date = `${y}-${m}-${d}`;
      }
      rows.push({ code_insee: code, commune: f(mi) || null, nom_spr: f(ni) || null, date_creation: date });
    }
    const layer = layerName(options as LayerImportOptions, source.path);
    return {
      layer,
      rowsRead: table.records.length,
      kept: rows.length,
      issues,
      crs: 'none',
      licence: OPEN_LICENCE,
      async write(store, catalogueId) {
        await store.run('DELETE FROM spr WHERE layer = $1', [layer]);
        await store.append('spr', rows, columns(catalogueId, layer));
      },
    };
  },
};

const columns = (catalogueId: number, layer: string): AppendColumn<SprRow>[] => [
  { type: 'varchar', get: (r) => r.code_insee },
  { type: 'varchar', get: (r) => r.commune },
  { type: 'varchar', get: (r) => r.nom_spr },
  { type: 'varchar', get: (r) => r.date_creation },
  { type: 'integer', get: () => catalogueId },
  { type: 'varchar', get: () => layer },
];
