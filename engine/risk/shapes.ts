/**
 * Flat planar shapes for exposure tests in Lambert-93 metres: GeoJSON (Multi)Polygon and
 * (Multi)LineString turned into flat coordinate arrays once, then point-in-polygon (even-odd over
 * all rings, so holes work) and point-to-boundary distance. Hundreds of thousands of sites are
 * tested against tens of thousands of shapes, so no per-test allocation; the test suite checks
 * these against @turf/turf.
 */

export interface Shape {
  /** rings (polygons) or paths (lines) as [x0, y0, x1, y1, …] */
  parts: Float64Array[];
  polygonal: boolean;
}

type Pos = number[];

export function shapeOf(geometry: { type: string; coordinates: unknown }): Shape | null {
  const flat = (ring: Pos[]) => {
    const a = new Float64Array(ring.length * 2);
    ring.forEach((p, i) => {
      a[2 * i] = p[0];
      a[2 * i + 1] = p[1];
    });
    return a;
  };
  switch (geometry.type) {
    case 'Polygon':
      return { parts: (geometry.coordinates as Pos[][]).map(flat), polygonal: true };
    case 'MultiPolygon':
      return { parts: (geometry.coordinates as Pos[][][]).flat().map(flat), polygonal: true };
    case 'LineString':
      return { parts: [flat(geometry.coordinates as Pos[])], polygonal: false };
    case 'MultiLineString':
      return { parts: (geometry.coordinates as Pos[][]).map(flat), polygonal: false };
    default:
      return null;
  }
}

/** Even-odd point-in-polygon over every ring (outer rings and holes alike). */
export function containsPoint(s: Shape, x: number, y: number): boolean {
  if (!s.polygonal) return false;
  let inside = false;
  for (const r of s.parts) {
    const n = r.length / 2;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const xi = r[2 * i], yi = r[2 * i + 1];
      const xj = r[2 * j], yj = r[2 * j + 1];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Distance from (x, y) to the nearest edge or segment of the shape. */
export function distanceToEdges(s: Shape, x: number, y: number): number {
  let best = Infinity;
  for (const r of s.parts) {
    for (let i = 2; i < r.length; i += 2) {
      const ax = r[i - 2], ay = r[i - 1], bx = r[i], by = r[i + 1];
      const dx = bx - ax, dy = by - ay;
      const len2 = dx * dx + dy * dy;
      let t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = ax + t * dx - x, ey = ay + t * dy - y;
      const d2 = ex * ex + ey * ey;
      if (d2 < best) best = d2;
    }
  }
  return Math.sqrt(best);
}

/** Distance from a point to the shape: 0 inside a polygon, else to its edges. */
export function distanceTo(s: Shape, x: number, y: number): number {
  return containsPoint(s, x, y) ? 0 : distanceToEdges(s, x, y);
}

/** Does the disc of radius r around (x, y) touch the shape? */
export function discIntersects(s: Shape, x: number, y: number, r: number): boolean {
  return containsPoint(s, x, y) || distanceToEdges(s, x, y) <= r;
}
