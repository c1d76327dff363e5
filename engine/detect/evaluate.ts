/**
 * Detection scoring against a truth set: per-class precision, recall and F1, with greedy
 * matching by descending score — each detection takes the nearest unmatched truth object of
 * its class within the centre-distance tolerance max(tolerance, relative · truth diameter).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError, show } from '../errors.ts';

export interface TruthPoint {
  cls: string;
  x: number;
  y: number;
  diameter?: number;
}

export interface DetPoint {
  cls: string;
  x: number;
  y: number;
  score: number;
}

export interface ClassScores {
  truth: number;
  detections: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface EvalResult {
  tolerance: number;
  relative: number;
  classes: Record<string, ClassScores>;
  /** per detection (input order): index of the matched truth object, or -1 */
  matchOf: Int32Array;
}

export interface EvalOptions {
  /** metres, default 5 */
  tolerance?: number;
  /** share of the truth diameter that also counts as tolerance, default 0.25 */
  relative?: number;
  /** classes to report even when absent from both sets */
  classes?: readonly string[];
}

export function scores(tp: number, fp: number, fn: number): Omit<ClassScores, 'truth' | 'detections'> {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1 };
}

export function evaluate(truth: readonly TruthPoint[], dets: readonly DetPoint[], opts: EvalOptions = {}): EvalResult {
  const tol = opts.tolerance ?? 5;
  const rel = opts.relative ?? 0.25;
  if (!(tol >= 0)) throw new InputError(`tolerance ${show(tol)} is not a distance in metres >= 0`);
  const matchOf = new Int32Array(dets.length).fill(-1);
  const taken = new Uint8Array(truth.length);
  // bucket truth by class and by a coarse grid so matching stays near-linear on big benches
  const maxTol = Math.max(tol, ...truth.map((t) => rel * (t.diameter ?? 0)));
  const cell = Math.max(maxTol, 1);
  const buckets = new Map<string, number[]>();
  const key = (c: string, gx: number, gy: number) => `${c}|${gx}|${gy}`;
  truth.forEach((t, i) => {
    const k = key(t.cls, Math.floor(t.x / cell), Math.floor(t.y / cell));
    const b = buckets.get(k);
    if (b) b.push(i);
    else buckets.set(k, [i]);
  });
  const order = dets.map((_, i) => i).sort((a, b) => dets[b].score - dets[a].score || a - b);
  for (const di of order) {
    const d = dets[di];
    const gx = Math.floor(d.x / cell);
    const gy = Math.floor(d.y / cell);
    let best = -1;
    let bestD = Infinity;
    for (let ox = -1; ox <= 1; ox++) {
      for (let oy = -1; oy <= 1; oy++) {
        for (const ti of buckets.get(key(d.cls, gx + ox, gy + oy)) ?? []) {
          if (taken[ti]) continue;
          const t = truth[ti];
          const dist = Math.hypot(t.x - d.x, t.y - d.y);
          if (dist <= Math.max(tol, rel * (t.diameter ?? 0)) && dist < bestD) {
            best = ti;
            bestD = dist;
          }
        }
      }
    }
    if (best >= 0) {
      taken[best] = 1;
      matchOf[di] = best;
    }
  }
  const names = new Set<string>([...(opts.classes ?? []), ...truth.map((t) => t.cls), ...dets.map((d) => d.cls)]);
  const classes: Record<string, ClassScores> = {};
  for (const c of [...names].sort()) {
    const nT = truth.filter((t) => t.cls === c).length;
    const nD = dets.filter((d) => d.cls === c).length;
    let tp = 0;
    dets.forEach((d, i) => { if (d.cls === c && matchOf[i] >= 0) tp++; });
    classes[c] = { truth: nT, detections: nD, ...scores(tp, nD - tp, nT - tp) };
  }
  return { tolerance: tol, relative: rel, classes, matchOf };
}

/** Reads Point features from a GeoJSON file: class from `class`, score from `score` (default 1). */
export async function readPoints(path: string): Promise<{ cls: string; x: number; y: number; score: number; diameter?: number; props: Record<string, unknown> }[]> {
  const name = basename(path);
  let fc: { features?: unknown };
  try {
    fc = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InputError(`${path}: not a readable GeoJSON file (${(err as Error).message})`, { cause: err });
  }
  if (!Array.isArray(fc.features)) throw new InputError(`${name}: expected a GeoJSON FeatureCollection with a "features" array`);
  return fc.features.map((f: { properties?: Record<string, unknown>; geometry?: { type?: string; coordinates?: number[] } }, i: number) => {
    const p = f.properties ?? {};
    const g = f.geometry;
    if (g?.type !== 'Point' || !Array.isArray(g.coordinates) || !g.coordinates.every(Number.isFinite)) {
      throw new InputError(`${name} feature ${i}, geometry: expected a Point with finite coordinates`);
    }
    if (typeof p.class !== 'string') throw new InputError(`${name} feature ${i}, class: ${show(p.class)} is not a class name`);
    return {
      cls: p.class,
      x: g.coordinates[0],
      y: g.coordinates[1],
      score: typeof p.score === 'number' ? p.score : 1,
      diameter: typeof p.diameter_m === 'number' ? p.diameter_m : undefined,
      props: p,
    };
  });
}

export function formatEval(r: EvalResult, title = ''): string {
  const lines = [
    `${title ? title + ' — ' : ''}tolerance max(${r.tolerance} m, ${r.relative} × diameter)`,
    'class        truth  det    tp    fp    fn  precision  recall    F1',
  ];
  for (const [c, s] of Object.entries(r.classes)) {
    lines.push(
      `${c.padEnd(12)} ${String(s.truth).padStart(5)} ${String(s.detections).padStart(4)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(5)} ${String(s.fn).padStart(5)}` +
        `  ${s.precision.toFixed(3).padStart(9)} ${s.recall.toFixed(3).padStart(7)} ${s.f1.toFixed(3).padStart(5)}`,
    );
  }
  return lines.join('\n');
}
