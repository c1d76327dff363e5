/**
 * Plain functions on GeoJSON Polygon / MultiPolygon coordinates: validation with a reason a
 * person can act on, reprojection, bounding box and planar area (in projected metres).
 */
import type { BBox } from '../geo/grid.ts';
import type { Transform } from '../geo/crs.ts';

export type Ring = [number, number][];
export type PolygonCoords = Ring[];
export interface Polygonal {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: PolygonCoords | PolygonCoords[];
}

/** The geometry's polygons, whichever of the two types it is. */
export function polygonsOf(g: Polygonal): PolygonCoords[] {
  return g.type === 'Polygon' ? [g.coordinates as PolygonCoords] : (g.coordinates as PolygonCoords[]);
}

/**
 * Returns why `g` is not a usable Polygon/MultiPolygon, or undefined when it is.
 * Checks type, nesting, finite coordinates, at least 4 positions per ring and closed rings.
 */
export function polygonalProblem(g: unknown): string | undefined {
  if (typeof g !== 'object' || g === null) return 'no geometry (expected a Polygon or MultiPolygon)';
  const { type, coordinates } = g as { type?: unknown; coordinates?: unknown };
  if (type !== 'Polygon' && type !== 'MultiPolygon') {
    return `geometry type ${JSON.stringify(type)} (expected Polygon or MultiPolygon)`;
  }
  if (!Array.isArray(coordinates) || coordinates.length === 0) return `${type} without coordinates`;
  const polygons = type === 'Polygon' ? [coordinates] : coordinates;
  for (let p = 0; p < polygons.length; p++) {
    const rings = polygons[p];
    const at = type === 'Polygon' ? '' : `polygon ${p}, `;
    if (!Array.isArray(rings) || rings.length === 0) return `${at}no rings`;
    for (let r = 0; r < rings.length; r++) {
      const ring = rings[r];
      const ringAt = `${at}ring ${r}`;
      if (!Array.isArray(ring)) return `${ringAt} is not an array of positions`;
      for (let i = 0; i < ring.length; i++) {
        const pt = ring[i];
        if (!Array.isArray(pt) || pt.length < 2 || !Number.isFinite(pt[0]) || !Number.isFinite(pt[1])) {
          return `${ringAt}, position ${i}: ${JSON.stringify(pt)} is not a pair of finite numbers`;
        }
      }
      if (ring.length < 4) return `${ringAt} has ${ring.length} positions (expected at least 4, first = last)`;
      const a = ring[0];
      const b = ring[ring.length - 1];
      if (a[0] !== b[0] || a[1] !== b[1]) {
        return `${ringAt} is not closed: first ${JSON.stringify(a)} ≠ last ${JSON.stringify(b)}`;
      }
    }
  }
  return undefined;
}

export function reprojectPolygonal(g: Polygonal, t: Transform): Polygonal {
  const ring = (r: Ring): Ring => r.map(([x, y]) => t(x, y));
  const poly = (p: PolygonCoords): PolygonCoords => p.map(ring);
  return g.type === 'Polygon'
    ? { type: 'Polygon', coordinates: poly(g.coordinates as PolygonCoords) }
    : { type: 'MultiPolygon', coordinates: (g.coordinates as PolygonCoords[]).map(poly) };
}

export function polygonalBBox(g: Polygonal): BBox {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  for (const p of polygonsOf(g)) {
    for (const [x, y] of p[0]) {
      if (x < minx) minx = x;
      if (y < miny) miny = y;
      if (x > maxx) maxx = x;
      if (y > maxy) maxy = y;
    }
  }
  return { minx, miny, maxx, maxy };
}

/** Planar area: outer rings minus holes, whatever their winding. */
export function polygonalArea(g: Polygonal): number {
  let area = 0;
  for (const p of polygonsOf(g)) p.forEach((r, i) => (area += (i === 0 ? 1 : -1) * Math.abs(ringArea(r))));
  return area;
}

function ringArea(r: Ring): number {
  let s = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) s += (r[j][0] - r[i][0]) * (r[j][1] + r[i][1]);
  return s / 2;
}

/** Planar distance from (x, y) to the nearest ring edge of `g`. */
export function distanceToBoundary(g: Polygonal, x: number, y: number): number {
  let best = Infinity;
  for (const p of polygonsOf(g)) {
    for (const r of p) {
      for (let i = 1; i < r.length; i++) {
        const d = segmentDistance(x, y, r[i - 1][0], r[i - 1][1], r[i][0], r[i][1]);
        if (d < best) best = d;
      }
    }
  }
  return best;
}

function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}
