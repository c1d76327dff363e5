/**
 * Relief visualisations for human review of a DEM (row-major Float32Array, north up, square
 * pixels of `pixel` metres): hillshade and slope by Horn's 3×3 method exactly as `gdaldem`
 * computes them, multi-directional hillshade, and the simple local relief model.
 * Horizon-based views (sky-view factor, openness, local dominance) are in relief-horizon.ts.
 *
 * Edges and nodata: a 3×3 neighbour outside the raster or nodata is replaced by the centre
 * value (so edge pixels get a one-sided gradient instead of disappearing, unlike gdaldem's
 * default which blanks the 1-pixel border). Output is NaN where the centre is nodata.
 */
import { meanFilter, validMask } from './relief-filter.ts';

export interface DemInput {
  data: Float32Array;
  width: number;
  height: number;
  /** pixel size in metres */
  pixel: number;
  nodata?: number | null;
}

function check(d: DemInput, fn: string): Uint8Array {
  if (d.data.length !== d.width * d.height) throw new RangeError(`${fn}: ${d.data.length} samples for ${d.width}×${d.height}`);
  if (!(d.pixel > 0)) throw new RangeError(`${fn}: pixel size ${d.pixel} must be > 0 metres`);
  return validMask(d.data, d.nodata);
}

/**
 * Calls `fn(i, gx, gy)` for every valid pixel with gdaldem's Horn terms (its y divides by the
 * negative geotransform pixel height): gx = (west − east) / (8·res) = −∂z/∂x,
 * gy = (north − south) / (8·res) = ∂z/∂y with y pointing north.
 */
function horn(d: DemInput, valid: Uint8Array, fn: (i: number, gx: number, gy: number) => void): void {
  const { data, width: w, height: h } = d;
  const inv = 1 / (8 * d.pixel);
  // neighbour value, or the centre's when outside the raster or nodata
  const at = (rr: number, cc: number, e: number) => {
    if (rr < 0 || rr >= h || cc < 0 || cc >= w) return e;
    const k = rr * w + cc;
    return valid[k] ? data[k] : e;
  };
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const i = r * w + c;
      if (!valid[i]) continue;
      const inner = r > 0 && r < h - 1 && c > 0 && c < w - 1 &&
        valid[i - w - 1] & valid[i - w] & valid[i - w + 1] & valid[i - 1] & valid[i + 1] & valid[i + w - 1] & valid[i + w] & valid[i + w + 1];
      if (inner) {
        // fast path (nearly every pixel): no bounds or nodata checks
        const a = data[i - w - 1], b = data[i - w], cc = data[i - w + 1];
        const g = data[i + w - 1], hh = data[i + w], ii = data[i + w + 1];
        fn(i, (a + 2 * data[i - 1] + g - (cc + 2 * data[i + 1] + ii)) * inv, (a + 2 * b + cc - (g + 2 * hh + ii)) * inv);
        continue;
      }
      const e = data[i];
      const a = at(r - 1, c - 1, e), b = at(r - 1, c, e), cc = at(r - 1, c + 1, e);
      const dd = at(r, c - 1, e), f = at(r, c + 1, e);
      const g = at(r + 1, c - 1, e), hh = at(r + 1, c, e), ii = at(r + 1, c + 1, e);
      fn(i, (a + 2 * dd + g - (cc + 2 * f + ii)) * inv, (a + 2 * b + cc - (g + 2 * hh + ii)) * inv);
    }
  }
}

export interface HillshadeOptions {
  /** degrees clockwise from north, default 315 (north-west light) */
  azimuth?: number;
  /** degrees above the horizon, default 45 */
  altitude?: number;
  /** vertical exaggeration, default 1 */
  zFactor?: number;
}

/** gdaldem hillshade: 1 + 254·cos(incidence), clamped to 1 in shadow; NaN on nodata. */
export function hillshade(d: DemInput, opts: HillshadeOptions = {}): Float32Array {
  const valid = check(d, 'hillshade');
  const out = new Float32Array(d.data.length).fill(NaN);
  const az = ((opts.azimuth ?? 315) * Math.PI) / 180;
  const alt = ((opts.altitude ?? 45) * Math.PI) / 180;
  const z = opts.zFactor ?? 1;
  const sinAlt = Math.sin(alt);
  const cosAzCosAltZ = Math.cos(az) * Math.cos(alt) * z;
  const sinAzCosAltZ = Math.sin(az) * Math.cos(alt) * z;
  horn(d, valid, (i, x, y) => {
    const cang = (sinAlt - (y * cosAzCosAltZ - x * sinAzCosAltZ)) / Math.sqrt(1 + z * z * (x * x + y * y));
    out[i] = cang <= 0 ? 1 : 1 + 254 * cang;
  });
  return out;
}

/**
 * Multi-directional hillshade (Mark 1992, USGS OF 92-422; the formula of gdaldem
 * -multidirectional): light from 225°, 270°, 315° and 360°, each weighted by
 * sin²(aspect − azimuth) so that every slope is lit across its fall line. Flat ground gets
 * 1 + 254·sin(altitude).
 */
export function multiHillshade(d: DemInput, opts: Omit<HillshadeOptions, 'azimuth'> = {}): Float32Array {
  const valid = check(d, 'multiHillshade');
  const out = new Float32Array(d.data.length).fill(NaN);
  const alt = ((opts.altitude ?? 45) * Math.PI) / 180;
  const z = opts.zFactor ?? 1;
  const s127 = 127 * Math.sin(alt);
  const c127 = 127 * Math.cos(alt) * z;
  const c225 = Math.cos((225 * Math.PI) / 180) * c127;
  horn(d, valid, (i, x, y) => {
    const xx = x * x;
    const yy = y * y;
    const sum = xx + yy;
    if (sum === 0) {
      out[i] = 1 + 2 * s127;
      return;
    }
    const v225 = Math.max(0, s127 + (x - y) * c225);
    const v270 = Math.max(0, s127 - x * c127);
    const v315 = Math.max(0, s127 + (x + y) * c225);
    const v360 = Math.max(0, s127 - y * c127);
    const w225 = 0.5 * sum - x * y;
    const w315 = sum - w225;
    out[i] = 1 + (w225 * v225 + xx * v270 + w315 * v315 + yy * v360) / sum / Math.sqrt(1 + z * z * sum);
  });
  return out;
}

/** Slope in degrees (Horn), as gdaldem slope; NaN on nodata. */
export function slope(d: DemInput): Float32Array {
  const valid = check(d, 'slope');
  const out = new Float32Array(d.data.length).fill(NaN);
  const k = 180 / Math.PI;
  horn(d, valid, (i, x, y) => (out[i] = Math.atan(Math.sqrt(x * x + y * y)) * k));
  return out;
}

/**
 * Simple local relief model: elevation minus its mean over a (2R+1)² box, R = radius metres
 * rounded to pixels (default 10 m). Positive on mounds and banks, negative in pits and ditches.
 * O(1) per pixel in R (running sums); nodata pixels are left out of the means (relief-filter.ts).
 */
export function localRelief(d: DemInput, radiusMetres = 10): Float32Array {
  const valid = check(d, 'localRelief');
  const r = Math.max(1, Math.round(radiusMetres / d.pixel));
  const mean = meanFilter(d.data, d.width, d.height, r, valid);
  const out = new Float32Array(d.data.length);
  for (let i = 0; i < out.length; i++) out[i] = valid[i] ? d.data[i] - mean[i] : NaN;
  return out;
}
