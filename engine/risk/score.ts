/**
 * Scores every placed site of each kind under the four scenarios and stores every term:
 *   score = Σ_hazards weight_h × level_h (0–3) × modifier_h,  « donnée absente » adds nothing
 * and is counted in n_no_data. One run per site kind replaces the previous one in a single
 * transaction, so the tables always hold the current scores.
 */
import type { Store } from '../store/store.ts';
import {
  HAZARDS,
  SCENARIOS,
  SITE_KINDS,
  loadRiskConfig,
  parseRiskConfig,
  type LoadedConfig,
  type SiteKind,
} from './config.ts';
import { NH, NS, computeExposure, locateCommunes, type Site } from './exposure.ts';
import { ModifierRules, type VulnerabilityInput } from './modifiers.ts';

export interface ScoreOptions {
  /** path of the settings file (default config/risk.json) */
  configPath?: string;
  /** already loaded settings (tests, benchmark) */
  config?: LoadedConfig;
  kinds?: readonly SiteKind[];
  log?: (line: string) => void;
}

export interface RunSummary {
  run_id: number;
  site_kind: SiteKind;
  n_sites: number;
  n_unplaced: number;
  n_terms: number;
  n_no_data_terms: number;
  seconds: number;
  /** sites per max level under each scenario: [très faible, faible, moyen, fort, all no data] */
  by_level: Record<string, number[]>;
}

interface SiteRow extends VulnerabilityInput {
  site_id: string;
  name: string | null;
  insee: string | null;
  departement: string | null;
  region: string | null;
  x: number | null;
  y: number | null;
}

const SITE_QUERIES: Record<SiteKind, string> = {
  monument: `SELECT m.reference AS site_id, m.titre AS name, m.denomination AS typology, m.materiaux AS materials,
                    m.protection, m.insee, m.departement, m.region, m.x, m.y,
                    v.etat_conservation, v.mitigation
             FROM monuments m LEFT JOIN site_vulnerability v ON v.site_id = m.reference ORDER BY m.reference`,
  archaeo: heritageQuery('archaeo'),
  museum: heritageQuery('museum'),
};

function heritageQuery(kind: string): string {
  return `SELECT h.site_id, h.name, h.type AS typology, NULL AS materials, 'inconnue' AS protection, h.insee,
                 NULL AS departement, NULL AS region, h.x, h.y, v.etat_conservation, v.mitigation
          FROM heritage_sites h LEFT JOIN site_vulnerability v ON v.site_id = h.site_id
          WHERE h.site_kind = '${kind}' ORDER BY h.site_id`;
}

/** Scores all site kinds (or `opts.kinds`); returns one summary per run. */
export async function scoreAll(store: Store, opts: ScoreOptions = {}): Promise<RunSummary[]> {
  const loaded = opts.config ?? loadRiskConfig(opts.configPath);
  const out: RunSummary[] = [];
  for (const kind of opts.kinds ?? SITE_KINDS) {
    const summary = await scoreKind(store, loaded, kind);
    if (summary) {
      out.push(summary);
      opts.log?.(`${kind}: ${summary.n_sites} sites scored in ${summary.seconds.toFixed(1)} s (run ${summary.run_id})`);
    }
  }
  return out;
}

async function tableExists(store: Store, name: string): Promise<boolean> {
  return Number(await store.value(`SELECT count(*) FROM duckdb_tables() WHERE table_name = $1`, [name])) > 0;
}

async function scoreKind(store: Store, loaded: LoadedConfig, kind: SiteKind): Promise<RunSummary | null> {
  const t0 = performance.now();
  const config = parseRiskConfig(loaded.config);
  if (kind !== 'monument' && !(await tableExists(store, 'heritage_sites'))) return null;
  if (!(await tableExists(store, 'hazard_layers'))) {
    throw new Error('hazard tables are missing: the 003_layers migration has not been applied');
  }
  const all = await store.all<SiteRow>(SITE_QUERIES[kind]);
  const rows = all.filter((r) => r.x !== null && r.y !== null && Number.isFinite(r.x) && Number.isFinite(r.y));
  const n = rows.length;
  const sites: Site[] = rows.map((r) => ({ id: r.site_id, x: r.x!, y: r.y! }));
  const located = await locateCommunes(store, sites, rows.map((r) => r.insee));
  const exposure = await computeExposure(store, config, sites, located.insee, config.buffers_m[kind]);

  // Modifiers: sites with the same record attributes share one dictionary entry per hazard.
  const rules = new ModifierRules(config);
  const modKeys = new Int32Array(n * NH);
  const modDict = new Map<string, number>();
  const modRows: { key: number; factor: number; detail: string }[] = [];
  const bySignature = new Map<string, Int32Array>();
  rows.forEach((r, i) => {
    const sig = `${r.protection}|${r.typology}|${r.materials}|${r.etat_conservation}|${r.mitigation ? 1 : 0}`;
    let keys = bySignature.get(sig);
    if (!keys) {
      keys = new Int32Array(NH);
      rules.forSite(r).forEach((m, h) => {
        const d = `${m.factor}|${m.detail}`;
        let k = modDict.get(d);
        if (k === undefined) {
          k = modRows.length;
          modRows.push({ key: k, factor: m.factor, detail: m.detail });
          modDict.set(d, k);
        }
        keys![h] = k;
      });
      bySignature.set(sig, keys);
    }
    modKeys.set(keys, i * NH);
  });

  const nTerms = n * NS * NH;
  let noData = 0;
  for (let t = 0; t < nTerms; t++) if (exposure.level[t] < 0) noData++;

  const runId = await store.transaction(async (tx) => {
    const id = Number(
      await tx.value(
        `INSERT INTO score_runs (site_kind, config_path, config_hash, config, n_sites, n_unplaced, layers)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING run_id`,
        [kind, loaded.path, loaded.hash, JSON.stringify(config), n, all.length - n, JSON.stringify(exposure.layers)],
      ),
    );
    const older = `run_id IN (SELECT run_id FROM score_runs WHERE site_kind = '${kind}' AND run_id <> ${id})`;
    for (const t of ['score_terms_raw', 'scores', 'risk_sites', 'score_layers', 'score_thresholds', 'score_modifiers', 'score_weights']) {
      await tx.run(`DELETE FROM ${t} WHERE ${older}`);
    }
    await tx.run(`DELETE FROM score_runs WHERE site_kind = '${kind}' AND run_id <> ${id}`);

    await tx.append('risk_sites', rows.keys(), [
      { type: 'integer', get: () => id },
      { type: 'integer', get: (i) => i },
      { type: 'varchar', get: (i) => rows[i].site_id },
      { type: 'varchar', get: () => kind },
      { type: 'varchar', get: (i) => rows[i].name },
      { type: 'varchar', get: (i) => rows[i].typology },
      { type: 'varchar', get: (i) => rows[i].protection },
      { type: 'varchar', get: (i) => located.insee[i] },
      { type: 'varchar', get: (i) => located.source[i] },
      { type: 'varchar', get: (i) => located.dep.get(located.insee[i] ?? '')?.departement ?? rows[i].departement ?? departementOfInsee(located.insee[i]) },
      { type: 'varchar', get: (i) => located.dep.get(located.insee[i] ?? '')?.region ?? rows[i].region },
      { type: 'double', get: (i) => rows[i].x },
      { type: 'double', get: (i) => rows[i].y },
    ]);
    await tx.append('score_layers', exposure.layers.keys(), [
      { type: 'integer', get: () => id },
      { type: 'integer', get: (i) => i },
      { type: 'varchar', get: (i) => exposure.layers[i].layer },
      { type: 'varchar', get: (i) => exposure.layers[i].hazard },
      { type: 'varchar', get: (i) => exposure.layers[i].kind },
      { type: 'varchar', get: (i) => exposure.layers[i].vintage },
      { type: 'varchar', get: (i) => exposure.layers[i].unit },
    ]);
    await tx.append('score_thresholds', exposure.thresholds.keys(), [
      { type: 'integer', get: () => id },
      { type: 'integer', get: (i) => i },
      { type: 'varchar', get: (i) => exposure.thresholds[i] },
    ]);
    await tx.append('score_modifiers', modRows, [
      { type: 'integer', get: () => id },
      { type: 'integer', get: (m) => m.key },
      { type: 'double', get: (m) => m.factor },
      { type: 'varchar', get: (m) => m.detail },
    ]);
    await tx.append('score_weights', HAZARDS.keys(), [
      { type: 'integer', get: () => id },
      { type: 'integer', get: (h) => h },
      { type: 'varchar', get: (h) => HAZARDS[h] },
      { type: 'double', get: (h) => config.hazards[HAZARDS[h]]?.weight ?? 0 },
    ]);
    const { value, level, layer, threshold } = exposure;
    await tx.append('score_terms_raw', range(nTerms), [
      { type: 'integer', get: () => id },
      { type: 'integer', get: (t) => Math.floor(t / (NS * NH)) },
      { type: 'integer', get: (t) => Math.floor(t / NH) % NS },
      { type: 'integer', get: (t) => t % NH },
      { type: 'double', get: (t) => (Number.isFinite(value[t]) ? value[t] : null) },
      { type: 'integer', get: (t) => (level[t] < 0 ? null : level[t]) },
      { type: 'integer', get: (t) => (layer[t] < 0 ? null : layer[t]) },
      { type: 'integer', get: (t) => threshold[t] },
      { type: 'integer', get: (t) => modKeys[Math.floor(t / (NS * NH)) * NH + (t % NH)] },
    ]);
    await tx.run(
      `INSERT INTO scores
       SELECT t.run_id, s.site_id, s.site_kind, ['ref', '+2.0', '+2.7', '+4.0'][t.scenario_key + 1],
              coalesce(sum(w.weight * t.level_index * m.modifier), 0), max(t.level_index),
              count(*) FILTER (WHERE t.level_index IS NULL)
       FROM score_terms_raw t
       JOIN risk_sites s ON s.run_id = t.run_id AND s.site_key = t.site_key
       JOIN score_weights w ON w.run_id = t.run_id AND w.hazard_key = t.hazard_key
       JOIN score_modifiers m ON m.run_id = t.run_id AND m.modifier_key = t.modifier_key
       WHERE t.run_id = $1
       GROUP BY ALL`,
      [id],
    );
    return id;
  });

  const byLevel: Record<string, number[]> = {};
  for (let s = 0; s < NS; s++) byLevel[SCENARIOS[s]] = [0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < NS; s++) {
      let mx = -1;
      for (let h = 0; h < NH; h++) mx = Math.max(mx, exposure.level[(i * NS + s) * NH + h]);
      byLevel[SCENARIOS[s]][mx < 0 ? 4 : mx]++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await store.run('UPDATE score_runs SET seconds = $1 WHERE run_id = $2', [seconds, runId]);
  return { run_id: runId, site_kind: kind, n_sites: n, n_unplaced: all.length - n, n_terms: nTerms, n_no_data_terms: noData, seconds, by_level: byLevel };
}

function* range(n: number): Iterable<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** Département from an INSEE code: 2 digits, 2A/2B, or 3 for overseas (97x). */
export function departementOfInsee(code: string | null): string | null {
  if (!code) return null;
  return code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2);
}
