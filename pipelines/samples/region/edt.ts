/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, two 1-D passes), linear in the
 * number of pixels: the terrain needs distance-to-coast and distance-to-river on millions of pixels.
 */
const FAR = 1e20;

/** Distance in pixels from every pixel to the nearest pixel where `feature` is non-zero. */
export function distanceTransform(feature: Uint8Array, width: number, height: number): Float32Array {
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const sq = new Float64Array(width * height);
  for (let i = 0; i < sq.length; i++) sq[i] = feature[i] ? 0 : FAR;
  for (let c = 0; c < width; c++) {
    for (let r = 0; r < height; r++) f[r] = sq[r * width + c];
    pass(f, height, d, v, z);
    for (let r = 0; r < height; r++) sq[r * width + c] = d[r];
  }
  const out = new Float32Array(width * height);
  for (let r = 0; r < height; r++) {
    const o = r * width;
    for (let c = 0; c < width; c++) f[c] = sq[o + c];
    pass(f, width, d, v, z);
    for (let c = 0; c < width; c++) out[o + c] = Math.sqrt(d[c]);
  }
  return out;
}

/** Lower envelope of parabolas rooted at (q, f[q]). */
function pass(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    d[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
  }
}
