/**
 * The classical baseline the detector is measured against: local relief (elevation minus a
 * 41 m mean, by separable running sums) thresholded into raised and sunken blobs, blobs kept
 * by size and shape (bounding-box fill, aspect), and a flat-platform rule on slopes for kilns.
 * It implements the same `Detector` interface (maps at the model's stride), so tiling, margins,
 * peak extraction and evaluation are exactly those of the model.
 */
import type { Calibration } from './calibrate.ts';
import { makeCalibration, DEFAULT_BANDS } from './calibrate.ts';
import { MODEL_STRIDE, OUT_CHANNELS, downsample2 } from './model.ts';
import type { Detector } from './infer.ts';

export const BASELINE_RELIEF_M = 0.15;

/** Mean filter of odd size k by separable running sums, edges averaged over what exists. */
export function meanFilter(z: Float32Array, w: number, h: number, k: number): Float32Array {
  const r = k >> 1;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let s = 0;
    let n = 0;
    for (let x = 0; x < Math.min(r, w); x++) { s += z[o + x]; n++; }
    for (let x = 0; x < w; x++) {
      if (x + r < w) { s += z[o + x + r]; n++; }
      if (x - r - 1 >= 0) { s -= z[o + x - r - 1]; n--; }
      tmp[o + x] = s / n;
    }
  }
  for (let x = 0; x < w; x++) {
    let s = 0;
    let n = 0;
    for (let y = 0; y < Math.min(r, h); y++) { s += tmp[y * w + x]; n++; }
    for (let y = 0; y < h; y++) {
      if (y + r < h) { s += tmp[(y + r) * w + x]; n++; }
      if (y - r - 1 >= 0) { s -= tmp[(y - r - 1) * w + x]; n--; }
      out[y * w + x] = s / n;
    }
  }
  return out;
}

export interface Blob {
  area: number;
  cx: number;
  cy: number;
  minx: number;
  miny: number;
  maxx: number;
  maxy: number;
  /** mean |value| over the blob */
  strength: number;
}

/** 4-connected components of `mask`, with area, centroid, bbox and mean |v|. */
export function blobs(mask: Uint8Array, v: Float32Array, w: number, h: number): Blob[] {
  const label = new Int32Array(w * h).fill(-1);
  const stack: number[] = [];
  const out: Blob[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i] || label[i] >= 0) continue;
    const b: Blob = { area: 0, cx: 0, cy: 0, minx: Infinity, miny: Infinity, maxx: -Infinity, maxy: -Infinity, strength: 0 };
    label[i] = out.length;
    stack.push(i);
    while (stack.length) {
      const j = stack.pop()!;
      const x = j % w;
      const y = (j - x) / w;
      b.area++;
      b.cx += x;
      b.cy += y;
      b.strength += Math.abs(v[j]);
      if (x < b.minx) b.minx = x;
      if (x > b.maxx) b.maxx = x;
      if (y < b.miny) b.miny = y;
      if (y > b.maxy) b.maxy = y;
      const nb = [x > 0 ? j - 1 : -1, x < w - 1 ? j + 1 : -1, y > 0 ? j - w : -1, y < h - 1 ? j + w : -1];
      for (const k of nb) if (k >= 0 && mask[k] && label[k] < 0) { label[k] = out.length; stack.push(k); }
    }
    b.cx = b.cx / b.area + 0.5;
    b.cy = b.cy / b.area + 0.5;
    b.strength /= b.area;
    out.push(b);
  }
  return out;
}

interface Candidate { cls: number; x: number; y: number; score: number; diameter: number }

/** Classifies blobs of a 1 m relief raster; x, y in 1 m pixels. */
export function baselineCandidates(z1: Float32Array, w: number, h: number): Candidate[] {
  const mean = meanFilter(z1, w, h, 41);
  const rel = new Float32Array(w * h);
  for (let i = 0; i < rel.length; i++) rel[i] = z1[i] - mean[i];
  const t = BASELINE_RELIEF_M;
  const pos = new Uint8Array(w * h);
  const neg = new Uint8Array(w * h);
  for (let i = 0; i < rel.length; i++) {
    pos[i] = rel[i] > t ? 1 : 0;
    neg[i] = rel[i] < -t ? 1 : 0;
  }
  const out: Candidate[] = [];
  const shape = (b: Blob) => {
    const bw = b.maxx - b.minx + 1;
    const bh = b.maxy - b.miny + 1;
    return { bw, bh, aspect: Math.min(bw, bh) / Math.max(bw, bh), fill: b.area / (bw * bh), d: Math.max(bw, bh) };
  };
  for (const b of blobs(pos, rel, w, h)) {
    const s = shape(b);
    // a disc fills π/4 ≈ 0.79 of its box
    if (b.area >= 15 && b.area <= 1300 && s.aspect > 0.6 && s.fill > 0.6) {
      out.push({ cls: 0, x: b.cx, y: b.cy, score: Math.min(1, (b.strength / 0.6) * s.aspect * Math.min(1, s.fill / 0.75)), diameter: s.d });
    }
  }
  for (const b of blobs(neg, rel, w, h)) {
    const s = shape(b);
    if (b.area >= 3 && b.area <= 120 && s.aspect > 0.6 && s.fill > 0.6) {
      out.push({ cls: 3, x: b.cx, y: b.cy, score: Math.min(1, (b.strength / 0.6) * s.aspect), diameter: s.d });
    } else if (s.d >= 10 && s.d <= 95 && s.aspect > 0.5 && s.fill < 0.4 && b.area > 20) {
      // a ring ditch: a thin sunken outline around its (empty) middle
      out.push({ cls: 2, x: (b.minx + b.maxx + 1) / 2, y: (b.miny + b.maxy + 1) / 2, score: Math.min(1, (b.strength / 0.4) * s.aspect), diameter: s.d });
    }
  }
  // kiln platforms: small flat patches on a slope (slope of the 41 m mean surface > 8 %)
  const flat = new Uint8Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const gx = (z1[i + 1] - z1[i - 1]) / 2;
      const gy = (z1[i + w] - z1[i - w]) / 2;
      const gm = Math.hypot((mean[i + 1] - mean[i - 1]) / 2, (mean[i + w] - mean[i - w]) / 2);
      flat[i] = Math.hypot(gx, gy) < 0.04 && gm > 0.08 ? 1 : 0;
    }
  }
  for (const b of blobs(flat, rel, w, h)) {
    const s = shape(b);
    if (b.area >= 40 && b.area <= 200 && s.aspect > 0.5 && s.fill > 0.5) {
      const i = Math.min(h - 2, Math.max(1, Math.round(b.cy))) * w + Math.min(w - 2, Math.max(1, Math.round(b.cx)));
      const gm = Math.hypot((mean[i + 1] - mean[i - 1]) / 2, (mean[i + w] - mean[i - w]) / 2);
      out.push({ cls: 1, x: b.cx, y: b.cy, score: Math.min(1, gm / 0.3) * s.aspect, diameter: s.d });
    }
  }
  return out;
}

/** The baseline as a Detector: renders its candidates into stride-8 maps. */
export function baselineDetector(): Detector {
  const calibration: Calibration = makeCalibration({ version: 1, floor: 0.05, bands: DEFAULT_BANDS, classes: {} });
  return {
    hash: 'baseline-v1',
    calibration,
    async run(z, width, height) {
      const d = downsample2(z, width, height);
      const cands = baselineCandidates(d.data, d.width, d.height);
      const cell = MODEL_STRIDE / 2; // 1 m pixels per output cell
      const w = width / MODEL_STRIDE;
      const h = height / MODEL_STRIDE;
      const plane = w * h;
      const maps = new Float32Array(OUT_CHANNELS * plane);
      for (const c of cands) {
        const col = Math.min(w - 1, Math.max(0, Math.floor(c.x / cell)));
        const row = Math.min(h - 1, Math.max(0, Math.floor(c.y / cell)));
        const i = row * w + col;
        if (maps[c.cls * plane + i] >= c.score) continue;
        maps[c.cls * plane + i] = c.score;
        maps[4 * plane + i] = Math.log(Math.max(1, c.diameter));
        maps[5 * plane + i] = c.x / cell - col - 0.5;
        maps[6 * plane + i] = c.y / cell - row - 0.5;
      }
      return { maps, width: w, height: h };
    },
    async close() {},
  };
}
