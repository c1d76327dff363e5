/**
 * Grayscale PNG rendering of a float raster for review screens: percentile stretch to 0–255
 * (robust to the few extreme pixels of quarries and road cuttings), nodata/NaN drawn
 * transparent, and an optional circle outline marking a candidate.
 */
import { PNG } from 'pngjs';

export interface GrayPngOptions {
  /** fixed value range [lo, hi] → [0, 255]; otherwise the percentile stretch below */
  range?: [number, number];
  /** lower and upper percentiles of the valid values, default [2, 98] */
  percentiles?: [number, number];
  /** dark = high instead of light = high */
  invert?: boolean;
  /** circle outline (pixel coordinates of the centre, radius in pixels), drawn in red */
  circle?: { col: number; row: number; radius: number };
}

/** Value at percentile p (0–100) of the finite values, by sorting a subsample of at most 65 536. */
export function percentile(values: Float32Array, p: number): number {
  const stride = Math.max(1, Math.floor(values.length / 65536));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += stride) if (Number.isFinite(values[i])) sample.push(values[i]);
  if (sample.length === 0) return NaN;
  sample.sort((a, b) => a - b);
  return sample[Math.min(sample.length - 1, Math.max(0, Math.round((p / 100) * (sample.length - 1))))];
}

export function encodeGrayPng(values: Float32Array, width: number, height: number, opts: GrayPngOptions = {}): Buffer {
  if (values.length !== width * height) throw new RangeError(`encodeGrayPng: ${values.length} samples for ${width}×${height}`);
  const [pl, ph] = opts.percentiles ?? [2, 98];
  let [lo, hi] = opts.range ?? [percentile(values, pl), percentile(values, ph)];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const png = new PNG({ width, height, colorType: 6 });
  const buf = png.data;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const o = i * 4;
    if (!Number.isFinite(v)) {
      buf[o] = buf[o + 1] = buf[o + 2] = buf[o + 3] = 0;
      continue;
    }
    let g = Math.round((v - lo) * scale);
    g = g < 0 ? 0 : g > 255 ? 255 : g;
    if (opts.invert) g = 255 - g;
    buf[o] = buf[o + 1] = buf[o + 2] = g;
    buf[o + 3] = 255;
  }
  if (opts.circle) drawCircle(buf, width, height, opts.circle);
  return PNG.sync.write(png, { colorType: 6 });
}

function drawCircle(buf: Buffer, w: number, h: number, c: { col: number; row: number; radius: number }): void {
  // 2-pixel ring sampled densely enough to leave no gaps at any radius
  const n = Math.max(16, Math.ceil(2 * Math.PI * (c.radius + 1) * 2));
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    for (const rr of [c.radius, c.radius + 1]) {
      const x = Math.round(c.col + rr * Math.cos(a));
      const y = Math.round(c.row + rr * Math.sin(a));
      if (x < 0 || y < 0 || x >= w || y >= h) continue;
      const o = (y * w + x) * 4;
      buf[o] = 230; buf[o + 1] = 30; buf[o + 2] = 30; buf[o + 3] = 255;
    }
  }
}
