/**
 * Turns a binary raster mask into simplified polygons (outer rings counter-clockwise, holes
 * clockwise), so vector zones (flood, clay) are exactly the pixels of the rasters they come from,
 * before Douglas–Peucker smoothing of the pixel staircase.
 */
import type { Grid } from '../../../engine/geo/grid.ts';
import type { XY } from './geography.ts';

export type Ring = XY[];
export type PolygonRings = Ring[];

// Directions in map axes (y up): east, north, west, south. Turning left is +1.
const DX = [1, 0, -1, 0];
const DY = [0, -1, 0, 1]; // in corner rows, which grow southwards

export interface TraceOptions {
  /** Douglas–Peucker tolerance in map units */
  tolerance: number;
  /** rings (outer or hole) smaller than this area in map units² are dropped */
  minArea: number;
}

export function maskPolygons(mask: Uint8Array, g: Grid, opts: TraceOptions): PolygonRings[] {
  const { width: w, height: h } = g;
  const inside = (c: number, r: number) => c >= 0 && r >= 0 && c < w && r < h && mask[r * w + c] !== 0;
  const key = (i: number, j: number) => j * (w + 1) + i;
  // Edges leaving a vertex: at most two (at a saddle), so two slots per vertex suffice.
  const slot0 = new Int32Array((w + 1) * (h + 1)).fill(-1);
  const slot1 = new Int32Array((w + 1) * (h + 1)).fill(-1);
  const from: number[] = [];
  const dir: number[] = [];
  const add = (i: number, j: number, d: number) => {
    const k = key(i, j);
    if (slot0[k] === -1) slot0[k] = from.length;
    else slot1[k] = from.length;
    from.push(k);
    dir.push(d);
  };
  // Every boundary side of an inside pixel becomes a unit edge with the inside on its left.
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      if (!mask[r * w + c]) continue;
      if (!inside(c, r + 1)) add(c, r + 1, 0);
      if (!inside(c + 1, r)) add(c + 1, r + 1, 1);
      if (!inside(c, r - 1)) add(c + 1, r, 2);
      if (!inside(c - 1, r)) add(c, r, 3);
    }
  }
  const used = new Uint8Array(from.length);
  const outers: { ring: Ring; area: number }[] = [];
  const holes: { ring: Ring; area: number }[] = [];
  for (let start = 0; start < from.length; start++) {
    if (used[start]) continue;
    const corners: XY[] = [];
    let e = start;
    for (;;) {
      used[e] = 1;
      const k = from[e];
      const i = k % (w + 1);
      const j = (k - i) / (w + 1);
      corners.push([i, j]);
      const d = dir[e];
      const nk = key(i + DX[d], j + DY[d]);
      const a = slot0[nk];
      const b = slot1[nk];
      const okA = a !== -1 && (!used[a] || a === start);
      const okB = b !== -1 && (!used[b] || b === start);
      // At a saddle (two pixels touching by a corner) turn left: diagonal pixels stay apart.
      let next = -1;
      for (const turn of [1, 0, 3]) {
        const want = (d + turn) % 4;
        if (okA && dir[a] === want) next = a;
        else if (okB && dir[b] === want) next = b;
        if (next !== -1) break;
      }
      if (next === -1) throw new Error('maskPolygons: open boundary (bug)');
      if (next === start) break;
      e = next;
    }
    const ring = simplifyRing(dropCollinear(corners), opts.tolerance / g.resX).map(
      ([i, j]): XY => [g.originX + i * g.resX, g.originY - j * g.resY],
    );
    if (ring.length < 4) continue;
    const area = ringArea(ring);
    if (Math.abs(area) < opts.minArea) continue;
    (area > 0 ? outers : holes).push({ ring, area });
  }
  const polygons: PolygonRings[] = outers.map((o) => [o.ring]);
  for (const hole of holes) {
    let best = -1;
    for (let k = 0; k < outers.length; k++) {
      if (outers[k].area < -hole.area) continue;
      if (!pointInRing(hole.ring[0], outers[k].ring)) continue;
      if (best === -1 || outers[k].area < outers[best].area) best = k;
    }
    if (best !== -1) polygons[best].push(hole.ring);
  }
  return polygons;
}

/** Shoelace area; positive for counter-clockwise rings (closed, first = last). */
export function ringArea(ring: readonly XY[]): number {
  let a = 0;
  for (let i = 1; i < ring.length; i++) a += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
  return a / 2;
}

export function pointInRing([x, y]: XY, ring: readonly XY[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function dropCollinear(pts: XY[]): XY[] {
  const n = pts.length;
  const keep: XY[] = [];
  for (let i = 0; i < n; i++) {
    const a = pts[(i + n - 1) % n];
    const b = pts[i];
    const c = pts[(i + 1) % n];
    if ((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]) !== 0) keep.push(b);
  }
  return keep;
}

/** Douglas–Peucker on a ring given open (no repeated last vertex); returns it closed. */
function simplifyRing(pts: XY[], tol: number): XY[] {
  if (pts.length < 3) return [];
  let far = 0;
  let best = -1;
  for (let i = 1; i < pts.length; i++) {
    const d = (pts[i][0] - pts[0][0]) ** 2 + (pts[i][1] - pts[0][1]) ** 2;
    if (d > best) {
      best = d;
      far = i;
    }
  }
  const a = douglasPeucker(pts.slice(0, far + 1), tol);
  const b = douglasPeucker([...pts.slice(far), pts[0]], tol);
  return [...a, ...b.slice(1)];
}

function douglasPeucker(pts: XY[], tol: number): XY[] {
  const keep = new Uint8Array(pts.length);
  keep[0] = keep[pts.length - 1] = 1;
  const stack: [number, number][] = [[0, pts.length - 1]];
  while (stack.length) {
    const [s, e] = stack.pop()!;
    const [x0, y0] = pts[s];
    const [x1, y1] = pts[e];
    const len = Math.hypot(x1 - x0, y1 - y0) || 1;
    let maxD = -1;
    let idx = -1;
    for (let i = s + 1; i < e; i++) {
      const d = Math.abs((x1 - x0) * (y0 - pts[i][1]) - (x0 - pts[i][0]) * (y1 - y0)) / len;
      if (d > maxD) {
        maxD = d;
        idx = i;
      }
    }
    if (idx !== -1 && maxD > tol) {
      keep[idx] = 1;
      stack.push([s, idx], [idx, e]);
    }
  }
  return pts.filter((_, i) => keep[i]);
}
