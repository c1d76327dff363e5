/**
 * Re-scores single sites after a change of their vulnerability input (state of conservation,
 * mitigation), without a full run: hazard levels do not depend on vulnerability, so only the
 * modifier of each stored term and the site's totals change. Uses the settings stored with the
 * site's run, so the result is exactly what `vigie score` would store. Call inside a transaction.
 */
import type { Store } from '../store/store.ts';
import { HAZARDS, SCENARIOS, parseRiskConfig } from './config.ts';
import { siteTotals } from './score.ts';
import { ModifierRules } from './modifiers.ts';

export interface ScenarioScore { score: number; max_level: number | null; n_no_data: number }

/** Returns, per re-scored site id, its four scenario totals; sites without a score are skipped. */
export async function scoreSites(store: Store, ids: readonly string[]): Promise<Map<string, Record<string, ScenarioScore>>> {
  const out = new Map<string, Record<string, ScenarioScore>>();
  const rulesByRun = new Map<number, ModifierRules>();
  for (const id of ids) {
    const site = await store.one<{ run_id: number; site_key: number; site_kind: string; typology: string | null; protection: string | null; config: string }>(
      `SELECT r.run_id, r.site_key, r.site_kind, r.typology, r.protection, sr.config::VARCHAR AS config
         FROM risk_sites r JOIN score_runs sr ON sr.run_id = r.run_id WHERE r.site_id = $1`,
      [id],
    );
    if (!site) continue;
    let rules = rulesByRun.get(site.run_id);
    if (!rules) {
      rules = new ModifierRules(parseRiskConfig(JSON.parse(site.config), `score run ${site.run_id}`));
      rulesByRun.set(site.run_id, rules);
    }
    const materials = site.site_kind === 'monument'
      ? ((await store.value<string | null>('SELECT materiaux FROM monuments WHERE reference = $1', [id])) ?? null)
      : null;
    const v = await store.one<{ etat_conservation: string | null; mitigation: string | null }>(
      'SELECT etat_conservation, mitigation FROM site_vulnerability WHERE site_id = $1', [id]);
    const mods = rules.forSite({
      protection: site.protection, typology: site.typology, materials,
      etat_conservation: v?.etat_conservation ?? null, mitigation: v?.mitigation ?? null,
    });

    const known = await store.all<{ modifier_key: number; modifier: number; detail: string }>(
      'SELECT modifier_key, modifier, detail FROM score_modifiers WHERE run_id = $1', [site.run_id]);
    let nextKey = known.reduce((m, k) => Math.max(m, Number(k.modifier_key)), -1) + 1;
    const keys: number[] = [];
    for (const m of mods) {
      let k = known.find((r) => r.modifier === m.factor && r.detail === m.detail)?.modifier_key;
      if (k === undefined) {
        k = nextKey++;
        await store.run('INSERT INTO score_modifiers VALUES ($1, $2, $3, $4)', [site.run_id, k, m.factor, m.detail]);
        known.push({ modifier_key: k, modifier: m.factor, detail: m.detail });
      }
      keys.push(Number(k));
    }
    const cases = HAZARDS.map((_, h) => `WHEN ${h} THEN ${keys[h]}`).join(' ');
    await store.run(
      `UPDATE score_terms_raw SET modifier_key = CASE hazard_key ${cases} END WHERE run_id = $1 AND site_key = $2`,
      [site.run_id, site.site_key],
    );
    // Totals by the same code as the full run (siteTotals), so a site re-scored with unchanged
    // input keeps its score to the last bit.
    const terms = await store.all<{ scenario_key: number; hazard_key: number; level_index: number | null }>(
      'SELECT scenario_key, hazard_key, level_index FROM score_terms_raw WHERE run_id = $1 AND site_key = $2',
      [site.run_id, site.site_key],
    );
    const NH = HAZARDS.length;
    const level = new Int8Array(SCENARIOS.length * NH).fill(-1);
    for (const t of terms) level[Number(t.scenario_key) * NH + Number(t.hazard_key)] = t.level_index === null ? -1 : Number(t.level_index);
    const weights = new Array<number>(NH).fill(0);
    for (const w of await store.all<{ hazard_key: number; weight: number }>('SELECT hazard_key, weight FROM score_weights WHERE run_id = $1', [site.run_id])) {
      weights[Number(w.hazard_key)] = w.weight;
    }
    const factors: number[] = [];
    for (const k of known) factors[Number(k.modifier_key)] = k.modifier;
    const totals = siteTotals([id], level, Int32Array.from(keys), weights, factors);
    await store.run('DELETE FROM scores WHERE run_id = $1 AND site_id = $2', [site.run_id, id]);
    await store.appendColumns('scores', {
      run_id: site.run_id,
      site_id: totals.siteId,
      site_kind: site.site_kind,
      scenario: totals.scenario,
      score: totals.score,
      max_level: { values: totals.maxLevel, nullValue: -1 },
      n_no_data: totals.noData,
    });
    const rows = await store.all<{ scenario: string; score: number; max_level: number | null; n_no_data: number }>(
      `SELECT scenario, score, max_level, n_no_data FROM scores WHERE site_id = $1
        ORDER BY list_position(['ref', '+2.0', '+2.7', '+4.0'], scenario)`, [id]);
    out.set(id, Object.fromEntries(rows.map((r) => [r.scenario, { score: r.score, max_level: r.max_level, n_no_data: Number(r.n_no_data) }])));
  }
  return out;
}
