/**
 * Hazard zones for the map overlays, as WGS84 GeoJSON with `properties.level` 0–3 under a
 * scenario, using the same level rules as the scoring engine (config/risk.json): TRI envelopes
 * by the scenario's flood_tri code, PPR / RGA codes through `level_codes`.
 */
import type { FastifyInstance } from 'fastify';
import { InputError, NotFoundError } from '../../errors.ts';
import { LAMBERT93 } from '../../geo/crs.ts';
import { coordinatesToWgs84 } from '../../geo/reproject.ts';
import { checkScenario } from '../../risk/queries.ts';
import { HAZARDS, LEVEL_INDEX, loadRiskConfig, type Hazard, type Scenario } from '../../risk/config.ts';
import type { Store } from '../../store/store.ts';
import { access } from '../access.ts';

interface ZoneRow {
  layer: string;
  feature_id: string | null;
  scenario: string | null;
  level_code: number | null;
  geometry: string;
}

export function registerHazardRoutes(app: FastifyInstance, store: Store): void {
  const cache = new Map<string, string>();
  app.get<{ Params: { hazard: string }; Querystring: { scenario?: string } }>(
    '/api/hazards/:hazard',
    { config: { access: access.part('hazards') } },
    async (req, reply) => {
      const hazard = req.params.hazard;
      if (!(HAZARDS as readonly string[]).includes(hazard)) {
        throw new InputError(`Aléa inconnu : ${JSON.stringify(hazard).slice(0, 40)} (attendu : ${HAZARDS.join(', ')}).`);
      }
      const scenario = checkScenario(req.query.scenario ?? 'ref');
      const key = `${hazard}|${scenario}`;
      let body = cache.get(key);
      if (!body) {
        body = await zonesGeoJson(store, hazard as Hazard, scenario);
        cache.set(key, body);
      }
      void reply.type('application/geo+json');
      return body;
    },
  );
}

async function zonesGeoJson(store: Store, hazard: Hazard, scenario: Scenario): Promise<string> {
  const { config } = loadRiskConfig();
  const zones = config.hazards[hazard]?.zones;
  const rows = await store.all<ZoneRow>(
    `SELECT layer, feature_id, scenario, level_code, geometry::VARCHAR AS geometry
       FROM hazard_zones WHERE hazard = $1 ORDER BY layer, feature_id`,
    [hazard],
  );
  if (!rows.length || !zones) throw new NotFoundError(`Aucune zone publiée pour l'aléa « ${hazard} ».`);
  const envelope = config.scenarios[scenario].flood_tri;
  const features = [];
  for (const r of rows) {
    let level: number | undefined;
    if (r.scenario !== null) {
      // TRI: the scenario's envelope, and the frequent one drawn above it at its own level.
      if (r.scenario === '01For' && zones.tri_frequent) level = LEVEL_INDEX[zones.tri_frequent];
      else if (r.scenario === envelope && zones.tri_inside) level = LEVEL_INDEX[zones.tri_inside];
    } else if (r.level_code !== null) {
      level = zones.level_codes?.[String(r.level_code)];
    }
    if (level === undefined || level === 0) continue;
    const g = JSON.parse(r.geometry) as { type: string; coordinates: unknown };
    features.push({
      type: 'Feature',
      properties: { layer: r.layer, id: r.feature_id, scenario: r.scenario, code: r.level_code, level },
      geometry: { type: g.type, coordinates: coordinatesToWgs84(g.coordinates, LAMBERT93) },
    });
  }
  // Lower levels first so higher ones are drawn on top.
  features.sort((a, b) => a.properties.level - b.properties.level);
  return JSON.stringify({ type: 'FeatureCollection', features });
}
