/**
 * Exposure: for every site, hazard and scenario, the value read from each hazard layer and the
 * level (0 très faible … 3 fort, or -1 « donnée absente ») it gives under config/risk.json.
 * Per hazard the highest level over its layers wins and names its source layer; a hazard is
 * « donnée absente » only when no layer covers the site with a real value.
 *
 * Results are flat typed arrays indexed by term = (site × 4 + scenario) × 7 + hazard, because a
 * national run has ~15 M terms.
 */
import Flatbush from 'flatbush';
import { LAMBERT93, normaliseCrs, transformer } from '../geo/crs.ts';
import { samplePoints } from '../geo/sample-points.ts';
import type { Store } from '../store/store.ts';
import { HAZARDS, LEVEL_INDEX, SCENARIOS, type Hazard, type HazardConfig, type RiskConfig, type Scenario } from './config.ts';
import { containsPoint, discIntersects, distanceTo, shapeOf, type Shape } from './shapes.ts';

export const NH = HAZARDS.length;
export const NS = SCENARIOS.length;

export interface Site {
  id: string;
  x: number;
  y: number;
  /**
   * The position is a point inside the site's commune, not the site's own (position_quality
   * 'commune'): layers that vary within a commune (zones, lines, rasters) are not read for it,
   * only commune tables and the 8 km climate grid.
   */
  approximate?: boolean;
}

/** Layer kinds read at the site's point, meaningless at a commune-level position. */
const LOCAL_KINDS = new Set(['zones', 'lines', 'raster']);

export interface LayerInfo {
  layer: string;
  hazard: Hazard;
  kind: string;
  vintage: string | null;
  unit: string;
}

export interface Exposure {
  value: Float64Array;
  /** -1 = donnée absente */
  level: Int8Array;
  /** index into `layers`, -1 = no layer for this hazard */
  layer: Int32Array;
  /** index into `thresholds` */
  threshold: Int32Array;
  layers: LayerInfo[];
  thresholds: string[];
}

export const termIndex = (site: number, scenario: number, hazard: number) => (site * NS + scenario) * NH + hazard;

interface LayerRow {
  layer: string;
  hazard: string;
  kind: string;
  raster_path: string | null;
  crs: string | null;
  vintage: string | null;
  minx: number | null;
  miny: number | null;
  maxx: number | null;
  maxy: number | null;
}

/** One layer's reading at every site: level/value per scenario, or the same for all. */
interface LayerReading {
  /** level per site × scenario (-1 no data) */
  level: Int8Array;
  value: Float64Array;
  /** threshold text key per scenario */
  threshold: number[];
}

/** Computes the exposure of `sites` (Lambert-93) given each site's commune code. */
export async function computeExposure(
  store: Store,
  config: RiskConfig,
  sites: readonly Site[],
  communes: readonly (string | null)[],
  radius: number,
): Promise<Exposure> {
  const n = sites.length;
  const out: Exposure = {
    value: new Float64Array(n * NS * NH).fill(NaN),
    level: new Int8Array(n * NS * NH).fill(-1),
    layer: new Int32Array(n * NS * NH).fill(-1),
    threshold: new Int32Array(n * NS * NH),
    layers: [],
    thresholds: [],
  };
  const thrKey = new Map<string, number>();
  const key = (text: string) => {
    let k = thrKey.get(text);
    if (k === undefined) {
      k = out.thresholds.length;
      out.thresholds.push(text);
      thrKey.set(text, k);
    }
    return k;
  };
  const none = key('aucune couche chargée pour cet aléa');
  const approximate = key('position approchée (commune) : couche locale non lue, seules les couches par commune et la grille climatique comptent');
  const searches: SearchCache = [];
  out.threshold.fill(none);

  const rows = await store.all<LayerRow>(
    `SELECT layer, hazard, kind, raster_path, crs, vintage, minx, miny, maxx, maxy FROM hazard_layers ORDER BY layer`,
  );
  for (const row of rows) {
    const h = HAZARDS.indexOf(row.hazard as Hazard);
    const hc = config.hazards[row.hazard as Hazard];
    if (h < 0 || !hc) continue;
    const reading = await readLayer(store, config, hc, row, sites, communes, radius, key, searches);
    if (!reading) continue;
    const li = out.layers.length;
    out.layers.push({ layer: row.layer, hazard: row.hazard as Hazard, kind: row.kind, vintage: row.vintage, unit: unitOf(hc, row.kind) });
    const local = LOCAL_KINDS.has(row.kind);
    // Merge: a real level beats no data; a higher level beats a lower one; ties keep the first layer.
    for (let i = 0; i < n; i++) {
      if (local && sites[i].approximate) {
        for (let s = 0; s < NS; s++) {
          const t = termIndex(i, s, h);
          if (out.layer[t] === -1) {
            out.layer[t] = li;
            out.threshold[t] = approximate;
          }
        }
        continue;
      }
      for (let s = 0; s < NS; s++) {
        const lv = reading.level[i * NS + s];
        const t = termIndex(i, s, h);
        if (out.layer[t] === -1 || lv > out.level[t]) {
          out.level[t] = lv;
          out.value[t] = reading.value[i * NS + s];
          out.layer[t] = li;
          out.threshold[t] = reading.threshold[s];
        }
      }
    }
  }
  return out;
}

function unitOf(hc: HazardConfig, kind: string): string {
  switch (kind) {
    case 'raster': return hc.raster?.unit ?? '';
    case 'climate_grid': return hc.climate?.unit ?? '';
    case 'lines': return 'm (marge)';
    case 'commune_table': return hc.commune?.unit ?? 'code';
    default: return 'code';
  }
}

/** Level of `v` for ascending cut points [faible, moyen, fort]. */
export function levelOfValue(v: number, t: readonly number[]): number {
  if (Number.isNaN(v)) return -1;
  return v >= t[2] ? 3 : v >= t[1] ? 2 : v >= t[0] ? 1 : 0;
}

const fmt = (t: readonly number[], unit: string) => `≥${t[0]} faible, ≥${t[1]} moyen, ≥${t[2]} fort (${unit})`;

async function readLayer(
  store: Store,
  config: RiskConfig,
  hc: HazardConfig,
  row: LayerRow,
  sites: readonly Site[],
  communes: readonly (string | null)[],
  radius: number,
  key: (text: string) => number,
  searches: SearchCache,
): Promise<LayerReading | null> {
  const n = sites.length;
  const level = new Int8Array(n * NS).fill(-1);
  const value = new Float64Array(n * NS).fill(NaN);
  const same = (i: number, lv: number, v: number) => {
    for (let s = 0; s < NS; s++) {
      level[i * NS + s] = lv;
      value[i * NS + s] = v;
    }
  };
  const extent = row.minx === null ? null : { minx: row.minx!, miny: row.miny!, maxx: row.maxx!, maxy: row.maxy! };
  const inExtent = (x: number, y: number, pad = 0) =>
    !extent || (x >= extent.minx - pad && x <= extent.maxx + pad && y >= extent.miny - pad && y <= extent.maxy + pad);

  switch (row.kind) {
    case 'raster': {
      const rc = hc.raster;
      if (!rc || !row.raster_path) return null;
      const crs = row.crs ? normaliseCrs(row.crs) : LAMBERT93;
      const tf = transformer(LAMBERT93, crs);
      const xs = new Float64Array(n);
      const ys = new Float64Array(n);
      sites.forEach((p, i) => ([xs[i], ys[i]] = tf(p.x, p.y)));
      // Radius is in metres; a geographic raster gets it in degrees of latitude (approximation).
      const r = crs === LAMBERT93 || !/4326|4171/.test(crs) ? radius : radius / 111_320;
      const sm = await samplePoints(row.raster_path, xs, ys, { radius: r, crs: row.crs ?? undefined });
      for (let i = 0; i < n; i++) {
        const v = Number.isNaN(sm.max![i]) ? sm.point[i] : sm.max![i];
        same(i, levelOfValue(v, rc.thresholds), v);
      }
      const k = key(`max dans ${radius} m : ${fmt(rc.thresholds, rc.unit)}`);
      return { level, value, threshold: [k, k, k, k] };
    }
    case 'zones': {
      const zc = hc.zones;
      if (!zc) return null;
      const feats = await readRows<{ scenario: string | null; level_code: number | null; geometry: string; minx: number; miny: number; maxx: number; maxy: number }>(
        store,
        `SELECT scenario, level_code, geometry, minx, miny, maxx, maxy FROM hazard_zones WHERE layer = $1`,
        [row.layer],
      );
      if (feats.length === 0) return null;
      const shapes: (Shape | null)[] = feats.map((f) => shapeOf(JSON.parse(f.geometry)));
      const index = new Flatbush(feats.length);
      for (const f of feats) index.add(f.minx, f.miny, f.maxx, f.maxy);
      index.finish();
      const tri = feats.some((f) => f.scenario !== null);
      const ext = extent ?? {
        minx: Math.min(...feats.map((f) => f.minx)), miny: Math.min(...feats.map((f) => f.miny)),
        maxx: Math.max(...feats.map((f) => f.maxx)), maxy: Math.max(...feats.map((f) => f.maxy)),
      };
      const covered = (x: number, y: number) => x >= ext.minx && x <= ext.maxx && y >= ext.miny && y <= ext.maxy;
      if (tri) {
        const inside = zc.tri_inside ? LEVEL_INDEX[zc.tri_inside] : 2;
        const frequent = zc.tri_frequent ? LEVEL_INDEX[zc.tri_frequent] : 3;
        for (let i = 0; i < n; i++) {
          const { x, y } = sites[i];
          const hit = new Set<string>();
          for (const j of index.search(x - radius, y - radius, x + radius, y + radius)) {
            const s = shapes[j];
            if (s && feats[j].scenario && feats[j].level_code !== 0 && discIntersects(s, x, y, radius)) hit.add(feats[j].scenario!);
          }
          SCENARIOS.forEach((sc, si) => {
            const env = config.scenarios[sc].flood_tri;
            const lv = hit.has('01For') ? frequent : hit.has(env) ? inside : covered(x, y) ? 0 : -1;
            level[i * NS + si] = lv;
            value[i * NS + si] = lv < 0 ? NaN : hit.has(env) || hit.has('01For') ? 1 : 0;
          });
        }
        return {
          level,
          value,
          threshold: SCENARIOS.map((sc) =>
            key(`TRI : dans l'enveloppe ${config.scenarios[sc].flood_tri} à ${radius} m → ${LEVELS_FR[inside]}, dans 01For → ${LEVELS_FR[frequent]}`),
          ),
        };
      }
      const codes = zc.level_codes;
      for (let i = 0; i < n; i++) {
        const { x, y } = sites[i];
        let best = -1;
        let bestCode = NaN;
        let placeholder = false;
        for (const j of index.search(x - radius, y - radius, x + radius, y + radius)) {
          const s = shapes[j];
          if (!s || !discIntersects(s, x, y, radius)) continue;
          const code = feats[j].level_code;
          const lv = code === null ? undefined : codes[String(code)];
          if (lv === undefined) {
            placeholder = true;
            continue;
          }
          if (lv > best) {
            best = lv;
            bestCode = code!;
          }
        }
        if (best >= 0) same(i, best, bestCode);
        else if (!placeholder && covered(x, y)) same(i, 0, 0);
      }
      const k = key(`zone touchée à ${radius} m, code → niveau ${JSON.stringify(codes)} ; hors zones dans l'emprise → très faible`);
      return { level, value, threshold: [k, k, k, k] };
    }
    case 'lines': {
      const lc = hc.lines;
      if (!lc) return null;
      const feats = await readRows<{ value: number | null; geometry: string; minx: number; miny: number; maxx: number; maxy: number }>(
        store,
        `SELECT value, geometry, minx, miny, maxx, maxy FROM hazard_zones WHERE layer = $1`,
        [row.layer],
      );
      if (feats.length === 0) return null;
      const shapes = feats.map((f) => shapeOf(JSON.parse(f.geometry)));
      const index = new Flatbush(feats.length);
      for (const f of feats) index.add(f.minx, f.miny, f.maxx, f.maxy);
      index.finish();
      const reach = lc.reach_m;
      for (let i = 0; i < n; i++) {
        const { x, y } = sites[i];
        let d = Infinity;
        let taux: number | null = null;
        for (const j of index.search(x - reach, y - reach, x + reach, y + reach)) {
          const s = shapes[j];
          if (!s) continue;
          const dj = distanceTo(s, x, y);
          if (dj < d) {
            d = dj;
            taux = feats[j].value;
          }
        }
        if (d > reach) {
          if (inExtent(x, y, reach)) same(i, 0, NaN);
          continue;
        }
        if (taux === null) continue; // placeholder rate on the nearest stretch: no data
        SCENARIOS.forEach((sc, si) => {
          const year = config.scenarios[sc].year;
          const retreat = taux! < 0 ? -taux! * Math.max(0, (year ?? lc.base_year) - lc.base_year) : 0;
          const margin = d - retreat;
          const m = lc.margins_m;
          level[i * NS + si] = margin <= m[0] ? 3 : margin <= m[1] ? 2 : margin <= m[2] ? 1 : 0;
          value[i * NS + si] = margin;
        });
      }
      return {
        level,
        value,
        threshold: SCENARIOS.map((sc) => {
          const yr = config.scenarios[sc].year;
          const years = Math.max(0, (yr ?? lc.base_year) - lc.base_year);
          return key(`marge = distance au trait de côte − |taux| × ${years} ans : ≤${lc.margins_m[0]} fort, ≤${lc.margins_m[1]} moyen, ≤${lc.margins_m[2]} faible (m)`);
        }),
      };
    }
    case 'commune_table': {
      const cc = hc.commune;
      if (!cc) return null;
      const recs = await readRows<{ code_insee: string; level_code: number | null; value: number | null }>(
        store,
        `SELECT code_insee, level_code, value FROM hazard_by_commune WHERE layer = $1`,
        [row.layer],
      );
      const by = new Map(recs.map((r) => [r.code_insee, r]));
      for (let i = 0; i < n; i++) {
        const r = communes[i] ? by.get(communes[i]!) : undefined;
        if (!r) continue;
        if (cc.level_codes && r.level_code !== null) {
          const lv = cc.level_codes[String(r.level_code)];
          if (lv !== undefined) same(i, lv, r.level_code);
        } else if (cc.thresholds && r.value !== null) {
          same(i, levelOfValue(r.value, cc.thresholds), r.value);
        }
      }
      const k = key(cc.level_codes ? `code de la commune → niveau ${JSON.stringify(cc.level_codes)}` : fmt(cc.thresholds ?? [0, 0, 0], cc.unit ?? ''));
      return { level, value, threshold: [k, k, k, k] };
    }
    case 'climate_grid': {
      const cl = hc.climate;
      if (!cl) return null;
      const pts = await readRows<{ warming: string; point: string; x: number; y: number; value: number | null }>(
        store,
        `SELECT warming, point, x, y, value FROM climate_points WHERE layer = $1 AND indicator = $2 AND x IS NOT NULL`,
        [row.layer, cl.indicator],
      );
      if (pts.length === 0) return null;
      const ids = new Map<string, number>();
      const px: number[] = [];
      const py: number[] = [];
      for (const p of pts) {
        if (!ids.has(p.point)) {
          ids.set(p.point, px.length);
          px.push(p.x);
          py.push(p.y);
        }
      }
      const vals = new Float64Array(px.length * NS).fill(NaN);
      for (const p of pts) {
        const s = SCENARIOS.indexOf(p.warming as Scenario);
        if (s >= 0 && p.value !== null) vals[ids.get(p.point)! * NS + s] = p.value;
      }
      const { neighbours, max_distance_m: maxD, power } = config.climate;
      const nbs = gridNeighbours(searches, px, py, sites, neighbours, maxD);
      const dist = new Float64Array(neighbours);
      const weight = new Float64Array(neighbours);
      for (let i = 0; i < n; i++) {
        const { x, y } = sites[i];
        let count = 0;
        while (count < neighbours && nbs[i * neighbours + count] >= 0) count++;
        if (count === 0) continue;
        for (let q = 0; q < count; q++) {
          const j = nbs[i * neighbours + q];
          dist[q] = Math.hypot(px[j] - x, py[j] - y);
          weight[q] = 1 / Math.pow(dist[q], power);
        }
        for (let s = 0; s < NS; s++) {
          let num = 0;
          let den = 0;
          let exact = NaN;
          for (let q = 0; q < count; q++) {
            const v = vals[nbs[i * neighbours + q] * NS + s];
            if (Number.isNaN(v)) continue;
            if (dist[q] < 1e-6) {
              exact = v;
              break;
            }
            num += weight[q] * v;
            den += weight[q];
          }
          const v = !Number.isNaN(exact) ? exact : den > 0 ? num / den : NaN;
          level[i * NS + s] = levelOfValue(v, cl.thresholds);
          value[i * NS + s] = v;
        }
      }
      const k = key(`${cl.indicator} interpolé (${neighbours} points DRIAS à ≤ ${maxD / 1000} km, IDW p=${power}) : ${fmt(cl.thresholds, cl.unit)}`);
      return { level, value, threshold: [k, k, k, k] };
    }
    default:
      return null;
  }
}

const LEVELS_FR = ['très faible', 'faible', 'moyen', 'fort'];

/**
 * Rows as `store.all` gives them (NULL numbers as null), read through `store.readColumns`:
 * hazard tables have tens of thousands of rows per layer and converting each value through
 * node-api's row objects was a third of a monument run.
 */
async function readRows<T>(store: Store, sql: string, params: string[]): Promise<T[]> {
  const { rows, columns } = await store.readColumns(sql, params);
  const cols = Object.entries(columns);
  const out = new Array<T>(rows);
  for (let i = 0; i < rows; i++) {
    const row: Record<string, unknown> = {};
    for (const [name, col] of cols) {
      const v = col[i];
      row[name] = typeof v === 'number' && Number.isNaN(v) ? null : v;
    }
    out[i] = row as T;
  }
  return out;
}

/** Neighbour searches already done in one exposure run, to be reused by layers on the same grid. */
type SearchCache = { px: number[]; py: number[]; k: number; maxD: number; nbs: Int32Array }[];

/**
 * The `k` nearest grid points within `maxD` of every site (flat, -1 padded), nearest first.
 * DRIAS layers usually share one grid: a search on the same points is reused from `cache`
 * (the search is most of a climate layer's time).
 */
function gridNeighbours(cache: SearchCache, px: number[], py: number[], sites: readonly Site[], k: number, maxD: number): Int32Array {
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  const hit = cache.find((c) => c.k === k && c.maxD === maxD && same(c.px, px) && same(c.py, py));
  if (hit) return hit.nbs;
  const index = new Flatbush(px.length);
  for (let j = 0; j < px.length; j++) index.add(px[j], py[j], px[j], py[j]);
  index.finish();
  const nbs = new Int32Array(sites.length * k).fill(-1);
  for (let i = 0; i < sites.length; i++) {
    const found = index.neighbors(sites[i].x, sites[i].y, k, maxD);
    for (let q = 0; q < found.length; q++) nbs[i * k + q] = found[q];
  }
  cache.push({ px, py, k, maxD, nbs });
  return nbs;
}

/** Point-in-polygon on commune boundaries, falling back to the record's INSEE code. */
export async function locateCommunes(
  store: Store,
  sites: readonly Site[],
  recordInsee: readonly (string | null)[],
): Promise<{ insee: (string | null)[]; source: (string | null)[]; dep: Map<string, { departement: string; region: string | null }> }> {
  const rows = await readRows<{ code_insee: string; departement: string; region: string | null; geometry: string; minx: number; miny: number; maxx: number; maxy: number }>(
    store,
    'SELECT code_insee, departement, region, geometry, minx, miny, maxx, maxy FROM communes',
    [],
  );
  const dep = new Map(rows.map((r) => [r.code_insee, { departement: r.departement, region: r.region }]));
  const insee: (string | null)[] = [];
  const source: (string | null)[] = [];
  let index: Flatbush | null = null;
  let shapes: (Shape | null)[] = [];
  if (rows.length > 0) {
    index = new Flatbush(rows.length);
    for (const r of rows) index.add(r.minx, r.miny, r.maxx, r.maxy);
    index.finish();
    shapes = rows.map((r) => shapeOf(JSON.parse(r.geometry)));
  }
  sites.forEach((p, i) => {
    let code: string | null = null;
    if (index) {
      for (const j of index.search(p.x, p.y, p.x, p.y)) {
        const s = shapes[j];
        if (s && containsPoint(s, p.x, p.y)) {
          code = rows[j].code_insee;
          break;
        }
      }
    }
    if (code) {
      insee.push(code);
      source.push('polygon');
    } else {
      insee.push(recordInsee[i]);
      source.push(recordInsee[i] ? 'record' : null);
    }
  });
  return { insee, source, dep };
}
