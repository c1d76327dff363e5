import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../errors.ts';
import { toWgs84 } from '../../geo/crs.ts';
import type { Store } from '../../store/store.ts';
import { needPublicOr, type PublicPart } from '../access.ts';

/**
 * Offline basemap layers as WGS84 GeoJSON. Communes are stored in Lambert-93 and reprojected
 * once per process (they only change on import, which the server's owner does at start).
 */
export function registerBasemapRoutes(app: FastifyInstance, store: Store, publicParts: readonly PublicPart[]): void {
  let communesCache: string | null = null;
  app.get<{ Params: { layer: string } }>('/api/basemap/:layer', { preHandler: needPublicOr(publicParts, 'basemap') }, async (req, reply) => {
    const { layer } = req.params;
    void reply.type('application/geo+json');
    if (layer === 'communes') {
      communesCache ??= await communesGeoJson(store);
      return communesCache;
    }
    const row = await store.one<{ geojson: string }>('SELECT geojson::VARCHAR AS geojson FROM basemap_layers WHERE name = $1', [layer]);
    if (!row) throw new NotFoundError(`Couche de fond inconnue : ${JSON.stringify(layer)} (attendu : land, rivers, communes).`);
    return row.geojson;
  });
}

async function communesGeoJson(store: Store): Promise<string> {
  const rows = await store.all<{ code_insee: string; nom: string; departement: string; geometry: string }>(
    'SELECT code_insee, nom, departement, geometry::VARCHAR AS geometry FROM communes ORDER BY code_insee',
  );
  const features = rows.map((r) => {
    const g = JSON.parse(r.geometry) as { type: string; coordinates: unknown };
    return {
      type: 'Feature',
      properties: { code_insee: r.code_insee, nom: r.nom, departement: r.departement },
      geometry: { type: g.type, coordinates: reproject(g.coordinates) },
    };
  });
  return JSON.stringify({ type: 'FeatureCollection', features });
}

function reproject(c: unknown): unknown {
  if (Array.isArray(c) && typeof c[0] === 'number') {
    const [lon, lat] = toWgs84(c[0] as number, c[1] as number);
    return [Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6];
  }
  return (c as unknown[]).map(reproject);
}
