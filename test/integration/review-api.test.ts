/**
 * Reviews through the API: optimistic concurrency (409 with the current state), audit rows,
 * re-scoring of the reviewed monument, detection decisions, relief images, the binary layer,
 * and bad input everywhere (4xx in French, nothing written).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../engine/server/server.ts';
import { decodeMonumentLayer } from '../../engine/contract/layer-bin.ts';
import type { Store } from '../../engine/store/store.ts';
import { headers, login, reviewStore, type Client } from './review-fixture.ts';

let dir: string;
let store: Store;
let app: FastifyInstance;
let mon: Client, det: Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-review-'));
  store = await reviewStore(':memory:', dir);
  app = await createServer({ store });
  mon = await login(app, 'monuments');
  det = await login(app, 'detections');
});

afterAll(async () => {
  await app?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const scoresOf = async (id: string) =>
  Object.fromEntries((await store.all<{ scenario: string; score: number }>('SELECT scenario, score FROM scores WHERE site_id = $1', [id])).map((r) => [r.scenario, r.score]));

async function snapshot() {
  return {
    vuln: await store.all('SELECT * FROM site_vulnerability ORDER BY site_id'),
    review: await store.all('SELECT * FROM site_review ORDER BY site_id'),
    det: await store.all('SELECT * FROM detection_review ORDER BY detection_id'),
    audit: Number(await store.value('SELECT count(*) FROM audit')),
    monuments: Number(await store.value('SELECT count(*) FROM monuments')),
    scores: await store.all('SELECT site_id, scenario, score FROM scores ORDER BY ALL'),
  };
}

describe('monument review', () => {
  it('writes with version 0, re-scores the site (peril raises, mitigation lowers), audits, then 409 on a stale version', async () => {
    const id = 'PA00000003';
    const before = await scoresOf(id);
    expect(Object.keys(before)).toHaveLength(4);
    const other = await scoresOf('PA00000005');

    const put = (body: object) => app.inject({ method: 'PUT', url: `/api/sites/${id}/review`, headers: headers(mon), payload: body });
    const r1 = await put({ etat_conservation: 'peril', statut_revue: 'visite_necessaire', note: 'fissures', version: 0 });
    expect(r1.statusCode).toBe(200);
    const b1 = r1.json();
    expect(b1.review).toMatchObject({ etat_conservation: 'peril', statut_revue: 'visite_necessaire', note: 'fissures', version: 1, updated_by: 'monuments' });
    const peril = await scoresOf(id);
    for (const s of Object.keys(before)) {
      if (before[s] > 0) expect(peril[s]).toBeCloseTo(before[s] * 1.4, 6);
      expect(b1.rescored.scores[s].score).toBeCloseTo(peril[s], 9);
    }
    expect(await scoresOf('PA00000005')).toEqual(other);

    const r2 = await put({ etat_conservation: null, mitigation: 'digue', version: 1 });
    expect(r2.statusCode).toBe(200);
    expect(r2.json().review).toMatchObject({ etat_conservation: null, mitigation: 'digue', statut_revue: 'visite_necessaire', note: 'fissures', version: 2 });
    const mitigated = await scoresOf(id);
    for (const s of Object.keys(before)) if (before[s] > 0) expect(mitigated[s]).toBeCloseTo(before[s] * 0.85, 6);

    // the explanation shows the new modifier
    const detail = (await app.inject({ url: `/api/sites/${id}` })).json();
    expect(detail.review.version).toBe(2);
    expect(detail.terms.some((t: { modifier_detail: string }) => t.modifier_detail.includes('mesures de protection'))).toBe(true);
    expect(detail.scores['+2.7'].score).toBeCloseTo(mitigated['+2.7'], 9);

    // a stale write is refused with the current state and changes nothing
    const snap = await snapshot();
    const stale = await put({ etat_conservation: 'bon', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatch(/^Version périmée/);
    expect(stale.json().current).toMatchObject({ mitigation: 'digue', version: 2 });
    expect(await snapshot()).toEqual(snap);

    const audit = (await app.inject({ url: `/api/sites/${id}/audit`, headers: headers(mon) })).json().items;
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ username: 'monuments', action: 'review', before: null, after: { etat_conservation: 'peril', version: 1 } });
    expect(audit[1]).toMatchObject({ before: { etat_conservation: 'peril', version: 1 }, after: { mitigation: 'digue', version: 2 } });

    // list shows the new status and score
    const list = (await app.inject({ url: '/api/sites?scenario=ref&kind=monument&q=pans%20de%20bois' })).json();
    expect(list.items.map((i: { site_id: string }) => i.site_id)).toEqual([id]);
    expect(list.items[0].review_status).toBe('visite_necessaire');
    expect(list.items[0].score).toBeCloseTo(mitigated.ref, 9);
  });

  it('a site reviewed before the API existed (site_vulnerability version 1) needs version 1', async () => {
    const res = await app.inject({ method: 'PUT', url: '/api/sites/PA00000001/review', headers: headers(mon), payload: { statut_revue: 'examine', version: 0 } });
    expect(res.statusCode).toBe(409);
    expect(res.json().current).toMatchObject({ etat_conservation: 'mauvais', mitigation: 'batardeaux', version: 1 });
    const ok = await app.inject({ method: 'PUT', url: '/api/sites/PA00000001/review', headers: headers(mon), payload: { statut_revue: 'examine', version: 1 } });
    expect(ok.json().review).toMatchObject({ etat_conservation: 'mauvais', statut_revue: 'examine', version: 2 });
  });

  it('concurrent writes on one version: exactly one wins', async () => {
    const results = await Promise.all(['bon', 'moyen', 'mauvais', 'peril'].map((e) =>
      app.inject({ method: 'PUT', url: '/api/sites/PA00000005/review', headers: headers(mon), payload: { etat_conservation: e, version: 0 } })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409]);
    expect(Number(await store.value(`SELECT count(*) FROM audit WHERE entity_id = 'PA00000005'`))).toBe(1);
  });

  it('lists sites with filters, sort and pagination', async () => {
    const all = (await app.inject({ url: '/api/sites?scenario=%2B2.7&limit=5000' })).json();
    expect(all.total).toBe(all.items.length);
    const scores = all.items.map((i: { score: number }) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const page = (await app.inject({ url: '/api/sites?scenario=%2B2.7&limit=2&offset=1' })).json();
    expect(page.items.map((i: { site_id: string }) => i.site_id)).toEqual(all.items.slice(1, 3).map((i: { site_id: string }) => i.site_id));
    const byName = (await app.inject({ url: '/api/sites?sort=name&kind=monument' })).json().items.map((i: { name: string }) => i.name);
    expect(byName).toEqual([...byName].sort((a, b) => a.localeCompare(b, 'fr')));
    const one = all.items.find((i: { site_id: string }) => i.site_id === 'PA00000001');
    const bbox = `${one.lon - 0.001},${one.lat - 0.001},${one.lon + 0.001},${one.lat + 0.001}`;
    const inBox = (await app.inject({ url: `/api/sites?bbox=${bbox}` })).json();
    expect(inBox.items.map((i: { site_id: string }) => i.site_id)).toEqual(['PA00000001']);
    const level = (await app.inject({ url: '/api/sites?level=3&hazard=flood&scenario=%2B2.7' })).json();
    for (const i of level.items) expect(i.hazard_level).toBe(3);
    // lists of values: any of them, and exactly the union of the single-value answers
    const ids = async (q: string) => ((await app.inject({ url: `/api/sites?scenario=%2B2.7&limit=5000&${q}` })).json().items as { site_id: string }[]).map((i) => i.site_id).sort();
    const l2 = await ids('level=2'), l3 = await ids('level=3');
    expect(await ids('level=2,3')).toEqual([...l2, ...l3].sort());
    const pc = await ids('protection=classe'), pi = await ids('protection=inscrit');
    expect(pc.length + pi.length).toBeGreaterThan(0);
    expect(await ids('protection=classe,inscrit')).toEqual([...pc, ...pi].sort());
  });
});

describe('detection review', () => {
  it('records a decision, mirrors it in detections.review_status, refuses stale versions', async () => {
    const put = (body: object) => app.inject({ method: 'PUT', url: '/api/detections/m1:t1:0/review', headers: headers(det), payload: body });
    const r1 = await put({ decision: 'peut_etre', corrected_class: 'enclosure', note: 'à revoir', version: 0 });
    expect(r1.statusCode).toBe(200);
    expect(r1.json().item).toMatchObject({ detection_id: 'm1:t1:0', decision: 'peut_etre', corrected_class: 'enclosure', note: 'à revoir', version: 1 });
    expect(await store.value(`SELECT review_status FROM detections WHERE detection_id = 'm1:t1:0'`)).toBe('peut_etre');
    const stale = await put({ decision: 'non', version: 0 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().current).toMatchObject({ decision: 'peut_etre', version: 1 });
    const r2 = await put({ decision: 'oui', version: 1 });
    expect(r2.json().item).toMatchObject({ decision: 'oui', corrected_class: 'enclosure', version: 2 });

    const progress = (await app.inject({ url: '/api/detections/progress', headers: headers(det) })).json();
    expect(progress.zones).toEqual([{ tile: 't1', total: 3, reviewed: 1, oui: 1, non: 0, peut_etre: 0 }]);
    const pending = (await app.inject({ url: '/api/detections?status=pending', headers: headers(det) })).json();
    expect(pending.items.map((i: { detection_id: string }) => i.detection_id)).toEqual(['m1:t1:2', 'm1:t1:1']);
    const one = (await app.inject({ url: '/api/detections/m1:t1:2?order=reliability', headers: headers(det) })).json();
    expect(one.neighbours).toEqual({ previous: 'm1:t1:0', next: 'm1:t1:1' });
    const audit = (await app.inject({ url: '/api/detections/m1:t1:0/audit', headers: headers(det) })).json().items;
    expect(audit.map((a: { after: { decision: string } }) => a.after.decision)).toEqual(['peut_etre', 'oui']);
  });

  it('renders relief PNGs around the candidate, cached, and refuses unknown kinds and traversal', async () => {
    for (const kind of ['hillshade', 'lrm', 'svf', 'slope']) {
      const res = await app.inject({ url: `/api/detections/m1:t1:0/relief/${kind}.png?size=128`, headers: headers(det) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      const png = PNG.sync.read(res.rawPayload);
      expect([png.width, png.height]).toEqual([128, 128]);
      // the candidate outline is drawn in red
      let red = 0;
      for (let i = 0; i < png.data.length; i += 4) if (png.data[i] > 200 && png.data[i + 1] < 80) red++;
      expect(red).toBeGreaterThan(20);
    }
    for (const url of [
      '/api/detections/m1:t1:0/relief/passwd.png', '/api/detections/m1:t1:0/relief/..%2F..%2Fetc%2Fpasswd',
      '/api/detections/..%2F..%2Fetc%2Fpasswd/relief/hillshade.png', '/api/detections/%2Fetc%2Fpasswd/relief/hillshade.png',
      '/api/detections/m1:t1:0/relief/hillshade.png?size=100000',
    ]) {
      const res = await app.inject({ url, headers: headers(det) });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 400 });
      expect(res.json().error).toMatch(/[éèàê]|invalide|inconnue/);
    }
    expect((await app.inject({ url: '/api/detections/m1:t9:9/relief/svf.png', headers: headers(det) })).statusCode).toBe(404);
  });
});

describe('binary map layer', () => {
  it('decodes with the app\'s decoder; every monument\'s level and score are those of /api/sites', async () => {
    const res = await app.inject({ url: '/api/monuments/layer.bin?scenario=%2B2.7' });
    const bytes = res.rawPayload;
    const layer = decodeMonumentLayer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const json = (await app.inject({ url: '/api/monuments' })).json().items.filter((m: { lon: number | null }) => m.lon !== null);
    expect(layer.references).toEqual(json.map((m: { reference: string }) => m.reference));
    const sites = new Map<string, { score: number | null; max_level: number | null }>(
      (await app.inject({ url: '/api/sites?scenario=%2B2.7&kind=monument&limit=5000' })).json().items.map((s: { site_id: string }) => [s.site_id, s]),
    );
    layer.references.forEach((ref, i) => {
      const m = json[i];
      expect(layer.lon[i]).toBeCloseTo(m.lon, 4);
      expect(layer.flags[i] & 3).toBe({ classe: 0, inscrit: 1, classe_inscrit: 2, inconnue: 3 }[m.protection as string]);
      const s = sites.get(ref);
      expect({ ref, level: layer.level[i] === 255 ? null : layer.level[i] }).toEqual({ ref, level: s?.max_level ?? null });
      if (s?.score == null) expect(layer.score[i]).toBeNaN();
      else expect(layer.score[i]).toBeCloseTo(s.score, 3);
    });
  });
});

describe('bad input: a French 4xx, never a 500, nothing written', () => {
  it('malformed JSON, oversized bodies, wrong types, unknown ids, SQL-looking strings, unknown fields', async () => {
    const snap = await snapshot();
    const sql = "'; DROP TABLE monuments; --";
    const cases: { method: 'GET' | 'PUT'; url: string; body?: string | object; type?: string; status: number; match?: RegExp }[] = [
      { method: 'PUT', url: '/api/sites/PA00000002/review', body: '{"version": 0,', type: 'application/json', status: 400, match: /JSON/ },
      { method: 'PUT', url: '/api/sites/PA00000002/review', body: '', type: 'application/json', status: 400 },
      { method: 'PUT', url: '/api/sites/PA00000002/review', body: JSON.stringify({ note: 'x'.repeat(400_000), version: 0 }), type: 'application/json', status: 413, match: /volumineuse/ },
      { method: 'PUT', url: '/api/sites/PA00000002/review', body: 'version=0', type: 'text/plain', status: 400, match: /objet attendu/ },
      { method: 'PUT', url: '/api/sites/PA00000002/review', body: { version: '0' }, status: 400, match: /« version »/ },
      { method: 'PUT', url: '/api/sites/PA00000002/review', body: { etat_conservation: 'ruine', version: 0 }, status: 400, match: /« etat_conservation »/ },
      { method: 'PUT', url: '/api/sites/PA00000002/review', body: { version: 0, admin: true }, status: 400, match: /inconnu/ },
      { method: 'PUT', url: '/api/sites/PA00000002/review', body: { note: 'x' }, status: 400, match: /« version »/ },
      { method: 'PUT', url: `/api/sites/${encodeURIComponent(sql)}/review`, body: { version: 0 }, status: 404 },
      { method: 'PUT', url: '/api/sites/PA99999999/review', body: { version: 0 }, status: 404, match: /Site inconnu/ },
      { method: 'GET', url: `/api/sites/${encodeURIComponent(sql)}`, status: 404 },
      { method: 'GET', url: `/api/sites?q=${encodeURIComponent(sql)}`, status: 200 },
      { method: 'GET', url: `/api/sites?insee=${encodeURIComponent(sql)}`, status: 400 },
      { method: 'GET', url: '/api/sites?limit=abc', status: 400, match: /« limit »/ },
      { method: 'GET', url: '/api/sites?limit=99999', status: 400, match: /« limit »/ },
      { method: 'GET', url: '/api/sites?bbox=1,2,3', status: 400, match: /« bbox »/ },
      { method: 'GET', url: '/api/sites?scenario=%2B9.9', status: 400, match: /« scenario »/ },
      { method: 'GET', url: '/api/sites?sort=drop', status: 400, match: /« sort »/ },
      { method: 'GET', url: '/api/sites?level=2,9', status: 400, match: /« level\.1 » .*"9"/ },
      { method: 'GET', url: '/api/sites?protection=classe,', status: 400, match: /« protection\.1 »/ },
      { method: 'GET', url: `/api/detections/${encodeURIComponent(sql)}`, status: 400 },
      { method: 'GET', url: '/api/detections/m1:t1:99', status: 404, match: /Détection inconnue/ },
      { method: 'PUT', url: '/api/detections/m1:t1:1/review', body: { decision: 'maybe', version: 0 }, status: 400, match: /« decision »/ },
      { method: 'PUT', url: `/api/detections/${encodeURIComponent(sql)}/review`, body: { decision: 'oui', version: 0 }, status: 400 },
      { method: 'PUT', url: '/api/detections/m1:t9:0/review', body: { decision: 'oui', version: 0 }, status: 404 },
      { method: 'GET', url: `/api/detections?tile=${encodeURIComponent(sql)}`, status: 200 },
    ];
    const admin = await login(app, 'admin');
    for (const c of cases) {
      const h: Record<string, string> = { ...headers(admin) };
      if (c.type) h['content-type'] = c.type;
      const res = await app.inject({ method: c.method, url: c.url, headers: h, ...(c.body !== undefined ? { payload: c.body } : {}) });
      expect({ url: c.url, status: res.statusCode }).toEqual({ url: c.url, status: c.status });
      if (c.status >= 400) {
        const msg = res.json().error as string;
        expect(msg.length).toBeGreaterThan(5);
        if (c.match) expect(msg).toMatch(c.match);
      }
    }
    // harmless SQL-looking strings: tables intact, nothing written
    expect(await snapshot()).toEqual(snap);
    expect(Number(await store.value(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'monuments'`))).toBe(1);
  });
});
