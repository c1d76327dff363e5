import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDetector } from '../../engine/detect/infer.ts';
import { capLevel, coarsen, parseScaleTest, riseContrast, scaleFactor, SCALE_TEST } from '../../engine/detect/scale-test.ts';

// Hand-made 0.5 m terrains of 400 × 400 m; the candidate at the centre (200, 200) m.
const N = 800;
const PX = 0.5;

/** z(x, y) on the grid (x east, y south, metres from the top-left corner), plus a fixed ±4 cm roughness. */
function terrain(f: (x: number, y: number) => number, rough = 0.04): Float32Array {
  const z = new Float32Array(N * N);
  let s = 12345;
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < N; c++) {
      s = (s * 1103515245 + 12345) % 2147483648; // fixed LCG: same surface every run
      z[r * N + c] = 100 + f((c + 0.5) * PX, (r + 0.5) * PX) + rough * (2 * (s / 2147483648) - 1);
    }
  }
  return z;
}

/** A 20 m burial mound, 1 m high, profile h (1 − (d/10)²)², centred at (200, 200). */
const mound = (x: number, y: number) => {
  const d = Math.hypot(x - 200, y - 200);
  return d < 10 ? (1 - (d / 10) ** 2) ** 2 : 0;
};
/** A drumlin: 300 m long (north–south), 110 m wide, 7 m high, a smooth elongated dome whose crest passes through (200, 200). */
const drumlin = (x: number, y: number) => {
  const t = ((x - 200) / 55) ** 2 + ((y - 200) / 150) ** 2;
  return t < 1 ? 7 * (1 - t) ** 1.5 : 0;
};

describe('mound scale test', () => {
  it('a 20 m mound on flat ground: own relief ≈ its mean height over the inner 5 m disk (0.77 m), kept', () => {
    const g = coarsen(terrain(mound), N, N, 4, PX);
    expect(g.cell).toBe(2);
    const m = riseContrast(g, 200, 200, 20);
    // mean of (1 − (d/10)²)² over d < 5 m is 4/3 · (1 − 0.75³) = 0.771
    expect(m.own).toBeGreaterThan(0.7);
    expect(m.own).toBeLessThan(0.85);
    expect(m.clutter).toBeLessThan(0.03);
    expect(scaleFactor(m.contrast)).toBe(1);
  });

  it('the same mound on the crest of a 300 m drumlin: the drumlin is the trend, the mound is kept', () => {
    const g = coarsen(terrain((x, y) => drumlin(x, y) + mound(x, y)), N, N, 4, PX);
    const m = riseContrast(g, 200, 200, 20);
    expect(m.own).toBeGreaterThan(0.65);
    expect(m.own).toBeLessThan(0.9);
    expect(scaleFactor(m.contrast)).toBe(1);
  });

  it('the same mound on the flank of the drumlin is kept', () => {
    const g = coarsen(terrain((x, y) => drumlin(x, y) + mound(x + 30, y)), N, N, 4, PX);
    const m = riseContrast(g, 170, 200, 20);
    expect(m.own).toBeGreaterThan(0.6);
    expect(scaleFactor(m.contrast)).toBe(1);
  });

  it('the bare drumlin crest, seen as a 20 m candidate, has no relief of its own: demoted', () => {
    const g = coarsen(terrain(drumlin), N, N, 4, PX);
    const m = riseContrast(g, 200, 200, 20);
    // relative to a 100 m mean the crest stands 4–5 m high (what a local relief model sees);
    // relative to the quadratic trend of its 14–26 m ring, a few centimetres
    expect(Math.abs(m.own)).toBeLessThan(0.05);
    expect(m.contrast).toBeLessThan(1);
    // score factor from 0.5 + 0.5 · 1 / 1.5 = 0.83 down
    expect(scaleFactor(m.contrast)).toBeLessThan(0.84);
    expect(scaleFactor(m.contrast)).toBeGreaterThanOrEqual(SCALE_TEST.minFactor);
  });

  it('a knob as rough as the ground around it is demoted, the same knob on smooth ground is not', () => {
    // ±0.3 m hummocky ground (sum of sines of 9–14 m wavelength) around a 0.2 m, 16 m knob
    const hummocks = (x: number, y: number) => 0.15 * Math.sin(x / 1.5) * Math.cos(y / 2.2) + 0.15 * Math.sin((x + y) / 1.9);
    const knob = (x: number, y: number) => {
      const d = Math.hypot(x - 200, y - 200);
      return d < 8 ? 0.2 * (1 - (d / 8) ** 2) ** 2 : 0;
    };
    const rough = riseContrast(coarsen(terrain((x, y) => hummocks(x, y) + knob(x, y)), N, N, 4, PX), 200, 200, 16);
    const smooth = riseContrast(coarsen(terrain(knob), N, N, 4, PX), 200, 200, 16);
    expect(rough.clutter).toBeGreaterThan(0.1);
    expect(smooth.clutter).toBeLessThan(0.03);
    expect(rough.contrast).toBeLessThan(1.5);
    expect(scaleFactor(rough.contrast)).toBeLessThan(1);
    expect(scaleFactor(smooth.contrast)).toBe(1);
  });

  it('score factor: 1 at and above c1, linear down to minFactor at contrast ≤ 0, 1 when unknown', () => {
    const p = { c1: 2, minFactor: 0.5, clutterFloor: 0.03 };
    expect(scaleFactor(2, p)).toBe(1);
    expect(scaleFactor(5, p)).toBe(1);
    expect(scaleFactor(1, p)).toBeCloseTo(0.75, 12);
    expect(scaleFactor(0, p)).toBe(0.5);
    expect(scaleFactor(-3, p)).toBe(0.5);
    expect(scaleFactor(Number.NaN, p)).toBe(1);
  });

  it('too little ground around (edge of the data): no measure, candidate left alone', () => {
    const z = new Float32Array(N * N).fill(Number.NaN);
    const g = coarsen(z, N, N, 4, PX);
    expect(Number.isNaN(riseContrast(g, 200, 200, 20).contrast)).toBe(true);
  });

  it('block means skip NaN pixels', () => {
    const z = new Float32Array([1, 2, 3, Number.NaN, 5, 6, Number.NaN, Number.NaN]);
    const g = coarsen(z, 4, 2, 2, 0.5);
    expect(g.width).toBe(2);
    expect(g.height).toBe(1);
    expect(g.cell).toBe(1);
    expect(Array.from(g.z)).toEqual([(1 + 2 + 5 + 6) / 4, 3]);
  });

  it('--scale-test option', () => {
    expect(parseScaleTest(undefined)).toBeUndefined();
    expect(parseScaleTest('off')).toBeNull();
    expect(parseScaleTest('2.5,0.3')).toEqual({ c1: 2.5, minFactor: 0.3, clutterFloor: SCALE_TEST.clutterFloor });
    expect(parseScaleTest('1.5,1,0.03,2.5')).toEqual({ c1: 1.5, minFactor: 1, clutterFloor: 0.03, levelCap: 2.5 });
    expect(() => parseScaleTest('x')).toThrow(/--scale-test/);
    expect(() => parseScaleTest('1.5,1,0.03,-1')).toThrow(/LEVELCAP/);
  });

  it('level cap: a « very probable » mound under the cap contrast becomes « probable », nothing else moves', () => {
    const p = { c1: 1.5, minFactor: 1, clutterFloor: 0.03, levelCap: 2.5 };
    expect(capLevel('very_probable', 2.4, p)).toBe('probable');
    expect(capLevel('very_probable', 2.5, p)).toBe('very_probable');
    expect(capLevel('very_probable', Number.NaN, p)).toBe('very_probable');
    expect(capLevel('possible', 0, p)).toBe('possible');
    expect(capLevel('very_probable', 0, { c1: 1.5, minFactor: 1, clutterFloor: 0.03 })).toBe('very_probable');
    // minFactor 1: the score is never changed
    expect(scaleFactor(0, p)).toBe(1);
  });

  it('the detector applies the scale test its calibration was fitted after, and none when the file names none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-scale-'));
    const base = { version: 1, floor: 0.2, bands: { possible: 0.35, probable: 0.6, very_probable: 0.85 }, classes: {} };
    writeFileSync(join(dir, 'with.json'), JSON.stringify({ ...base, scale_test: { c1: 2, minFactor: 0.4, clutterFloor: 0.05 } }));
    writeFileSync(join(dir, 'off.json'), JSON.stringify({ ...base, scale_test: 'off' }));
    writeFileSync(join(dir, 'old.json'), JSON.stringify(base));
    const seen: unknown[] = [];
    for (const f of ['with.json', 'off.json', 'old.json']) {
      const det = await loadDetector({ calibrationPath: join(dir, f), workers: 0 });
      seen.push(det.scaleTest);
      await det.close();
    }
    expect(seen).toEqual([{ c1: 2, minFactor: 0.4, clutterFloor: 0.05 }, null, null]);
    const det = await loadDetector({ calibrationPath: join(dir, 'old.json'), workers: 0, scaleTest: { c1: 1, minFactor: 0.5, clutterFloor: 0.03 } });
    expect(det.scaleTest).toEqual({ c1: 1, minFactor: 0.5, clutterFloor: 0.03 });
    await det.close();
  });
});
