/**
 * Hazard zone importers: `hazard-zones` (polygons from any registered vector format, with the
 * flavour detected from the attributes: TRI `scenario`, RGA `NIVEAU`, CNIG PPR `typealea` /
 * `niveaualea`, else generic with --hazard), its aliases `tri`, `rga`, `ppr`, and
 * `coastal-erosion` (Cerema lines/polygons with `taux` in m/year; placeholders kept as NULL).
 * Geometries are validated, checked to lie in France, reprojected to Lambert-93.
 */
import { InputError, show } from '../errors.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { readVector, type Geometry, type VectorFeature } from '../io/vector.ts';
import type { AppendColumn, Store } from '../store/store.ts';
import {
  bboxOf, clearLayer, effectiveVintage, firstPosition, geometryProblem, hazardOption, issue, layerName, parseNumber, pick,
  placement, reproject, upsertHazardLayer, OPEN_LICENCE, type BBox4, type Hazard, type LayerImportOptions,
} from './common.ts';

export type ZoneSchema = 'tri' | 'rga' | 'ppr' | 'generic' | 'erosion';

export interface ZoneRow {
  feature_id: string;
  hazard: Hazard;
  scenario: string | null;
  level_code: number | null;
  value: number | null;
  attrs: Record<string, unknown>;
  bbox: BBox4;
  geometry: Geometry;
}

export const TRI_SCENARIOS = ['01For', '02Moy', '03Mcc', '04Fai'] as const;

/** CNIG PPR `typealea` code → Vigie hazard. Longest prefix wins (117 before 11). */
const PPR_TYPEALEA: [string, Hazard][] = [
  ['126', 'coastal_retreat'],
  ['117', 'flood'], // marine submersion, kept as flood with attrs.submersion = true
  ['11', 'flood'],
  ['13', 'seismic'],
  ['16', 'wildfire'],
];

const POLYGONAL = ['Polygon', 'MultiPolygon'] as const;
const LINEAL = ['LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'] as const;
const ID_ALIASES = ['id_zone', 'id_troncon', 'id', 'idzone', 'id_tri', 'id_gaspar', 'code', 'fid', 'objectid', 'gid'];

/** Sets the flavour from the first feature's attributes (names compared case-insensitively). */
export function detectSchema(props: Record<string, unknown>): ZoneSchema {
  const keys = new Set(Object.keys(props).map((k) => k.toLowerCase()));
  if (keys.has('typealea') || keys.has('codetypealea') || keys.has('niveaualea')) return 'ppr';
  if (keys.has('scenario')) return 'tri';
  if (keys.has('niveau')) return 'rga';
  return 'generic';
}

function zonesImporter(forced: ZoneSchema | undefined, description: string): Importer {
  // binary: GeoPackage / FlatGeobuf / Shapefile are read from source.path, not as UTF-8 text.
  const importer = {
    description,
    binary: true,
    async prepare(ctx: ImportContext): Promise<PreparedImport> {
      return prepareZones(ctx, forced);
    },
  };
  return importer;
}

async function prepareZones(ctx: ImportContext, forced: ZoneSchema | undefined): Promise<PreparedImport> {
  const options = ctx.options as LayerImportOptions;
  const { source } = ctx;
  const file = source.name;
  const erosion = forced === 'erosion';
  const optHazard = hazardOption(
    options,
    erosion ? ['coastal_retreat'] : ['flood', 'clay', 'coastal_retreat', 'seismic', 'wildfire'],
    file,
  );
  const vector = await readVector(source.path, { crs: options.crs });
  const place = placement(file, vector.crs);
  const layer = layerName(options, source.path);
  const rows: ZoneRow[] = [];
  const issues: ImportIssue[] = [];
  let schema: ZoneSchema | undefined = forced;
  let read = 0;
  const ids = new Set<string>();

  for await (const f of vector) {
    read++;
    const props = f.properties;
    schema ??= detectSchema(props);
    const idPick = pick(props, ID_ALIASES);
    const fid = String(idPick?.[1] ?? f.id ?? f.index + 1);
    const at = `${file}, feature ${f.index} (id ${show(fid)})`;
    const problem = geometryProblem(f.geometry, erosion ? LINEAL : POLYGONAL);
    if (problem) throw new InputError(`${at}, geometry: ${problem}`);
    const [x0, y0] = firstPosition(f.geometry!);
    place.check(x0, y0, `${at}, geometry`);
    const geometry = reproject(f.geometry!, place.toL93);
    const base = { feature_id: ids.has(fid) ? `${fid}#${f.index}` : fid, bbox: bboxOf(geometry), geometry, attrs: attrsOf(props) };
    ids.add(fid);
    const row = classify(schema, f, at, optHazard, issues, file);
    if (row) rows.push({ ...base, ...row });
  }
  if (read === 0) throw new InputError(`${file}: no features (expected ${erosion ? 'coastal erosion lines or polygons' : 'hazard zone polygons'})`);
  const s = schema!;
  if (s === 'generic' && !optHazard) {
    throw new InputError(
      `${file}: cannot tell which hazard these zones are (no scenario, NIVEAU or typealea attribute); give it with --hazard flood|clay|coastal_retreat|seismic|wildfire`,
    );
  }
  const layerHazard = optHazard ?? mostCommon(rows.map((r) => r.hazard)) ?? 'flood';
  const bbox = union(rows.map((r) => r.bbox));

  return {
    layer,
    rowsRead: read,
    kept: rows.length,
    issues,
    crs: vector.crs,
    licence: OPEN_LICENCE,
    async write(store: Store, catalogueId: number) {
      await clearLayer(store, 'hazard_zones', layer);
      await store.append('hazard_zones', rows, zoneColumns(layer));
      await upsertHazardLayer(
        store,
        {
          layer, hazard: layerHazard, kind: erosion || rows.every((r) => r.geometry.type.includes('Line')) ? 'lines' : 'zones',
          source_file: source.path, crs: vector.crs, licence: OPEN_LICENCE, format: vector.format, schema: s,
          feature_count: rows.length, bbox,
        },
        catalogueId,
        effectiveVintage(options, undefined, source.modified),
      );
    },
  };
}

/** Hazard, scenario, level and value of one feature under the detected flavour. */
function classify(
  schema: ZoneSchema,
  f: VectorFeature,
  at: string,
  optHazard: Hazard | undefined,
  issues: ImportIssue[],
  file: string,
): Omit<ZoneRow, 'feature_id' | 'bbox' | 'geometry' | 'attrs'> | undefined {
  const p = f.properties;
  // Features have no text line; the issue names the feature instead.
  const line = null;
  const featureAt = `${file}, feature ${f.index}`;
  switch (schema) {
    case 'tri': {
      const [field, raw] = pick(p, ['scenario'])!;
      const code = normaliseScenario(raw);
      if (!code) throw new InputError(`${at}, ${field}: ${show(raw)} is not a TRI scenario (expected one of ${TRI_SCENARIOS.join(', ')})`);
      return { hazard: optHazard ?? 'flood', scenario: code, level_code: 1, value: null };
    }
    case 'rga': {
      const [field, raw] = pick(p, ['niveau'])!;
      const n = parseNumber(raw, `${at}, ${field}`, 'NIVEAU 0, 1 (faible), 2 (moyen) or 3 (fort)');
      if (n === null || !Number.isInteger(n) || n < 0 || n > 3) {
        throw new InputError(`${at}, ${field}: ${show(raw)} is not an RGA level (expected 0, 1 faible, 2 moyen or 3 fort)`);
      }
      return { hazard: optHazard ?? 'clay', scenario: null, level_code: n, value: null };
    }
    case 'ppr': {
      const t = pick(p, ['typealea', 'codetypealea']);
      const lv = pick(p, ['niveaualea', 'codeniveaualea']);
      let hazard = optHazard;
      if (!hazard) {
        if (!t) throw new InputError(`${at}: no typealea attribute (expected a CNIG code such as 112 flood, 126 coastal retreat) or --hazard`);
        const code = String(t[1] ?? '').trim();
        hazard = PPR_TYPEALEA.find(([prefix]) => code.startsWith(prefix))?.[1];
        if (!hazard) {
          issues.push(issue(file, line, 'unsupported_typealea', `${show(code)} is not a hazard Vigie scores (112–117 flood, 126 coastal retreat, 13 earthquake, 16 wildfire); zone skipped`, {
            recordId: String(f.id ?? f.index), field: t[0], value: code, kept: false, at: featureAt,
          }));
          return undefined;
        }
      }
      let level: number | null = null;
      if (lv) {
        level = parseNumber(lv[1], `${at}, ${lv[0]}`, 'niveaualea 00 (nul) … 07 (très fort+)');
        if (level !== null && (!Number.isInteger(level) || level < 0 || level > 7)) {
          throw new InputError(`${at}, ${lv[0]}: ${show(lv[1])} is not a CNIG niveaualea (expected 00 nul … 07 très fort+)`);
        }
      }
      return { hazard, scenario: null, level_code: level, value: null };
    }
    case 'erosion': {
      const tp = pick(p, ['taux', 'taux_recul', 'tx_evol', 'evolution']);
      if (!tp) throw new InputError(`${at}: no taux attribute (expected the evolution rate in m/year, retreat negative)`);
      const v = parseNumber(tp[1], `${at}, ${tp[0]}`, 'a rate in m/year, retreat negative');
      if (v === null || v === -9999 || Math.abs(v) >= 100) {
        issues.push(issue(file, line, v === null ? 'missing_value' : 'placeholder_value',
          `${show(tp[1] ?? '')} is ${v === null ? 'empty' : 'a placeholder, not a measured rate'}; stretch kept with no rate (NULL, not 0)`, {
            recordId: String(pick(p, ID_ALIASES)?.[1] ?? f.id ?? f.index), field: tp[0], value: String(tp[1] ?? ''), kept: true, at: featureAt,
          }));
        return { hazard: 'coastal_retreat', scenario: null, level_code: null, value: null };
      }
      return { hazard: 'coastal_retreat', scenario: null, level_code: null, value: v };
    }
    case 'generic': {
      const lv = pick(p, ['level', 'niveau_alea', 'alea', 'classe']);
      const level = lv ? parseNumber(lv[1], `${at}, ${lv[0]}`, 'an integer hazard level') : null;
      return { hazard: optHazard ?? 'flood', scenario: null, level_code: level === null ? null : Math.round(level), value: null };
    }
  }
}

/** `02Moy`, `02moy`, `moy`, `Q100`-free spellings → the canonical TRI code. */
export function normaliseScenario(raw: unknown): string | undefined {
  const s = String(raw ?? '').trim().toLowerCase();
  for (const code of TRI_SCENARIOS) {
    const short = code.slice(2).toLowerCase();
    if (s === code.toLowerCase() || s === short || s === `_${short}` || s === `${code.slice(0, 2)}_${short}`) return code;
  }
  return undefined;
}

function attrsOf(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in props) {
    const v = props[k];
    if (v !== null && v !== undefined && v !== '' && !(v instanceof Uint8Array)) out[k] = v;
  }
  const t = pick(props, ['typealea', 'codetypealea']);
  if (t && String(t[1]).startsWith('117')) out.submersion = true;
  return out;
}

function mostCommon<T>(xs: T[]): T | undefined {
  const counts = new Map<T, number>();
  let best: T | undefined;
  for (const x of xs) {
    counts.set(x, (counts.get(x) ?? 0) + 1);
    if (best === undefined || counts.get(x)! > counts.get(best)!) best = x;
  }
  return best;
}

function union(bs: BBox4[]): BBox4 {
  const u = { minx: Infinity, miny: Infinity, maxx: -Infinity, maxy: -Infinity };
  for (const b of bs) {
    u.minx = Math.min(u.minx, b.minx);
    u.miny = Math.min(u.miny, b.miny);
    u.maxx = Math.max(u.maxx, b.maxx);
    u.maxy = Math.max(u.maxy, b.maxy);
  }
  return u;
}

const zoneColumns = (layer: string): AppendColumn<ZoneRow>[] => [
  { type: 'varchar', get: () => layer },
  { type: 'varchar', get: (r) => r.feature_id },
  { type: 'varchar', get: (r) => r.hazard },
  { type: 'varchar', get: (r) => r.scenario },
  { type: 'integer', get: (r) => r.level_code },
  { type: 'double', get: (r) => r.value },
  { type: 'json', get: (r) => r.attrs },
  { type: 'double', get: (r) => r.bbox.minx },
  { type: 'double', get: (r) => r.bbox.miny },
  { type: 'double', get: (r) => r.bbox.maxx },
  { type: 'double', get: (r) => r.bbox.maxy },
  { type: 'json', get: (r) => r.geometry },
];

export const hazardZonesImporter = zonesImporter(undefined, 'hazard zones (GeoJSON, GeoPackage incl. CNIG PPR, FlatGeobuf, Shapefile): TRI, RGA, PPR detected; --hazard, --layer');
export const triImporter = zonesImporter('tri', 'TRI flood zones (scenario 01For/02Moy/03Mcc/04Fai), any vector format');
export const rgaImporter = zonesImporter('rga', 'clay shrink-swell zones (RGA, NIVEAU 1–3), any vector format');
export const pprImporter = zonesImporter('ppr', 'PPR zones in the CNIG standard (typealea, niveaualea), GeoPackage or other vector');
export const coastalErosionImporter = zonesImporter('erosion', 'coastal erosion (Cerema indicator): lines/polygons with taux in m/year');
