/**
 * The HTTP API and static serving of the built web app. The server owns the DuckDB file
 * while it runs (DuckDB allows one writing process per file).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyCompress from '@fastify/compress';
import { departementNames } from '../heritage/cog.ts';
import { InternalError, StoreError, VigieError, show } from '../errors.ts';
import * as contract from '../contract/api.ts';
import { HAZARDS, SCENARIOS } from '../contract/enums.ts';
import type { Store } from '../store/store.ts';
import { VERSION } from '../version.ts';
import { registerHeritageRoutes } from './routes/heritage.ts';
import { registerBasemapRoutes } from './routes/basemap.ts';
import { registerExportRoutes } from './routes/exports.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerSiteRoutes } from './routes/sites.ts';
import { registerDetectionRoutes } from './routes/detections.ts';
import { registerHazardRoutes } from './routes/hazards.ts';
import { registerConditionRoutes } from './routes/condition.ts';
import { Sessions } from '../auth/sessions.ts';
import { ThrottledError } from '../auth/errors.ts';
import { StaleVersionError } from '../review/stale.ts';
import { access, installAccess, parsePublic, type PublicPart, type RouteEntry } from './access.ts';
import { SiteIndex } from './site-index.ts';
import { DetectionIndex } from './detection-index.ts';

export interface ServerOptions {
  store: Store;
  /** folder holding the built web app (index.html); omitted → API only */
  webRoot?: string;
  /** MapLibre style URL for deployments with a tile server (VIGIE_STYLE_URL) */
  styleUrl?: string | null;
  title?: string;
  logger?: boolean;
  /** parts readable without a session; default VIGIE_PUBLIC (unset = all, `none` = nothing) */
  public?: readonly PublicPart[];
  /** idle session lifetime in hours (default VIGIE_SESSION_HOURS or 8) */
  sessionHours?: number;
  /** clock in ms, for tests of session expiry */
  now?: () => number;
  /** check JSON responses against the contract's schemas (default: when NODE_ENV is development or test) */
  checkResponses?: boolean;
}

/**
 * The big cached answers of the first screen, built when the server starts rather than on the
 * first visitor's map (`vigie serve`, and the benchmarks as a served deployment): the outlines
 * of every commune, the monument list, the risk layer of the reference scenario and the first
 * page of the ranked table.
 */
export const WARM_UP_URLS: readonly string[] = [
  '/api/basemap/communes',
  '/api/monuments',
  '/api/monuments/layer.bin?scenario=ref',
  '/api/sites?kind=monument&scenario=ref&sort=score&limit=50&offset=0',
];

export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: BODY_LIMIT,
    // One route whatever the spelling: /API/x, /api//x, /api/x/ and /api/x;p=1 reach the route
    // of /api/x (and its access rule) instead of falling through to the app shell.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // `/api/x/../detections`, `/api/%2e%2e/…` and `;name=value` path parameters are resolved as
    // a browser (or a servlet container) would, before routing.
    rewriteUrl: (req) => removeDotSegments(removePathParameters(req.url ?? '/')),
  });
  const { store } = opts;
  const publicParts = opts.public ?? parsePublic(process.env.VIGIE_PUBLIC);
  const sessions = new Sessions(store, { hours: opts.sessionHours, now: opts.now });
  const checkResponses = opts.checkResponses ?? ['development', 'test'].includes(process.env.NODE_ENV ?? '');

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof StaleVersionError) {
      void reply.status(409).send({ error: err.message, current: err.current });
      return;
    }
    if (err instanceof ThrottledError) {
      void reply.status(429).header('Retry-After', String(err.retryAfter)).send({ error: err.message });
      return;
    }
    if (err instanceof VigieError && err.httpStatus < 500) {
      void reply.status(err.httpStatus).send({ error: err.fr ?? err.message });
      return;
    }
    if (err instanceof StoreError) {
      app.log.error(err);
      void reply.status(503).send({ error: 'Base de données indisponible, réessayez dans un instant.' });
      return;
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      // The client may still be sending an oversize body: read it to the end so it gets the
      // 413 instead of a connection reset.
      if (status === 413) req.raw.resume();
      void reply.status(status).send({ error: frenchClientError(status, (err as Error).message, (err as { code?: string }).code) });
      return;
    }
    app.log.error(err);
    void reply.status(500).send({ error: 'Erreur interne du serveur.' });
  });
  app.setNotFoundHandler((req, reply) => {
    if (isApiPath(req.url)) {
      void reply.status(404).send({ error: `Ressource inconnue : ${req.method} ${show(req.url.split('?')[0], 200)}` });
      return;
    }
    void reply.status(404).send({ error: 'Page introuvable.' });
  });

  const routes = installAccess(app, sessions, publicParts);
  if (checkResponses) installResponseCheck(app);
  // gzip for JSON and GeoJSON (the national monument list: 12 MB, 1.3 MB compressed).
  await app.register(fastifyCompress, { global: true, threshold: 2048, encodings: ['gzip', 'deflate'] });

  app.get('/api/health', { config: { access: access.anyone, response: contract.health } }, async () => {
    const counts = await store.one<Record<string, number>>(
      `SELECT (SELECT count(*) FROM monuments) AS monuments,
              (SELECT count(*) FROM monuments WHERE x IS NOT NULL) AS monuments_positioned,
              (SELECT count(*) FROM communes) AS communes`,
    );
    return { status: 'ok', version: VERSION, schemaVersion: await store.schemaVersion(), counts };
  });

  app.get('/api/config', { config: { access: access.anyone, response: contract.appConfig } }, async () => {
    const b = await store.one<{ w: number | null; s: number | null; e: number | null; n: number | null }>(
      `SELECT min(minx) AS w, min(miny) AS s, max(maxx) AS e, max(maxy) AS n FROM basemap_layers WHERE name = 'land'`,
    );
    return {
      title: opts.title ?? 'Vigie — patrimoine et risques',
      styleUrl: opts.styleUrl ?? null,
      bbox: b && b.w !== null ? [b.w, b.s, b.e, b.n] : null,
      public: publicParts,
      scenarios: SCENARIOS,
      hazards: HAZARDS,
      communes: Number(await store.value('SELECT count(*) FROM communes')),
      departementNames: departementNames(),
    };
  });

  registerAuthRoutes(app, store, sessions);
  registerHeritageRoutes(app, store);
  registerBasemapRoutes(app, store);
  const siteIndex = new SiteIndex(store);
  const siteRoutes = registerSiteRoutes(app, store, siteIndex);
  registerDetectionRoutes(app, store, new DetectionIndex(store));
  registerHazardRoutes(app, store);
  registerConditionRoutes(app, store, siteIndex, siteRoutes);
  registerExportRoutes(app, store);
  if (opts.webRoot && existsSync(opts.webRoot)) await registerAppShell(app, resolve(opts.webRoot));
  registerOptions(app, routes);
  app.decorate('vigieRoutes', routes);
  return app;
}

/** The registered routes and their access rules (for the access tests and docs). */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return (app as FastifyInstance & { vigieRoutes: RouteEntry[] }).vigieRoutes;
}

/** 256 KiB: the largest legitimate body (a review note of 10,000 characters) is far below. */
const BODY_LIMIT = 256 << 10;

/** `/api/sites;jsessionid=1/x?q` → `/api/sites/x?q`: matrix parameters name no resource here. */
export function removePathParameters(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.includes(';')) return url;
  return path.replace(/;[^/]*/g, '') + (q < 0 ? '' : url.slice(q));
}

/** RFC 3986 §5.2.4 on the path (`.` and `..` segments, also percent-encoded); the query is kept. */
export function removeDotSegments(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!/(^|\/)(\.|%2e){1,2}(\/|$)/i.test(path)) return url;
  const out: string[] = [];
  const segments = path.split('/');
  segments.forEach((seg, i) => {
    const s = seg.replace(/%2e/gi, '.');
    if (s === '.') { if (i === segments.length - 1) out.push(''); return; }
    if (s === '..') { if (out.length > 1) out.pop(); if (i === segments.length - 1) out.push(''); return; }
    out.push(seg);
  });
  const clean = out.join('/');
  return (clean.startsWith('/') ? clean : '/' + clean) + (q < 0 ? '' : url.slice(q));
}

/** Is this request for the API, whatever its spelling (case, encoding, doubled slashes)? */
function isApiPath(url: string): boolean {
  let path = url.split('?')[0];
  for (let i = 0; i < 3 && path.includes('%'); i++) {
    try { path = decodeURIComponent(path); } catch { break; }
  }
  path = path.replace(/[\\/]+/g, '/').toLowerCase();
  return path === '/api' || path.startsWith('/api/') || path.startsWith('/api;');
}

/**
 * The built web app: files under `root` as they are, and the app shell (index.html) for any
 * other GET that is not an API path (client-side routes). Declared like every route: public.
 */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/;

async function registerAppShell(app: FastifyInstance, root: string): Promise<void> {
  // The build writes .br / .gz copies of its compressible files (vite.config.ts): sent as they are
  // to browsers that accept them, instead of compressing the app on every request.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true });
  app.get('/*', { config: { access: access.anyone } }, async (req, reply) => {
    if (isApiPath(req.url)) {
      return reply.status(404).send({ error: `Ressource inconnue : ${req.method} ${show(req.url.split('?')[0], 200)}` });
    }
    const rel = (req.params as { '*': string })['*'] ?? '';
    const file = rel && !rel.split('/').includes('..') ? join(root, rel) : null;
    if (file && file.startsWith(root + sep) && existsSync(file) && statSync(file).isFile()) {
      // Vite names what it writes under assets/ by content hash: a name never changes content,
      // so browsers may keep it a year without asking again. Anything else is checked each time.
      return HASHED_ASSET.test(rel) ? reply.sendFile(rel, root, { maxAge: '365d', immutable: true }) : reply.sendFile(rel, root);
    }
    return reply.type('text/html; charset=utf-8').sendFile('index.html', root);
  });
}

/**
 * OPTIONS on every registered path answers 204 with the methods it allows (the app is
 * same-origin: no CORS headers). Unknown paths get the JSON 404 like any other method.
 */
function registerOptions(app: FastifyInstance, routes: readonly RouteEntry[]): void {
  const byUrl = new Map<string, Set<string>>();
  for (const r of routes) {
    if (!byUrl.has(r.url)) byUrl.set(r.url, new Set(['OPTIONS']));
    byUrl.get(r.url)!.add(r.method);
  }
  for (const [url, methods] of byUrl) {
    if (methods.has('GET')) methods.add('HEAD');
    const allow = [...methods].sort().join(', ');
    app.options(url, { config: { access: access.anyone } }, async (_req, reply) => reply.status(204).header('Allow', allow).send());
  }
}

/**
 * Development and tests: every 2xx JSON response of a route that declares `config.response` is
 * checked against that schema from the contract; a mismatch is a 500 naming the field, so a
 * server that drifts from what the app decodes fails loudly instead of drawing wrong data.
 */
function installResponseCheck(app: FastifyInstance): void {
  // An application-level hook, added before compression, so it sees the JSON text.
  app.addHook('onSend', async (req, reply, payload) => {
    const schema = req.routeOptions.config?.response;
    if (!schema || reply.statusCode < 200 || reply.statusCode >= 300 || typeof payload !== 'string') return payload;
    const r = schema.safeParse(JSON.parse(payload));
    if (!r.success) {
      const first = r.error.issues[0];
      throw new InternalError(`response of ${req.method} ${req.routeOptions.url} breaks the contract at ${first.path.join('.') || '(root)'}: ${first.message}`);
    }
    return payload;
  });
}

function frenchClientError(status: number, message: string, code?: string): string {
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || /JSON/.test(message)) {
    return 'Corps de requête JSON invalide ou vide : un objet JSON est attendu.';
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'Type de contenu non pris en charge : envoyez du JSON (Content-Type: application/json).';
  if (status === 413) return 'Requête trop volumineuse.';
  if (status === 415) return 'Type de contenu non pris en charge.';
  if (status === 400) return `Requête invalide : ${message}`;
  return message;
}
