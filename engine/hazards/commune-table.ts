/**
 * Hazards published by commune: `seismic` (zonage sismique, `code_insee;code_zone` 1–5) and
 * `rga-commune` (clay shrink-swell class by commune, 0–3 or faible/moyen/fort) → hazard_by_commune.
 */
import { InputError, show, where } from '../errors.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { readCsvTable } from '../io/csv-table.ts';
import { RecordIds } from '../io/record-rules.ts';
import type { AppendColumn } from '../store/store.ts';
import { clearLayer, effectiveVintage, layerName, upsertHazardLayer, OPEN_LICENCE, type Hazard, type LayerImportOptions } from './common.ts';

const INSEE = /^(\d{5}|2[AB]\d{3})$/;

interface CommuneHazardRow {
  code_insee: string;
  level_code: number;
  attrs: Record<string, string>;
}

interface TableSpec {
  hazard: Hazard;
  schema: string;
  expected: string;
  codeAliases: readonly string[];
  levelAliases: readonly string[];
  levelExpected: string;
  /** parses a level cell, undefined when invalid */
  level(raw: string): number | undefined;
}

const SEISMIC: TableSpec = {
  hazard: 'seismic',
  schema: 'zonage_sismique',
  expected: 'a ";" header with code_insee and code_zone',
  codeAliases: ['code_insee', 'insee', 'insee_com', 'code_commune', 'codgeo'],
  levelAliases: ['code_zone', 'zone_sismique', 'zone', 'zonage'],
  levelExpected: 'a seismic zone 1 (très faible) … 5 (fort)',
  level: (raw) => (/^[1-5]$/.test(raw.trim()) ? Number(raw) : undefined),
};

const RGA_WORDS: Record<string, number> = { nul: 0, 'a priori nul': 0, faible: 1, moyen: 2, fort: 3 };
const RGA_COMMUNE: TableSpec = {
  hazard: 'clay',
  schema: 'rga_commune',
  expected: 'a ";" header with code_insee and niveau (or classe / exposition)',
  codeAliases: SEISMIC.codeAliases,
  levelAliases: ['niveau', 'classe', 'classe_rga', 'exposition', 'alea', 'niveau_rga'],
  levelExpected: 'an RGA class 0, 1 faible, 2 moyen or 3 fort',
  level: (raw) => {
    const s = raw.trim().toLowerCase();
    if (/^[0-3]$/.test(s)) return Number(s);
    return RGA_WORDS[s];
  },
};

function communeTableImporter(spec: TableSpec, description: string): Importer {
  return {
    description,
    async prepare({ source, options }: ImportContext): Promise<PreparedImport> {
      const opts = options as LayerImportOptions;
      const file = source.name;
      const table = readCsvTable(source, { delimiters: [';', ',', '\t'], expected: spec.expected });
      const lower = table.header.map((h) => h.toLowerCase());
      const col = (aliases: readonly string[], what: string) => {
        const i = lower.findIndex((h) => aliases.includes(h));
        if (i < 0) {
          throw new InputError(`${where(file, 1)}: no ${what} column in header ${show(table.header.join(table.delimiter), 100)} (expected one of: ${aliases.join(', ')})`);
        }
        return i;
      };
      const ci = col(spec.codeAliases, 'INSEE code');
      const li = col(spec.levelAliases, 'level');
      if (table.records.length === 0) throw new InputError(`${file}: header only, no commune rows (expected ${spec.expected})`);
      const rows: CommuneHazardRow[] = [];
      const issues: ImportIssue[] = [];
      const seen = new RecordIds(file, table.header[ci]);
      for (const rec of table.records) {
        const code = (rec.fields[ci] ?? '').trim().padStart(5, '0');
        const raw = rec.fields[li] ?? '';
        if (!INSEE.test(code)) {
          throw new InputError(`${where(file, rec.line, table.header[ci])}: ${show(rec.fields[ci])} is not an INSEE commune code (expected 5 characters, e.g. 56001 or 2A004)`);
        }
        const level = spec.level(raw);
        if (level === undefined) {
          throw new InputError(`${where(file, rec.line, table.header[li])}: ${show(raw)} is not valid for commune ${code} (expected ${spec.levelExpected})`);
        }
        const duplicate = seen.seen(code, rec.line);
        if (duplicate) {
          issues.push(duplicate);
          continue;
        }
        const attrs: Record<string, string> = {};
        table.header.forEach((h, i) => {
          if (i !== ci && i !== li && rec.fields[i]) attrs[h] = rec.fields[i];
        });
        rows.push({ code_insee: code, level_code: level, attrs });
      }
      const layer = layerName(opts, source.path);
      return {
        layer,
        rowsRead: table.records.length,
        kept: rows.length,
        issues,
        crs: 'none',
        licence: OPEN_LICENCE,
        async write(store, catalogueId) {
          await clearLayer(store, 'hazard_by_commune', layer);
          await store.append('hazard_by_commune', rows, columns(layer, spec.hazard));
          await upsertHazardLayer(
            store,
            { layer, hazard: spec.hazard, kind: 'commune_table', source_file: source.path, crs: 'none', licence: OPEN_LICENCE, format: 'csv', schema: spec.schema, feature_count: rows.length },
            catalogueId,
            effectiveVintage(opts, undefined, source.modified),
          );
        },
      };
    },
  };
}

const columns = (layer: string, hazard: Hazard): AppendColumn<CommuneHazardRow>[] => [
  { type: 'varchar', get: () => layer },
  { type: 'varchar', get: () => hazard },
  { type: 'varchar', get: (r) => r.code_insee },
  { type: 'integer', get: (r) => r.level_code },
  { type: 'double', get: () => null },
  { type: 'json', get: (r) => r.attrs },
];

export const seismicImporter = communeTableImporter(SEISMIC, 'seismic zoning by commune: ";" CSV code_insee;code_zone (1–5)');
export const rgaCommuneImporter = communeTableImporter(RGA_COMMUNE, 'clay shrink-swell class by commune: ";" CSV code_insee;niveau (0–3 or faible/moyen/fort)');
