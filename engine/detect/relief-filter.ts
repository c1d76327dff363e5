/**
 * Nodata-aware box mean by separable running sums: O(1) per pixel whatever the radius
 * (one add and one subtract per pixel per pass), as the design requires for relief models.
 *
 * Edges and nodata: the window is clipped to the raster and nodata pixels are left out of
 * both the sum and the count, so the mean is over the valid pixels actually in the window.
 * Pixels with no valid neighbour at all get NaN.
 */

/** 1 where `data` is valid: not NaN and not equal to `nodata`. */
export function validMask(data: Float32Array, nodata: number | null | undefined): Uint8Array {
  const m = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    m[i] = v === v && v !== nodata ? 1 : 0;
  }
  return m;
}

/** Mean of the valid pixels in the (2r+1)² window around each pixel, clipped to the raster. */
export function meanFilter(data: Float32Array, width: number, height: number, radius: number, valid?: Uint8Array): Float32Array {
  if (data.length !== width * height) throw new RangeError(`meanFilter: ${data.length} samples for ${width}×${height}`);
  if (!(Number.isInteger(radius) && radius >= 0)) throw new RangeError(`meanFilter: radius ${radius} is not a non-negative integer`);
  const n = width * height;
  // Float64 sums: elevations of a few hundred metres summed over thousands of pixels would
  // lose centimetres in float32.
  const hs = new Float64Array(n);
  const hc = new Float64Array(n);
  for (let r = 0; r < height; r++) {
    const base = r * width;
    let s = 0;
    let c = 0;
    // prime with columns [0, radius - 1]; the loop adds column col + radius first
    for (let k = 0; k < Math.min(radius, width); k++) {
      if (!valid || valid[base + k]) { s += data[base + k]; c++; }
    }
    for (let col = 0; col < width; col++) {
      const add = col + radius;
      if (add < width && (!valid || valid[base + add])) { s += data[base + add]; c++; }
      const del = col - radius - 1;
      if (del >= 0 && (!valid || valid[base + del])) { s -= data[base + del]; c--; }
      hs[base + col] = s;
      hc[base + col] = c;
    }
  }
  const out = new Float32Array(n);
  const vs = new Float64Array(width);
  const vc = new Float64Array(width);
  for (let k = 0; k < Math.min(radius, height); k++) {
    for (let col = 0; col < width; col++) { vs[col] += hs[k * width + col]; vc[col] += hc[k * width + col]; }
  }
  for (let r = 0; r < height; r++) {
    const add = r + radius;
    if (add < height) {
      const b = add * width;
      for (let col = 0; col < width; col++) { vs[col] += hs[b + col]; vc[col] += hc[b + col]; }
    }
    const del = r - radius - 1;
    if (del >= 0) {
      const b = del * width;
      for (let col = 0; col < width; col++) { vs[col] -= hs[b + col]; vc[col] -= hc[b + col]; }
    }
    const b = r * width;
    for (let col = 0; col < width; col++) out[b + col] = vc[col] > 0 ? vs[col] / vc[col] : NaN;
  }
  return out;
}
