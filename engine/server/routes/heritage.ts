import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store.ts';
import * as contract from '../../contract/api.ts';
import { access } from '../access.ts';
import { POSITION_SQL } from './sites.ts';

/**
 * The monument list is the map's biggest answer (12 MB for 44,000 real monuments): it is kept
 * as text and rebuilt only when one of the fields it serves changes (an import, a re-placement).
 */
export function registerHeritageRoutes(app: FastifyInstance, store: Store): void {
  let cache: { key: string; json: string; gzip: Buffer } | null = null;
  // compressed once per change, not on every request (12 MB of JSON: ~0.2 s of gzip each time)
  app.get('/api/monuments', { compress: false, config: { access: access.part('monuments'), response: contract.monumentList } }, async (req, reply) => {
    // A fingerprint of every field served (a scan of one table: milliseconds for 45,000 rows).
    const key = String(await store.value(
      `SELECT concat(count(*), '/', coalesce(sum(hash(reference, titre, denomination, commune, insee, departement, protection, partielle, siecle, lon, lat, position_quality) % 1000000007), 0)) FROM monuments`));
    if (cache?.key !== key) {
      const json = JSON.stringify(await monumentList(store));
      cache = { key, json, gzip: gzipSync(json, { level: 6 }) };
    }
    void reply.type('application/json; charset=utf-8').header('Vary', 'Accept-Encoding');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('Content-Encoding', 'gzip').send(cache.gzip);
    return reply.send(cache.json);
  });
}

async function monumentList(store: Store): Promise<contract.MonumentList> {
  const items = await store.all<contract.Monument>(
    `SELECT reference, titre, denomination, commune, insee, departement, protection, partielle, siecle,
              round(lon, 6) AS lon, round(lat, 6) AS lat, ${POSITION_SQL} AS position
         FROM monuments m ORDER BY reference`,
  );
  return { count: items.length, items };
}
