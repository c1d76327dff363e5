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

export interface ServerOptions {
  store: Store;
  /** folder holding the built web app (index.html); omitted → API only */
  webRoot?: string;
  /** MapLibre style URL for deployments with a tile server (VIGIE_STYLE_URL) */
  styleUrl?: string | null;
  title?: string;
  logger?: boolean;
}

export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 1 << 20,
    // Large layers are served precomputed; keep the default JSON serializer.
  });
  const { store } = opts;

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof VigieError) {
      void reply.status(err.httpStatus).send({ error: err.message });
      return;
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      void reply.status(status).send({ error: frenchClientError(status, (err as Error).message) });
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
    };
  });

  registerHeritageRoutes(app, store);
  registerBasemapRoutes(app, store);
  registerExportRoutes(app, store);

  if (opts.webRoot && existsSync(opts.webRoot)) {
    await app.register(fastifyStatic, { root: resolve(opts.webRoot), prefix: '/', wildcard: false, index: 'index.html' });
  }
  return app;
}

function frenchClientError(status: number, message: string): string {
  if (status === 413) return 'Requête trop volumineuse.';
  if (status === 415) return 'Type de contenu non pris en charge.';
  if (status === 400) return `Requête invalide : ${message}`;
  return message;
}
