/**
 * Deterministic placement of planted features (the truth) and of natural/modern confusers,
 * per 250 m world cell: each cell has its own Rng seeded from (seed, cell), so a cell's objects
 * are the same whichever tiles are generated and in which order. Objects keep a margin from
 * their cell's edges and are rejected when they overlap a feature or quarry, so no two cells
 * can produce overlapping planted features.
 */
import { Rng } from '../rng.ts';
import { hashInts } from './noise.ts';
import { baseAt, profileAt, type StyleProfile, type TerrainStyle } from './styles.ts';

export const CELL = 250;

export type FeatureClass = 'mound' | 'kiln' | 'enclosure' | 'pit';

export type Obj =
  | { kind: 'mound'; x: number; y: number; r: number; h: number; variant: 'intact' | 'ploughed' | 'robbed'; stretch: number; theta: number; pitR: number; pitD: number; pitDx: number; pitDy: number }
  | { kind: 'kiln'; x: number; y: number; r: number; zc: number; dx: number; dy: number; lipH: number; step: number }
  | { kind: 'enclosure'; x: number; y: number; shape: 'circular' | 'rectangular'; a: number; b: number; theta: number; ditchW: number; ditchD: number; bank: 'none' | 'inner' | 'outer'; bankH: number }
  | { kind: 'pit'; x: number; y: number; r: number; d: number; rimH: number }
  | { kind: 'hummock'; x: number; y: number; r: number; h: number; stretch: number; theta: number; harm: number[]; skew: number }
  | { kind: 'boulder'; x: number; y: number; r: number; h: number; sides: number; theta: number }
  | { kind: 'treethrow'; x: number; y: number; r: number; d: number; moundH: number; dir: number }
  | { kind: 'quarry'; x: number; y: number; r: number; d: number; harm: number[]; spoilDir: number; spoilH: number }
  | { kind: 'facet'; x: number; y: number; hw: number; hh: number; z: [number, number, number, number] };

/** Radius (m) beyond which an object leaves the terrain untouched. */
export function reach(o: Obj): number {
  switch (o.kind) {
    case 'mound': return o.r * o.stretch + 1;
    case 'kiln': return o.r + 4;
    case 'enclosure': return Math.hypot(o.a, o.b) + o.ditchW + 5;
    case 'pit': return o.r * 1.7 + 0.5;
    case 'hummock': return o.r * o.stretch * (1 + o.harm[0] + o.harm[2] + o.harm[4]) + 0.5;
    case 'boulder': return o.r * 1.3 + 0.5;
    case 'treethrow': return o.r * 3 + 0.5;
    case 'quarry': return o.r * 1.9 + 3;
    case 'facet': return Math.hypot(o.hw, o.hh) + 0.5;
  }
}

export interface PlantedFeature {
  id: string;
  class: FeatureClass;
  x: number;
  y: number;
  diameter_m: number;
  /** signed: + for raised (mound, kiln step), − for sunken (pit, enclosure ditch) */
  height_m: number;
  variant: string;
  tile?: string;
}

/** Truth record of a planted object, or null for confusers. */
export function truthOf(o: Obj, id: string): PlantedFeature | null {
  const r2 = (v: number) => Math.round(v * 100) / 100;
  const base = { id, x: r2(o.x), y: r2(o.y) };
  switch (o.kind) {
    case 'mound': return { ...base, class: 'mound', diameter_m: r2(2 * o.r), height_m: r2(o.h), variant: o.variant };
    case 'kiln': return { ...base, class: 'kiln', diameter_m: r2(2 * o.r), height_m: r2(o.step), variant: 'platform' };
    case 'enclosure': return {
      ...base, class: 'enclosure', diameter_m: r2(2 * Math.max(o.a, o.b)), height_m: r2(-o.ditchD),
      variant: o.bank === 'none' ? o.shape : `${o.shape}-${o.bank}-bank`,
    };
    case 'pit': return { ...base, class: 'pit', diameter_m: r2(2 * o.r), height_m: r2(-o.d), variant: o.rimH > 0 ? 'rim' : 'plain' };
    default: return null;
  }
}

function poisson(rng: Rng, lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = rng.next();
  while (p > l && k < 50) {
    k++;
    p *= rng.next();
  }
  return k;
}

function harmonics(rng: Rng, amp: number): number[] {
  // [a2, phase2, a3, phase3, a4, phase4]: radius wobble r(θ) = r·(1 + Σ a_k cos(kθ + φ_k))
  const h: number[] = [];
  for (let k = 2; k <= 4; k++) h.push(rng.range(0, amp / (k - 1)), rng.range(0, 2 * Math.PI));
  return h;
}

export interface CellObjects {
  features: Obj[];
  confusers: Obj[];
}

/** All objects of world cell (cx, cy); features first in the list order used for ids. */
export function cellObjects(seed: number, style: TerrainStyle | 'mixed', cx: number, cy: number): CellObjects {
  const rng = new Rng(hashInts(seed, cx, cy, 0xce11));
  const x0 = cx * CELL;
  const y0 = cy * CELL;
  const p: StyleProfile = profileAt(style, seed, x0 + CELL / 2, y0 + CELL / 2);
  const discs: { x: number; y: number; r: number }[] = [];
  const place = (r: number, tries = 8): [number, number] | null => {
    for (let t = 0; t < tries; t++) {
      const x = x0 + rng.range(r + 2, CELL - r - 2);
      const y = y0 + rng.range(r + 2, CELL - r - 2);
      if (discs.every((d) => Math.hypot(d.x - x, d.y - y) > d.r + r + 3)) return [x, y];
    }
    return null;
  };
  const features: Obj[] = [];
  const confusers: Obj[] = [];
  const open = p.plains + p.fields + 0.3 * p.hills;
  const wooded = p.forest + 0.3 * (p.hills + p.valleys);

  // Quarries first: they are big and the others must keep clear of them.
  for (let n = poisson(rng, 0.7 * p.quarries); n > 0; n--) {
    const r = rng.range(10, 38);
    const at = place(r * 1.9 + 3);
    if (!at) continue;
    discs.push({ x: at[0], y: at[1], r: r * 1.9 + 3 });
    confusers.push({ kind: 'quarry', x: at[0], y: at[1], r, d: rng.range(1.5, Math.min(8, r / 3)), harm: harmonics(rng, 0.35), spoilDir: rng.range(0, 2 * Math.PI), spoilH: rng.range(0.6, 3) });
  }
  for (let n = poisson(rng, 0.5 * open + 0.25 * wooded); n > 0; n--) {
    const variant = rng.weighted(['intact', 'ploughed', 'robbed'] as const, [0.4, 0.35 * (0.3 + p.fields + p.plains), 0.25]);
    const r = rng.range(2.5, 20);
    const h = variant === 'ploughed' ? rng.range(0.2, 0.5) : rng.range(0.4, Math.min(2, 0.25 + r * 0.12));
    const stretch = variant === 'ploughed' ? rng.range(1.15, 1.6) : rng.range(1, 1.1);
    const at = place(r * stretch + 1);
    if (!at) continue;
    discs.push({ x: at[0], y: at[1], r: r * stretch + 1 });
    const pitR = r * rng.range(0.15, 0.35);
    features.push({
      kind: 'mound', x: at[0], y: at[1], r, h, variant, stretch, theta: rng.range(0, Math.PI),
      pitR, pitD: variant === 'robbed' ? h * rng.range(0.4, 0.9) : 0, pitDx: rng.range(-0.2, 0.2) * r, pitDy: rng.range(-0.2, 0.2) * r,
    });
  }
  for (let n = poisson(rng, 0.9 * wooded); n > 0; n--) {
    const r = rng.range(4, 7.5);
    const at = place(r + 4);
    if (!at) continue;
    // Charcoal burners cut platforms only into real slopes; skip flat spots.
    const e = 2;
    const gx = (baseAt(style, seed, at[0] + e, at[1]) - baseAt(style, seed, at[0] - e, at[1])) / (2 * e);
    const gy = (baseAt(style, seed, at[0], at[1] + e) - baseAt(style, seed, at[0], at[1] - e)) / (2 * e);
    const slope = Math.hypot(gx, gy);
    if (slope < Math.tan((4 * Math.PI) / 180) || slope > Math.tan((35 * Math.PI) / 180)) continue;
    discs.push({ x: at[0], y: at[1], r: r + 4 });
    features.push({
      kind: 'kiln', x: at[0], y: at[1], r, zc: baseAt(style, seed, at[0], at[1]),
      dx: -gx / slope, dy: -gy / slope, lipH: rng.range(0.15, 0.5), step: r * slope,
    });
  }
  for (let n = poisson(rng, 0.35 * open); n > 0; n--) {
    const shape = rng.chance(0.7) ? 'circular' : 'rectangular';
    const a = rng.range(5, 45);
    const b = shape === 'circular' ? a : a * rng.range(0.6, 1);
    const ditchW = rng.range(1.5, 4);
    const at = place(Math.hypot(a, b) + ditchW + 5);
    if (!at) continue;
    discs.push({ x: at[0], y: at[1], r: Math.hypot(a, b) + ditchW + 5 });
    features.push({
      kind: 'enclosure', x: at[0], y: at[1], shape, a, b, theta: rng.range(0, Math.PI), ditchW, ditchD: rng.range(0.15, 0.8),
      bank: rng.weighted(['none', 'inner', 'outer'] as const, [0.6, 0.25, 0.15]), bankH: rng.range(0.1, 0.4),
    });
  }
  for (let n = poisson(rng, 0.3 + 0.6 * p.forest); n > 0; n--) {
    const r = rng.range(1, 6);
    const at = place(r * 1.7 + 1);
    if (!at) continue;
    discs.push({ x: at[0], y: at[1], r: r * 1.7 + 1 });
    features.push({ kind: 'pit', x: at[0], y: at[1], r, d: rng.range(0.3, Math.min(2.5, 0.25 + r * 0.45)), rimH: rng.chance(0.45) ? rng.range(0.1, 0.4) : 0 });
  }
  // Confusers: may cluster among themselves, but keep off the planted features.
  const free = (x: number, y: number, r: number) => discs.every((d) => Math.hypot(d.x - x, d.y - y) > d.r + r);
  const scatter = (lambda: number, make: (x: number, y: number) => Obj) => {
    for (let n = poisson(rng, lambda); n > 0; n--) {
      const x = x0 + rng.range(12, CELL - 12);
      const y = y0 + rng.range(12, CELL - 12);
      const o = make(x, y);
      if (free(x, y, reach(o))) confusers.push(o);
    }
  };
  // Natural hummocks (dune and solifluction hummocks, hummocky debris) come in fields: a few
  // irregular, elongated, lopsided rises sharing one orientation, often touching. They overlap
  // mounds in size and height, but not in shape: a mound is a regular, symmetric dome.
  for (let n = poisson(rng, 1.6 * p.hummocks); n > 0; n--) {
    const cx = x0 + rng.range(20, CELL - 20);
    const cy = y0 + rng.range(20, CELL - 20);
    const theta = rng.range(0, Math.PI);
    const spread = rng.range(6, 22);
    for (let m = 1 + poisson(rng, 1.5); m > 0; m--) {
      const a = rng.range(0, 2 * Math.PI);
      const d = spread * Math.sqrt(rng.next());
      const r = rng.range(1.5, 8);
      const o: Obj = {
        kind: 'hummock', x: cx + d * Math.cos(a), y: cy + d * Math.sin(a), r,
        h: rng.range(0.15, Math.min(1.2, 0.1 + 0.15 * r)), stretch: rng.range(1.3, 2.4), theta: theta + rng.range(-0.35, 0.35),
        harm: harmonics(rng, 0.35), skew: (rng.chance(0.5) ? 1 : -1) * rng.range(0.15, 0.45),
      };
      if (free(o.x, o.y, reach(o))) confusers.push(o);
    }
  }
  scatter(3 * p.hummocks, (x, y) => ({ kind: 'boulder', x, y, r: rng.range(0.5, 1.8), h: rng.range(0.4, 1.8), sides: rng.int(4, 7), theta: rng.range(0, Math.PI) }));
  scatter(5 * p.forest, (x, y) => ({ kind: 'treethrow', x, y, r: rng.range(0.8, 2.2), d: rng.range(0.2, 0.7), moundH: rng.range(0.2, 0.7), dir: rng.range(0, 2 * Math.PI) }));
  scatter(1.5 * p.artefacts, (x, y) => {
    const hw = rng.range(5, 10);
    const hh = rng.range(5, 10);
    const z = [[-hw, hh], [hw, hh], [-hw, -hh], [hw, -hh]].map(([dx, dy]) => baseAt(style, seed, x + dx, y + dy)) as [number, number, number, number];
    return { kind: 'facet', x, y, hw, hh, z };
  });
  return { features, confusers };
}
