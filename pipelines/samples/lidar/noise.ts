/**
 * Lattice value noise evaluated in world coordinates, in two forms that give the same numbers:
 * `fillNoise` adds a whole tile at once (row/column weights precomputed, so each pixel costs one
 * lerp per octave), and `noiseAt` evaluates one point (used for object placement and reference
 * levels). Because both hash integer lattice indices of world coordinates, neighbouring tiles
 * generated separately join without seams.
 */

/** Geometry of a tile being generated: pixel centres are x0 + (c + 0.5)·pixel, y0 − (r + 0.5)·pixel. */
export interface TileGeom {
  /** world x of the left edge */
  readonly x0: number;
  /** world y of the top edge */
  readonly y0: number;
  readonly pixel: number;
  readonly width: number;
  readonly height: number;
}

/** Integer hash of up to four integers → uint32 (xxhash-like avalanche, pure 32-bit arithmetic). */
export function hashInts(a: number, b: number, c = 0, d = 0): number {
  let h = Math.imul(a | 0, 374761393) ^ Math.imul(b | 0, 668265263);
  h = Math.imul(h ^ Math.imul(c | 0, 2246822519), 3266489917) ^ Math.imul(d | 0, 2654435761);
  h = Math.imul(h ^ (h >>> 15), 2246822519);
  h = Math.imul(h ^ (h >>> 13), 3266489917);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Lattice value in [-1, 1]. */
function lattice(seed: number, ix: number, iy: number): number {
  return (hashInts(ix, iy, seed, 0x51ed) / 4294967295) * 2 - 1;
}

/** Quintic fade: C2-continuous, so hillshades show no lattice creases. */
function fade(t: number): number {
  return t * t * t * (t * (t * 6 - 15) + 10);
}

export interface NoiseSpec {
  seed: number;
  /** lattice spacing of the first octave, metres */
  spacing: number;
  octaves?: number;
  persistence?: number;
}

function octaveNorm(octaves: number, persistence: number): number {
  let n = 0;
  for (let o = 0, a = 1; o < octaves; o++, a *= persistence) n += a;
  return n;
}

/** Noise in roughly [-1, 1] at one world point. */
export function noiseAt(spec: NoiseSpec, x: number, y: number): number {
  const octaves = spec.octaves ?? 1;
  const pers = spec.persistence ?? 0.5;
  let sum = 0;
  let amp = 1;
  let spacing = spec.spacing;
  for (let o = 0; o < octaves; o++) {
    const fx = x / spacing;
    const fy = y / spacing;
    const ix = Math.floor(fx);
    const iy = Math.floor(fy);
    const tx = fade(fx - ix);
    const ty = fade(fy - iy);
    const s = spec.seed + o * 1013;
    const a = lattice(s, ix, iy);
    const b = lattice(s, ix + 1, iy);
    const c = lattice(s, ix, iy + 1);
    const d = lattice(s, ix + 1, iy + 1);
    const v0 = a + (b - a) * tx;
    const v1 = c + (d - c) * tx;
    sum += amp * (v0 + (v1 - v0) * ty);
    amp *= pers;
    spacing /= 2;
  }
  return sum / octaveNorm(octaves, pers);
}

/**
 * Writes noise (roughly [-1, 1]) for every pixel of `g` into `out` (overwrites).
 * Cost per octave: one lattice table, then per pixel one lerp between two precomputed columns.
 */
export function fillNoise(out: Float32Array, g: TileGeom, spec: NoiseSpec): void {
  const octaves = spec.octaves ?? 1;
  const pers = spec.persistence ?? 0.5;
  const norm = octaveNorm(octaves, pers);
  const { width: w, height: h } = g;
  out.fill(0, 0, w * h);
  const colIx = new Int32Array(w);
  const colT = new Float64Array(w);
  let amp = 1 / norm;
  let spacing = spec.spacing;
  for (let o = 0; o < octaves; o++) {
    const s = spec.seed + o * 1013;
    let ix0 = Infinity;
    for (let c = 0; c < w; c++) {
      const fx = (g.x0 + (c + 0.5) * g.pixel) / spacing;
      const ix = Math.floor(fx);
      colIx[c] = ix;
      colT[c] = fade(fx - ix);
      if (ix < ix0) ix0 = ix;
    }
    const nx = colIx[w - 1] - ix0 + 2;
    for (let c = 0; c < w; c++) colIx[c] -= ix0;
    const vcol = new Float64Array(nx);
    let cachedIy = NaN;
    let rowA = new Float64Array(nx);
    let rowB = new Float64Array(nx);
    for (let r = 0; r < h; r++) {
      const fy = (g.y0 - (r + 0.5) * g.pixel) / spacing;
      const iy = Math.floor(fy);
      const ty = fade(fy - iy);
      if (iy !== cachedIy) {
        if (iy === cachedIy - 1) {
          // rows go south, so the lattice row above becomes the new upper one
          rowB = rowA;
          rowA = new Float64Array(nx);
          for (let k = 0; k < nx; k++) rowA[k] = lattice(s, ix0 + k, iy);
        } else {
          for (let k = 0; k < nx; k++) {
            rowA[k] = lattice(s, ix0 + k, iy);
            rowB[k] = lattice(s, ix0 + k, iy + 1);
          }
        }
        cachedIy = iy;
      }
      for (let k = 0; k < nx; k++) vcol[k] = rowA[k] + (rowB[k] - rowA[k]) * ty;
      const base = r * w;
      for (let c = 0; c < w; c++) {
        const i = colIx[c];
        const a = vcol[i];
        out[base + c] += amp * (a + (vcol[i + 1] - a) * colT[c]);
      }
    }
    amp *= pers;
    spacing /= 2;
  }
}
