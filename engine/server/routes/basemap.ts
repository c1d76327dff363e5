import type { FastifyInstance } from 'fastify';
import { simplify } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { NotFoundError } from '../../errors.ts';
import { z } from 'zod';
import { LAMBERT93, WGS84, transformer } from '../../geo/crs.ts';
import * as contract from '../../contract/api.ts';
import { parseInput } from '../validate.ts';
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
    const { bbox } = parseInput(basemapQuery, req.query, 'paramètres');
    void reply.type('application/geo+json');
    if (layer === 'communes' && bbox) return communesGeoJson(store, bbox);
    if (layer === 'communes') {
      communesCache ??= await communesGeoJson(store);
      return communesCache;
    }
    const row = await store.one<{ geojson: string }>('SELECT geojson::VARCHAR AS geojson FROM basemap_layers WHERE name = $1', [layer]);
    if (!row) throw new NotFoundError(`Couche de fond inconnue : ${JSON.stringify(layer)} (attendu : land, rivers, communes).`);
    return row.geojson;
  });
}

/**
 * Above this many communes (a national database: ~35,000) the app asks for the communes of its
 * view only (`?bbox=`, from zoom 9); the whole layer, if asked for, is generalised for a map of all France: 46 MB of full IGN outlines would take the browser tens of seconds to draw,
 * for lines thinner than a pixel at that scale.
 */
const DETAILED_MAX = contract.COMMUNES_BY_VIEW;
/** Douglas–Peucker tolerance in Lambert-93 metres: faithful for a département, coarse for France. */
const TOLERANCE_M = { detailed: 2, national: 600 };

/** Communes in a view (WGS84 bbox), in full detail, at most this many (a département or so). */
export const VIEW_MAX = 4000;
const basemapQuery = z.strictObject({ bbox: contract.bboxParam.optional() });

async function communesGeoJson(store: Store, bbox?: [number, number, number, number]): Promise<string> {
  let where = '';
  const params: number[] = [];
  if (bbox) {
    // The view's corners in Lambert-93, against each commune's stored bounding box.
    const toL93 = transformer(WGS84, LAMBERT93);
    const corners = [toL93(bbox[0], bbox[1]), toL93(bbox[0], bbox[3]), toL93(bbox[2], bbox[1]), toL93(bbox[2], bbox[3])];
    const xs = corners.map((c) => c[0]), ys = corners.map((c) => c[1]);
    params.push(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys));
    where = 'WHERE maxx >= $1 AND minx <= $3 AND maxy >= $2 AND miny <= $4';
  }
  const rows = await store.all<{ code_insee: string; nom: string; departement: string; geometry: string }>(
    `SELECT code_insee, nom, departement, geometry::VARCHAR AS geometry FROM communes ${where} ORDER BY code_insee${bbox ? ` LIMIT ${VIEW_MAX}` : ''}`,
    params,
  );
  const national = !bbox && rows.length > DETAILED_MAX;
  const tolerance = national ? TOLERANCE_M.national : TOLERANCE_M.detailed;
  const digits = national ? 4 : 6;
  const features = rows.map((r) => {
    const g = generalise(JSON.parse(r.geometry) as Polygon | MultiPolygon, tolerance);
    return {
      type: 'Feature',
      properties: { code_insee: r.code_insee, nom: r.nom, departement: r.departement },
      geometry: { type: g.type, coordinates: roundCoordinates(coordinatesToWgs84(g.coordinates, LAMBERT93), digits) },
    };
  });
  return JSON.stringify({ type: 'FeatureCollection', features });
}

/** Simplifies each ring; a ring that would collapse (fewer than 4 positions) keeps its original shape. */
function generalise(g: Polygon | MultiPolygon, tolerance: number): Polygon | MultiPolygon {
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon') return g;
  try {
    const s = simplify(g, { tolerance, highQuality: false, mutate: false }) as Polygon | MultiPolygon;
    return s;
  } catch {
    return g;
  }
}

function roundCoordinates(c: unknown, digits: number): unknown {
  const f = 10 ** digits;
  const walk = (x: unknown): unknown => (typeof x === 'number' ? Math.round(x * f) / f : Array.isArray(x) ? x.map(walk) : x);
  return walk(c);
}
