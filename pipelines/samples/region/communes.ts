/**
 * ~150 communes: Voronoi cells around their bourgs, clipped to the land, so they tile the land with
 * no gap or overlap. Bourgs cluster along the coast and the rivers, where the heritage is exposed.
 * INSEE-like codes follow the alphabetical order of the names, as the original numbering did.
 */
import { featureCollection, point, polygon } from '@turf/helpers';
import { voronoi } from '@turf/voronoi';
import { intersect } from '@turf/intersect';
import Flatbush from 'flatbush';
import { Rng } from '../rng.ts';
import { REGION_BBOX, type Geography, type XY } from './geography.ts';
import { communeName } from './names.ts';
import { sampleAt, type Terrain } from './terrain.ts';
import { lonLat, type Geometry } from './writers.ts';
import { pointInRing } from './trace.ts';

export const DEPARTEMENT = '56';
export const DEPARTEMENT_NAME = 'Mor-Braz';
export const REGION_NAME = 'Bretagne';
const TARGET = 150;
const MIN_SPACING = 1700;

export interface Commune {
  readonly code: string;
  readonly name: string;
  readonly bourg: XY;
  /** 0..1: how much of a town it is (more monuments, museums) */
  readonly importance: number;
  readonly coastal: boolean;
  readonly nearRiver: string | null;
  /** Lambert-93 polygons (MultiPolygon coordinates) */
  readonly polygons: XY[][][];
  /** WGS84, rounded as written in communes.geojson */
  readonly wgs84: Geometry & { type: 'MultiPolygon' | 'Polygon' };
}

export interface CommuneSet {
  readonly communes: readonly Commune[];
  /** the commune whose written WGS84 polygon contains [lon, lat], or null */
  at(lon: number, lat: number): Commune | null;
}

export function buildCommunes(seed: number, geo: Geography, terrain: Terrain): CommuneSet {
  const rng = new Rng(seed).fork('communes');
  const seeds: XY[] = [];
  for (let attempt = 0; attempt < 200000 && seeds.length < TARGET; attempt++) {
    const x = rng.range(REGION_BBOX.minx + 300, REGION_BBOX.maxx - 300);
    const y = rng.range(REGION_BBOX.miny + 300, REGION_BBOX.maxy - 300);
    if (!geo.isLand(x, y) || sampleAt(terrain, terrain.dCoast, x, y) < 250) continue;
    const weight = attraction(terrain, x, y);
    if (!rng.chance(weight / 2.2)) continue;
    if (seeds.some(([sx, sy]) => (sx - x) ** 2 + (sy - y) ** 2 < MIN_SPACING ** 2)) continue;
    seeds.push([Math.round(x), Math.round(y)]);
  }

  const cells = voronoi(featureCollection(seeds.map((s) => point(s))), {
    bbox: [REGION_BBOX.minx, REGION_BBOX.miny, REGION_BBOX.maxx, REGION_BBOX.maxy],
  });
  const names = new Set<string>();
  const draft = seeds.map((bourg, k) => {
    const cell = cells.features[k];
    if (!cell) throw new Error(`seed ${seed}: no Voronoi cell around ${bourg}`);
    const polygons = clipToLand(geo, cell.geometry.coordinates as XY[][]);
    if (!polygons.length) throw new Error(`seed ${seed}: the commune around ${bourg} has no land`);
    const dCoast = sampleAt(terrain, terrain.dCoast, bourg[0], bourg[1]);
    const dRiver = sampleAt(terrain, terrain.dRiver, bourg[0], bourg[1]);
    const river = dRiver < 1500 ? nearestRiver(geo, bourg) : null;
    const importance = Math.min(1, 0.15 + 0.5 * Math.exp(-dCoast / 2500) + 0.35 * Math.exp(-dRiver / 1500) + rng.range(0, 0.25));
    let name = '';
    // Names must be unique: draw again until a new one comes.
    do name = communeName(rng, { coastal: dCoast < 1500, riverShort: river ? riverShort(river) : undefined });
    while (names.has(name));
    names.add(name);
    return { bourg, polygons: polygons.map(orientPolygon), importance, coastal: dCoast < 2000, nearRiver: river, name };
  });
  draft.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const communes: Commune[] = draft.map((d, i) => {
    const polys = d.polygons.map((p) => p.map((r) => r.map(lonLat)));
    const wgs84 = polys.length === 1 ? { type: 'Polygon' as const, coordinates: polys[0] } : { type: 'MultiPolygon' as const, coordinates: polys };
    return { ...d, code: `${DEPARTEMENT}${String(i + 1).padStart(3, '0')}`, wgs84 };
  });

  const boxes = communes.map((c) => bboxOf(c.wgs84));
  const index = new Flatbush(communes.length);
  for (const b of boxes) index.add(b[0], b[1], b[2], b[3]);
  index.finish();
  const at = (lon: number, lat: number): Commune | null => {
    for (const k of index.search(lon, lat, lon, lat).sort((a, b) => a - b)) {
      if (containsLonLat(communes[k].wgs84, [lon, lat])) return communes[k];
    }
    return null;
  };
  return { communes, at };
}

/**
 * Cell ∩ land. Inland cells are kept as they are; coastal ones are clipped against the strip of
 * land under their x-range only, because clipping against the whole coastline is slow (polyclip
 * uses arbitrary precision) and the strip gives the same vertices to both neighbours of an edge.
 */
function clipToLand(geo: Geography, cell: XY[][]): XY[][][] {
  const ring = cell[0];
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  const minx = Math.min(...xs);
  const maxx = Math.max(...xs);
  const strip = geo.coast.filter(([x]) => x >= minx - 100 && x <= maxx + 100);
  const coastTop = Math.max(...strip.map((p) => p[1]), geo.coastY(minx), geo.coastY(maxx));
  if (Math.min(...ys) > coastTop) return [cell];
  const top = Math.max(...ys) + 1000;
  const land = polygon([[...strip, [strip[strip.length - 1][0], top], [strip[0][0], top], strip[0]]]);
  const clipped = intersect(featureCollection([polygon(cell), land]));
  if (!clipped) return [];
  const g = clipped.geometry;
  return (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as XY[][][];
}

/** Bourgs like the coast and the rivers. */
function attraction(t: Terrain, x: number, y: number): number {
  return 0.35 + 1.2 * Math.exp(-sampleAt(t, t.dCoast, x, y) / 2500) + 0.8 * Math.exp(-sampleAt(t, t.dRiver, x, y) / 1500);
}

function nearestRiver(geo: Geography, [x, y]: XY): string {
  let best = '';
  let bestD = Infinity;
  for (const r of geo.rivers) {
    for (const [rx, ry] of r.line) {
      const d = (rx - x) ** 2 + (ry - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = r.name;
      }
    }
  }
  return best;
}

function riverShort(name: string): string {
  return name.replace(/^(Le |La |L')/, '').split(' ')[0];
}

/** RFC 7946 winding: exterior counter-clockwise, holes clockwise. */
function orientPolygon(rings: XY[][]): XY[][] {
  return rings.map((r, i) => {
    let a = 0;
    for (let k = 1; k < r.length; k++) a += r[k - 1][0] * r[k][1] - r[k][0] * r[k - 1][1];
    return (i === 0) === a > 0 ? r : [...r].reverse();
  });
}

export function containsLonLat(g: Geometry, p: XY): boolean {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  return polys.some((rings) => pointInRing(p, rings[0]) && !rings.slice(1).some((h) => pointInRing(p, h)));
}

function bboxOf(g: Geometry): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  for (const p of polys) {
    for (const [x, y] of p[0]) {
      b[0] = Math.min(b[0], x);
      b[1] = Math.min(b[1], y);
      b[2] = Math.max(b[2], x);
      b[3] = Math.max(b[3], y);
    }
  }
  return b;
}
