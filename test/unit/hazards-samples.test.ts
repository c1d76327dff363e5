/** The sample region's hazard and heritage layers all import (rasters when generated). */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSampleHazards, sampleLayers } from '../../engine/hazards/samples.ts';
import { Store } from '../../engine/store/store.ts';

const ROOT = join(import.meta.dirname, '../..');
const REGION = join(ROOT, 'data-samples/region');
// A directory with no rasters: the text layers alone must import; the raster kind has its own tests.
const NO_RASTERS = join(ROOT, 'test/fixtures/hazards');
let store: Store;

beforeAll(async () => (store = await Store.open(':memory:')));
afterAll(() => store.close());

describe('importSampleHazards', () => {
  it('imports every sample layer, each with a catalogue row, and is idempotent', async () => {
    const first = await importSampleHazards(store, REGION, NO_RASTERS);
    expect(first.missing.map((m) => m.split('/').pop()).sort()).toEqual(['flood_depth_cog.tif', 'wildfire_susceptibility.tif']);
    expect(first.reports).toHaveLength(sampleLayers(REGION, NO_RASTERS).length - 2);
    const counts = await store.counts(['hazard_zones', 'hazard_by_commune', 'climate_points', 'heritage_sites', 'spr']);
    for (const [table, n] of Object.entries(counts)) expect(n, table).toBeGreaterThan(0);
    expect(await store.all('SELECT DISTINCT warming FROM climate_points ORDER BY 1')).toEqual([
      { warming: '+2.0' }, { warming: '+2.7' }, { warming: '+4.0' }, { warming: 'ref' },
    ]);
    const layers = (await store.all<{ layer: string }>('SELECT layer FROM hazard_layers ORDER BY 1')).map((r) => r.layer);
    expect(layers).toEqual(['drias_drought', 'drias_heat', 'drias_wildfire', 'erosion_cotiere', 'rga', 'tri_zones', 'zonage_sismique']);
    // placeholders in the erosion indicator are NULL, never 0
    expect(await store.value("SELECT count(*) FROM hazard_zones WHERE layer = 'erosion_cotiere' AND value IS NULL")).toBeGreaterThan(0);
    expect(await store.value("SELECT count(*) FROM hazard_zones WHERE layer = 'erosion_cotiere' AND value = 0")).toBe(0);
    await importSampleHazards(store, REGION, NO_RASTERS);
    expect(await store.counts(['hazard_zones', 'hazard_by_commune', 'climate_points', 'heritage_sites', 'spr'])).toEqual(counts);
  });
});
