/**
 * The map layer across the boundary: databases seeded by the project's generator with n
 * monuments (every n % 4), served by the real server; layer.bin decoded with the app's decoder
 * gives every monument the level and score that /api/sites gives it — a second, independent
 * path through the server (the site index), not the encoder's own arithmetic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMonumentLayer, NO_LEVEL, flagProtection } from '../../engine/contract/layer-bin.ts';
import { createServer } from '../../engine/server/server.ts';
import { Store } from '../../engine/store/store.ts';
import { seedNational } from '../../pipelines/bench/seed.ts';

/** n monuments in all: n - late scored by the generator's run, `late` added after it. */
async function check(n: number, seed: number): Promise<{ n: number; compared: number; differ: number; absent: number }> {
  const late = 1 + (seed % 3);
  const dir = mkdtempSync(join(tmpdir(), 'vigie-layer-'));
  const store = await Store.open(':memory:');
  const app = await createServer({ store });
  try {
    await seedNational(store, { dir, monuments: n - late, detections: 0, seed, coarse: true });
    // Monuments added after the last scoring run have no score: « donnée absente » on the map.
    for (let k = 0; k < late; k++) {
      await store.run(`INSERT INTO monuments (reference, titre, protection, partielle, x, y, lon, lat, position_status, catalogue_id)
                       SELECT 'PZ' || lpad('${k}', 8, '0'), 'ajout tardif', 'inscrit', false, x, y, lon, lat, 'ok', 1 FROM monuments LIMIT 1`);
    }
    let differ = 0, absent = 0;
    for (const scenario of ['ref', '+4.0']) {
      const res = await app.inject({ url: `/api/monuments/layer.bin?scenario=${encodeURIComponent(scenario)}` });
      expect(res.statusCode).toBe(200);
      const bytes = res.rawPayload;
      const layer = decodeMonumentLayer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      expect(layer.n).toBe(n);
      const sites = new Map<string, { score: number | null; max_level: number | null; protection: string }>();
      for (let offset = 0; offset < n; offset += 5000) {
        const page = (await app.inject({ url: `/api/sites?kind=monument&scenario=${encodeURIComponent(scenario)}&limit=5000&offset=${offset}` })).json();
        for (const s of page.items) sites.set(s.site_id, s);
      }
      expect(sites.size).toBe(n - late);
      layer.references.forEach((ref, i) => {
        const s = sites.get(ref) ?? { score: null, max_level: null, protection: 'inscrit' };
        const level = layer.level[i] === NO_LEVEL ? null : layer.level[i];
        if (level === null) absent++;
        if (level !== s.max_level || flagProtection(layer.flags[i]) !== s.protection) differ++;
        if (s.score === null) expect(layer.score[i]).toBeNaN();
        else expect(Math.abs(layer.score[i] - s.score)).toBeLessThan(1e-3 * Math.max(1, Math.abs(s.score)));
      });
    }
    return { n, compared: 2 * n, differ, absent };
  } finally {
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('layer.bin decoded by the app agrees with /api/sites, monument by monument', () => {
  it('for n % 4 = 1, 2, 3 and 0, and for random n', async () => {
    const results = [];
    for (const n of [41, 42, 43, 44]) results.push(await check(n, n));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 4, max: 300 }), fc.integer({ min: 1, max: 1000 }), async (n, seed) => {
        const r = await check(n, seed);
        results.push(r);
        return r.differ === 0;
      }),
      { numRuns: 4, seed: 20261204 },
    );
    console.log(JSON.stringify(results));
    for (const r of results) expect(r).toMatchObject({ differ: 0 });
    expect(new Set(results.map((r) => r.n % 4))).toEqual(new Set([0, 1, 2, 3]));
  }, 180_000);
});
