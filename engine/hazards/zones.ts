/**
 * Hazard zone importers: `hazard-zones` (polygons from any registered vector format, with the
 * flavour detected from the attributes: TRI `scenario`, RGA `NIVEAU`, PPR `typealea` /
 * `coderisque` with `niveaualea` / `nivalea_st` / `nivalea`, else generic with --hazard), its
 * aliases `tri`, `rga`, and `coastal-erosion` (Cerema lines/polygons with `taux` in m/year;
 * placeholders kept as NULL). A whole PPR (CNIG GeoPackage with several tables, COVADIS
 * N_ZONE_ALEA shapefile) is handed to ppr.ts. A file whose zones name several hazards is
 * stored as one layer per hazard (`<layer>_<hazard>`), since scoring reads a layer as one hazard.
 * Geometries are validated, checked to lie in France, reprojected to Lambert-93.
 */
import { createHash } from 'node:crypto';
import { InputError, show } from '../errors.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { duplicateIssue } from '../io/record-rules.ts';
import { readVector, type Geometry, type VectorFeature } from '../io/vector.ts';
import type { AppendColumn, Store } from '../store/store.ts';
import {
  bboxOf, effectiveVintage, firstPosition, geometryProblem, HAZARDS, hazardOption, issue, layerName, parseNumber, pick,
  placement, reproject, upsertHazardLayer, OPEN_LICENCE, type BBox4, type Hazard, type LayerImportOptions,
} from './common.ts';
import { FAMILY_LABELS, classifyAlea, readLevel } from './gaspar.ts';

export type ZoneSchema = 'tri' | 'rga' | 'ppr' | 'generic' | 'erosion';

export interface ZoneRow {
  feature_id: string;
  /** a Vigie hazard, or for context layers (ppr.ts) the family or role */
  hazard: Hazard | string;
  scenario: string | null;
  level_code: number | null;
  value: number | null;
  attrs: Record<string, unknown>;
  bbox: BBox4;
  geometry: Geometry;
}

export const TRI_SCENARIOS = ['01For', '02Moy', '03Mcc', '04Fai'] as const;

const POLYGONAL = ['Polygon', 'MultiPolygon'] as const;
/** Hazards a zone layer can be given with --hazard. */
const ZONE_HAZARDS: Hazard[] = ['flood', 'clay', 'coastal_retreat', 'seismic', 'wildfire', 'land_movement'];
const LINEAL = ['LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'] as const;
const ID_ALIASES = ['id_zone', 'id_troncon', 'id', 'idzone', 'id_tri', 'id_gaspar', 'code', 'fid', 'objectid', 'gid'];

/** Sets the flavour from the first feature's attributes (names compared case-insensitively). */
export function detectSchema(props: Record<string, unknown>): ZoneSchema {
  const keys = new Set(Object.keys(props).map((k) => k.toLowerCase()));
  if (keys.has('typealea') || keys.has('codetypealea') || keys.has('niveaualea') || keys.has('coderisque')) return 'ppr';
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
  if (!erosion && !options.hazard) {
    // A whole plan (several tables) is the PPR importer's; loaded lazily (it imports this module).
    const ppr = await import('./ppr.ts');
    if (await ppr.isPprPlan(source.path)) return ppr.preparePpr(ctx);
  }
  const optHazard = hazardOption(
    options,
    erosion ? ['coastal_retreat'] : ZONE_HAZARDS,
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

  const zoneIds = new Map<string, { index: number; sig: string }>();
  for await (const f of vector) {
    read++;
    const props = f.properties;
    schema ??= detectSchema(props);
    const idPick = pick(props, ID_ALIASES);
    const fid = String(idPick?.[1] ?? f.id ?? f.index + 1);
    const at = `${file}, feature ${f.index} (id ${show(fid)})`;
    const problem = geometryProblem(f.geometry, erosion ? LINEAL : POLYGONAL);
    if (problem) throw new InputError(`${at}, geometry: ${problem}`);
    place.checkGeometry(f.geometry!, `${at}, geometry`);
    // The shared duplicate rule: a zone id may be shared by the parts of one zone (kept, numbered
    // #feature), but the same id with the same geometry and attributes is the same record again.
    const sig = createHash('sha1').update(JSON.stringify([f.geometry, props])).digest('hex');
    const first = zoneIds.get(fid);
    if (first && first.sig === sig) {
      issues.push(duplicateIssue(file, null, idPick?.[0] ?? 'id', fid, `${file}, feature ${first.index}`, `${file}, feature ${f.index}`));
      continue;
    }
    if (!first) zoneIds.set(fid, { index: f.index, sig });
    const geometry = reproject(f.geometry!, place.toL93);
    const base = { feature_id: ids.has(fid) ? `${fid}#${f.index}` : fid, bbox: bboxOf(geometry), geometry, attrs: zoneAttrs(props) };
    ids.add(fid);
    const row = classify(schema, f, at, optHazard, issues, file);
    if (row) rows.push({ ...base, ...row });
  }
  if (read === 0) throw new InputError(`${file}: no features (expected ${erosion ? 'coastal erosion lines or polygons' : 'hazard zone polygons'})`);
  const s = schema!;
  if (s === 'generic' && !optHazard) {
    throw new InputError(
      `${file}: cannot tell which hazard these zones are (no scenario, NIVEAU, typealea or coderisque attribute); give it with --hazard ${ZONE_HAZARDS.join('|')}`,
    );
  }
  // One layer per hazard: scoring reads a layer's zones as the layer's hazard.
  const byHazard = new Map<string, ZoneRow[]>();
  for (const r of rows) byHazard.set(r.hazard, [...(byHazard.get(r.hazard) ?? []), r]);
  if (byHazard.size === 0) byHazard.set(optHazard ?? 'flood', []);
  const outLayers = [...byHazard].map(([hazard, rs]) => ({ layer: byHazard.size > 1 ? `${layer}_${hazard}` : layer, hazard, rows: rs }));

  return {
    layer: outLayers.map((l) => l.layer).join(','),
    rowsRead: read,
    kept: rows.length,
    issues,
    crs: vector.crs,
    licence: OPEN_LICENCE,
    async write(store: Store, catalogueId: number) {
      // Replaces this layer and the per-hazard layers a previous import of it may have made.
      for (const name of [layer, ...HAZARDS.map((h) => `${layer}_${h}`)]) {
        await store.run('DELETE FROM hazard_zones WHERE layer = $1', [name]);
        await store.run('DELETE FROM hazard_layers WHERE layer = $1', [name]);
      }
      for (const l of outLayers) {
        await store.append('hazard_zones', l.rows, zoneColumns(l.layer));
        await upsertHazardLayer(
          store,
          {
            layer: l.layer, hazard: l.hazard as Hazard, kind: erosion || (l.rows.length > 0 && l.rows.every((r) => r.geometry.type.includes('Line'))) ? 'lines' : 'zones',
            source_file: source.path, crs: vector.crs, licence: OPEN_LICENCE, format: vector.format, schema: s,
            feature_count: l.rows.length, bbox: unionBox(l.rows.map((r) => r.bbox)),
          },
          catalogueId,
          effectiveVintage(options, undefined, source.modified),
        );
      }
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
      const hit = pick(p, ['scenario']);
      if (!hit) throw new InputError(`${at}: no scenario attribute (expected one of ${TRI_SCENARIOS.join(', ')}, as in the layer's first feature)`);
      const [field, raw] = hit;
      const code = normaliseScenario(raw);
      if (!code) throw new InputError(`${at}, ${field}: ${show(raw)} is not a TRI scenario (expected one of ${TRI_SCENARIOS.join(', ')})`);
      return { hazard: optHazard ?? 'flood', scenario: code, level_code: 1, value: null };
    }
    case 'rga': {
      const hit = pick(p, ['niveau']);
      if (!hit) throw new InputError(`${at}: no NIVEAU attribute (expected 0, 1 faible, 2 moyen or 3 fort, as in the layer's first feature)`);
      const [field, raw] = hit;
      const n = parseNumber(raw, `${at}, ${field}`, 'NIVEAU 0, 1 (faible), 2 (moyen) or 3 (fort)');
      if (n === null || !Number.isInteger(n) || n < 0 || n > 3) {
        throw new InputError(`${at}, ${field}: ${show(raw)} is not an RGA level (expected 0, 1 faible, 2 moyen or 3 fort)`);
      }
      return { hazard: optHazard ?? 'clay', scenario: null, level_code: n, value: null };
    }
    case 'ppr': {
      const t = pick(p, ['typealea', 'codetypealea', 'coderisque']);
      let hazard = optHazard;
      if (!hazard) {
        if (!t) throw new InputError(`${at}: no typealea or coderisque attribute (expected a GASPAR code such as 112 flood, 124 landslide, 126 coastal retreat) or --hazard`);
        const code = String(t[1] ?? '').trim();
        const cls = classifyAlea(code);
        if (cls?.kind !== 'hazard') {
          const why = !cls
            ? `${show(code)} is not a GASPAR hazard code (expected e.g. 112 or 1120000 flood, 123 rock fall, 13 earthquake)`
            : cls.kind === 'multi'
              ? `${show(code)} is a multi-hazard zone whose hazards are in a separate table (import the whole plan with \`vigie import ppr\`)`
              : `${show(code)} (${cls.label}) is ${FAMILY_LABELS[cls.family] ?? cls.family}, a family Vigie does not score (import the whole plan with \`vigie import ppr\` to keep it as context)`;
          issues.push(issue(file, line, 'unsupported_typealea', `${why}; zone skipped`, {
            recordId: String(f.id ?? f.index), field: t[0], value: code, kept: false, at: featureAt,
          }));
          return undefined;
        }
        hazard = cls.hazard;
      }
      const lv = readLevel(p);
      if (lv.bad) {
        throw new InputError(`${at}, ${lv.bad.field}: ${show(lv.bad.value)} is not a PPR hazard level (expected niveaualea / nivalea_st 00 nul … 07 très fort+, or nivalea Fai/M/F)`);
      }
      return { hazard, scenario: null, level_code: lv.code, value: null };
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

/** A feature's attributes as stored (empty values and blobs left out; 117 marked as marine submersion). */
export function zoneAttrs(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in props) {
    const v = props[k];
    if (v !== null && v !== undefined && v !== '' && !(v instanceof Uint8Array)) out[k] = v;
  }
  const t = pick(props, ['typealea', 'codetypealea', 'coderisque']);
  if (t && String(t[1]).startsWith('117')) out.submersion = true;
  return out;
}

export function unionBox(bs: BBox4[]): BBox4 {
  const u = { minx: Infinity, miny: Infinity, maxx: -Infinity, maxy: -Infinity };
  for (const b of bs) {
    u.minx = Math.min(u.minx, b.minx);
    u.miny = Math.min(u.miny, b.miny);
    u.maxx = Math.max(u.maxx, b.maxx);
    u.maxy = Math.max(u.maxy, b.maxy);
  }
  return u;
}

export const zoneColumns = (layer: string): AppendColumn<ZoneRow>[] => [
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
export const coastalErosionImporter = zonesImporter('erosion', 'coastal erosion (Cerema indicator): lines/polygons with taux in m/year');
