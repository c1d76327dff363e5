import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../engine/store/store.ts';
import { loadRiskConfig, parseRiskConfig } from '../../engine/risk/config.ts';
import { scoreAll } from '../../engine/risk/score.ts';
import { explainSite, hotspots, rollup, siteScores } from '../../engine/risk/queries.ts';
import { InputError } from '../../engine/errors.ts';
import { FIXTURE, buildFixture } from '../golden/risk/fixture.ts';

const GOLDEN = join(import.meta.dirname, '../golden/risk/scores.json');
const round = (v: unknown): unknown =>
  typeof v === 'number' ? Number(v.toPrecision(10)) : Array.isArray(v) ? v.map(round) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)])) : v;

describe('risk scores on the hand-checked fixture', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(':memory:');
    await buildFixture(store);
    await scoreAll(store, { config: loadRiskConfig() });
  });
  afterAll(() => store.close());

  it('matches the golden scores and terms (REGEN=1 rewrites them)', async () => {
    const ids = [...FIXTURE.monuments.map((m) => m.reference), ...FIXTURE.heritage.map((h) => h.site_id)];
    const results = round(await siteScores(store, ids, true));
    const golden = { inputs: FIXTURE, results };
    if (process.env.REGEN === '1' || !existsSync(GOLDEN)) writeFileSync(GOLDEN, JSON.stringify(golden, null, 1) + '\n');
    expect(golden).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });

  it('gives the hand-worked levels', async () => {
    const pa1 = await explainSite(store, 'PA00000001');
    const t = (sc: string, h: string) => pa1.terms!.find((x) => x.scenario === sc && x.hazard === h)!;
    // 100 m from a coast retreating 2 m/yr: margins 100, 90, 50, -50 m.
    expect(['ref', '+2.0', '+2.7', '+4.0'].map((s) => [t(s, 'coastal_retreat').value, t(s, 'coastal_retreat').level])).toEqual([
      [100, 'faible'], [90, 'faible'], [50, 'moyen'], [-50, 'fort'],
    ]);
    expect(t('ref', 'flood').level).toBe('moyen');
    // classé 1.2 × église 1.1 × mauvais 1.2 × mitigation 0.85
    expect(t('ref', 'flood').modifier).toBeCloseTo(1.3464, 10);
    expect(t('ref', 'flood').term).toBeCloseTo(3 * 2 * 1.3464, 10);
    const pa3 = await explainSite(store, 'PA00000003');
    const f = pa3.terms!.find((x) => x.scenario === 'ref' && x.hazard === 'flood')!;
    expect([f.value, f.level, f.source_layer]).toEqual([Math.fround(1.2), 'fort', 'flood_depth_fixture']);
  });

  it('never scores « donnée absente » as très faible', async () => {
    const bad = await store.value<number>(`SELECT count(*) FROM score_terms WHERE level_index IS NULL AND (level <> 'donnée absente' OR term IS NOT NULL)`);
    expect(Number(bad)).toBe(0);
    const pa5 = await explainSite(store, 'PA00000005');
    expect(pa5.terms!.find((x) => x.hazard === 'clay')!.level).toBe('donnée absente');
    const pa4 = await explainSite(store, 'PA00000004');
    expect(pa4.terms!.filter((x) => x.scenario === 'ref' && x.level === 'donnée absente').map((x) => x.hazard).sort()).toEqual(
      ['clay', 'coastal_retreat', 'drought', 'flood', 'heat', 'land_movement', 'wildfire'],
    );
    expect(pa4.scores.ref.n_no_data).toBe(7);
    const roll = await rollup(store, 'departement', 'ref');
    expect(roll[0].n_no_data_terms).toBe(Number(await store.value(`SELECT count(*) FROM score_terms WHERE scenario = 'ref' AND level_index IS NULL`)));
  });

  it('lists hotspots of change and rescoring with a new weight changes the scores', async () => {
    const hs = await hotspots(store, 'ref', '+4.0');
    expect(hs.some((h) => h.site_id === 'PA00000001' && h.hazard === 'coastal_retreat' && h.to_level === 'fort')).toBe(true);
    const loaded = loadRiskConfig();
    const cfg = structuredClone(loaded.config);
    cfg.hazards.seismic!.weight = 10;
    await scoreAll(store, { config: { ...loaded, config: cfg }, kinds: ['monument'] });
    const pa3 = (await explainSite(store, 'PA00000003')).scores.ref.score;
    expect(pa3).toBeCloseTo(22.7 + (10 - 2) * 3, 6);
    expect(Number(await store.value(`SELECT count(DISTINCT run_id) FROM scores WHERE site_kind = 'monument'`))).toBe(1);
  });
});

describe('risk settings', () => {
  it('rejects a typo naming the key and the expected keys', () => {
    const json = JSON.parse(readFileSync('config/risk.json', 'utf8'));
    json.hazards.flood.wieght = 2;
    expect(() => parseRiskConfig(json, 'risk.json')).toThrow(InputError);
    expect(() => parseRiskConfig(json, 'risk.json')).toThrow(/hazards\.flood\.wieght: unknown key; expected one of label, weight/);
    const json2 = JSON.parse(readFileSync('config/risk.json', 'utf8'));
    json2.hazards.heat.climate.thresholds = [20, 5, 1];
    expect(() => parseRiskConfig(json2, 'risk.json')).toThrow(/hazards\.heat\.climate\.thresholds: thresholds must be ascending/);
  });
});
