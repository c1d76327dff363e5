/**
 * The LiDAR anomaly detector as a value: its ONNX session, its identity (sha256 of the file),
 * its calibration, and the input preparation every caller must share (nodata fill), so that
 * training exports, inference and the benchmark feed the network the same numbers.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.ts';

import { DETECTION_CLASSES as CLASSES } from '../contract/enums.ts';
export { CLASSES };
export type DetectClass = (typeof CLASSES)[number];

/** Input pixel size the network expects (metres) and its output stride (input pixels). */
export const MODEL_PIXEL = 0.5;
export const MODEL_STRIDE = 8;
/** Output channels: 4 class heatmaps (sigmoid), log-diameter (m), sub-cell offset x, y (cells). */
export const OUT_CHANNELS = 7;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_MODEL = join(ROOT, 'models', 'detector.onnx');
export const DEFAULT_CALIBRATION = join(ROOT, 'models', 'calibration.json');

export interface ModelFile {
  path: string;
  bytes: Buffer;
  /** first 12 hex digits of the file's sha256: stored with every detection */
  hash: string;
}

export function readModelFile(path = DEFAULT_MODEL): ModelFile {
  if (!existsSync(path)) {
    throw new InputError(`${path}: model file not found; train one with \`python3 pipelines/train/train.py\` or pass --model`);
  }
  const bytes = readFileSync(path);
  return { path, bytes, hash: createHash('sha256').update(bytes).digest('hex').slice(0, 12) };
}

/**
 * Replaces nodata (NaN or `nodata`) in place by values interpolated along rows (then columns
 * for rows without any data), so the in-graph mean filter sees no cliffs. Returns the mask
 * of valid pixels (1 = data). Linear in the pixel count.
 */
export function fillNodata(z: Float32Array, width: number, height: number, nodata: number | null): Uint8Array {
  const valid = new Uint8Array(z.length);
  let nValid = 0;
  for (let i = 0; i < z.length; i++) {
    const v = z[i];
    const ok = Number.isFinite(v) && (nodata === null || v !== nodata) && v > -1000 && v < 10000;
    valid[i] = ok ? 1 : 0;
    nValid += valid[i];
  }
  if (nValid === z.length || nValid === 0) {
    if (nValid === 0) z.fill(0);
    return valid;
  }
  const rowHas = new Uint8Array(height);
  for (let r = 0; r < height; r++) {
    const o = r * width;
    let prev = -1;
    for (let c = 0; c < width; c++) {
      if (!valid[o + c]) continue;
      // fill the gap (prev, c): linear between two valid pixels, or constant from the row's first
      const a = prev >= 0 ? z[o + prev] : z[o + c];
      const b = z[o + c];
      for (let k = prev + 1; k < c; k++) z[o + k] = a + ((b - a) * (k - prev)) / (c - prev);
      prev = c;
    }
    if (prev < 0) continue;
    rowHas[r] = 1;
    for (let k = prev + 1; k < width; k++) z[o + k] = z[o + prev];
  }
  // rows with no data at all: copy the nearest filled row
  let lastGood = -1;
  for (let r = 0; r < height; r++) if (rowHas[r]) { lastGood = r; break; }
  for (let r = 0; r < height; r++) {
    if (rowHas[r]) { lastGood = r; continue; }
    let next = r + 1;
    while (next < height && !rowHas[next]) next++;
    const src = next < height && (r - lastGood > next - r || lastGood < 0) ? next : lastGood;
    z.copyWithin(r * width, src * width, src * width + width);
  }
  return valid;
}

/** Averages 2×2 blocks (the network's own first step), for training exports at 1 m. */
export function downsample2(z: Float32Array, width: number, height: number): { data: Float32Array; width: number; height: number } {
  const w = width >> 1;
  const h = height >> 1;
  const out = new Float32Array(w * h);
  for (let r = 0; r < h; r++) {
    const a = 2 * r * width;
    const b = a + width;
    for (let c = 0; c < w; c++) {
      out[r * w + c] = (z[a + 2 * c] + z[a + 2 * c + 1] + z[b + 2 * c] + z[b + 2 * c + 1]) * 0.25;
    }
  }
  return { data: out, width: w, height: h };
}
