/**
 * Seeded randomness for the sample generators: same seed → same sequence on every machine
 * (pure 32-bit integer arithmetic, no Math.random), so generated files are byte-identical.
 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) ^ 0x9e3779b9;
  }
  /** uniform in [0, 1) — mulberry32 */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }
  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** picks by weights (need not sum to 1) */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    const total = weights.reduce((a, b) => a + b, 0);
    let u = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      u -= weights[i];
      if (u < 0) return items[i];
    }
    return items[items.length - 1];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** standard normal (Box–Muller) */
  normal(mean = 0, sd = 1): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** an independent stream derived from this one (for reproducible sub-generators) */
  fork(label: string): Rng {
    let h = 2166136261;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
    return new Rng((h ^ Math.floor(this.next() * 4294967296)) >>> 0);
  }
}

/**
 * Smooth 2-D value noise with `octaves` of fractal detail, deterministic from the seed.
 * Returns values roughly in [-1, 1].
 */
export function valueNoise2D(seed: number, octaves = 4, persistence = 0.5): (x: number, y: number) => number {
  const hash = (ix: number, iy: number, o: number): number => {
    let h = Math.imul(ix, 374761393) ^ Math.imul(iy, 668265263) ^ Math.imul(o + seed, 2147483647);
    h = Math.imul(h ^ (h >>> 13), 1274126177);
    h ^= h >>> 16;
    return ((h >>> 0) / 4294967295) * 2 - 1;
  };
  const smooth = (t: number) => t * t * (3 - 2 * t);
  return (x: number, y: number) => {
    let amp = 1;
    let freq = 1;
    let sum = 0;
    let norm = 0;
    for (let o = 0; o < octaves; o++) {
      const fx = x * freq;
      const fy = y * freq;
      const ix = Math.floor(fx);
      const iy = Math.floor(fy);
      const tx = smooth(fx - ix);
      const ty = smooth(fy - iy);
      const a = hash(ix, iy, o);
      const b = hash(ix + 1, iy, o);
      const c = hash(ix, iy + 1, o);
      const d = hash(ix + 1, iy + 1, o);
      sum += amp * (a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty);
      norm += amp;
      amp *= persistence;
      freq *= 2;
    }
    return sum / norm;
  };
}
