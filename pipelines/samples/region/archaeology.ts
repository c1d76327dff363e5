/**
 * ~1,000 known archaeological sites, as a DRAC extract of the national archaeological map:
 * WGS84 GeoJSON, mostly points, some small polygons, with an id, a type and a period.
 */
import { Rng } from '../rng.ts';
import { DEPARTEMENT, type CommuneSet } from './communes.ts';
import { LIDAR_BBOX, type XY } from './geography.ts';
import type { Placer } from './placement.ts';
import { lonLat, type Feature } from './writers.ts';

const COUNT = 1000;
const IN_LIDAR = 8;

const TYPES: { type: string; weight: number; periods: string[]; polygon: number }[] = [
  { type: 'tumulus', weight: 14, periods: ['Néolithique', 'Âge du bronze'], polygon: 0.2 },
  { type: 'enceinte', weight: 10, periods: ['Néolithique', 'Âge du fer', 'Haut Moyen Âge'], polygon: 0.6 },
  { type: 'habitat', weight: 16, periods: ['Néolithique', 'Âge du bronze', 'Âge du fer', 'Gallo-romain', 'Moyen Âge'], polygon: 0.2 },
  { type: 'nécropole', weight: 8, periods: ['Âge du bronze', 'Âge du fer', 'Haut Moyen Âge'], polygon: 0.4 },
  { type: 'voie', weight: 5, periods: ['Gallo-romain', 'Moyen Âge'], polygon: 0 },
  { type: 'atelier de charbonnier', weight: 10, periods: ['Moyen Âge', 'Moderne'], polygon: 0 },
  { type: 'villa', weight: 6, periods: ['Gallo-romain'], polygon: 0.5 },
  { type: 'motte castrale', weight: 5, periods: ['Moyen Âge'], polygon: 0.3 },
  { type: 'éperon barré', weight: 3, periods: ['Âge du fer', 'Néolithique'], polygon: 0.5 },
  { type: 'parcellaire', weight: 6, periods: ['Âge du fer', 'Gallo-romain', 'Moyen Âge'], polygon: 0.7 },
  { type: 'fosse', weight: 6, periods: ['Néolithique', 'Âge du bronze', 'Âge du fer'], polygon: 0 },
  { type: 'four', weight: 4, periods: ['Gallo-romain', 'Moyen Âge', 'Moderne'], polygon: 0 },
  { type: 'stèle', weight: 4, periods: ['Âge du fer'], polygon: 0 },
  { type: 'menhir', weight: 3, periods: ['Néolithique'], polygon: 0 },
];

export function buildArchaeology(seed: number, set: CommuneSet, placer: Placer): { features: Feature[]; polygons: number } {
  const rng = new Rng(seed).fork('archaeology');
  const sites: { code: string; geometry: Feature['geometry']; type: string; periode: string }[] = [];
  for (let n = 0; n < COUNT; n++) {
    const t = rng.weighted(TYPES, TYPES.map((x) => x.weight));
    let xy: XY;
    let commune;
    if (n < IN_LIDAR) {
      // A few known sites inside the LiDAR sample so detections can be marked « connu ».
      xy = [rng.range(LIDAR_BBOX.minx + 100, LIDAR_BBOX.maxx - 100), rng.range(LIDAR_BBOX.miny + 100, LIDAR_BBOX.maxy - 100)];
      const ll = lonLat(xy);
      commune = set.at(ll[0], ll[1]);
      if (!commune) continue;
    } else {
      commune = rng.pick(set.communes);
      xy = placer.place(rng, commune, rng.chance(0.15) ? 'coast' : 'countryside').xy;
    }
    const periode = rng.pick(t.periods);
    const geometry: Feature['geometry'] = rng.chance(t.polygon) ? { type: 'Polygon', coordinates: [blob(rng, xy).map(lonLat)] } : { type: 'Point', coordinates: lonLat(xy) };
    sites.push({ code: commune.code, geometry, type: t.type, periode });
  }
  // Numbering per commune, as in the archaeological map: "56 012 0001".
  const next = new Map<string, number>();
  const features = sites
    .map((s) => {
      const k = (next.get(s.code) ?? 0) + 1;
      next.set(s.code, k);
      return { properties: { id: `${DEPARTEMENT} ${s.code.slice(2)} ${String(k).padStart(4, '0')}`, type: s.type, periode: s.periode }, geometry: s.geometry };
    })
    .sort((a, b) => String(a.properties.id).localeCompare(String(b.properties.id)));
  return { features, polygons: features.filter((f) => f.geometry.type === 'Polygon').length };
}

/** A small irregular counter-clockwise outline (enclosure, field system) around `c`. */
function blob(rng: Rng, [cx, cy]: XY): XY[] {
  const r = rng.range(30, 140);
  const ring: XY[] = [];
  for (let k = 0; k < 12; k++) {
    const a = (2 * Math.PI * k) / 12;
    const rr = r * rng.range(0.8, 1.2);
    ring.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
  }
  ring.push(ring[0]);
  return ring;
}
