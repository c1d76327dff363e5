import fc from 'fast-check';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { meanFilter, validMask } from '../../engine/detect/relief-filter.ts';
import { localRelief } from '../../engine/detect/relief.ts';
import { localDominance, openness, skyViewFactor } from '../../engine/detect/relief-horizon.ts';
import { renderReliefPng } from '../../engine/detect/relief-png.ts';
import { stampObject } from '../../pipelines/samples/lidar/stamps.ts';

/** Naive reference: mean of the valid pixels in the clipped window. */
function naiveMean(d: Float32Array, w: number, h: number, r: number, valid: Uint8Array): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0, n = 0;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
          if (valid[yy * w + xx]) { s += d[yy * w + xx]; n++; }
        }
      }
      out[y * w + x] = n ? s / n : NaN;
    }
  }
  return out;
}

/** A flat 64² DEM at 0.5 m with a 1.5 m high, 20 m wide mound in the middle. */
function moundDem(): Float32Array {
  const z = new Float32Array(64 * 64).fill(100);
  stampObject(z, { x0: 0, y0: 32, pixel: 0.5, width: 64, height: 64 }, {
    kind: 'mound', x: 16, y: 16, r: 10, h: 1.5, variant: 'intact', stretch: 1, theta: 0, pitR: 1, pitD: 0, pitDx: 0, pitDy: 0,
  });
  return z;
}

describe('meanFilter', () => {
  it('equals the naive windowed mean on random arrays with nodata', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (w, h, r, seed) => {
          let s = seed;
          const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
          const d = Float32Array.from({ length: w * h }, () => (rnd() < 0.15 ? -99999 : 150 + rnd() * 50));
          const valid = validMask(d, -99999);
          const got = meanFilter(d, w, h, r, valid);
          const ref = naiveMean(d, w, h, r, valid);
          for (let i = 0; i < got.length; i++) {
            if (Number.isNaN(ref[i])) expect(got[i]).toBeNaN();
            else expect(Math.abs(got[i] - ref[i])).toBeLessThan(1e-3);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects a non-integer radius', () => {
    expect(() => meanFilter(new Float32Array(4), 2, 2, 1.5)).toThrow(/radius 1.5/);
  });
});

describe('horizon views and local relief on a planted mound', () => {
  const z = moundDem();
  const dem = { data: z, width: 64, height: 64, pixel: 0.5 };
  const centre = 32 * 64 + 32;

  it('local relief is positive at the mound centre and ~0 on flat ground', () => {
    const lrm = localRelief(dem, 8);
    expect(lrm[centre]).toBeGreaterThan(0.5);
    expect(Math.abs(lrm[2 * 64 + 2])).toBeLessThan(1e-3);
  });

  it('positive openness is higher on the mound top than negative openness, and flat ground is 90°', () => {
    const pos = openness(dem, 'positive', { radiusMetres: 6 });
    const neg = openness(dem, 'negative', { radiusMetres: 6 });
    expect(pos[centre]).toBeGreaterThan(neg[centre]);
    expect(pos[centre]).toBeGreaterThan(90);
    expect(pos[3 * 64 + 3]).toBeCloseTo(90, 5);
  });

  it('sky-view factor is 1 on flat ground and lower at the mound foot; local dominance peaks on the mound', () => {
    const svf = skyViewFactor(dem, { radiusMetres: 6 });
    expect(svf[3 * 64 + 3]).toBeCloseTo(1, 6);
    expect(svf[32 * 64 + 32 + 19]).toBeLessThan(0.99); // 9.5 m east: at the foot, looking up the mound
    const ld = localDominance(dem, { minRadius: 1, maxRadius: 6 });
    const flat = localDominance({ ...dem, data: new Float32Array(64 * 64).fill(100) }, { minRadius: 1, maxRadius: 6 });
    expect(ld[centre]).toBeGreaterThan(flat[centre] + 1);
  });

  it('nodata pixels give NaN and are left out of neighbours', () => {
    const zz = z.slice();
    zz[0] = -99999;
    const lrm = localRelief({ ...dem, data: zz, nodata: -99999 }, 4);
    expect(lrm[0]).toBeNaN();
    expect(Math.abs(lrm[1])).toBeLessThan(1e-6);
  });
});

describe('renderReliefPng', () => {
  it('writes a 64² PNG with a red circle outline around a candidate and transparent nodata', () => {
    const z = moundDem();
    z[0] = -99999;
    const buf = renderReliefPng(z, 64, 64, 'local-relief', { pixel: 0.5, nodata: -99999, radiusMetres: 8, circle: { col: 32, row: 32, radius: 22 } });
    const png = PNG.sync.read(buf);
    expect([png.width, png.height]).toEqual([64, 64]);
    const px = (c: number, r: number) => Array.from(png.data.subarray((r * 64 + c) * 4, (r * 64 + c) * 4 + 4));
    expect(px(54, 32)).toEqual([230, 30, 30, 255]);
    expect(px(0, 0)[3]).toBe(0);
    const [g] = px(32, 32);
    expect(g).toBe(255); // mound top is the brightest after the percentile stretch
  });
});
