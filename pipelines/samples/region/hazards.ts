/**
 * Hazard layers in Géorisques shapes: TRI flood zones and clay shrink-swell (RGA) polygons traced
 * from the terrain model, seismic zoning per commune, coastal-erosion rates along the coastline.
 * Vector layers are Lambert-93 GeoJSON with GDAL's `crs` member.
 */
import { grid as makeGrid } from '../../../engine/geo/grid.ts';
import { Rng, valueNoise2D } from '../rng.ts';
import type { CommuneSet } from './communes.ts';
import { REGION_BBOX, type Geography, type XY } from './geography.ts';
import { floodMasks, SCENARIOS, type Terrain } from './terrain.ts';
import { maskPolygons } from './trace.ts';
import { csvText, mapGeometry, metres, type Feature } from './writers.ts';

const TRI_SOURCE = 'TRI Mor-Braz – cartographie des surfaces inondables (DREAL Bretagne)';

export function buildTriZones(t: Terrain): Feature[] {
  const features: Feature[] = [];
  for (const scenario of SCENARIOS) {
    const { river, marine } = floodMasks(t, scenario);
    for (const [typ, mask, code] of [['01', river, 'DEB'], ['03', marine, 'SUB']] as const) {
      maskPolygons(mask, t.grid, { tolerance: 12, minArea: 4 * 625 }).forEach((rings, k) => {
        features.push({
          properties: { id_zone: `TRI_MORBRAZ_${scenario}_${code}_${String(k + 1).padStart(3, '0')}`, scenario, typ_inond: typ, source: TRI_SOURCE },
          geometry: mapGeometry({ type: 'Polygon', coordinates: rings }, metres),
        });
      });
    }
  }
  return features;
}

/** Clay shrink-swell exposure on a 100 m grid: clay in the valleys and low plateaux. */
export function buildRga(seed: number, geo: Geography, t: Terrain): Feature[] {
  const g = makeGrid({ ...t.grid, resX: 100, resY: 100, width: t.grid.width / 4, height: t.grid.height / 4 });
  const clay = valueNoise2D(seed + 301, 3);
  const level = new Uint8Array(g.width * g.height);
  for (let r = 0; r < g.height; r++) {
    for (let c = 0; c < g.width; c++) {
      const i4 = (r * 4 + 2) * t.grid.width + c * 4 + 2;
      if (!t.land[i4]) continue;
      const x = g.originX + (c + 0.5) * 100;
      const y = g.originY - (r + 0.5) * 100;
      const v = clay(x / 5000, y / 5000) + 0.5 * Math.exp(-t.dRiver[i4] / 1500) - t.elevation[i4] / 400;
      level[r * g.width + c] = v < -0.25 ? 0 : v < 0.1 ? 1 : v < 0.35 ? 2 : 3;
    }
  }
  const features: Feature[] = [];
  for (const niveau of [1, 2, 3]) {
    const mask = level.map((v) => (v === niveau ? 1 : 0));
    for (const rings of maskPolygons(mask, g, { tolerance: 40, minArea: 3 * 10000 })) {
      features.push({ properties: { NIVEAU: niveau }, geometry: mapGeometry({ type: 'Polygon', coordinates: rings }, metres) });
    }
  }
  return features;
}

/** Zone 3 (modérée) along the southern coast, 2 (faible) inland, by the bourg's position. */
export function buildSeismicCsv(set: CommuneSet): string {
  const rows = set.communes.map((c) => [c.code, c.name, c.bourg[1] < 6706000 || c.bourg[0] > 352000 ? 3 : 2]);
  return csvText(['code_insee', 'commune', 'code_zone'], rows, ';');
}

/** Coastline stretches of ~1.5 km with a retreat rate; a few carry the indicator's placeholders. */
export function buildErosion(seed: number, geo: Geography): { features: Feature[]; placeholders: number } {
  const rng = new Rng(seed).fork('erosion');
  const features: Feature[] = [];
  const coast = geo.coast;
  const stretch = 15;
  let placeholders = 0;
  for (let s = 0, k = 1; s < coast.length - 1; s += stretch, k++) {
    const line = coast.slice(s, Math.min(s + stretch + 1, coast.length)) as XY[];
    const x = line[0][0];
    const sandy = Math.exp(-(((x - geo.bayX) / 4000) ** 2)) + Math.exp(-(((x - geo.estuaryX) / 2500) ** 2)) + (x > 350000 ? 0.6 : 0);
    let taux = -(0.1 + 0.25 * rng.next() + Math.min(1, sandy) * rng.range(0.4, 1.1));
    let fiabilite = rng.weighted(['bonne', 'moyenne', 'faible'], [5, 3, 1]);
    if (k % 11 === 4) {
      taux = rng.chance(0.6) ? -9999 : 999;
      fiabilite = 'non renseignée';
      placeholders++;
    }
    features.push({
      properties: { id_troncon: `MORBRAZ_${String(k).padStart(3, '0')}`, taux: Math.round(taux * 100) / 100, fiabilite },
      geometry: { type: 'LineString', coordinates: line.map(metres) },
    });
  }
  return { features, placeholders };
}

export const HAZARD_BBOX = REGION_BBOX;
