/**
 * DRIAS climate indicators (`drias`): `;` text with `#` header comments on the 8 km SAFRAN grid.
 * Reads both spellings:
 *
 * - the files DRIAS really serves: ~30 `#` lines (producer, experiment, model, scenario,
 *   horizons, index type, the indicator list), the column header itself a `#` line
 *   (`# Point;Latitude;Longitude;Contexte;Période;<indicators>;`), data lines ending with `;`,
 *   seasonal files with a non-`#` legend line (`(1 - hiver, 2 - printemps, 3 - été, 4 - automne)`)
 *   and a `Saison` column, one file per RCP scenario holding several horizons (H1/H2/H3);
 * - the project's synthetic sample (a plain `Point;…` header, one warming level per file).
 *
 * Each row's warming level comes from its own Contexte/Période: `REF` → ref, a warming level
 * spelled out (`GWL27`, `TRACC +2.7°C`) → that level, an RCP scenario and horizon → the TRACC
 * level of the table `climate.level_map` in config/risk.json (`RCP8.5/H1` → +2.0 …), which
 * `--level-map RCP4.5/H3=+2.7,…` overrides; else the header's `# Contexte :` line, else --warming.
 * A combination no table maps is refused by name with the fix.
 *
 * Stored one row per point × indicator in climate_points, under one layer per hazard
 * (`drias_heat`, `drias_drought`, `drias_wildfire` by default), so scoring joins
 * hazard_layers.layer = climate_points.layer. Indicators are stored under Vigie's key
 * (DRIAS_INDICATORS: the real `NORTX35` is `NORTX35D_yr`); seasonal ones as `<code>_<season>`.
 * Indicators the file declares in its `# Indices :` block that no hazard uses are left out and
 * named in the report; a column the header does not declare is refused.
 */
import { InputError, show, where } from '../errors.ts';
import { checkLastLine, duplicateIssue } from '../io/record-rules.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { SCENARIOS, loadRiskConfig, type RiskConfig } from '../risk/config.ts';
import type { AppendColumn } from '../store/store.ts';
import { effectiveVintage, issue, placement, upsertHazardLayer, HAZARDS, OPEN_LICENCE, type Hazard, type LayerImportOptions } from './common.ts';

/** The indicators Vigie knows, with their hazard and the column names DRIAS files use for them. */
export const DRIAS_INDICATORS: Record<string, { hazard: Hazard; label: string; aliases: readonly string[] }> = {
  NORTX35D_yr: { hazard: 'heat', label: 'days with Tmax > 35 °C', aliases: ['NORTX35', 'NORTX35D'] },
  NORTR_yr: { hazard: 'heat', label: 'tropical nights (Tmin > 20 °C)', aliases: ['NORTR'] },
  NORSWI04_yr: { hazard: 'drought', label: 'soil-drought days (SWI < 0.4)', aliases: ['NORSWI04'] },
  NORIFM40_yr: { hazard: 'wildfire', label: 'fire-weather days (IFM > 40)', aliases: ['NORIFM40'] },
};
export const WARMING_LEVELS = SCENARIOS;
export type Warming = (typeof WARMING_LEVELS)[number];

/**
 * DRIAS-2020 scenario/horizon → TRACC warming level when config/risk.json has no
 * `climate.level_map` (docs/risk-method.md explains the choice): under RCP8.5 the horizons'
 * central years (2035, 2055, 2085) are those closest to the TRACC milestones 2030, 2050, 2100.
 * RCP2.6 and RCP4.5 warm less than the TRACC and are not mapped: the user says how.
 */
export const DEFAULT_LEVEL_MAP: Readonly<Record<string, Warming>> = {
  REF: 'ref',
  'RCP8.5/H1': '+2.0',
  'RCP8.5/H2': '+2.7',
  'RCP8.5/H3': '+4.0',
};

const FIXED = [['point'], ['latitude', 'lat'], ['longitude', 'lon'], ['contexte', 'niveau'], ['période', 'periode']] as const;
/** Optional sub-period column after Période (seasonal and monthly files). */
const SUBPERIOD = ['saison', 'mois'] as const;

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

/** `RCP8.5/H1=+2.0,RCP4.5/H3=+2.7` → entries; an unknown level is an InputError. */
export function parseLevelMap(text: string, what = '--level-map'): Record<string, Warming> {
  const out: Record<string, Warming> = {};
  for (const part of text.split(/[,;]/).map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=]+)=(.+)$/.exec(part);
    const level = m ? parseWarming(m[2]) : undefined;
    if (!m || !level) {
      throw new InputError(
        `${what} ${show(part)}: expected SCENARIO/HORIZON=LEVEL with LEVEL one of ${WARMING_LEVELS.join(', ')} (e.g. RCP4.5/H3=+2.7)`,
      );
    }
    out[levelKey(m[1])] = level;
  }
  return out;
}

/** Canonical key of a scenario/horizon pair: `rcp 8.5 / h1` → `RCP8.5/H1`; `REF/REF` → `REF`. */
function levelKey(raw: string): string {
  const [sc, hz] = raw.split('/').map((s) => s.trim().toUpperCase().replace(/\s+/g, '').replace(',', '.'));
  if (sc === 'REF' && (!hz || hz === 'REF')) return 'REF';
  return hz ? `${sc}/${hz}` : sc;
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

/** What the `#` header says: `# Key : value` lines with their indented `#   CODE : label` items. */
export interface DriasHeader {
  fields: Map<string, { value: string; items: Map<string, string> }>;
  /** the column names, from the plain header line or the last `# Point;…` comment */
  columns: string[];
  /** 0-based index of the line holding the columns, and of the first line after the header */
  columnsLine: number;
  dataStart: number;
  /** `(1 - hiver, 2 - printemps, …)` legend entries of seasonal files */
  legend: Map<string, string>;
}

/** Reads the header block of a DRIAS file (no data rows). */
export function readDriasHeader(lines: readonly string[], file: string): DriasHeader {
  const fields = new Map<string, { value: string; items: Map<string, string> }>();
  const legend = new Map<string, string>();
  let current: Map<string, string> | undefined;
  let columns: string[] | undefined;
  let columnsLine = -1;
  let i = 0;
  for (; i < lines.length; i++) {
    const raw = lines[i];
    const t = raw.trim();
    if (t === '') continue;
    if (!t.startsWith('#')) {
      if (/^point\s*;/i.test(t)) {
        columns = splitRow(t);
        columnsLine = i;
        i++;
        break;
      }
      // Seasonal files: a non-comment legend line inside the header.
      if (/^\(?\s*\d+\s*-\s*[^,]+(,\s*\d+\s*-\s*[^,]+)+\)?$/.test(t)) {
        readLegend(t, legend);
        continue;
      }
      break;
    }
    const body = t.replace(/^#+/, '');
    if (/^\s*point\s*;/i.test(body)) {
      columns = splitRow(body.trim());
      columnsLine = i;
      continue;
    }
    if (/^\s*\(\s*\d+\s*-/.test(body)) {
      readLegend(body.trim(), legend);
      continue;
    }
    const kv = /^(\s*)([^:;]+?)\s*:\s*(.*)$/.exec(body);
    if (!kv) continue;
    const [, indent, key, value] = kv;
    if (indent.length >= 2 && current) {
      // `#     NORTX35 : Nombre de jours …` under `# Indices :`
      current.set(key.trim(), value.trim());
    } else {
      const entry = { value: value.trim(), items: new Map<string, string>() };
      fields.set(norm(key), entry);
      current = entry.items;
    }
  }
  if (!columns) {
    throw new InputError(
      `${file}: no column header (expected a line "Point;Latitude;Longitude;Contexte;Période;<indicators>", ` +
        `or the same as a "# Point;…" comment as DRIAS writes it)`,
    );
  }
  return { fields, columns, columnsLine, dataStart: i, legend };
}

function readLegend(text: string, legend: Map<string, string>): void {
  for (const m of text.replace(/[()]/g, '').matchAll(/(\d+)\s*-\s*([^,]+)/g)) legend.set(m[1], m[2].trim());
}

/** Cells of a `;` row; the trailing `;` DRIAS writes does not make an extra empty column. */
function splitRow(line: string): string[] {
  const cells = line.split(';').map((c) => c.trim());
  if (cells.length > 1 && cells[cells.length - 1] === '') cells.pop();
  return cells;
}

/** lower case, no accents: `Période` → `periode`, `Modele     ` → `modele` */
function norm(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase();
}

/** UTF-8 text once read as Latin-1 (« rÃ©fÃ©rence »): the repaired string, or undefined when it is not that. */
export function repairLatin1Mojibake(s: string): string | undefined {
  if (!/[ÃÂ][\u0080-\u00ff]/.test(s) || /[^\u0000-\u00ff]/.test(s)) return undefined;
  const fixed = Buffer.from(s, 'latin1').toString('utf8');
  return fixed.includes('\ufffd') ? undefined : fixed;
}

export const driasImporter: Importer = {
  description:
    'DRIAS climate indicators (";" text, # header as DRIAS serves it): NORTX35, NORTR, NORSWI04, NORIFM40; ' +
    'RCP/horizon rows mapped to TRACC levels (--level-map RCP4.5/H3=+2.7); --warming ref|+2.0|+2.7|+4.0 for files that say nothing',
  async prepare({ source, options }: ImportContext): Promise<PreparedImport> {
    const opts = options as LayerImportOptions;
    const file = source.name;
    const lines = source.text.split(/\r?\n/);
    const notes: string[] = [];
    const header = readDriasHeader(lines, file);
    const headerLine = header.columnsLine + 1;

    // Mis-encoded header (UTF-8 read as Latin-1, as DRIAS serves some files): repaired here
    // when the reader has not done it; text that is not that is refused.
    let columns = header.columns;
    if (columns.some((c) => /[ÃÂ][\u0080-\u00ff]/.test(c))) {
      const fixed = columns.map((c) => repairLatin1Mojibake(c) ?? c);
      const bad = fixed.find((c) => /[ÃÂ][\u0080-\u00ff]/.test(c));
      if (bad) {
        throw new InputError(
          `${where(file, headerLine)}: column ${show(bad)} is mis-encoded text that cannot be repaired ` +
            `(UTF-8 read as Latin-1 and mixed with other text); re-download the file or re-save it as UTF-8`,
        );
      }
      notes.push(`repaired mis-encoded column names (UTF-8 read as Latin-1): ${columns.filter((c, k) => c !== fixed[k]).map((c) => show(c)).join(', ')}`);
      columns = fixed;
    }
    FIXED.forEach((aliases, i) => {
      if (!(aliases as readonly string[]).map(norm).includes(norm(columns[i] ?? ''))) {
        throw new InputError(
          `${where(file, headerLine, `column ${i + 1}`)}: ${show(columns[i] ?? '')} where ${aliases[0]} was expected ` +
            `(header must start Point;Latitude;Longitude;Contexte;Période)`,
        );
      }
    });
    const sub = (SUBPERIOD as readonly string[]).includes(norm(columns[FIXED.length] ?? '')) ? FIXED.length : -1;
    const firstIndicator = sub >= 0 ? sub + 1 : FIXED.length;

    const config = loadConfigForDrias(opts.config);
    // Indicator columns → Vigie key and hazard; configured indicators count as known.
    const configured = new Map<string, Hazard>();
    for (const [h, hc] of Object.entries(config?.hazards ?? {})) {
      if (typeof hc === 'object' && hc?.climate) configured.set(hc.climate.indicator, h as Hazard);
    }
    const declared = new Map<string, string>();
    for (const key of ['indices', 'indicateurs']) for (const [code, label] of header.fields.get(key)?.items ?? []) declared.set(code, label);
    const vigieKey = (column: string, subValue?: string): string => {
      const known = Object.entries(DRIAS_INDICATORS).find(([k, v]) => k === column || v.aliases.includes(column))?.[0];
      const base = known ?? column;
      if (subValue === undefined) return base;
      return `${base}_${seasonName(header.legend.get(subValue) ?? subValue, sub >= 0 ? norm(columns[sub]) : '')}`;
    };
    const hazardOf = (key: string): Hazard | undefined => DRIAS_INDICATORS[key]?.hazard ?? configured.get(key);

    const indicatorCols = columns.slice(firstIndicator);
    if (indicatorCols.length === 0) throw new InputError(`${where(file, headerLine)}: no indicator columns after ${columns.slice(0, firstIndicator).join(';')}`);
    const undeclared = indicatorCols.filter((c) => !declared.has(c) && !(vigieKey(c) in DRIAS_INDICATORS) && !configured.has(vigieKey(c)));
    const knownList = Object.entries(DRIAS_INDICATORS).map(([k, v]) => `${k} (${v.label})`).join(', ');
    if (undeclared.length) {
      throw new InputError(
        `${where(file, headerLine)}: unknown indicator column(s) ${undeclared.map((u) => show(u)).join(', ')}; ` +
          `known: ${knownList} (or one the file declares under "# Indices :")`,
      );
    }
    // Columns that can be scored (seasonal ones only once the season is known, per row).
    const scoredCols = indicatorCols.map((c, k) => ({ col: c, j: firstIndicator + k }));
    if (sub < 0) {
      const unscored = scoredCols.filter(({ col }) => !hazardOf(vigieKey(col)));
      if (unscored.length === scoredCols.length) {
        throw new InputError(
          `${where(file, headerLine)}: none of the indicators ${indicatorCols.map((c) => show(c)).join(', ')} is one Vigie scores ` +
            `(known: ${knownList}); to score one, name it as a hazard's climate.indicator in config/risk.json`,
        );
      }
      if (unscored.length) {
        notes.push(
          `indicators not scored by Vigie, left out: ${unscored.map(({ col }) => (declared.get(col) ? `${col} (${repairLatin1Mojibake(declared.get(col)!) ?? declared.get(col)})` : col)).join('; ')}`,
        );
      }
    }

    // Warming levels: the table, the header's own level, --warming.
    const levelMap: Record<string, Warming> = { ...DEFAULT_LEVEL_MAP, ...(config?.climate.level_map ?? {}) };
    if (opts.levelMap) Object.assign(levelMap, parseLevelMap(opts.levelMap));
    const fromHeader = headerWarming(header);
    let optWarming: Warming | undefined;
    if (opts.warming) {
      optWarming = parseWarming(opts.warming);
      if (!optWarming) throw new InputError(`${file}: --warming ${show(opts.warming)} is not a warming level (expected one of ${WARMING_LEVELS.join(', ')})`);
    }
    if (fromHeader && optWarming && fromHeader !== optWarming) {
      throw new InputError(`${file}: the header says warming level ${fromHeader} but --warming says ${optWarming}; remove --warming or fix the file`);
    }
    const fileWarming = fromHeader ?? optWarming;
    const warmingCache = new Map<string, Warming | undefined>();
    const rowWarming = (contexte: string, periode: string): Warming | undefined => {
      const cacheKey = `${contexte}\u0000${periode}`;
      if (warmingCache.has(cacheKey)) return warmingCache.get(cacheKey);
      const key = levelKey(`${contexte}/${periode}`);
      const w = levelMap[key] ?? levelMap[levelKey(contexte)] ?? ownWarming(contexte, periode);
      warmingCache.set(cacheKey, w);
      return w;
    };

    const vintage = extractionDate(header);
    // `--layer drias_heat` (or the layer an earlier import of this file went to) names the
    // hazard's layer itself: its `_<hazard>` ending is not repeated.
    const given = opts.layer?.trim();
    const base = given ? given.replace(new RegExp(`_(${HAZARDS.join('|')})$`), '') : 'drias';
    const layerOf = (hazard: Hazard) => `${base}_${hazard}`;
    const place = placement(file, 'EPSG:4326');
    const rows: PointValue[] = [];
    const issues: ImportIssue[] = [];
    const perWarming = new Map<Warming, number>();
    const combos = new Map<string, Warming>();
    const unscoredSeasonal = new Set<string>();
    // point × warming × indicator → line: two rows landing on one key means two scenario/horizon
    // pairs were mapped to one warming level, or the file repeats a point.
    const seen = new Map<string, { line: number; combo: string }>();
    let read = 0;
    let last: { line: number; value: string } | undefined;
    for (let i = header.dataStart; i < lines.length; i++) {
      const text = lines[i];
      if (text.trim() === '' || text.startsWith('#')) continue;
      const line = i + 1;
      read++;
      const f = splitRow(text);
      last = { line, value: f[f.length - 1] ?? '' };
      if (f.length !== columns.length) {
        throw new InputError(`${where(file, line)}: ${f.length} fields where the header has ${columns.length} (truncated row? expected ${columns.join(';')})`);
      }
      const num = (j: number): number => {
        const v = Number(f[j].replace(',', '.'));
        if (f[j] === '' || !Number.isFinite(v)) throw new InputError(`${where(file, line, columns[j])}: ${show(f[j])} is not a number (expected decimal degrees)`);
        return v;
      };
      const lat = num(1);
      const lon = num(2);
      place.check(lon, lat, `${where(file, line, 'Latitude/Longitude')} (point ${f[0]})`);
      const [x, y] = place.toL93(lon, lat);
      const own = rowWarming(f[3], f[4]);
      if (own && fileWarming && own !== fileWarming) {
        throw new InputError(
          `${where(file, line, columns[3])}: ${show(`${f[3]};${f[4]}`)} is warming level ${own}, but ` +
            `${fromHeader ? 'the file is' : '--warming says'} ${fileWarming} (one file per warming level, or leave out --warming)`,
        );
      }
      const warming = own ?? fileWarming;
      if (!warming) {
        const key = levelKey(`${f[3]}/${f[4]}`);
        throw new InputError(
          `${file}: no warming level for ${show(key)} (line ${line}, ${columns[3]}/${columns[4]}; no "# Contexte :" header line naming one): ` +
            `the table (climate.level_map in config/risk.json, else the default) maps ${Object.entries(levelMap).map(([k, v]) => `${k}→${v}`).join(', ')}; ` +
            `add this one with --level-map ${key.includes('/') ? key : `${key}/H1`}=<level> or in config/risk.json, ` +
            `or give the level of a single-level file with --warming ${WARMING_LEVELS.join('|')}`,
        );
      }
      combos.set(levelKey(`${f[3]}/${f[4]}`), warming);
      perWarming.set(warming, (perWarming.get(warming) ?? 0) + 1);
      const subValue = sub >= 0 ? f[sub] : undefined;
      for (let j = firstIndicator; j < columns.length; j++) {
        const key = vigieKey(columns[j], subValue);
        const hazard = hazardOf(key);
        if (!hazard) {
          if (sub >= 0) unscoredSeasonal.add(key);
          continue;
        }
        const dupKey = `${f[0]}\u0000${warming}\u0000${key}`;
        const combo = levelKey(`${f[3]}/${f[4]}`);
        const prev = seen.get(dupKey);
        if (prev && prev.combo === combo) {
          // The file repeats the point: the shared duplicate rule, first row kept, this one not stored.
          issues.push(duplicateIssue(file, line, columns[0], `${f[0]} (${warming})`, `line ${prev.line}`));
          break;
        }
        if (prev) {
          throw new InputError(
            `${where(file, line)}: point ${f[0]} already has ${key} at warming level ${warming} (line ${prev.line}, ${prev.combo}); ` +
              (prev.combo !== combo
                ? `${prev.combo} and ${combo} are both mapped to ${warming}: map each scenario/horizon to its own level (--level-map)`
                : `the file repeats the point`),
          );
        }
        seen.set(dupKey, { line, combo });
        const cell = f[j];
        let value: number | null;
        if (cell === '' || /^(na|nan|-9999(\.0*)?)$/i.test(cell)) {
          value = null;
          issues.push(issue(file, line, 'missing_value', `${show(cell)} is a missing value; stored as NULL (no data, not 0)`, { recordId: f[0], field: columns[j], value: cell, kept: true }));
        } else {
          value = Number(cell.replace(',', '.'));
          if (!Number.isFinite(value)) throw new InputError(`${where(file, line, columns[j])}: ${show(cell)} is not a number (expected a count of days per year)`);
        }
        rows.push({ warming, point: f[0], lon, lat, x, y, indicator: key, value, layer: layerOf(hazard) });
      }
    }
    if (read === 0) throw new InputError(`${file}: header but no grid points (expected one line per SAFRAN point)`);
    // A file cut inside its last value still parses (« 12.3 » from « 12.34 »): the shared rule flags it.
    checkLastLine(source.text, file, last?.line, last?.value);
    if (rows.length === 0) {
      throw new InputError(
        `${file}: none of the indicators (${[...unscoredSeasonal].slice(0, 12).join(', ')}) is one Vigie scores ` +
          `(known: ${knownList}); to score a seasonal one, name it (e.g. ${[...unscoredSeasonal][0]}) as a hazard's climate.indicator in config/risk.json`,
      );
    }
    if (unscoredSeasonal.size) notes.push(`seasonal indicators not scored by Vigie, left out: ${[...unscoredSeasonal].join(', ')}`);
    const meta = ['producteur', 'experience', 'modele', 'type d\'indice']
      .map((k) => [k, header.fields.get(k)?.value] as const)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k} ${repairLatin1Mojibake(v!) ?? v}`);
    notes.push(
      `DRIAS ${meta.join(', ')}; ${read.toLocaleString('en-US')} rows: ` +
        [...combos].map(([k, w]) => `${k} → ${w}`).join(', ') +
        ` (${[...perWarming].map(([w, n]) => `${n.toLocaleString('en-US')} at ${w}`).join(', ')})`,
    );

    const layers = [...new Set(rows.map((r) => r.layer))];
    const warmings = [...perWarming.keys()];
    const indicators = [...new Set(rows.map((r) => `${r.layer}\u0000${r.indicator}`))].map((s) => s.split('\u0000') as [string, string]);
    return {
      layer: layers.join(','),
      rowsRead: read,
      kept: read - issues.filter((i) => i.reason === 'duplicate_id').length,
      issues,
      crs: 'EPSG:4326',
      licence: OPEN_LICENCE,
      vintage,
      notes,
      async write(store, catalogueId) {
        // A re-import replaces the same indicators at the same warming levels, nothing else.
        for (const [l, ind] of indicators) {
          for (const w of warmings) await store.run('DELETE FROM climate_points WHERE layer = $1 AND warming = $2 AND indicator = $3', [l, w, ind]);
        }
        await store.append('climate_points', rows, COLUMNS);
        for (const l of layers) {
          const hazard = hazardOf(rows.find((r) => r.layer === l)!.indicator)!;
          const points = Number(await store.value('SELECT count(DISTINCT point) FROM climate_points WHERE layer = $1', [l]));
          await upsertHazardLayer(
            store,
            { layer: l, hazard, kind: 'climate_grid', source_file: source.path, crs: 'EPSG:4326', licence: OPEN_LICENCE, format: 'drias', schema: 'drias', feature_count: points },
            catalogueId,
            effectiveVintage(opts, vintage, source.modified),
          );
        }
      },
    };
  },
};

function loadConfigForDrias(path: string | undefined): RiskConfig | undefined {
  // A settings file the user names must load; the shipped one, if broken, is `vigie score`'s to report.
  if (path) return loadRiskConfig(path).config;
  try {
    return loadRiskConfig().config;
  } catch {
    return undefined;
  }
}

/** A warming level the row spells out itself (`REF`, `GWL27`, `TRACC +2.7°C`), else undefined. */
function ownWarming(contexte: string, periode: string): Warming | undefined {
  const c = contexte.trim();
  const p = periode.trim();
  if (/^ref$/i.test(c) && (p === '' || /^ref$/i.test(p))) return 'ref';
  // An RCP row is mapped by the table only: its horizon is a period, not a warming level.
  if (/^rcp/i.test(c)) return undefined;
  return parseWarming(c) ?? parseWarming(p);
}

/** The synthetic files' `# Contexte : TRACC +2.7°C` (top-level lines only). */
function headerWarming(h: DriasHeader): Warming | undefined {
  for (const key of ['contexte', 'niveau de rechauffement', 'periode']) {
    const v = h.fields.get(key)?.value;
    const w = v ? parseWarming(v) : undefined;
    if (w) return w;
  }
  return undefined;
}

/** `Date d'extraction : 31/03/2025 - 09h22 loc.` or `2025-03-10` → YYYY-MM-DD. */
function extractionDate(h: DriasHeader): string | undefined {
  const v = h.fields.get("date d'extraction")?.value;
  if (!v) return undefined;
  const iso = /(\d{4}-\d{2}-\d{2})/.exec(v);
  if (iso) return iso[1];
  const fr = /(\d{2})\/(\d{2})\/(\d{4})/.exec(v);
  return fr ? `${fr[3]}-${fr[2]}-${fr[1]}` : undefined;
}

/** `été` → `ete`; a month number → `m07`. */
function seasonName(label: string, column: string): string {
  if (column === 'mois' && /^\d+$/.test(label)) return `m${label.padStart(2, '0')}`;
  return norm(repairLatin1Mojibake(label) ?? label).replace(/[^a-z0-9]+/g, '_');
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
