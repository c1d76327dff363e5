/**
 * Muséofile's `refmer` links a museum to the monument that houses it: both records show the
 * link. Real extracts (test/fixtures/real); the expected pairs were read from the files with
 * Python's csv module (refmer of M0003 is PA00084643, a row of the POP-codes extract).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { importLayer } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts'; // registers the other importer kinds
import { createServer } from '../../engine/server/server.ts';
import { Store } from '../../engine/store/store.ts';

const REAL = join(import.meta.dirname, '../fixtures/real');
let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  store = await Store.open(':memory:');
  await importLayer(store, 'communes', join(REAL, 'admin/communes-67-bas-rhin.geojson'));
  await importLayer(store, 'merimee', join(REAL, 'merimee/pop-codes-67-extract.csv'));
  await importLayer(store, 'museums', join(REAL, 'museums/musees-de-france-base-museofile-2023-extract.csv'));
  app = await createServer({ store });
}, 120_000);

afterAll(async () => {
  await app?.close();
  store?.close();
});

describe('monument ↔ museum (refmer)', () => {
  it('a monument lists the museum it houses, and the museum the monument housing it', async () => {
    const monument = (await app.inject({ url: '/api/sites/PA00084643' })).json();
    expect(monument.related).toContainEqual(expect.objectContaining({ site_id: 'M0003', site_kind: 'museum', relation: 'houses' }));
    const museum = (await app.inject({ url: '/api/sites/M0003' })).json();
    expect(museum.related).toEqual([expect.objectContaining({ site_id: 'PA00084643', site_kind: 'monument', relation: 'housed_in' })]);
  });
  it('a monument that houses no museum has no related record', async () => {
    const ref = String(await store.value(`SELECT reference FROM monuments WHERE reference NOT IN ('PA00084643','PA00084953','PA00085182','PA00085099','PA00084599','PA00084796','PA67000016') LIMIT 1`));
    expect((await app.inject({ url: `/api/sites/${ref}` })).json().related).toEqual([]);
  });
});
