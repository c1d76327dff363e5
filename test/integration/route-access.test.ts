/**
 * The hostile HTTP corpus, generated from the server's own route table so that a new route
 * cannot escape it: every registered route × caller × spelling of its path × method, over real
 * HTTP (raw paths, nothing normalised by a client library), against the real server.
 *
 * The expected answers come from POLICY below — the access each path must have, written from
 * the README's promises (detections are never public; reviews need their reviewer role; users
 * are the administrators') — not from the rules the routes declare. A route missing from POLICY
 * fails the first test: adding a route means deciding its access here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createServer, routeTable } from '../../engine/server/server.ts';
import type { Access, RouteEntry } from '../../engine/server/access.ts';
import type { Store } from '../../engine/store/store.ts';
import { login, reviewStore, type Client } from './review-fixture.ts';

type Policy = 'anyone' | 'part:monuments' | 'part:risk' | 'part:basemap' | 'part:hazards' | 'session'
  | 'role:relecteur_monuments' | 'role:relecteur_detections' | 'role:administrateur';

/** What each route must require (method + pattern as registered). */
const POLICY: Record<string, Policy> = {
  'GET /api/health': 'anyone',
  'GET /api/config': 'anyone',
  'POST /api/auth/login': 'anyone',
  'POST /api/auth/logout': 'session',
  'GET /api/auth/me': 'anyone',
  'GET /api/users': 'role:administrateur',
  'POST /api/users': 'role:administrateur',
  'PATCH /api/users/:username': 'role:administrateur',
  'GET /api/monuments': 'part:monuments',
  'GET /api/basemap/:layer': 'part:basemap',
  'GET /api/sites': 'part:risk',
  'GET /api/sites/:id': 'part:risk',
  'PUT /api/sites/:id/review': 'role:relecteur_monuments',
  'GET /api/sites/:id/audit': 'session',
  'GET /api/monuments/layer.bin': 'part:risk',
  'GET /api/priorities': 'part:risk',
  'GET /api/detections': 'session',
  'GET /api/detections/progress': 'session',
  'GET /api/detections/precision': 'session',
  'GET /api/detections/:id': 'session',
  'PUT /api/detections/:id/review': 'role:relecteur_detections',
  'GET /api/detections/:id/audit': 'session',
  'GET /api/detections/:id/relief/:file': 'session',
  'GET /api/hazards/:hazard': 'part:hazards',
  'GET /api/exports/detections.:format': 'session',
  'GET /api/exports/:file': 'part:risk',
  'GET /api/reports': 'part:risk',
  'GET /api/condition/matches': 'role:relecteur_monuments',
  'POST /api/condition/matches/:id/resolve': 'role:relecteur_monuments',
  'GET /*': 'anyone',
};

/**
 * A concrete request for each route and the status an allowed caller gets. Writes use a stale
 * version or an invalid body, so an allowed caller gets 409/400/404 and nothing changes.
 * `costly`: answered by building a file, so only the plain spelling is sent by allowed callers.
 */
interface Sample { path: string; query?: string; body?: unknown; ok: number; costly?: boolean }
const SAMPLE: Record<string, Sample> = {
  'GET /api/health': { path: '/api/health', ok: 200 },
  'GET /api/config': { path: '/api/config', ok: 200 },
  'POST /api/auth/login': { path: '/api/auth/login', body: {}, ok: 400 },
  'POST /api/auth/logout': { path: '/api/auth/logout', body: {}, ok: 204 },
  'GET /api/auth/me': { path: '/api/auth/me', ok: 200 },
  'GET /api/users': { path: '/api/users', ok: 200 },
  'POST /api/users': { path: '/api/users', body: { username: 'newbie', password: 'court', roles: ['lecteur'] }, ok: 400 },
  'PATCH /api/users/:username': { path: '/api/users/nobody', body: { roles: ['lecteur'] }, ok: 404 },
  'GET /api/monuments': { path: '/api/monuments', ok: 200 },
  'GET /api/basemap/:layer': { path: '/api/basemap/communes', ok: 200 },
  'GET /api/sites': { path: '/api/sites', query: 'limit=5', ok: 200 },
  'GET /api/sites/:id': { path: '/api/sites/PA00000001', ok: 200 },
  'PUT /api/sites/:id/review': { path: '/api/sites/PA00000003/review', body: { statut_revue: 'examine', version: 99 }, ok: 409 },
  'GET /api/sites/:id/audit': { path: '/api/sites/PA00000001/audit', ok: 200 },
  'GET /api/monuments/layer.bin': { path: '/api/monuments/layer.bin', query: 'scenario=%2B2.7', ok: 200 },
  'GET /api/priorities': { path: '/api/priorities', query: 'limit=5', ok: 200 },
  'GET /api/detections': { path: '/api/detections', ok: 200 },
  'GET /api/detections/progress': { path: '/api/detections/progress', ok: 200 },
  'GET /api/detections/precision': { path: '/api/detections/precision', ok: 200 },
  'GET /api/detections/:id': { path: '/api/detections/m1:t1:0', ok: 200 },
  'PUT /api/detections/:id/review': { path: '/api/detections/m1:t1:1/review', body: { decision: 'oui', version: 99 }, ok: 409 },
  'GET /api/detections/:id/audit': { path: '/api/detections/m1:t1:0/audit', ok: 200 },
  'GET /api/detections/:id/relief/:file': { path: '/api/detections/m1:t1:0/relief/hillshade.png', query: 'size=64', ok: 200 },
  'GET /api/hazards/:hazard': { path: '/api/hazards/flood', ok: 200 },
  'GET /api/exports/detections.:format': { path: '/api/exports/detections.archeologia', ok: 200, costly: true },
  'GET /api/exports/:file': { path: '/api/exports/monuments.csv', ok: 200, costly: true },
  'GET /api/reports': { path: '/api/reports', query: 'scope=region&scenario=ref', ok: 200, costly: true },
  'GET /api/condition/matches': { path: '/api/condition/matches', query: 'limit=5', ok: 200 },
  'POST /api/condition/matches/:id/resolve': { path: '/api/condition/matches/999/resolve', body: { decision: 'aucun' }, ok: 404 },
  'GET /*': { path: '/carte', ok: 200 },
};

const CALLERS = ['anonymous', 'anonymous-closed', 'expired', 'lecteur', 'monuments', 'detections', 'admin'] as const;
type Caller = (typeof CALLERS)[number];
const ROLE_OF: Partial<Record<Caller, string>> = {
  lecteur: 'lecteur', monuments: 'relecteur_monuments', detections: 'relecteur_detections', admin: 'administrateur',
};

function allowed(policy: Policy, caller: Caller): boolean {
  if (policy === 'anyone') return true;
  // An expired session is anonymous: the public parts, nothing else.
  if (caller === 'anonymous' || caller === 'expired') return policy.startsWith('part:');
  if (caller === 'anonymous-closed') return false;
  if (policy.startsWith('part:') || policy === 'session') return true;
  return caller === 'admin' || policy === `role:${ROLE_OF[caller]}`;
}
const signedIn = (c: Caller) => c in ROLE_OF;

function declared(a: Access): Policy {
  switch (a.kind) {
    case 'anyone': return 'anyone';
    case 'part': return `part:${a.part}` as Policy;
    case 'session': return 'session';
    case 'role': return `role:${a.roles.join(',')}` as Policy;
  }
}

/** Hostile spellings of a path. `pattern` tells which segments are the route's own words. */
function spellings(path: string, pattern: string): { name: string; path: string; strict: boolean }[] {
  const segs = path.split('/');
  const own = pattern.split('/').map((s) => s !== '' && !s.includes(':') && s !== '*');
  const enc = (s: string) => `%${s.charCodeAt(0).toString(16)}${s.slice(1)}`;
  const map = (f: (s: string) => string) => segs.map((s, i) => (own[i] && /^[a-z]/.test(s) ? f(s) : s)).join('/');
  const last = segs.length - 1;
  const out = [
    { name: 'plain', path, strict: true },
    { name: 'percent-encoded', path: map(enc), strict: true },
    // Decoding twice would open other doors: a double-encoded path is another path, so a 404 is
    // as right as the plain answer — but never data where the plain path refuses.
    { name: 'double-encoded', path: map((s) => `%25${s.charCodeAt(0).toString(16)}${s.slice(1)}`), strict: false },
    { name: 'upper case', path: map((s) => s.toUpperCase()), strict: true },
    { name: 'mixed case', path: map((s) => s.charAt(0).toUpperCase() + s.slice(1)), strict: true },
    { name: 'trailing slash', path: path + '/', strict: true },
    { name: 'duplicate slashes', path: path.replace(/\//g, '//'), strict: true },
    { name: 'semicolon parameter', path: path + ';jsessionid=1', strict: true },
    { name: 'dot-dot segment', path: `/${segs[1]}/x/../${segs.slice(2).join('/')}`, strict: true },
    { name: 'encoded dot-dot', path: `/${segs[1]}/x/%2e%2e/${segs.slice(2).join('/')}`, strict: true },
    { name: 'dot segment', path: `/${segs[1]}/./${segs.slice(2).join('/')}`, strict: true },
  ];
  void last;
  return out.filter((s) => s.name === 'plain' || s.path !== path);
}

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

let base: { host: string; port: number };
let baseClosed: { host: string; port: number };
function send(server: 'open' | 'closed', method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Reply> {
  const { host, port } = server === 'open' ? base : baseClosed;
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A script large enough to be worth compressing. */
const BIG_JS = `export const rows = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ i, name: `monument ${i}` })))};\n`;

let dir: string;
let store: Store;
let app: FastifyInstance;
let closed: FastifyInstance;
let clock = Date.now();
const clients = {} as Record<Caller, Client | null>;
const tally = { requests: 0, fiveHundreds: 0, leaks: 0, unauthorisedWrites: 0, routeCallerSpellings: 0, routes: 0 };

async function address(a: FastifyInstance) {
  await a.listen({ port: 0, host: '127.0.0.1' });
  const addr = a.server.address();
  return { host: '127.0.0.1', port: typeof addr === 'object' && addr ? addr.port : 0 };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-routes-'));
  mkdtempSync(join(dir, 'web-'));
  const webRoot = join(dir, 'web');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(webRoot, { recursive: true });
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Vigie</title>');
  mkdirSync(join(webRoot, 'assets'));
  writeFileSync(join(webRoot, 'assets', 'App-CcRVeqVN.js'), 'export {};');
  // What the build writes beside a compressible file (vite.config.ts compressAssets).
  writeFileSync(join(webRoot, 'assets', 'big-D4yPq1Xz.js'), BIG_JS);
  writeFileSync(join(webRoot, 'assets', 'big-D4yPq1Xz.js.br'), brotliCompressSync(BIG_JS));
  writeFileSync(join(webRoot, 'assets', 'big-D4yPq1Xz.js.gz'), gzipSync(BIG_JS));
  writeFileSync(join(webRoot, 'favicon.svg'), '<svg/>');
  store = await reviewStore(':memory:', dir);
  app = await createServer({ store, webRoot, public: ['monuments', 'risk', 'basemap', 'hazards'], now: () => clock });
  closed = await createServer({ store, webRoot, public: [] });
  base = await address(app);
  baseClosed = await address(closed);
  // A session that has expired: signed in, then nine idle hours on the server's clock.
  const stale = await login(app, 'lecteur');
  clock += 9 * 3600_000;
  for (const c of CALLERS) clients[c] = ROLE_OF[c] ? await login(app, c === 'lecteur' ? 'lecteur' : c) : null;
  clients.expired = stale;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await closed?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`route-access corpus: ${JSON.stringify(tally)}`);
});

const key = (r: RouteEntry) => `${r.method} ${r.url}`;
const apiRoutes = () => routeTable(app).filter((r) => r.method !== 'OPTIONS' && r.method !== 'HEAD');

async function snapshot() {
  return JSON.stringify(await store.all(`SELECT (SELECT count(*) FROM audit) a, (SELECT count(*) FROM users) u,
    (SELECT string_agg(site_id || ':' || version, ',' ORDER BY site_id) FROM site_vulnerability) v,
    (SELECT count(*) FROM detection_review) d`));
}

function headersOf(caller: Caller, write: boolean, csrf: 'own' | 'none' | 'forged' | 'other' = 'own'): Record<string, string> {
  const c = clients[caller];
  const h: Record<string, string> = {};
  if (c) h.cookie = c.cookie;
  if (write) {
    h['content-type'] = 'application/json';
    if (c && csrf === 'own') h['x-csrf-token'] = c.csrf;
    if (c && csrf === 'forged') h['x-csrf-token'] = 'f'.repeat(c.csrf.length);
    if (c && csrf === 'other') h['x-csrf-token'] = clients[caller === 'admin' ? 'lecteur' : 'admin']!.csrf;
  }
  return h;
}

describe('the route table', () => {
  it('every registered route has a policy, a sample request, and declares exactly that policy', () => {
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(25);
    for (const r of routes) {
      expect({ route: key(r), policy: POLICY[key(r)] ?? 'MISSING: add it to POLICY' }).toEqual({ route: key(r), policy: declared(r.access) });
      expect({ route: key(r), sample: key(r) in SAMPLE }).toEqual({ route: key(r), sample: true });
    }
    tally.routes = routes.length;
  });

  it('a route registered without an access rule stops the server from starting', async () => {
    const broken = await createServer({ store, public: [] });
    expect(() => broken.get('/api/forgotten', async () => ({ secret: true }))).toThrow(/declares no access rule/);
    await broken.close();
  });
});

describe('every route × caller × spelling answers as its plain path would, never data to the wrong caller', () => {
  for (const caller of CALLERS) {
    it(caller, async () => {
      const server = caller === 'anonymous-closed' ? 'closed' : 'open';
      const before = await snapshot();
      for (const r of apiRoutes()) {
        const s = SAMPLE[key(r)];
        if (key(r) === 'POST /api/auth/logout' && signedIn(caller)) continue; // below, on sessions of its own
        const write = r.method !== 'GET';
        const ok = allowed(POLICY[key(r)], caller);
        const expected = ok ? s.ok : signedIn(caller) ? 403 : 401;
        const body = s.body === undefined ? undefined : JSON.stringify(s.body);
        const variants = spellings(s.path, r.url).filter((v) => v.name === 'plain' || !(ok && s.costly));
        for (const v of variants) {
          const methods = r.method === 'GET' ? ['GET', 'HEAD'] : [r.method];
          for (const m of methods) {
            const url = v.path + (s.query ? `?${s.query}` : '');
            const res = await send(server, m, url, headersOf(caller, write), body);
            tally.requests++; tally.routeCallerSpellings++;
            if (res.status >= 500) tally.fiveHundreds++;
            const label = `${caller} ${m} ${url} (${v.name})`;
            if (v.strict || res.status !== 404) expect({ label, status: res.status }).toEqual({ label, status: expected });
            if (!ok) {
              if (res.status < 400) tally.leaks++;
              expect({ label, status: res.status < 400 }).toEqual({ label, status: false });
              if (m === 'GET') expect(Object.keys(JSON.parse(res.body.toString('utf8')))).toEqual(['error']);
            }
          }
        }
      }
      expect(await snapshot()).toBe(before);
    }, 120_000);
  }

  it('logout: a signed-in caller ends its own session; anonymous and expired callers get 401', async () => {
    for (const caller of CALLERS) {
      const fresh = signedIn(caller) ? await login(app, caller === 'lecteur' ? 'lecteur' : caller) : clients[caller];
      const h: Record<string, string> = { 'content-type': 'application/json' };
      if (fresh) { h.cookie = fresh.cookie; h['x-csrf-token'] = fresh.csrf; }
      const res = await send(caller === 'anonymous-closed' ? 'closed' : 'open', 'POST', '/api/auth/logout', h, '{}');
      tally.requests++;
      expect({ caller, status: res.status }).toEqual({ caller, status: signedIn(caller) ? 204 : 401 });
    }
  });
});

describe('writes need a session and its own CSRF token', () => {
  it('no token, a forged token or another user\'s token: 403, nothing written', async () => {
    const before = await snapshot();
    for (const r of apiRoutes().filter((x) => x.method !== 'GET' && x.csrf)) {
      const s = SAMPLE[key(r)];
      for (const csrf of ['none', 'forged', 'other'] as const) {
        for (const v of spellings(s.path, r.url).filter((x) => x.strict)) {
          const res = await send('open', r.method, v.path, headersOf('admin', true, csrf), JSON.stringify(s.body ?? {}));
          tally.requests++;
          if (res.status < 400) tally.unauthorisedWrites++;
          expect({ route: key(r), csrf, spelling: v.name, status: res.status }).toEqual({ route: key(r), csrf, spelling: v.name, status: 403 });
        }
      }
    }
    expect(await snapshot()).toBe(before);
  }, 60_000);
});

describe('the rest of the HTTP surface', () => {
  it('OPTIONS on every route answers 204 with the methods it allows, for anyone, and no body', async () => {
    for (const r of apiRoutes()) {
      const s = SAMPLE[key(r)];
      for (const v of spellings(s.path, r.url).filter((x) => x.strict)) {
        const res = await send('closed', 'OPTIONS', v.path);
        tally.requests++;
        expect({ route: key(r), spelling: v.name, status: res.status, body: res.body.length }).toEqual({ route: key(r), spelling: v.name, status: 204, body: 0 });
        expect(String(res.headers.allow).split(', ')).toContain(r.method);
      }
    }
  }, 60_000);

  it('unknown API paths in any spelling get a JSON 404, never the app shell', async () => {
    for (const path of ['/api/nope', '//api/nope', '/API/nope', '/Api/Nope/', '/%61pi/nope', '/api/nope;x=1', '/api/sites/PA1/nope', '/api', '/api/']) {
      for (const m of ['GET', 'POST', 'DELETE']) {
        const res = await send('open', m, path, { 'content-type': 'application/json' }, m === 'GET' ? undefined : '{}');
        tally.requests++;
        expect({ path, m, status: res.status, type: String(res.headers['content-type']) }).toEqual({ path, m, status: 404, type: 'application/json; charset=utf-8' });
      }
    }
  });

  it('content-hashed assets are cached for a year, the app shell and other files are revalidated', async () => {
    const cache = async (path: string) => String((await send('open', 'GET', path)).headers['cache-control']);
    expect(await cache('/assets/App-CcRVeqVN.js')).toBe('public, max-age=31536000, immutable');
    for (const path of ['/', '/index.html', '/favicon.svg', '/carte']) expect(await cache(path), path).toBe('public, max-age=0');
  });

  it('the build\'s .br / .gz copies are sent to browsers that accept them, the file itself to others', async () => {
    const get = async (encoding?: string) => {
      const res = await app.inject({ url: '/assets/big-D4yPq1Xz.js', headers: encoding ? { 'accept-encoding': encoding } : {} });
      return { status: res.statusCode, encoding: res.headers['content-encoding'], type: res.headers['content-type'], vary: res.headers.vary, body: res.rawPayload };
    };
    const br = await get('gzip, deflate, br, zstd'); // Chromium's header
    expect([br.status, br.encoding, br.type]).toEqual([200, 'br', 'application/javascript; charset=utf-8']);
    expect(String(br.vary)).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(br.body).toString()).toBe(BIG_JS);
    const gz = await get('gzip');
    expect(gz.encoding).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(BIG_JS);
    const plain = await get();
    expect([plain.encoding, plain.body.toString()]).toEqual([undefined, BIG_JS]);
  });

  it('methods a route does not have: a JSON 4xx, never a 5xx, never data', async () => {
    for (const r of apiRoutes().filter((x) => x.url.startsWith('/api/'))) {
      const s = SAMPLE[key(r)];
      for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        if (routeTable(app).some((x) => x.url === r.url && x.method === m)) continue;
        const res = await send('open', m, s.path, headersOf('admin', m !== 'GET'), m === 'GET' ? undefined : '{}');
        tally.requests++;
        if (res.status >= 500) tally.fiveHundreds++;
        expect({ route: r.url, m, status: res.status }).toEqual({ route: r.url, m, status: 404 });
      }
    }
  });

  it('hostile bodies: malformed JSON, wrong types, 10,000-deep nesting and 10 MB get 400 / 413, never 5xx', async () => {
    const before = await snapshot();
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const bodies: [string, string | Buffer, number[]][] = [
      ['malformed JSON', '{"version": 0,', [400]],
      ['JSON string', '"x"', [400]],
      ['wrong type', JSON.stringify({ version: 'zero' }), [400]],
      ['deep nesting', `{"version":0,"note":${deep}}`, [400]],
      ['10 MB', Buffer.alloc(10 << 20, 0x20), [413]],
    ];
    for (const r of apiRoutes().filter((x) => x.method !== 'GET' && x.url !== '/api/auth/logout')) {
      for (const [name, body, statuses] of bodies) {
        for (const caller of ['anonymous', 'admin'] as const) {
          const res = await send('open', r.method, SAMPLE[key(r)].path, headersOf(caller, true), body);
          tally.requests++;
          if (res.status >= 500) tally.fiveHundreds++;
          const want = caller === 'admin' || r.url === '/api/auth/login' ? statuses : [401];
          expect({ route: key(r), name, caller, ok: want.includes(res.status) }).toEqual({ route: key(r), name, caller, ok: true });
          expect(JSON.parse(res.body.toString('utf8')).error).toMatch(/\S/);
        }
      }
    }
    expect(await snapshot()).toBe(before);
  }, 120_000);
});
