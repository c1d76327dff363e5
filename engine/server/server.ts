/**
 * The HTTP API and static serving of the built web app. The server owns the DuckDB file
 * while it runs (DuckDB allows one writing process per file).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { VigieError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { VERSION } from '../version.ts';
import { registerHeritageRoutes } from './routes/heritage.ts';
import { registerBasemapRoutes } from './routes/basemap.ts';
import { registerExportRoutes } from './routes/exports.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerSiteRoutes } from './routes/sites.ts';
import { registerDetectionRoutes } from './routes/detections.ts';
import { registerHazardRoutes } from './routes/hazards.ts';
import { Sessions } from '../auth/sessions.ts';
import { ThrottledError } from '../auth/errors.ts';
import { StaleVersionError } from '../review/stale.ts';
import { HAZARDS, SCENARIOS } from '../risk/config.ts';
import { installAccess, needPublicOr, needSession, parsePublic, type PublicPart } from './access.ts';
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
}

export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 256 << 10,
    // Large layers are served precomputed; keep the default JSON serializer.
  });
  const { store } = opts;
  const publicParts = opts.public ?? parsePublic(process.env.VIGIE_PUBLIC);
  const sessions = new Sessions(store, { hours: opts.sessionHours, now: opts.now });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof StaleVersionError) {
      void reply.status(409).send({ error: err.message, current: err.current });
      return;
    }
    if (err instanceof ThrottledError) {
      void reply.status(429).header('Retry-After', String(err.retryAfter)).send({ error: err.message });
      return;
    }
    if (err instanceof VigieError) {
      void reply.status(err.httpStatus).send({ error: err.fr ?? err.message });
      return;
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      void reply.status(status).send({ error: frenchClientError(status, (err as Error).message, (err as { code?: string }).code) });
      return;
    }
    app.log.error(err);
    void reply.status(500).send({ error: 'Erreur interne du serveur.' });
  });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/')) {
      void reply.status(404).send({ error: `Ressource inconnue : ${req.method} ${req.url.split('?')[0]}` });
      return;
    }
    // Client-side routes fall back to the app shell.
    if (opts.webRoot && existsSync(join(opts.webRoot, 'index.html')) && req.method === 'GET') {
      void reply.sendFile('index.html');
      return;
    }
    void reply.status(404).send({ error: 'Page introuvable.' });
  });

  app.get('/api/health', async () => {
    const counts = await store.one<Record<string, number>>(
      `SELECT (SELECT count(*) FROM monuments) AS monuments,
              (SELECT count(*) FROM monuments WHERE x IS NOT NULL) AS monuments_positioned,
              (SELECT count(*) FROM communes) AS communes`,
    );
    return { status: 'ok', version: VERSION, schemaVersion: await store.schemaVersion(), counts };
  });

  app.get('/api/config', async () => {
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
    };
  });

  installAccess(app, sessions);
  // Exports and reports (routes/exports.ts): detection layers need a session, the rest follows
  // the public `risk` part.
  const exportsRisk = needPublicOr(publicParts, 'risk');
  app.addHook('preHandler', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (/^\/api\/exports\/(detections|archeologia)\b/i.test(path)) await needSession.call(app, req, reply);
    else if (path.startsWith('/api/exports/') || path === '/api/reports') await exportsRisk.call(app, req, reply);
  });

  registerAuthRoutes(app, store, sessions);
  registerHeritageRoutes(app, store, publicParts);
  registerBasemapRoutes(app, store, publicParts);
  registerSiteRoutes(app, store, new SiteIndex(store), publicParts);
  registerDetectionRoutes(app, store, new DetectionIndex(store));
  registerHazardRoutes(app, store, publicParts);
  registerExportRoutes(app, store);

  if (opts.webRoot && existsSync(opts.webRoot)) {
    await app.register(fastifyStatic, { root: resolve(opts.webRoot), prefix: '/', wildcard: false, index: 'index.html' });
  }
  return app;
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
