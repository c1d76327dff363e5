/**
 * « Priorité d'entretien »: each ranked monument's priority recomputed by hand from its own
 * score breakdown (GET /api/sites/:id, a separate path through the server) and its review:
 * état (bon 1, moyen 2, mauvais 3, péril 4, inconnu 1.5) × (highest level today + largest rise of
 * one hazard at +2.7 °C).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../engine/server/server.ts';
import type { Store } from '../../engine/store/store.ts';
import { headers, login, reviewStore } from './review-fixture.ts';

let dir: string;
let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-priority-'));
  store = await reviewStore(':memory:', dir);
  app = await createServer({ store });
  const reviewer = await login(app, 'monuments');
  const put = await app.inject({ method: 'PUT', url: '/api/sites/PA00000002/review', headers: headers(reviewer), payload: { etat_conservation: 'peril', version: 0 } });
  expect(put.statusCode).toBe(200);
}, 60_000);

afterAll(async () => {
  await app?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const WEIGHT: Record<string, number> = { bon: 1, moyen: 2, mauvais: 3, peril: 4 };

describe('GET /api/priorities', () => {
  it('ranks every scored monument by état × (level today + rise at +2.7 °C), each factor as its breakdown says', async () => {
    const r = (await app.inject({ url: '/api/priorities?limit=5000' })).json();
    expect(r.horizon).toBe('+2.7');
    const scored = Number(await store.value(`SELECT count(DISTINCT site_id) FROM scores WHERE site_kind = 'monument'`));
    expect(r.total).toBe(scored);
    expect(r.items).toHaveLength(scored);
    for (const item of r.items) {
      const d = (await app.inject({ url: `/api/sites/${item.site_id}` })).json();
      const at = (sc: string) => new Map<string, number | null>(d.terms.filter((t: { scenario: string }) => t.scenario === sc).map((t: { hazard: string; level_index: number | null }) => [t.hazard, t.level_index]));
      const ref = at('ref'), h = at('+2.7');
      const levelRef = Math.max(0, ...[...ref.values()].map((v) => v ?? 0));
      const rise = Math.max(0, ...[...ref.keys()].map((k) => (h.get(k) ?? 0) - (ref.get(k) ?? 0)));
      const w = d.review?.etat_conservation ? WEIGHT[d.review.etat_conservation] : 1.5;
      expect({ id: item.site_id, level_ref: item.level_ref, rise: item.rise, w: item.condition_weight, priority: item.priority })
        .toEqual({ id: item.site_id, level_ref: levelRef, rise, w, priority: w * (levelRef + rise) });
    }
    for (let i = 1; i < r.items.length; i++) expect(r.items[i].priority).toBeLessThanOrEqual(r.items[i - 1].priority);
    const peril = r.items.find((x: { site_id: string }) => x.site_id === 'PA00000002');
    expect(peril).toMatchObject({ etat_conservation: 'peril', condition_weight: 4 });
  });
});
