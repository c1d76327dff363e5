/**
 * Score calibration: maps a class's raw heatmap score to the precision observed at that score
 * on a calibration split (isotonic regression, pool-adjacent-violators), and that precision to
 * four reliability levels whose bands say what share of candidates are real:
 * doubtful < 35 %, possible 35–60 %, probable 60–85 %, very probable ≥ 85 %.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../errors.ts';

export const LEVELS = ['doubtful', 'possible', 'probable', 'very_probable'] as const;
export type Level = (typeof LEVELS)[number];
/** lower precision bound of each level above doubtful */
export const DEFAULT_BANDS = { possible: 0.35, probable: 0.6, very_probable: 0.85 };

export interface ClassCalibration {
  /** knots (score, precision), both ascending; linear in between, flat outside */
  table: [number, number][];
  /** F1-optimal score threshold on the calibration split (the operating point for metrics) */
  threshold: number;
}

export interface CalibrationFile {
  version: 1;
  model_hash?: string;
  split?: string;
  floor: number;
  bands: typeof DEFAULT_BANDS;
  classes: Record<string, ClassCalibration>;
  check?: unknown;
  /**
   * The mound scale test (engine/detect/scale-test.ts) the scores were fitted after, or 'off'
   * (also when absent: calibrations written before it). Detection applies the same one.
   */
  scale_test?: { c1: number; minFactor: number; clutterFloor: number; levelCap?: number } | 'off';
}

export interface Calibration {
  readonly file: CalibrationFile;
  readonly floor: number;
  confidence(cls: string, score: number): number;
  threshold(cls: string): number;
}

export function makeCalibration(file: CalibrationFile): Calibration {
  return {
    file,
    floor: file.floor,
    confidence(cls, score) {
      const c = file.classes[cls];
      return c ? interpolate(c.table, score) : score;
    },
    threshold(cls) {
      return file.classes[cls]?.threshold ?? 0.5;
    },
  };
}

/** Reads models/calibration.json; without one, confidence = raw score (and levels say so loosely). */
export function loadCalibration(path: string): Calibration {
  if (!existsSync(path)) {
    return makeCalibration({ version: 1, floor: 0.1, bands: DEFAULT_BANDS, classes: {} });
  }
  try {
    const f = JSON.parse(readFileSync(path, 'utf8')) as CalibrationFile;
    if (f.version !== 1 || typeof f.floor !== 'number') throw new Error('expected {"version": 1, "floor": number, ...}');
    return makeCalibration({ ...f, bands: f.bands ?? DEFAULT_BANDS });
  } catch (err) {
    throw new InputError(`${path}: not a valid calibration file (${(err as Error).message})`, { cause: err });
  }
}

export function levelOf(confidence: number, cal?: Calibration): Level {
  const b = cal?.file.bands ?? DEFAULT_BANDS;
  if (confidence >= b.very_probable) return 'very_probable';
  if (confidence >= b.probable) return 'probable';
  if (confidence >= b.possible) return 'possible';
  return 'doubtful';
}

function interpolate(table: [number, number][], s: number): number {
  if (table.length === 0) return s;
  if (s <= table[0][0]) return table[0][1];
  for (let i = 1; i < table.length; i++) {
    const [s1, p1] = table[i];
    if (s <= s1) {
      const [s0, p0] = table[i - 1];
      return s1 > s0 ? p0 + ((p1 - p0) * (s - s0)) / (s1 - s0) : p1;
    }
  }
  return table[table.length - 1][1];
}

/** A scored detection for calibration; `w` (default 1) weighs it, e.g. to give real ground its share. */
export interface CalibSample {
  score: number;
  hit: boolean;
  w?: number;
}

/**
 * Isotonic (non-decreasing) fit of hit ∈ {0,1} on score, with blocks of at least `minBlock`
 * detections so that a handful of points cannot claim 100 %. Returns knots at block centres
 * (weighted means of score and hit when samples carry weights).
 */
export function isotonic(samples: CalibSample[], minBlock = 8): [number, number][] {
  const s = [...samples].sort((a, b) => a.score - b.score);
  type Block = { sum: number; w: number; n: number; sSum: number };
  const merge = (a: Block, b: Block): Block => ({ sum: a.sum + b.sum, w: a.w + b.w, n: a.n + b.n, sSum: a.sSum + b.sSum });
  const blocks: Block[] = [];
  for (const x of s) {
    const w = x.w ?? 1;
    blocks.push({ sum: x.hit ? w : 0, w, n: 1, sSum: x.score * w });
    // merge while the order is violated or the last block is too small to stand alone
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a.sum / a.w >= b.sum / b.w || a.n < minBlock) {
        blocks.splice(-2, 2, merge(a, b));
      } else break;
    }
  }
  // a short last block joins its neighbour
  if (blocks.length > 1 && blocks[blocks.length - 1].n < minBlock) {
    const b = blocks.pop()!;
    const a = blocks.pop()!;
    blocks.push(merge(a, b));
  }
  return blocks.map((b) => [b.sSum / b.w, b.sum / b.w] as [number, number]);
}

/**
 * Score threshold that maximises F1 given the hits and the number of truth objects (with
 * weighted samples, `truthCount` is the weighted number of truth objects).
 */
export function f1Threshold(samples: CalibSample[], truthCount: number): { threshold: number; f1: number } {
  const s = [...samples].sort((a, b) => b.score - a.score);
  let tp = 0;
  let n = 0;
  let best = { threshold: 1, f1: 0 };
  s.forEach((x, i) => {
    const w = x.w ?? 1;
    n += w;
    if (x.hit) tp += w;
    const p = tp / n;
    const r = truthCount > 0 ? tp / truthCount : 0;
    const f1 = p + r > 0 ? (2 * p * r) / (p + r) : 0;
    const next = s[i + 1]?.score ?? -Infinity;
    if (f1 > best.f1 && next < x.score) best = { threshold: (x.score + Math.max(next, 0)) / 2, f1 };
  });
  return best;
}

export interface LevelCheck {
  level: Level;
  band: [number, number];
  detections: number;
  true: number;
  precision: number;
  inBand: boolean;
}

/** Share of true detections within each level, and whether it lies inside the level's band. */
export function checkLevels(items: { level: Level; hit: boolean }[], bands = DEFAULT_BANDS): LevelCheck[] {
  const edges: Record<Level, [number, number]> = {
    doubtful: [0, bands.possible],
    possible: [bands.possible, bands.probable],
    probable: [bands.probable, bands.very_probable],
    very_probable: [bands.very_probable, 1],
  };
  return LEVELS.map((level) => {
    const sel = items.filter((i) => i.level === level);
    const t = sel.filter((i) => i.hit).length;
    const precision = sel.length ? t / sel.length : NaN;
    const [lo, hi] = edges[level];
    return { level, band: edges[level], detections: sel.length, true: t, precision, inBand: sel.length > 0 && precision >= lo && precision <= hi };
  });
}
