import { describe, expect, it } from 'vitest';
import { f1Threshold, isotonic } from '../../engine/detect/calibrate.ts';
import { grid as makeGrid } from '../../engine/geo/grid.ts';
import { effectiveAreaKm2, plantFeatures, type Planted, REAL_SOURCES, type Part } from '../../pipelines/bench/real-terrain-data.ts';

describe('weighted calibration', () => {
  it('isotonic blocks average hits by weight (hand count)', () => {
    const low = Array.from({ length: 10 }, () => ({ score: 0.1, hit: false }));
    // 5 hits weighing 3 and 5 misses weighing 1: 15 / 20 = 0.75 (0.5 unweighted)
    const high = Array.from({ length: 10 }, (_, i) => ({ score: 0.9, hit: i < 5, w: i < 5 ? 3 : 1 }));
    const close = (got: [number, number][], want: [number, number][]) => {
      expect(got.length).toBe(want.length);
      got.forEach(([s, q], i) => { expect(s).toBeCloseTo(want[i][0], 12); expect(q).toBeCloseTo(want[i][1], 12); });
    };
    close(isotonic([...low, ...high], 10), [[0.1, 0], [0.9, 0.75]]);
    close(isotonic([...low, ...high.map(({ score, hit }) => ({ score, hit }))], 10), [[0.1, 0], [0.9, 0.5]]);
  });

  it('the F1 threshold counts weighted hits against weighted truth', () => {
    // weight 2: one hit at 0.8 and one miss at 0.6 against 2 weighted truth objects.
    // At 0.8: P = 1, R = 2/2 → F1 1; adding the miss would lower it.
    const f = f1Threshold([{ score: 0.8, hit: true, w: 2 }, { score: 0.6, hit: false, w: 2 }], 2);
    expect(f.f1).toBe(1);
    expect(f.threshold).toBeCloseTo(0.7, 10);
  });
});

function flatPart(widthPx: number, heightPx: number, z = 100, sourceRes = 0.5): Part {
  const grid = makeGrid({ originX: 1000, originY: 5000, resX: 0.5, resY: 0.5, width: widthPx, height: heightPx, crs: 'EPSG:2154' });
  return { source: REAL_SOURCES[0], part: 'bench', grid, z: new Float32Array(widthPx * heightPx).fill(z), sourceRes };
}

describe('real-terrain parts', () => {
  it('usable area leaves out a 10 m ring along edges and around nodata (hand count)', () => {
    const p = flatPart(100, 100);
    // 20 px (10 m) off every edge: 60 × 60 px of 0.25 m²
    expect(effectiveAreaKm2(p)).toBeCloseTo((60 * 60 * 0.25) / 1e6, 12);
    p.z[50 * 100 + 50] = Number.NaN;
    // the hole takes a 41 × 41 px square (all inside the 60 × 60 interior)
    expect(effectiveAreaKm2(p)).toBeCloseTo(((3600 - 41 * 41) * 0.25) / 1e6, 12);
  });

  it('plants features additively, deterministically, away from nodata, and no kiln on flat ground', () => {
    const p = flatPart(1000, 1000); // 500 × 500 m, flat at 100 m
    p.z.fill(Number.NaN, 0, 1000 * 40); // 20 m of nodata along the north edge
    const a = plantFeatures(p, { seed: 7, density: 60 });
    const b = plantFeatures(p, { seed: 7, density: 60 });
    expect(a.truth).toEqual(b.truth);
    expect(a.truth.length).toBe(Math.round(60 * 0.25));
    expect(a.truth.filter((t) => t.cls === 'kiln')).toEqual([]);
    for (const t of a.truth) {
      // the object plus a 12 m ring lies on data
      expect(5000 - t.y).toBeGreaterThan(20 + t.reach + 12 - 1e-6);
      const col = Math.floor((t.x - 1000) / 0.5);
      const row = Math.floor((5000 - t.y) / 0.5);
      const dz = a.z[row * 1000 + col] - 100;
      if (t.cls === 'mound' && t.variant !== 'robbed') expect(dz).toBeGreaterThan(0);
      if (t.cls === 'pit') expect(dz).toBeLessThan(0);
    }
    // the terrain is untouched farther than reach + 4 m + 0.4 × 20 m (blur room) from every feature
    let changedFar = 0;
    for (let r = 40; r < 1000; r += 7) {
      for (let c = 0; c < 1000; c += 7) {
        const x = 1000 + (c + 0.5) * 0.5;
        const y = 5000 - (r + 0.5) * 0.5;
        if (a.truth.every((t) => Math.hypot(t.x - x, t.y - y) > t.reach * 1.42 + 13) && a.z[r * 1000 + c] !== 100) changedFar++;
      }
    }
    expect(changedFar).toBe(0);
    // nodata stays nodata
    expect(Number.isNaN(a.z[10 * 1000 + 500])).toBe(true);
  });

  it('plants features as a coarser source records them: the same layout, volume kept, bilinear between 2 m pixel centres', () => {
    const fine = plantFeatures(flatPart(600, 600, 100, 2), { seed: 11, density: 80 });
    const coarse = plantFeatures(flatPart(600, 600, 100, 2), { seed: 11, density: 80, nativeResolution: true });
    const layout = (t: Planted[]) => t.map(({ prominence: _, ...rest }) => rest);
    expect(layout(coarse.truth)).toEqual(layout(fine.truth));
    expect(coarse.truth.length).toBeGreaterThan(5);
    // on a 0.5 m source the option changes nothing
    expect(plantFeatures(flatPart(600, 600), { seed: 11, density: 80, nativeResolution: true }).z).toEqual(plantFeatures(flatPart(600, 600), { seed: 11, density: 80 }).z);
    // volume: block means then bilinear with symmetric offsets keep the sum (hand: a tent sampled
    // at 4 symmetric points per unit sums to 4)
    let vf = 0;
    let vc = 0;
    for (let i = 0; i < fine.z.length; i++) { vf += fine.z[i] - 100; vc += coarse.z[i] - 100; }
    expect(Math.abs(vc - vf)).toBeLessThan(1e-3 * Math.max(1, Math.abs(vf)) + 0.5);
    // between two 2 m pixel centres (0.5 m columns 4i+2 … 4i+5 of a row) the relief is linear:
    // equal steps, as bilinear interpolation of 2 m pixels gives — and not so at 0.5 m detail
    const kinks = (z: Float32Array) => {
      let n = 0;
      for (let r = 0; r < 600; r += 3) {
        for (let i = 0; 4 * i + 5 < 600; i++) {
          const o = r * 600 + 4 * i + 2;
          const d1 = z[o + 1] - z[o];
          const d2 = z[o + 2] - z[o + 1];
          const d3 = z[o + 3] - z[o + 2];
          if (Math.abs(d1 - d2) > 1e-4 || Math.abs(d2 - d3) > 1e-4) n++;
        }
      }
      return n;
    };
    expect(kinks(coarse.z)).toBe(0);
    expect(kinks(fine.z)).toBeGreaterThan(100);
    // a pit recorded by 2 m pixels is shallower than the same pit stamped at 0.5 m
    for (const t of coarse.truth.filter((t) => t.cls === 'pit' && t.diameter < 6)) {
      const i = Math.floor((5000 - t.y) / 0.5) * 600 + Math.floor((t.x - 1000) / 0.5);
      expect(coarse.z[i]).toBeGreaterThan(fine.z[i]);
    }
  });

  it('rates how far each feature stands out of its ground: its relief over the ground\'s own RMS relief (hand-built ground)', () => {
    // ground: a checkerboard of 1 m squares at ±0.1 m around 100 m — its relief against a 20 m
    // mean is ±0.1 m everywhere (RMS 0.1 m, hand) — and the same part exactly flat
    const rough = flatPart(600, 600);
    for (let r = 0; r < 600; r++) for (let c = 0; c < 600; c++) rough.z[r * 600 + c] = 100 + ((Math.floor(r / 2) + Math.floor(c / 2)) % 2 ? 0.1 : -0.1);
    const a = plantFeatures(rough, { seed: 5, density: 60 });
    expect(a.truth.length).toBeGreaterThan(3);
    for (const t of a.truth) {
      // the feature's own relief: the largest change planting made within its reach
      let signal = 0;
      for (let r = 0; r < 600; r++) {
        for (let c = 0; c < 600; c++) {
          if (Math.hypot(1000 + (c + 0.5) * 0.5 - t.x, 5000 - (r + 0.5) * 0.5 - t.y) <= t.reach) signal = Math.max(signal, Math.abs(a.z[r * 600 + c] - rough.z[r * 600 + c]));
        }
      }
      expect(t.prominence).toBeCloseTo(signal / 0.1, 0);
    }
    // on flat ground the floor of 1 cm holds: prominence is the relief in centimetres
    const flat = plantFeatures(flatPart(600, 600), { seed: 5, density: 60 });
    for (const t of flat.truth) expect(Number.isFinite(t.prominence) && t.prominence > 5).toBe(true);
    // the same layout on both grounds: a mound of the same relief stands out ten times more on flat ground
    expect(flat.truth.map((t) => t.x)).toEqual(a.truth.map((t) => t.x));
  });
});
