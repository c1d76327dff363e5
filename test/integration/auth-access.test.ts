/**
 * Who may do what: a table of endpoints × roles (anonymous with the public parts on and off),
 * login throttling, session expiry, CSRF and user management.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../engine/server/server.ts';
import type { Store } from '../../engine/store/store.ts';
import { headers, login, PASSWORD, reviewStore, ROLE_USERS, type Client, type RoleUser } from './review-fixture.ts';

let dir: string;
let store: Store;
let app: FastifyInstance;
let closed: FastifyInstance;
let clock = Date.now();
const clients = {} as Record<RoleUser, Client>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-auth-'));
  store = await reviewStore(':memory:', dir);
  app = await createServer({ store, public: ['monuments', 'risk', 'basemap', 'hazards'], now: () => clock });
  closed = await createServer({ store, public: [] });
  for (const name of Object.keys(ROLE_USERS) as RoleUser[]) clients[name] = await login(app, name);
});

afterAll(async () => {
  await app?.close();
  await closed?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Who = 'public' | 'session' | 'monuments' | 'detections' | 'admin';
interface Row { method: 'GET' | 'PUT' | 'POST' | 'PATCH'; url: string; body?: object; who: Who; ok: number }

// Writes use a stale version (or an invalid body) so that an allowed caller gets 409/400/404
// and nothing changes, while a refused one gets 401/403.
const MATRIX: Row[] = [
  { method: 'GET', url: '/api/monuments', who: 'public', ok: 200 },
  { method: 'GET', url: '/api/sites?limit=5', who: 'public', ok: 200 },
  { method: 'GET', url: '/api/sites/PA00000001', who: 'public', ok: 200 },
  { method: 'GET', url: '/api/monuments/layer.bin?scenario=%2B2.7', who: 'public', ok: 200 },
  { method: 'GET', url: '/api/sites/PA00000001/audit', who: 'session', ok: 200 },
  { method: 'GET', url: '/api/detections', who: 'session', ok: 200 },
  { method: 'GET', url: '/api/detections/progress', who: 'session', ok: 200 },
  { method: 'GET', url: '/api/detections/m1:t1:0', who: 'session', ok: 200 },
  { method: 'GET', url: '/api/detections/m1:t1:0/audit', who: 'session', ok: 200 },
  { method: 'GET', url: '/api/detections/m1:t1:0/relief/hillshade.png?size=64', who: 'session', ok: 200 },
  { method: 'PUT', url: '/api/sites/PA00000003/review', body: { statut_revue: 'examine', version: 99 }, who: 'monuments', ok: 409 },
  { method: 'PUT', url: '/api/detections/m1:t1:1/review', body: { decision: 'oui', version: 99 }, who: 'detections', ok: 409 },
  { method: 'GET', url: '/api/users', who: 'admin', ok: 200 },
  { method: 'POST', url: '/api/users', body: { username: 'newbie', password: 'court', roles: ['lecteur'] }, who: 'admin', ok: 400 },
  { method: 'PATCH', url: '/api/users/nobody', body: { roles: ['lecteur'] }, who: 'admin', ok: 404 },
];

const CALLERS = ['anonymous-public', 'anonymous-closed', 'lecteur', 'monuments', 'detections', 'admin'] as const;

function allowed(who: Who, caller: (typeof CALLERS)[number]): boolean {
  if (caller === 'admin') return true;
  if (caller === 'anonymous-public') return who === 'public';
  if (caller === 'anonymous-closed') return false;
  if (who === 'public' || who === 'session') return true;
  return who === caller;
}

describe('role × endpoint matrix', () => {
  for (const caller of CALLERS) {
    it(`${caller}`, async () => {
      const server = caller === 'anonymous-closed' ? closed : app;
      const client = caller.startsWith('anonymous') ? null : clients[caller as RoleUser];
      const auditBefore = Number(await store.value('SELECT count(*) FROM audit'));
      for (const row of MATRIX) {
        const res = await server.inject({ method: row.method, url: row.url, headers: headers(client), ...(row.body ? { payload: row.body } : {}) });
        const expected = allowed(row.who, caller) ? row.ok : client ? 403 : 401;
        expect({ url: `${row.method} ${row.url}`, status: res.statusCode }).toEqual({ url: `${row.method} ${row.url}`, status: expected });
        if (res.statusCode >= 400) expect(res.json().error).toMatch(/[a-zé]/);
        if (res.statusCode === 403) expect(res.json().error).toMatch(/^Droits insuffisants/);
      }
      expect(Number(await store.value('SELECT count(*) FROM audit'))).toBe(auditBefore);
    });
  }

  it('detections are never public, even with every public part on', async () => {
    for (const url of ['/api/detections', '/api/detections/m1:t1:0', '/api/exports/detections.geojson']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(401);
    }
  });

  it('anonymous users see the public parts in /api/config and no user in /api/auth/me', async () => {
    expect((await closed.inject({ url: '/api/config' })).json().public).toEqual([]);
    expect((await app.inject({ url: '/api/auth/me' })).json()).toEqual({ user: null, csrfToken: null });
    const me = (await app.inject({ url: '/api/auth/me', headers: headers(clients.lecteur) })).json();
    expect(me).toEqual({ user: { username: 'lecteur', roles: ['lecteur'] }, csrfToken: clients.lecteur.csrf });
  });
});

describe('login, sessions and CSRF', () => {
  it('sets an HttpOnly SameSite=Strict cookie and stores only a hash of the session id', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'lecteur', password: PASSWORD } });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^vigie_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict/);
    const raw = cookie.split(';')[0].split('=')[1];
    expect(Number(await store.value('SELECT count(*) FROM sessions WHERE id_hash = $1', [raw]))).toBe(0);
    const hash = String(await store.value('SELECT password_hash FROM users WHERE username = $1', ['lecteur']));
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(hash).not.toContain(PASSWORD);
  });

  it('refuses a wrong password, then throttles after 5 failures with Retry-After', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'detections', password: 'wrong-password' } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('Identifiant ou mot de passe incorrect.');
    }
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'detections', password: PASSWORD } });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    // another address is not blocked
    const other = await app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.0.0.9', payload: { username: 'detections', password: PASSWORD } });
    expect(other.statusCode).toBe(200);
    // unknown users get the same answer as wrong passwords
    const unknown = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'personne', password: 'whatever-pass' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error).toBe('Identifiant ou mot de passe incorrect.');
  });

  it('expires idle sessions with 401 « Session expirée »', async () => {
    const c = await login(app, 'lecteur');
    expect((await app.inject({ url: '/api/detections', headers: headers(c) })).statusCode).toBe(200);
    clock += 7 * 3600_000; // still active: each request extends the idle period
    expect((await app.inject({ url: '/api/detections', headers: headers(c) })).statusCode).toBe(200);
    clock += 9 * 3600_000;
    const res = await app.inject({ url: '/api/detections', headers: headers(c) });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('Session expirée, veuillez vous reconnecter.');
    expect((await app.inject({ url: '/api/detections', headers: headers(c) })).statusCode).toBe(401);
    for (const name of Object.keys(ROLE_USERS) as RoleUser[]) clients[name] = await login(app, name);
  });

  it('refuses writes without or with a wrong CSRF token, writing nothing', async () => {
    const c = clients.monuments;
    const before = await store.all('SELECT * FROM site_vulnerability ORDER BY site_id');
    const audit = Number(await store.value('SELECT count(*) FROM audit'));
    for (const h of [{ cookie: c.cookie }, { cookie: c.cookie, 'x-csrf-token': clients.admin.csrf }, { cookie: c.cookie, 'x-csrf-token': '' }]) {
      const res = await app.inject({ method: 'PUT', url: '/api/sites/PA00000003/review', headers: h, payload: { etat_conservation: 'peril', version: 0 } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatch(/CSRF/);
    }
    expect(await store.all('SELECT * FROM site_vulnerability ORDER BY site_id')).toEqual(before);
    expect(Number(await store.value('SELECT count(*) FROM audit'))).toBe(audit);
  });

  it('logout ends the session', async () => {
    const c = await login(app, 'lecteur');
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: headers(c) })).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/detections', headers: headers(c) })).statusCode).toBe(401);
  });
});

describe('user management', () => {
  it('an administrator creates a user, changes roles (closing sessions) and disables them; every change is audited', async () => {
    const admin = clients.admin;
    const created = await app.inject({ method: 'POST', url: '/api/users', headers: headers(admin), payload: { username: 'claire', password: 'un-long-secret', roles: ['lecteur'] } });
    expect(created.statusCode).toBe(201);
    expect(created.json().user).toMatchObject({ username: 'claire', roles: ['lecteur'], disabled: false });
    expect(created.body).not.toContain('scrypt');
    const dup = await app.inject({ method: 'POST', url: '/api/users', headers: headers(admin), payload: { username: 'claire', password: 'un-long-secret', roles: ['lecteur'] } });
    expect(dup.statusCode).toBe(409);

    const claire = await login(app, 'claire', 'un-long-secret');
    const put = () => app.inject({ method: 'PUT', url: '/api/sites/PA00000003/review', headers: headers(claire), payload: { version: 99 } });
    expect((await put()).statusCode).toBe(403);
    const patched = await app.inject({ method: 'PATCH', url: '/api/users/claire', headers: headers(admin), payload: { roles: ['lecteur', 'relecteur_monuments'] } });
    expect(patched.json().user.roles).toEqual(['lecteur', 'relecteur_monuments']);
    expect((await put()).statusCode).toBe(401); // sessions closed by the change
    const again = await login(app, 'claire', 'un-long-secret');
    expect((await app.inject({ method: 'PUT', url: '/api/sites/PA00000003/review', headers: headers(again), payload: { version: 99 } })).statusCode).toBe(409);

    await app.inject({ method: 'PATCH', url: '/api/users/claire', headers: headers(admin), payload: { disabled: true } });
    const refused = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'claire', password: 'un-long-secret' } });
    expect(refused.statusCode).toBe(401);
    const audit = await store.all<{ action: string; after: string }>(`SELECT action, after::VARCHAR AS after FROM audit WHERE entity = 'user' AND entity_id = 'claire' ORDER BY id`);
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'update']);
    expect(audit.map((a) => a.after).join()).not.toContain('scrypt');
  });

  it('rejects bad user input with a French message naming the field', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/users', headers: headers(clients.admin), payload: { username: 'x y', password: 'un-long-secret', roles: ['chef'] } });
    expect(res.statusCode).toBe(400);
    const res2 = await app.inject({ method: 'POST', url: '/api/users', headers: headers(clients.admin), payload: { username: 'dora', password: 12, roles: [] } });
    expect(res2.statusCode).toBe(400);
    expect(res2.json().error).toContain('« password »');
  });
});
