/**
 * DRIAS climate indicators (`drias`): `;` text with `#` header comments, one file per warming
 * level of the TRACC (reference, +2.0, +2.7, +4.0 °C), columns
 * `Point;Latitude;Longitude;Contexte|Niveau;Période;<indicators>` on the 8 km SAFRAN grid.
 * Stored one row per point × indicator in climate_points, under one layer per hazard
 * (`drias_heat`, `drias_drought`, `drias_wildfire` by default), so scoring joins
 * hazard_layers.layer = climate_points.layer. The warming level comes from the header
 * comments (Contexte / Période / Niveau de réchauffement), else --warming; neither is an error.
 */
import { InputError, show, where } from '../errors.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import type { AppendColumn } from '../store/store.ts';
import { effectiveVintage, issue, placement, upsertHazardLayer, OPEN_LICENCE, type Hazard, type LayerImportOptions } from './common.ts';

/** The indicators Vigie scores, with their hazard. */
export const DRIAS_INDICATORS: Record<string, { hazard: Hazard; label: string }> = {
  NORTX35D_yr: { hazard: 'heat', label: 'days with Tmax > 35 °C' },
  NORTR_yr: { hazard: 'heat', label: 'tropical nights (Tmin > 20 °C)' },
  NORSWI04_yr: { hazard: 'drought', label: 'soil-drought days (SWI < 0.4)' },
  NORIFM40_yr: { hazard: 'wildfire', label: 'fire-weather days (IFM > 40)' },
};
export const WARMING_LEVELS = ['ref', '+2.0', '+2.7', '+4.0'] as const;
export type Warming = (typeof WARMING_LEVELS)[number];

const FIXED = [['point'], ['latitude', 'lat'], ['longitude', 'lon'], ['contexte', 'niveau'], ['période', 'periode']] as const;

/** `ref`, `référence`, `+2.7`, `2,7`, `GWL27`, `TRACC +2.7°C` → canonical level, undefined if none. */
export function parseWarming(text: string): Warming | undefined {
  const s = text.trim();
  if (/r[ée]f[ée]rence|^ref$|historique|1976-2005/i.test(s)) return 'ref';
  const gwl = /GWL\s*([0-9])([0-9])\b/i.exec(s);
  const num = gwl ? `${gwl[1]}.${gwl[2]}` : /\+?\s*([0-9])[.,]([0-9])\s*(?:°|deg|$)/i.exec(s)?.slice(1, 3).join('.');
  if (!num) return undefined;
  const w = `+${Number(num).toFixed(1)}`;
  return (WARMING_LEVELS as readonly string[]).includes(w) ? (w as Warming) : undefined;
}

interface PointValue {
  warming: Warming;
  point: string;
  lon: number;
  lat: number;
  x: number;
  y: number;
  indicator: string;
  value: number | null;
  layer: string;
}

export const driasImporter: Importer = {
  description: 'DRIAS climate indicators (";" text, # header): NORTX35D_yr, NORTR_yr, NORSWI04_yr, NORIFM40_yr; --warming ref|+2.0|+2.7|+4.0',
  async prepare({ source, options }: ImportContext): Promise<PreparedImport> {
    const opts = options as LayerImportOptions;
    const file = source.name;
    const lines = source.text.split(/\r?\n/);
    const comments: string[] = [];
    let h = 0;
    while (h < lines.length && (lines[h].startsWith('#') || lines[h].trim() === '')) {
      if (lines[h].startsWith('#')) comments.push(lines[h].slice(1).replace(/^ /, ''));
      h++;
    }
    if (h >= lines.length) throw new InputError(`${file}: only comments, no column header (expected Point;Latitude;Longitude;Contexte;Période;<indicators>)`);
    const header = lines[h].split(';').map((c) => c.trim());
    const headerLine = h + 1;
    FIXED.forEach((aliases, i) => {
      if (!aliases.includes((header[i] ?? '').toLowerCase() as never)) {
        throw new InputError(
          `${where(file, headerLine, `column ${i + 1}`)}: ${show(header[i] ?? '')} where ${aliases[0]} was expected ` +
            `(header must start Point;Latitude;Longitude;Contexte;Période)`,
        );
      }
    });
    const indicators = header.slice(FIXED.length);
    const unknown = indicators.filter((c) => !(c in DRIAS_INDICATORS));
    if (unknown.length || indicators.length === 0) {
      throw new InputError(
        `${where(file, headerLine)}: ${unknown.length ? `unknown indicator column(s) ${unknown.map((u) => show(u)).join(', ')}` : 'no indicator columns'}; ` +
          `known: ${Object.entries(DRIAS_INDICATORS).map(([k, v]) => `${k} (${v.label})`).join(', ')}`,
      );
    }

    // Warming level: header comments first, then --warming; a disagreement is an error.
    const fromHeader = headerWarming(comments);
    let optWarming: Warming | undefined;
    if (opts.warming) {
      optWarming = parseWarming(opts.warming);
      if (!optWarming) throw new InputError(`${file}: --warming ${show(opts.warming)} is not a warming level (expected one of ${WARMING_LEVELS.join(', ')})`);
    }
    if (fromHeader && optWarming && fromHeader !== optWarming) {
      throw new InputError(`${file}: the header says warming level ${fromHeader} but --warming says ${optWarming}; remove --warming or fix the file`);
    }
    const warming = fromHeader ?? optWarming;
    if (!warming) {
      throw new InputError(
        `${file}: no warming level (no "# Contexte :", "# Période :" or "# Niveau de réchauffement :" line naming one); ` +
          `give it with --warming ${WARMING_LEVELS.join('|')}`,
      );
    }
    const vintage = comments.map((c) => /date d'extraction\s*:\s*(\d{4}-\d{2}-\d{2})/i.exec(c)?.[1]).find(Boolean);

    const base = opts.layer?.trim() || 'drias';
    const layerOf = (indicator: string) => `${base}_${DRIAS_INDICATORS[indicator].hazard}`;
    const place = placement(file, 'EPSG:4326');
    const rows: PointValue[] = [];
    const issues: ImportIssue[] = [];
    let read = 0;
    for (let i = h + 1; i < lines.length; i++) {
      const text = lines[i];
      if (text.trim() === '' || text.startsWith('#')) continue;
      const line = i + 1;
      read++;
      const f = text.split(';').map((c) => c.trim());
      if (f.length !== header.length) {
        throw new InputError(`${where(file, line)}: ${f.length} fields where the header has ${header.length} (truncated row? expected ${header.join(';')})`);
      }
      const num = (j: number): number => {
        const v = Number(f[j].replace(',', '.'));
        if (f[j] === '' || !Number.isFinite(v)) throw new InputError(`${where(file, line, header[j])}: ${show(f[j])} is not a number (expected decimal degrees)`);
        return v;
      };
      const lat = num(1);
      const lon = num(2);
      place.check(lon, lat, `${where(file, line, 'Latitude/Longitude')} (point ${f[0]})`);
      const [x, y] = place.toL93(lon, lat);
      // A row whose own Contexte contradicts the header is a mixed file: refuse it.
      const rowWarming = parseWarming(`${f[3]} ${f[4]}`);
      if (rowWarming && rowWarming !== warming) {
        throw new InputError(`${where(file, line, header[3])}: ${show(f[3])} is warming level ${rowWarming}, but the file is ${warming} (one file per warming level)`);
      }
      for (let j = FIXED.length; j < header.length; j++) {
        const cell = f[j];
        let value: number | null;
        if (cell === '' || /^(na|nan|-9999(\.0*)?)$/i.test(cell)) {
          value = null;
          issues.push(issue(file, line, 'missing_value', `${show(cell)} is a missing value; stored as NULL (no data, not 0)`, { recordId: f[0], field: header[j], value: cell, kept: true }));
        } else {
          value = Number(cell.replace(',', '.'));
          if (!Number.isFinite(value)) throw new InputError(`${where(file, line, header[j])}: ${show(cell)} is not a number (expected a count of days per year)`);
        }
        rows.push({ warming, point: f[0], lon, lat, x, y, indicator: header[j], value, layer: layerOf(header[j]) });
      }
    }
    if (read === 0) throw new InputError(`${file}: header but no grid points (expected one line per SAFRAN point)`);
    const layers = [...new Set(indicators.map(layerOf))];
    return {
      layer: layers.join(','),
      rowsRead: read,
      kept: read,
      issues,
      crs: 'EPSG:4326',
      licence: OPEN_LICENCE,
      vintage,
      async write(store, catalogueId) {
        for (const l of layers) await store.run('DELETE FROM climate_points WHERE layer = $1 AND warming = $2', [l, warming]);
        await store.append('climate_points', rows, COLUMNS);
        for (const l of layers) {
          const hazard = DRIAS_INDICATORS[indicators.find((c) => layerOf(c) === l)!].hazard;
          await upsertHazardLayer(
            store,
            { layer: l, hazard, kind: 'climate_grid', source_file: source.path, crs: 'EPSG:4326', licence: OPEN_LICENCE, format: 'drias', schema: 'drias', feature_count: read },
            catalogueId,
            effectiveVintage(opts, vintage, source.modified),
          );
        }
      },
    };
  },
};

function headerWarming(comments: string[]): Warming | undefined {
  for (const key of ['contexte', 'niveau de réchauffement', 'période', 'periode']) {
    for (const c of comments) {
      // Top-level "# Key : value" lines only; indented ones describe the columns.
      const m = /^([^\s:][^:]*):(.*)$/.exec(c);
      if (m && m[1].trim().toLowerCase() === key) {
        const w = parseWarming(m[2]);
        if (w) return w;
      }
    }
  }
  return undefined;
}

const COLUMNS: AppendColumn<PointValue>[] = [
  { type: 'varchar', get: (r) => r.layer },
  { type: 'varchar', get: (r) => r.warming },
  { type: 'varchar', get: (r) => r.point },
  { type: 'double', get: (r) => r.lon },
  { type: 'double', get: (r) => r.lat },
  { type: 'double', get: (r) => r.x },
  { type: 'double', get: (r) => r.y },
  { type: 'varchar', get: (r) => r.indicator },
  { type: 'double', get: (r) => r.value },
];
