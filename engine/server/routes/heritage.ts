import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store.ts';
import { needPublicOr, type PublicPart } from '../access.ts';

export interface MonumentItem {
  reference: string;
  titre: string | null;
  denomination: string | null;
  commune: string | null;
  insee: string | null;
  departement: string | null;
  protection: 'classe' | 'inscrit' | 'classe_inscrit' | 'inconnue';
  partielle: boolean;
  siecle: string | null;
  lon: number | null;
  lat: number | null;
}

export function registerHeritageRoutes(app: FastifyInstance, store: Store, publicParts: readonly PublicPart[]): void {
  app.get('/api/monuments', { preHandler: needPublicOr(publicParts, 'monuments') }, async () => {
    const items = await store.all<MonumentItem>(
      `SELECT reference, titre, denomination, commune, insee, departement, protection, partielle, siecle,
              round(lon, 6) AS lon, round(lat, 6) AS lat
         FROM monuments ORDER BY reference`,
    );
    return { count: items.length, items };
  });
}
