/**
 * Reads over the current scores: top sites, one site's explanation, roll-ups per commune /
 * département / région (counts per level, maximum, top sites — never a bare mean), and hotspots
 * of change between two scenarios.
 */
import { InputError, NotFoundError, show } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { HAZARDS, SCENARIOS, SITE_KINDS, type Scenario } from './config.ts';

export interface Term {
  scenario: string;
  hazard: string;
  value: number | null;
  unit: string | null;
  level: string;
  level_index: number | null;
  threshold_used: string | null;
  weight: number;
  modifier: number;
  modifier_detail: string;
  term: number | null;
  source_layer: string | null;
  vintage: string | null;
}

export interface SiteScores {
  site_id: string;
  site_kind: string;
  name: string | null;
  insee: string | null;
  departement: string | null;
  scores: Record<string, { score: number; max_level: number | null; n_no_data: number }>;
  terms?: Term[];
}

export function checkScenario(s: string): Scenario {
  const norm = s === 'reference' || s === 'référence' ? 'ref' : /^\+?\d(\.\d)?$/.test(s) ? `+${Number(s.replace('+', '')).toFixed(1)}` : s;
  if (!(SCENARIOS as readonly string[]).includes(norm)) {
    throw new InputError(`unknown scenario ${JSON.stringify(s)}: expected one of ${SCENARIOS.join(', ')}`, {
      fr: `Scénario inconnu : ${show(s)} (attendu : ${SCENARIOS.join(', ')}).`,
    });
  }
  return norm as Scenario;
}

function checkHazard(h: string): string {
  if (!(HAZARDS as readonly string[]).includes(h)) throw new InputError(`unknown hazard ${JSON.stringify(h)}: expected one of ${HAZARDS.join(', ')}`);
  return h;
}

function checkKind(k: string): string {
  if (!(SITE_KINDS as readonly string[]).includes(k)) throw new InputError(`unknown site kind ${JSON.stringify(k)}: expected one of ${SITE_KINDS.join(', ')}`);
  return k;
}

export interface TopOptions {
  scenario: string;
  n: number;
  hazard?: string;
  kind?: string;
  withTerms?: boolean;
}

/** The N sites with the highest score (or the highest term of one hazard) under a scenario. */
export async function topSites(store: Store, o: TopOptions): Promise<SiteScores[]> {
  const scenario = checkScenario(o.scenario);
  const params: (string | number)[] = [scenario, o.n];
  let where = '';
  if (o.kind) {
    params.push(checkKind(o.kind));
    where += ` AND s.site_kind = $${params.length}`;
  }
  let rank = 's.score DESC, s.max_level DESC NULLS LAST, s.site_id';
  let from = 'scores s';
  if (o.hazard) {
    params.push(checkHazard(o.hazard));
    from = `scores s JOIN score_terms t ON t.site_id = s.site_id AND t.scenario = s.scenario AND t.hazard = $${params.length}`;
    rank = 't.term DESC NULLS LAST, s.score DESC, s.site_id';
  }
  const ids = await store.all<{ site_id: string }>(
    `SELECT s.site_id FROM ${from} WHERE s.scenario = $1${where} ORDER BY ${rank} LIMIT $2`,
    params,
  );
  return siteScores(store, ids.map((r) => r.site_id), o.withTerms ?? false);
}

/** Every scenario's total (and optionally its terms) for the given sites, in the given order. */
export async function siteScores(store: Store, ids: readonly string[], withTerms: boolean): Promise<SiteScores[]> {
  if (ids.length === 0) return [];
  const list = `[${ids.map((_, i) => `$${i + 1}`).join(', ')}]`;
  const info = await store.all<{ site_id: string; site_kind: string; name: string | null; insee: string | null; departement: string | null }>(
    `SELECT site_id, site_kind, name, insee, departement FROM risk_sites WHERE list_contains(${list}, site_id)`,
    [...ids],
  );
  const sc = await store.all<{ site_id: string; scenario: string; score: number; max_level: number | null; n_no_data: number }>(
    `SELECT site_id, scenario, score, max_level, n_no_data FROM scores WHERE list_contains(${list}, site_id)`,
    [...ids],
  );
  const terms = withTerms
    ? await store.all<Term & { site_id: string }>(
        `SELECT site_id, scenario, hazard, value, unit, level, level_index, threshold_used, weight, modifier, modifier_detail,
                term, source_layer, vintage
         FROM score_terms WHERE list_contains(${list}, site_id) ORDER BY site_id, scenario_key, hazard_key`,
        [...ids],
      )
    : [];
  const byId = new Map(info.map((r) => [r.site_id, { ...r, scores: {} as SiteScores['scores'], ...(withTerms ? { terms: [] as Term[] } : {}) }]));
  for (const s of sc) byId.get(s.site_id)!.scores[s.scenario] = { score: s.score, max_level: s.max_level, n_no_data: s.n_no_data };
  for (const { site_id, ...t } of terms) byId.get(site_id)!.terms!.push(t);
  for (const v of byId.values()) {
    v.scores = Object.fromEntries(SCENARIOS.filter((s) => v.scores[s]).map((s) => [s, v.scores[s]]));
  }
  return ids.map((id) => byId.get(id)).filter((v): v is NonNullable<typeof v> => v !== undefined);
}

/** All terms of one site (monument reference or heritage site id), every scenario. */
export async function explainSite(store: Store, siteId: string): Promise<SiteScores> {
  const [s] = await siteScores(store, [siteId], true);
  if (!s) {
    const known = await store.value<number>(`SELECT count(*) FROM monuments WHERE reference = $1`, [siteId]);
    throw new NotFoundError(
      Number(known) > 0
        ? `${siteId} has no score: it has no usable position, or \`vigie score\` has not run since it was imported`
        : `no scored site ${JSON.stringify(siteId)}: expected a monument reference (PA + 8 digits) or a heritage site id`,
    );
  }
  return s;
}

export type RollupLevel = 'commune' | 'departement' | 'region';

export interface RollupRow {
  unit: string | null;
  n_sites: number;
  /** sites per max level: très faible, faible, moyen, fort */
  levels: [number, number, number, number];
  /** sites where every hazard is « donnée absente » */
  n_all_no_data: number;
  /** no-data terms, counted apart (never as « très faible ») */
  n_no_data_terms: number;
  max_score: number;
  top: { site_id: string; name: string | null; score: number }[];
}

/** Roll-up of one scenario's scores per commune, département or région. */
export async function rollup(store: Store, by: RollupLevel, scenario: string, kind?: string, topN = 3): Promise<RollupRow[]> {
  const col = { commune: 'r.insee', departement: 'r.departement', region: 'r.region' }[by];
  if (!col) throw new InputError(`unknown roll-up level ${JSON.stringify(by)}: expected commune, departement or region`);
  const params: (string | number)[] = [checkScenario(scenario), topN];
  const kindFilter = kind ? ` AND s.site_kind = $${params.push(checkKind(kind))}` : '';
  const rows = await store.all<{
    unit: string | null; n_sites: number; l0: number; l1: number; l2: number; l3: number; nd: number; ndt: number; max_score: number;
    top: { site_id: string; name: string | null; score: number }[];
  }>(
    `SELECT ${col} AS unit, count(*) AS n_sites,
            count(*) FILTER (WHERE s.max_level = 0) AS l0, count(*) FILTER (WHERE s.max_level = 1) AS l1,
            count(*) FILTER (WHERE s.max_level = 2) AS l2, count(*) FILTER (WHERE s.max_level = 3) AS l3,
            count(*) FILTER (WHERE s.max_level IS NULL) AS nd, sum(s.n_no_data) AS ndt, max(s.score) AS max_score,
            list({'site_id': s.site_id, 'name': r.name, 'score': s.score} ORDER BY s.score DESC, s.site_id)[1:$2] AS top
     FROM scores s JOIN risk_sites r ON r.run_id = s.run_id AND r.site_id = s.site_id
     WHERE s.scenario = $1${kindFilter}
     GROUP BY ALL ORDER BY max_score DESC, unit`,
    params,
  );
  return rows.map((r) => ({
    unit: r.unit,
    n_sites: Number(r.n_sites),
    levels: [Number(r.l0), Number(r.l1), Number(r.l2), Number(r.l3)],
    n_all_no_data: Number(r.nd),
    n_no_data_terms: Number(r.ndt),
    max_score: r.max_score,
    top: r.top,
  }));
}

export interface Hotspot {
  site_id: string;
  site_kind: string;
  name: string | null;
  hazard: string;
  from_level: string;
  to_level: string;
  rise: number;
  score_from: number;
  score_to: number;
}

/** Site × hazard pairs whose level rises from one scenario to another, biggest rises first. */
export async function hotspots(store: Store, from: string, to: string, o: { kind?: string; hazard?: string; n?: number } = {}): Promise<Hotspot[]> {
  const params: (string | number)[] = [checkScenario(from), checkScenario(to), o.n ?? 50];
  let where = '';
  if (o.kind) where += ` AND a.site_kind = $${params.push(checkKind(o.kind))}`;
  if (o.hazard) where += ` AND a.hazard = $${params.push(checkHazard(o.hazard))}`;
  return store.all<Hotspot>(
    `SELECT a.site_id, a.site_kind, r.name, a.hazard, a.level AS from_level, b.level AS to_level,
            b.level_index - a.level_index AS rise, sa.score AS score_from, sb.score AS score_to
     FROM score_terms a
     JOIN score_terms b ON b.site_id = a.site_id AND b.hazard = a.hazard AND b.scenario = $2
     JOIN risk_sites r ON r.run_id = a.run_id AND r.site_id = a.site_id
     JOIN scores sa ON sa.site_id = a.site_id AND sa.scenario = $1
     JOIN scores sb ON sb.site_id = a.site_id AND sb.scenario = $2
     WHERE a.scenario = $1 AND b.level_index > a.level_index${where}
     ORDER BY rise DESC, score_to DESC, a.site_id, a.hazard_key
     LIMIT $3`,
    params,
  );
}
