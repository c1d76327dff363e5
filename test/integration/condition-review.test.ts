/**
 * The review list of uncertain condition-survey matches (« Constats d'état à rapprocher »), end to
 * end through the HTTP API, on the real-format extract test/fixtures/real/condition/ matched
 * against the real Mérimée open-data extract of the Bas-Rhin.
 *
 * Expected values come from the files (README tables and Python's csv module), never from Vigie:
 * - constats-format-reel.csv: one survey made uncertain on purpose, T00003 on line 4 (« Chapelle »,
 *   mauvais, Dommages 40.0, 2018-12-31, 7.94220458766583 49.0392734463851), best candidate
 *   PA00085243 « Chapelle Saint-Pierre-et-Paul » (README);
 * - opendata-labels-67-2022-extract.csv, python3 csv (delimiter ';'), equirectangular distances
 *   from T00003's point: five monuments with coordinates within 500 m — PA00085254 « Maison
 *   Vogelsberger » 141 m, PA00085243 200 m, PA00132524 277 m, PA00085251 314 m, PA00085249 359 m —
 *   all in Wissembourg, INSEE 67544, Code département 67.
 * - name similarity of « Chapelle » and « Chapelle Saint-Pierre-et-Paul » by hand: words
 *   {chapelle} and {chapelle, saint, pierre, paul} (« et » is a stop word): 2·1 / (1 + 4) = 0.4.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { importLayer, type ImportReport } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import { createUser } from '../../engine/auth/users.ts';
import { createServer } from '../../engine/server/server.ts';
import { Store } from '../../engine/store/store.ts';
import { headers, login, PASSWORD, type Client } from './review-fixture.ts';

const REAL = 'test/fixtures/real';
const OD = `${REAL}/merimee/opendata-labels-67-2022-extract.csv`;
const COMMUNES_67 = `${REAL}/admin/communes-67-bas-rhin.geojson`;
const CONDITION = `${REAL}/condition/constats-format-reel.csv`;
const WITHIN_500M = ['PA00085243', 'PA00085249', 'PA00085251', 'PA00085254', 'PA00132524'];

interface World { store: Store; app: FastifyInstance; report: ImportReport; rev: Client; reader: Client }
let world: World | null = null;

async function setUp(): Promise<World> {
  const store = await Store.open(':memory:');
  await importLayer(store, 'communes', COMMUNES_67);
  await importLayer(store, 'merimee', OD);
  const report = await importLayer(store, 'condition', CONDITION);
  await createUser(store, 'test', { username: 'rev', password: PASSWORD, roles: ['relecteur_monuments'] });
  await createUser(store, 'test', { username: 'reader', password: PASSWORD, roles: ['lecteur'] });
  const app = await createServer({ store, checkResponses: true });
  world = { store, app, report, rev: await login(app, 'rev'), reader: await login(app, 'reader') };
  return world;
}

afterEach(async () => {
  await world?.app.close();
  world?.store.close();
  world = null;
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function list(w: World, query = ''): Promise<Json> {
  const res = await w.app.inject({ method: 'GET', url: `/api/condition/matches${query}`, headers: headers(w.rev) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

function resolve(w: World, id: number | string, body: unknown, who: Client | null = w.rev) {
  return w.app.inject({ method: 'POST', url: `/api/condition/matches/${id}/resolve`, headers: headers(who), payload: body as object });
}

const siteAudit = (w: World) =>
  w.store.all<{ entity_id: string; username: string; after: string }>(
    "SELECT entity_id, username, after::VARCHAR AS after FROM audit WHERE entity = 'site' ORDER BY id");
const NOTE_T00003 = "Constat d'état du 2018-12-31 (constats-format-reel.csv, relevé T00003) : mauvais, dommages 40 %";

describe('condition surveys to match, through the API', () => {
  it('import keeps each uncertain match as one pending item; a re-import does not duplicate it', async () => {
    const w = await setUp();
    expect(w.report.flagged.uncertain_match).toBe(1); // README: T00003 only
    const page = await list(w);
    expect(page.total).toBe(w.report.flagged.uncertain_match);
    expect(page.items).toHaveLength(1);
    const item = page.items[0];
    expect(item).toMatchObject({
      survey_id: 'T00003', source_file: 'constats-format-reel.csv', line: 4, nom: 'Chapelle', arrondissement: 'Wissembourg',
      status: 'mauvais', etat: 'mauvais', dommages: 40, commentaire: null, survey_date: '2018-12-31', state: 'pending',
      site_id: null, review_written: false, resolved_by: null, insee: '67544', departement: '67',
    });
    expect(item.lon).toBeCloseTo(7.94220458766583, 10);
    expect(item.lat).toBeCloseTo(49.0392734463851, 10);
    // The three best of the five monuments within 500 m, the README's best first.
    expect(item.candidates).toHaveLength(3);
    expect(item.candidates.every((c: Json) => WITHIN_500M.includes(c.reference))).toBe(true);
    expect(item.candidates[0]).toMatchObject({
      reference: 'PA00085243', titre: 'Chapelle Saint-Pierre-et-Paul', commune: 'Wissembourg', insee: '67544', similarity: 0.4,
      same_protection: false, position: 'coordinates',
    });
    expect(Math.abs(item.candidates[0].distance_m - 200)).toBeLessThanOrEqual(2);
    const vogelsberger = item.candidates.find((c: Json) => c.reference === 'PA00085254');
    expect(vogelsberger).toMatchObject({ titre: 'Maison Vogelsberger', similarity: 0 });
    expect(Math.abs(vogelsberger.distance_m - 141)).toBeLessThanOrEqual(2);

    const again = await importLayer(w.store, 'condition', CONDITION);
    expect(again.flagged.uncertain_match).toBe(1);
    const after = await list(w);
    expect(after.total).toBe(1);
    expect(after.items[0].id).toBe(item.id);
    expect(Number(await w.store.value('SELECT count(*) FROM condition_matches'))).toBe(1);
  });

  it('a re-import of a changed file refreshes the pending item in place, and drops it once the survey is a sure match', async () => {
    const w = await setUp();
    const [item] = (await list(w)).items;
    const original = readFileSync(CONDITION, 'utf8');
    const changedDir = mkdtempSync(join(tmpdir(), 'vigie-condition-'));
    const changed = join(changedDir, 'constats-format-reel.csv'); // same name: same layer
    try {
      // T00003 re-surveyed: moyen, 25 % — still « Chapelle », still uncertain.
      writeFileSync(changed, original.replace('T00003,Chapelle,Wissembourg,7.94220458766583,49.0392734463851,mauvais,40.0,', 'T00003,Chapelle,Wissembourg,7.94220458766583,49.0392734463851,moyen,25.0,'));
      expect(readFileSync(changed, 'utf8')).not.toBe(original);
      await importLayer(w.store, 'condition', changed);
      const page = await list(w);
      expect(page.total).toBe(1);
      expect(page.items[0]).toMatchObject({ id: item.id, survey_id: 'T00003', status: 'moyen', etat: 'moyen', dommages: 25, state: 'pending' });
      // Named as the monument 200 m away: name similarity 1 within 300 m is sure (module rules): no longer to review.
      writeFileSync(changed, original.replace('T00003,Chapelle,Wissembourg,', 'T00003,Chapelle Saint-Pierre-et-Paul,Wissembourg,'));
      const r = await importLayer(w.store, 'condition', changed);
      expect(r.flagged.uncertain_match).toBeUndefined();
      expect((await list(w)).total).toBe(0);
      expect(Number(await w.store.value('SELECT count(*) FROM condition_matches'))).toBe(0);
    } finally {
      rmSync(changedDir, { recursive: true, force: true });
    }
  });

  it('filters by département, commune and bbox, and pages', async () => {
    const w = await setUp();
    expect((await list(w, '?departement=67')).total).toBe(1);
    expect((await list(w, '?departement=68')).total).toBe(0);
    expect((await list(w, '?insee=67544')).total).toBe(1);
    expect((await list(w, '?insee=67482')).total).toBe(0);
    expect((await list(w, '?bbox=7.93,49.03,7.95,49.05')).total).toBe(1);
    expect((await list(w, '?bbox=7.0,48.0,7.5,48.5')).total).toBe(0);
    const second = await list(w, '?limit=1&offset=1');
    expect({ total: second.total, items: second.items.length, limit: second.limit, offset: second.offset }).toEqual({ total: 1, items: 0, limit: 1, offset: 1 });
    expect((await list(w, '?state=matched')).total).toBe(0);
    const bad = await w.app.inject({ method: 'GET', url: '/api/condition/matches?bbox=1,2,3', headers: headers(w.rev) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/bbox/);
    const unknown = await w.app.inject({ method: 'GET', url: '/api/condition/matches?etat=bon', headers: headers(w.rev) });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatch(/« etat »/);
  });

  it('« c\'est ce monument » writes exactly one review with its source and date, by the reviewer, and removes the item', async () => {
    const w = await setUp();
    const [item] = (await list(w)).items;
    const before = await siteAudit(w);
    expect(before).toHaveLength(6); // the six sure matches with a status (import-real.test.ts)
    const res = await resolve(w, item.id, { decision: 'monument', reference: 'PA00085243' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().item).toMatchObject({ id: item.id, state: 'matched', site_id: 'PA00085243', review_written: true, resolved_by: 'rev' });
    expect(res.json().review).toMatchObject({ etat_conservation: 'mauvais', note: NOTE_T00003, updated_by: 'rev', version: 1 });

    const audit = await siteAudit(w);
    expect(audit).toHaveLength(7);
    const row = audit[6];
    expect({ site: row.entity_id, user: row.username }).toEqual({ site: 'PA00085243', user: 'rev' });
    expect(JSON.parse(row.after)).toMatchObject({ etat_conservation: 'mauvais', note: NOTE_T00003 });
    expect(await w.store.all("SELECT site_id, etat_conservation FROM site_vulnerability WHERE site_id = 'PA00085243'"))
      .toEqual([{ site_id: 'PA00085243', etat_conservation: 'mauvais' }]);
    const decision = await w.store.all<{ username: string; action: string; entity_id: string }>(
      "SELECT username, action, entity_id FROM audit WHERE entity = 'condition_match'");
    expect(decision).toEqual([{ username: 'rev', action: 'match', entity_id: String(item.id) }]);
    expect((await list(w)).total).toBe(0);
    expect((await list(w, '?state=matched')).items.map((i: Json) => i.survey_id)).toEqual(['T00003']);

    // The survey now points at the monument; a re-import keeps the decision and writes nothing new.
    const again = await importLayer(w.store, 'condition', CONDITION);
    expect(again.flagged.uncertain_match).toBeUndefined();
    expect((await list(w)).total).toBe(0);
    expect(await w.store.one("SELECT match, site_id FROM condition_surveys WHERE survey_id = 'T00003'"))
      .toEqual({ match: 'confirmed', site_id: 'PA00085243' });
    expect(await siteAudit(w)).toHaveLength(7);
    expect(again.changes).toMatchObject({ added: 0, removed: 0, changed: 0 });

    // The chosen monument gone (a Mérimée re-import without it): the survey import still succeeds,
    // keeps the decision and says so, writing no review.
    await w.store.run("DELETE FROM monuments WHERE reference = 'PA00085243'");
    const gone = await importLayer(w.store, 'condition', CONDITION);
    expect(gone.flagged.matched_monument_gone).toBe(1);
    expect(gone.issues.find((i) => i.reason === 'matched_monument_gone')).toMatchObject({ line: 4, recordId: 'T00003' });
    expect((await list(w, '?state=matched')).total).toBe(1);
    expect(await siteAudit(w)).toHaveLength(7);
  });

  it('« aucun » dismisses the item, keeps the decision in the audit trail and writes no review', async () => {
    const w = await setUp();
    const [item] = (await list(w)).items;
    const res = await resolve(w, item.id, { decision: 'aucun' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ item: { state: 'dismissed', site_id: null, review_written: false, resolved_by: 'rev' }, review: null });
    expect(await siteAudit(w)).toHaveLength(6);
    expect(Number(await w.store.value("SELECT count(*) FROM site_vulnerability WHERE site_id IN ('PA00085243', 'PA00085254', 'PA00132524')"))).toBe(0);
    const decision = await w.store.all<{ username: string; action: string; after: string }>(
      "SELECT username, action, after::VARCHAR AS after FROM audit WHERE entity = 'condition_match'");
    expect(decision.map((d) => [d.username, d.action])).toEqual([['rev', 'dismiss']]);
    expect(JSON.parse(decision[0].after)).toMatchObject({ state: 'dismissed', survey_id: 'T00003', source_file: 'constats-format-reel.csv', line: 4, survey_date: '2018-12-31' });
    expect((await list(w)).total).toBe(0);
    expect((await list(w, '?state=dismissed')).total).toBe(1);
    // Re-imported: still decided, not back in the list.
    await importLayer(w.store, 'condition', CONDITION);
    expect((await list(w)).total).toBe(0);
  });

  it('a second decision on the same item is a 409 with the current state, and changes nothing', async () => {
    const w = await setUp();
    const [item] = (await list(w)).items;
    expect((await resolve(w, item.id, { decision: 'monument', reference: 'PA00085243' })).statusCode).toBe(200);
    const twice = await resolve(w, item.id, { decision: 'aucun' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error).toMatch(/déjà été traité.*PA00085243.*rev/);
    expect(twice.json().current).toMatchObject({ id: item.id, state: 'matched', site_id: 'PA00085243', resolved_by: 'rev' });
    expect(await siteAudit(w)).toHaveLength(7);
    expect(Number(await w.store.value("SELECT count(*) FROM audit WHERE entity = 'condition_match'"))).toBe(1);
  });

  it('concurrent decisions from two reviewers: exactly one 200, one 409, one decision recorded', async () => {
    const w = await setUp();
    await createUser(w.store, 'test', { username: 'rev2', password: PASSWORD, roles: ['relecteur_monuments'] });
    const rev2 = await login(w.app, 'rev2');
    const [item] = (await list(w)).items;
    const [a, b] = await Promise.all([
      resolve(w, item.id, { decision: 'monument', reference: 'PA00085254' }),
      resolve(w, item.id, { decision: 'aucun' }, rev2),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const winner = a.statusCode === 200 ? a : b;
    const loser = a.statusCode === 200 ? b : a;
    expect(loser.json().current).toEqual(winner.json().item);
    const decisions = await w.store.all<{ username: string }>("SELECT username FROM audit WHERE entity = 'condition_match'");
    expect(decisions).toHaveLength(1);
    const stored = await w.store.one<{ state: string; resolved_by: string }>('SELECT state, resolved_by FROM condition_matches WHERE id = $1', [item.id]);
    expect(stored).toEqual({ state: winner.json().item.state, resolved_by: decisions[0].username });
  });

  it('hostile input gets a 4xx naming the field, and nothing is written', async () => {
    const w = await setUp();
    const [item] = (await list(w)).items;
    const snapshot = async () => JSON.stringify(await w.store.all('SELECT (SELECT count(*) FROM audit) a, (SELECT count(*) FROM site_vulnerability) v, (SELECT string_agg(state, \',\') FROM condition_matches) s'));
    const before = await snapshot();
    const cases: [string, number | string, unknown, number, RegExp][] = [
      ['unknown id', 999, { decision: 'aucun' }, 404, /Constat à rapprocher inconnu : 999/],
      ['id not a number', 'abc', { decision: 'aucun' }, 400, /identifiant de constat/],
      ['id zero', 0, { decision: 'aucun' }, 400, /identifiant de constat/],
      ['reference not a candidate', item.id, { decision: 'monument', reference: 'PA00084814' }, 400, /« reference ».*PA00084814.*PA00085243/],
      ['monument without reference', item.id, { decision: 'monument' }, 400, /« reference »/],
      ['aucun with a reference', item.id, { decision: 'aucun', reference: 'PA00085243' }, 400, /« reference »/],
      ['no decision', item.id, {}, 400, /« decision »/],
      ['unknown decision', item.id, { decision: 'peut-etre' }, 400, /« decision »/],
      ['reference not a string', item.id, { decision: 'monument', reference: 42 }, 400, /« reference »/],
      ['unknown field', item.id, { decision: 'aucun', etat: 'bon' }, 400, /« etat »/],
    ];
    for (const [name, id, body, status, message] of cases) {
      const res = await resolve(w, id, body);
      expect({ name, status: res.statusCode }).toEqual({ name, status });
      expect({ name, error: res.json().error }).toEqual({ name, error: expect.stringMatching(message) });
    }
    const noCsrf = await w.app.inject({ method: 'POST', url: `/api/condition/matches/${item.id}/resolve`, headers: { cookie: w.rev.cookie }, payload: { decision: 'aucun' } });
    expect(noCsrf.statusCode).toBe(403);
    expect((await resolve(w, item.id, { decision: 'aucun' }, w.reader)).statusCode).toBe(403);
    expect((await resolve(w, item.id, { decision: 'aucun' }, null)).statusCode).toBe(401);
    expect((await w.app.inject({ method: 'GET', url: '/api/condition/matches', headers: headers(w.reader) })).statusCode).toBe(403);
    expect((await w.app.inject({ method: 'GET', url: '/api/condition/matches' })).statusCode).toBe(401);
    expect(await snapshot()).toBe(before);
    expect((await list(w)).total).toBe(1);
  });
});

const SHARED = '../shared/realdata';
describe.skipIf(!existsSync(`${SHARED}/condition/Strasbourg.csv`))('a real survey file (../shared/realdata, local check)', () => {
  it('Strasbourg.csv against the real Bas-Rhin Mérimée export: pending items = uncertain matches, once', async () => {
    const store = await Store.open(':memory:');
    try {
      await importLayer(store, 'communes', `${SHARED}/admin/communes-by-departement/communes-67-bas-rhin.geojson`);
      await importLayer(store, 'merimee', `${SHARED}/merimee/opendata-labels-67-2022.csv`);
      const r = await importLayer(store, 'condition', `${SHARED}/condition/Strasbourg.csv`);
      // python3 csv: 264 records, 264 distinct ID
      expect(r).toMatchObject({ rowsRead: 264, kept: 264 });
      const pending = Number(await store.value("SELECT count(*) FROM condition_matches WHERE state = 'pending'"));
      expect(pending).toBe(r.flagged.uncertain_match ?? 0);
      await importLayer(store, 'condition', `${SHARED}/condition/Strasbourg.csv`);
      expect(Number(await store.value('SELECT count(*) FROM condition_matches'))).toBe(pending);
      console.log(`Strasbourg.csv: ${pending} uncertain matches pending of 264 surveys`);
    } finally {
      store.close();
    }
  }, 120_000);
});
