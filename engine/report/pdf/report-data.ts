/**
 * Everything a PDF risk report shows, read once from the store for a scope and a list of
 * scenarios: counts, map geometry, the most exposed sites with their terms (siteScores),
 * per-hazard level counts, hotspots of change (hotspots) and roll-ups (rollup) filtered to the
 * scope, data sources from the catalogue and hazard layers, and the scoring parameters.
 */
import type { Store } from '../../store/store.ts';
import { hotspots, rollup, siteScores, type Hotspot, type RollupRow, type SiteScores } from '../../risk/queries.ts';
import { HAZARDS, SCENARIOS, type Scenario } from '../labels.ts';
import { scopeWhere, scopeWhereCommunes, type Scope } from '../scope.ts';
import type { Geometry } from '../../io/vector.ts';
import { polygonsOf } from '../layers.ts';

export interface MapPoint { x: number; y: number; level: number | null; score: number }
export interface ReportSource { kind: string; layer: string; file: string; vintage: string | null; licence: string | null; imported_at: string; features: number }

export interface ReportData {
  scope: Scope;
  scenarios: Scenario[];
  generatedAt: Date;
  nSites: number;
  sitesByKind: Record<string, number>;
  nUnplaced: number;
  /** commune outlines for the map (Lambert-93 rings) and whether each is inside the scope */
  communes: { code: string; nom: string; inScope: boolean; polygons: number[][][][] }[];
  points: Record<string, MapPoint[]>;
  top: Record<string, SiteScores[]>;
  /** hazard → scenario → counts per level index 0..3, then no data */
  hazardLevels: Record<string, Record<string, [number, number, number, number, number]>>;
  hotspots: { from: Scenario; to: Scenario; items: Hotspot[] }[];
  rollups: Record<string, RollupRow[]>;
  rollupBy: 'commune' | 'departement';
  sources: ReportSource[];
  hazardLayers: { layer: string; hazard: string; kind: string; vintage: string | null; licence: string | null; source: string | null }[];
  runs: { site_kind: string; run_id: number; started_at: string; config_hash: string }[];
  weights: { hazard: string; weight: number }[];
}

export interface GatherOptions { topN?: number; hotspotN?: number }

export async function gatherReport(store: Store, scope: Scope, scenarios: Scenario[], o: GatherOptions = {}): Promise<ReportData> {
  const topN = o.topN ?? 8;
  const w = scopeWhere(scope, 'r', 2);
  const w1 = scopeWhere(scope, 'r', 1);
  const kinds = await store.all<{ site_kind: string; n: number }>(`SELECT site_kind, count(*) AS n FROM risk_sites r WHERE ${w1.sql} GROUP BY 1 ORDER BY 1`, w1.params);
  const sitesByKind = Object.fromEntries(kinds.map((k) => [k.site_kind, Number(k.n)]));
  const nSites = kinds.reduce((s, k) => s + Number(k.n), 0);
  const unplacedSql = scope.kind === 'region' ? `SELECT count(*) FROM monuments WHERE x IS NULL`
    : scope.kind === 'commune' ? `SELECT count(*) FROM monuments WHERE x IS NULL AND insee = $1` : `SELECT count(*) FROM monuments WHERE x IS NULL AND departement = $1`;
  const nUnplaced = Number(await store.value(unplacedSql, scope.code ? [scope.code] : []));

  // Map outlines: the scope's communes, plus neighbours around a single commune for context.
  const cw = scopeWhereCommunes(scope, 'c', 1);
  let communeRows = await store.all<{ code_insee: string; nom: string; geometry: string; minx: number; miny: number; maxx: number; maxy: number }>(
    `SELECT code_insee, nom, geometry, minx, miny, maxx, maxy FROM communes c WHERE ${cw.sql} ORDER BY code_insee`, cw.params,
  );
  const inScope = new Set(communeRows.map((c) => c.code_insee));
  if (scope.kind === 'commune' && communeRows.length === 1) {
    const c = communeRows[0];
    const pad = Math.max(c.maxx - c.minx, c.maxy - c.miny) * 0.6;
    communeRows = await store.all(
      `SELECT code_insee, nom, geometry, minx, miny, maxx, maxy FROM communes WHERE maxx >= $1 AND minx <= $2 AND maxy >= $3 AND miny <= $4 ORDER BY code_insee`,
      [c.minx - pad, c.maxx + pad, c.miny - pad, c.maxy + pad],
    );
  }
  const communes = communeRows.map((c) => ({ code: c.code_insee, nom: c.nom, inScope: inScope.has(c.code_insee), polygons: polygonsOf(JSON.parse(c.geometry) as Geometry) }));

  const points: Record<string, MapPoint[]> = {};
  const top: Record<string, SiteScores[]> = {};
  const rollups: Record<string, RollupRow[]> = {};
  const scopedSites = new Set((await store.all<{ site_id: string }>(`SELECT site_id FROM risk_sites r WHERE ${w1.sql}`, w1.params)).map((r) => r.site_id));
  const deps = await store.all<{ d: string | null }>(`SELECT DISTINCT departement AS d FROM risk_sites r WHERE ${w1.sql}`, w1.params);
  const rollupBy = scope.kind === 'region' && deps.length > 1 ? 'departement' : 'commune';
  const keepUnits = new Set((await store.all<{ u: string }>(
    `SELECT DISTINCT ${rollupBy === 'commune' ? 'insee' : 'departement'} AS u FROM risk_sites r WHERE ${w1.sql}`, w1.params)).map((r) => r.u));
  for (const sc of scenarios) {
    points[sc] = await store.all<MapPoint>(
      `SELECT r.x, r.y, s.max_level AS level, s.score FROM scores s JOIN risk_sites r ON r.run_id = s.run_id AND r.site_id = s.site_id
       WHERE s.scenario = $1 AND r.x IS NOT NULL AND ${w.sql} ORDER BY s.score, s.site_id`, [sc, ...w.params],
    );
    const ids = await store.all<{ site_id: string }>(
      `SELECT s.site_id FROM scores s JOIN risk_sites r ON r.run_id = s.run_id AND r.site_id = s.site_id
       WHERE s.scenario = $1 AND ${w.sql} ORDER BY s.score DESC, s.max_level DESC NULLS LAST, s.site_id LIMIT ${Math.trunc(topN)}`, [sc, ...w.params],
    );
    top[sc] = await siteScores(store, ids.map((r) => r.site_id), true);
    const rows = await rollup(store, rollupBy, sc);
    rollups[sc] = rows.filter((r) => r.unit !== null && keepUnits.has(r.unit));
  }

  const hl = await store.all<{ hazard: string; scenario: string; level_index: number | null; n: number }>(
    `SELECT t.hazard, t.scenario, t.level_index, count(*) AS n FROM score_terms t JOIN risk_sites r ON r.run_id = t.run_id AND r.site_id = t.site_id
     WHERE ${w1.sql} GROUP BY ALL`, w1.params,
  );
  const hazardLevels: ReportData['hazardLevels'] = {};
  for (const h of HAZARDS) hazardLevels[h] = Object.fromEntries(SCENARIOS.map((s) => [s, [0, 0, 0, 0, 0]])) as never;
  for (const r of hl) {
    const row = hazardLevels[r.hazard]?.[r.scenario];
    if (row) row[r.level_index === null ? 4 : r.level_index] += Number(r.n);
  }

  const pairs: [Scenario, Scenario][] = scenarios.length === 1
    ? scenarios[0] === 'ref' ? [['ref', '+4.0']] : [['ref', scenarios[0]]]
    : [['ref', '+2.0'], ['ref', '+2.7'], ['ref', '+4.0']];
  const hs = [];
  for (const [from, to] of pairs) {
    const items = (await hotspots(store, from, to, { n: 100_000 })).filter((h) => scopedSites.has(h.site_id)).slice(0, o.hotspotN ?? 15);
    hs.push({ from, to, items });
  }

  const sources = await store.all<ReportSource>(
    `SELECT kind, layer, source_file AS file, vintage, licence, strftime(imported_at, '%Y-%m-%d') AS imported_at, feature_count AS features
     FROM catalogue WHERE NOT starts_with(kind, 'basemap') ORDER BY id`,
  );
  const hazardLayers = await store.all<ReportData['hazardLayers'][number]>(
    `SELECT layer, hazard, kind, vintage, licence, source_file AS source FROM hazard_layers ORDER BY hazard, layer`,
  );
  const runs = await store.all<ReportData['runs'][number]>(
    `SELECT site_kind, run_id, strftime(started_at, '%Y-%m-%d %H:%M') AS started_at, config_hash FROM score_runs
     WHERE run_id IN (SELECT DISTINCT run_id FROM risk_sites) ORDER BY run_id`,
  );
  const weights = await store.all<{ hazard: string; weight: number }>(
    `SELECT hazard, any_value(weight) AS weight FROM score_weights WHERE run_id = (SELECT max(run_id) FROM risk_sites) GROUP BY hazard, hazard_key ORDER BY hazard_key`,
  );
  return { scope, scenarios, generatedAt: new Date(), nSites, sitesByKind, nUnplaced, communes, points, top, hazardLevels, hotspots: hs, rollups, rollupBy, sources, hazardLayers, runs, weights };
}
