/**
 * Hazard overlays for the map: the sample TRI and clay zones come back as WGS84 GeoJSON with the
 * level the scoring engine would give them, per scenario.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { importSampleHazards } from '../../engine/hazards/samples.ts';
import { importLayer } from '../../engine/importers.ts';
import { createServer } from '../../engine/server/server.ts';
import { Store } from '../../engine/store/store.ts';
import { SAMPLE_REGION_DIR } from '../../pipelines/paths.ts';

let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  store = await Store.open(':memory:');
  await importLayer(store, 'communes', join(SAMPLE_REGION_DIR, 'communes.geojson'));
  // Rasters are not needed here: a missing raster folder only skips those layers.
  await importSampleHazards(store, SAMPLE_REGION_DIR, join(SAMPLE_REGION_DIR, 'no-rasters'));
  app = await createServer({ store });
});
afterAll(async () => {
  await app?.close();
  store?.close();
});

type FC = { features: Array<{ properties: { level: number; scenario: string | null; code: number | null }; geometry: { coordinates: unknown } }> };

describe('GET /api/hazards/:hazard', () => {
  it('gives TRI envelopes the level of the scenario they stand for', async () => {
    const ref = (await app.inject({ url: '/api/hazards/flood?scenario=ref' })).json() as FC;
    const hot = (await app.inject({ url: '/api/hazards/flood?scenario=%2B4.0' })).json() as FC;
    const scen = (fc: FC) => new Set(fc.features.map((f) => f.properties.scenario));
    expect(scen(ref)).toEqual(new Set(['01For', '02Moy']));
    expect(scen(hot)).toEqual(new Set(['01For', '04Fai']));
    for (const f of [...ref.features, ...hot.features]) {
      expect(f.properties.level).toBe(f.properties.scenario === '01For' ? 3 : 2);
    }
    // Drawn low to high so the strongest level is on top.
    const levels = ref.features.map((f) => f.properties.level);
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
  });

  it('maps clay NIVEAU codes to levels and reprojects to WGS84', async () => {
    const res = await app.inject({ url: '/api/hazards/clay' });
    expect(res.statusCode).toBe(200);
    const fc = res.json() as FC;
    expect(fc.features.length).toBeGreaterThan(0);
    for (const f of fc.features) expect(f.properties.level).toBe(f.properties.code);
    const first = JSON.stringify(fc.features[0].geometry.coordinates).match(/-?\d+\.\d+/g)!.map(Number);
    expect(Math.abs(first[0])).toBeLessThan(10);
    expect(first[1]).toBeGreaterThan(41);
  });

  it('answers unknown hazards with 400 and hazards without zones with 404, in French', async () => {
    const bad = await app.inject({ url: "/api/hazards/'%3B%20DROP%20TABLE%20hazard_zones%3B--" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/Aléa inconnu/);
    const none = await app.inject({ url: '/api/hazards/heat' });
    expect(none.statusCode).toBe(404);
    expect(none.json().error).toMatch(/Aucune zone/);
    expect(Number(await store.value('SELECT count(*) FROM hazard_zones'))).toBeGreaterThan(0);
  });
});
