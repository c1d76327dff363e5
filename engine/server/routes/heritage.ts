import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store.ts';
import * as contract from '../../contract/api.ts';
import { access } from '../access.ts';
import { POSITION_SQL } from './sites.ts';

export function registerHeritageRoutes(app: FastifyInstance, store: Store): void {
  app.get('/api/monuments', { config: { access: access.part('monuments'), response: contract.monumentList } }, async () => {
    const items = await store.all<contract.Monument>(
      `SELECT reference, titre, denomination, commune, insee, departement, protection, partielle, siecle,
              round(lon, 6) AS lon, round(lat, 6) AS lat, ${POSITION_SQL} AS position
         FROM monuments m ORDER BY reference`,
    );
    return { count: items.length, items };
  });
}
