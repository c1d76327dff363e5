/**
 * Linear confusers: road embankments and cuttings, sunken forest tracks with banks, drainage
 * ditches. Each is a random-walk polyline born in a 1 km world cell (deterministic per cell),
 * stamped by distance to its nearest segment, so it crosses tile boundaries seamlessly.
 */
import { Rng } from '../rng.ts';
import { hashInts, type TileGeom } from './noise.ts';
import { profileAt, type TerrainStyle } from './styles.ts';

export const MACRO = 1000;
const STEP = 10;
const MAX_LEN = 1200;

export interface Line {
  kind: 'road' | 'track' | 'ditch';
  pts: number[]; // x0, y0, x1, y1, ...
  halfWidth: number;
  /** road: embankment height (negative = cutting); track, ditch: depth */
  h: number;
  top: number;
}

function poisson(rng: Rng, lambda: number): number {
  let k = 0;
  for (let p = rng.next(), l = Math.exp(-lambda); p > l && k < 20; p *= rng.next()) k++;
  return k;
}

export function macroLines(seed: number, style: TerrainStyle | 'mixed', mx: number, my: number): Line[] {
  const rng = new Rng(hashInts(seed, mx, my, 0x11e5));
  const p = profileAt(style, seed, (mx + 0.5) * MACRO, (my + 0.5) * MACRO);
  const lines: Line[] = [];
  const walk = (kind: Line['kind'], wiggle: number, halfWidth: number, h: number, top: number) => {
    const n = Math.floor(rng.range(300, MAX_LEN) / STEP);
    let x = (mx + rng.next()) * MACRO;
    let y = (my + rng.next()) * MACRO;
    let a = rng.range(0, 2 * Math.PI);
    const pts = [x, y];
    for (let i = 0; i < n; i++) {
      a += rng.normal(0, wiggle);
      x += STEP * Math.cos(a);
      y += STEP * Math.sin(a);
      pts.push(x, y);
    }
    lines.push({ kind, pts, halfWidth, h, top });
  };
  for (let n = poisson(rng, 1.5 * p.roads); n > 0; n--) {
    const h = rng.chance(0.7) ? rng.range(0.5, 2.5) : -rng.range(0.5, 2);
    const top = rng.range(2.5, 4);
    walk('road', 0.03, top + Math.abs(h) * 1.5, h, top);
  }
  for (let n = poisson(rng, 3 * p.forest); n > 0; n--) walk('track', 0.09, rng.range(3, 4), rng.range(0.15, 0.6), rng.range(1.2, 2));
  for (let n = poisson(rng, 2.5 * p.ditches + 0.5 * p.fields); n > 0; n--) walk('ditch', 0.05, rng.range(0.8, 2), rng.range(0.4, 1.5), 0);
  return lines;
}

/** Height change at distance d (m) from a line's axis. */
function profile(l: Line, d: number): number {
  switch (l.kind) {
    case 'road': {
      if (d <= l.top) return l.h;
      return l.h * (1 - (d - l.top) / (l.halfWidth - l.top));
    }
    case 'track': {
      // sunken way (half-width = top) flanked by banks of thrown-up soil
      if (d < l.top) return -l.h * Math.cos((Math.PI / 2) * (d / l.top)) ** 2;
      const t = (d - l.top) / (l.halfWidth - l.top);
      return 0.45 * l.h * Math.sin(Math.PI * t);
    }
    case 'ditch': {
      const t = d / l.halfWidth;
      return -l.h * (1 - t * t);
    }
  }
}

export function stampLine(z: Float32Array, g: TileGeom, l: Line): void {
  const hw = l.halfWidth;
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  for (let i = 0; i < l.pts.length; i += 2) {
    minx = Math.min(minx, l.pts[i]); maxx = Math.max(maxx, l.pts[i]);
    miny = Math.min(miny, l.pts[i + 1]); maxy = Math.max(maxy, l.pts[i + 1]);
  }
  const c0 = Math.max(0, Math.floor((minx - hw - g.x0) / g.pixel));
  const c1 = Math.min(g.width, Math.ceil((maxx + hw - g.x0) / g.pixel));
  const r0 = Math.max(0, Math.floor((g.y0 - maxy - hw) / g.pixel));
  const r1 = Math.min(g.height, Math.ceil((g.y0 - miny + hw) / g.pixel));
  if (c1 <= c0 || r1 <= r0) return;
  const ww = c1 - c0;
  const dist = new Float32Array(ww * (r1 - r0)).fill(Infinity);
  for (let i = 0; i + 3 < l.pts.length; i += 2) {
    const ax = l.pts[i], ay = l.pts[i + 1], bx = l.pts[i + 2], by = l.pts[i + 3];
    const sc0 = Math.max(c0, Math.floor((Math.min(ax, bx) - hw - g.x0) / g.pixel));
    const sc1 = Math.min(c1, Math.ceil((Math.max(ax, bx) + hw - g.x0) / g.pixel));
    const sr0 = Math.max(r0, Math.floor((g.y0 - Math.max(ay, by) - hw) / g.pixel));
    const sr1 = Math.min(r1, Math.ceil((g.y0 - Math.min(ay, by) + hw) / g.pixel));
    const vx = bx - ax, vy = by - ay;
    const len2 = vx * vx + vy * vy;
    for (let row = sr0; row < sr1; row++) {
      const py = g.y0 - (row + 0.5) * g.pixel - ay;
      for (let col = sc0; col < sc1; col++) {
        const px = g.x0 + (col + 0.5) * g.pixel - ax;
        const t = Math.min(1, Math.max(0, (px * vx + py * vy) / len2));
        const d = Math.hypot(px - t * vx, py - t * vy);
        const k = (row - r0) * ww + (col - c0);
        if (d < dist[k]) dist[k] = d;
      }
    }
  }
  for (let row = r0; row < r1; row++) {
    for (let col = c0; col < c1; col++) {
      const d = dist[(row - r0) * ww + (col - c0)];
      if (d < hw) z[row * g.width + col] += profile(l, d);
    }
  }
}

export const LINE_REACH = MAX_LEN + 10;
