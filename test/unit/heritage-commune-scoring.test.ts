/**
 * A monument placed at its commune (position_quality 'commune', no coordinates of its own) is
 * scored from the commune-level layers only: a flood raster or zone read at a point inside the
 * commune says nothing about the monument, so that term is « donnée absente » and says why.
 * Uses the hand-checked risk fixture (test/golden/risk), where PA00000003 sits in 1.2 m of
 * modelled flood depth (level fort).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../engine/store/store.ts';
import { loadRiskConfig } from '../../engine/risk/config.ts';
import { scoreAll } from '../../engine/risk/score.ts';
import { explainSite } from '../../engine/risk/queries.ts';
import { buildFixture } from '../golden/risk/fixture.ts';

describe('scores of monuments placed at their commune', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(':memory:');
    await buildFixture(store);
    await store.run("UPDATE monuments SET position_quality = 'commune' WHERE reference = 'PA00000003'");
    await scoreAll(store, { config: loadRiskConfig() });
  });
  afterAll(() => store.close());

  it('does not read local layers at a commune position, and says so in the term', async () => {
    const pa3 = await explainSite(store, 'PA00000003');
    const flood = pa3.terms!.find((x) => x.scenario === 'ref' && x.hazard === 'flood')!;
    expect(flood.level).toBe('donnée absente');
    expect(flood.threshold_used).toMatch(/^position approchée \(commune\)/);
  });

  it('still reads commune-level layers for it, and local layers for monuments with coordinates', async () => {
    const pa3 = await explainSite(store, 'PA00000003');
    const read = pa3.terms!.filter((x) => x.scenario === 'ref' && x.level !== 'donnée absente');
    expect(read.length).toBeGreaterThan(0);
    for (const t of read) expect(['commune_table', 'climate_grid']).toContain(await kindOf(t.source_layer));
    const pa1 = await explainSite(store, 'PA00000001');
    expect(pa1.terms!.find((x) => x.scenario === 'ref' && x.hazard === 'flood')!.level).toBe('moyen');
  });

  async function kindOf(layer: string | null): Promise<string | null> {
    return (await store.value<string | null>('SELECT kind FROM hazard_layers WHERE layer = $1', [layer])) ?? null;
  }
});
