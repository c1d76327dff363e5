import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parse } from 'csv-parse/sync';
import type { Store } from '../../engine/store/store.ts';
import { createServer } from '../../engine/server/server.ts';
import { scoredStore } from './exports-fixture.ts';

describe('export and report API', () => {
  let store: Store;
  let app: FastifyInstance;
  beforeAll(async () => {
    store = await scoredStore();
    app = await createServer({ store });
  });
  afterAll(async () => {
    await app.close();
    store.close();
  });

  it('streams an export file with its type and file name', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/exports/monuments.csv?scope=commune:29001&scenario=ref' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="vigie-monuments-commune-29001-ref.csv"');
    const rows = parse(res.rawPayload, { delimiter: ';', bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r['Code INSEE'])).toEqual(rows.map(() => '29001'));
    expect(rows.length).toBe(Number(await store.value(`SELECT count(*) FROM risk_sites WHERE site_kind = 'monument' AND insee = '29001'`)));
    const gpkg = await app.inject({ method: 'GET', url: '/api/exports/rollups.gpkg' });
    expect(gpkg.statusCode).toBe(200);
    expect(gpkg.rawPayload.subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
  });

  it('serves the PDF report', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/reports?scope=department:29&scenario=%2B4.0' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="vigie-rapport-department-29-\+4\.0\.pdf"$/);
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('answers bad requests with the Vigie error statuses and French messages', async () => {
    const shp = await app.inject({ method: 'GET', url: '/api/exports/monuments.shp' });
    expect(shp.statusCode).toBe(400);
    expect(shp.json().error).toMatch(/^Format d'export inconnu : "shp" \(attendu : .*gpkg/);
    const layer = await app.inject({ method: 'GET', url: '/api/exports/castles.csv' });
    expect(layer.statusCode).toBe(400);
    expect(layer.json().error).toMatch(/^Couche d'export inconnue : "castles"/);
    const unknown = await app.inject({ method: 'GET', url: '/api/reports?scope=commune:99999' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toBe('Commune inconnue : aucun code INSEE 99999 dans la table des communes.');
    const scope = await app.inject({ method: 'GET', url: '/api/exports/monuments.csv?scope=canton:1' });
    expect(scope.statusCode).toBe(400);
    expect(scope.json().error).toMatch(/^Périmètre inconnu : "canton:1"/);
    const scenario = await app.inject({ method: 'GET', url: '/api/reports?scenario=%2B9' });
    expect(scenario.statusCode).toBe(400);
    expect(scenario.json().error).toMatch(/^Scénario inconnu : "\+9"/);
  });
});
