/**
 * Answers "is this point inside the region we imported?" for point layers. With communes in
 * the store, the region is their union (Lambert-93, flatbush on bboxes, then
 * point-in-polygon), widened by a tolerance because monument coordinates are often set on a
 * map at coarse zoom and communes are generalised. Without communes, the region is France:
 * coarse boxes around the metropolitan territory and the overseas departments.
 */
import Flatbush from 'flatbush';
import { booleanPointInPolygon } from '@turf/turf';
import type { Store } from '../store/store.ts';
import { distanceToBoundary, polygonsOf, type Polygonal } from './polygonal.ts';

export interface Point {
  lon: number;
  lat: number;
  /** Lambert-93 metres */
  x: number;
  y: number;
}

export interface Region {
  /** for messages: "the 42 imported communes", "France (no communes imported)" */
  readonly description: string;
  contains(p: Point): boolean;
}

/** Lon/lat boxes of metropolitan France (with Corsica) and the overseas departments and collectivities. */
const FRANCE_BOXES: readonly [number, number, number, number, string][] = [
  [-5.5, 41.2, 9.9, 51.2, 'métropole'],
  [-63.2, 14.3, -60.7, 18.2, 'Antilles'],
  [-54.7, 2.0, -51.5, 6.0, 'Guyane'],
  [55.1, -21.5, 56.0, -20.8, 'La Réunion'],
  [44.9, -13.1, 45.4, -12.5, 'Mayotte'],
  [-56.6, 46.7, -56.0, 47.2, 'Saint-Pierre-et-Miquelon'],
];

export const FRANCE: Region = {
  description: 'France (no communes imported)',
  contains: ({ lon, lat }) => FRANCE_BOXES.some(([w, s, e, n]) => lon >= w && lon <= e && lat >= s && lat <= n),
};

export class CommuneRegion implements Region {
  readonly description: string;
  private readonly index: Flatbush;

  constructor(
    private readonly geometries: readonly Polygonal[],
    boxes: readonly { minx: number; miny: number; maxx: number; maxy: number }[],
    private readonly toleranceM = 1000,
  ) {
    if (geometries.length === 0) throw new RangeError('CommuneRegion needs at least one commune');
    this.description = `the ${geometries.length} imported communes (±${toleranceM} m)`;
    this.index = new Flatbush(geometries.length);
    for (const b of boxes) this.index.add(b.minx - toleranceM, b.miny - toleranceM, b.maxx + toleranceM, b.maxy + toleranceM);
    this.index.finish();
  }

  /** The region of the communes in the store, or FRANCE when none were imported. */
  static async load(store: Store, toleranceM = 1000): Promise<Region> {
    const rows = await store.all<{ geometry: string; minx: number; miny: number; maxx: number; maxy: number }>(
      'SELECT geometry, minx, miny, maxx, maxy FROM communes',
    );
    if (rows.length === 0) return FRANCE;
    return new CommuneRegion(
      rows.map((r) => JSON.parse(r.geometry) as Polygonal),
      rows,
      toleranceM,
    );
  }

  contains({ x, y }: Point): boolean {
    const candidates = this.index.search(x, y, x, y);
    for (const i of candidates) {
      if (booleanPointInPolygon([x, y], this.geometries[i] as never)) return true;
    }
    // Only near misses pay for the distance computation.
    return candidates.some((i) => distanceToBoundary(this.geometries[i], x, y) <= this.toleranceM);
  }
}
