/**
 * Import → DuckDB → API: the sample region's communes and Mérimée export go through the real
 * importers, and the HTTP API reports exactly what the database holds.
 */
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { importLayer } from '../../engine/importers.ts';
import { createServer } from '../../engine/server/server.ts';
import { Store } from '../../engine/store/store.ts';
import { SAMPLE_REGION_DIR } from '../../pipelines/paths.ts';

let store: Store;
let app: FastifyInstance;
let merimeeReport: Awaited<ReturnType<typeof importLayer>>;

beforeAll(async () => {
  store = await Store.open(':memory:');
  await importLayer(store, 'communes', join(SAMPLE_REGION_DIR, 'communes.geojson'));
  merimeeReport = await importLayer(store, 'merimee', join(SAMPLE_REGION_DIR, 'merimee.csv'));
  await importLayer(store, 'basemap-land', join(SAMPLE_REGION_DIR, 'basemap', 'land.geojson'));
  app = await createServer({ store });
});

afterAll(async () => {
  await app?.close();
  store?.close();
});

describe('API over the imported sample region', () => {
  it('health reports the database counts', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.schemaVersion).toBeGreaterThanOrEqual(1);
    const monuments = Number(await store.value('SELECT count(*) FROM monuments'));
    const positioned = Number(await store.value('SELECT count(*) FROM monuments WHERE x IS NOT NULL'));
    const communes = Number(await store.value('SELECT count(*) FROM communes'));
    expect(body.counts).toEqual({ monuments, monuments_positioned: positioned, communes });
    expect(monuments).toBe(merimeeReport.kept);
    expect(communes).toBeGreaterThan(100);
    // The sample export is dirty on purpose: some rows have no usable coordinates, and are
    // placed at their commune instead (position_quality = 'commune').
    const byCoordinates = Number(await store.value(`SELECT count(*) FROM monuments WHERE position_quality = 'coordinates'`));
    expect(byCoordinates).toBeLessThan(monuments);
    expect(byCoordinates).toBeGreaterThan(monuments * 0.8);
    expect(positioned).toBeGreaterThan(byCoordinates);
  });

  it('lists every monument with reference, name, commune, protection and position', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/monuments' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { count: number; items: Array<Record<string, unknown>> };
    expect(body.count).toBe(merimeeReport.kept);
    // Browsers get it gzipped: the same bytes once inflated.
    const gz = await app.inject({ method: 'GET', url: '/api/monuments', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString('utf8')).toBe(res.body);
    expect(body.items).toHaveLength(body.count);
    for (const m of body.items) {
      expect(m.reference).toMatch(/^PA\d{8}$/);
      expect(['classe', 'inscrit', 'classe_inscrit', 'inconnue']).toContain(m.protection);
      if (m.lon !== null) {
        expect(m.lon as number).toBeGreaterThan(-5.5);
        expect(m.lon as number).toBeLessThan(10);
        expect(m.lat as number).toBeGreaterThan(41);
        expect(m.lat as number).toBeLessThan(51.5);
      }
    }
    const refs = body.items.map((m) => m.reference);
    expect(new Set(refs).size).toBe(refs.length);
  });

  it('serves the offline basemap as WGS84 GeoJSON and 404s unknown layers in French', async () => {
    const communes = await app.inject({ method: 'GET', url: '/api/basemap/communes' });
    expect(communes.statusCode).toBe(200);
    const fc = communes.json() as { features: Array<{ properties: { code_insee: string } }> };
    expect(fc.features.length).toBe(Number(await store.value('SELECT count(*) FROM communes')));
    const land = await app.inject({ method: 'GET', url: '/api/basemap/land' });
    expect(land.statusCode).toBe(200);
    const missing = await app.inject({ method: 'GET', url: '/api/basemap/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatch(/Couche de fond inconnue/);
    const config = await app.inject({ method: 'GET', url: '/api/config' });
    expect(config.json().bbox).toHaveLength(4);
  });

  it('answers unknown API routes with a JSON 404, never a 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/../../etc/passwd' });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });
});
