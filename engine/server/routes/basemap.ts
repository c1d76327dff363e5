import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../errors.ts';
import { LAMBERT93 } from '../../geo/crs.ts';
import { coordinatesToWgs84 } from '../../geo/reproject.ts';
import type { Store } from '../../store/store.ts';
import { access } from '../access.ts';

/**
 * Offline basemap layers as WGS84 GeoJSON. Communes are stored in Lambert-93 and reprojected
 * once per process (they only change on import, which the server's owner does at start).
 */
export function registerBasemapRoutes(app: FastifyInstance, store: Store): void {
  let communesCache: string | null = null;
  app.get<{ Params: { layer: string } }>('/api/basemap/:layer', { config: { access: access.part('basemap') } }, async (req, reply) => {
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
      geometry: { type: g.type, coordinates: coordinatesToWgs84(g.coordinates, LAMBERT93) },
    };
  });
  return JSON.stringify({ type: 'FeatureCollection', features });
}
