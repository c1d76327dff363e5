import { describe, expect, it } from 'vitest';
import { distanceNms, extractPeaks, localMaxima, type MapSet } from '../../engine/detect/peaks.ts';

function maps(w: number, h: number, classes: number, set: [number, number, number, number][]): MapSet {
  const data = new Float32Array((classes + 3) * w * h);
  for (const [k, c, r, v] of set) data[k * w * h + r * w + c] = v;
  return { data, width: w, height: h, classes };
}

describe('peak extraction', () => {
  it('keeps only 3×3 local maxima above the threshold, per class', () => {
    const m = maps(10, 10, 2, [
      [0, 2, 2, 0.9], [0, 3, 2, 0.5], // 0.5 is a neighbour of 0.9: not a peak
      [0, 7, 7, 0.4],
      [0, 5, 5, 0.1], // under the threshold
      [1, 3, 2, 0.6], // other class at the same place: kept
    ]);
    const p = localMaxima(m, 0.2);
    expect(p.map((q) => [q.cls, q.col - 0.5, q.row - 0.5, q.score]).sort()).toEqual(
      [[0, 2, 2, 0.9], [0, 7, 7, 0.4], [1, 3, 2, 0.6]].map(([k, c, r, v]) => [k, c, r, Math.fround(v)]).sort(),
    );
  });

  it('a flat plateau yields a single peak', () => {
    const m = maps(6, 6, 1, [[0, 2, 2, 0.7], [0, 3, 2, 0.7], [0, 2, 3, 0.7], [0, 3, 3, 0.7]]);
    expect(localMaxima(m, 0.5)).toHaveLength(1);
  });

  it('applies sub-cell offsets and sizes from the regression channels', () => {
    const m = maps(5, 5, 4, [[2, 1, 3, 0.8]]);
    const plane = 25;
    m.data[4 * plane + 3 * 5 + 1] = Math.log(20);
    m.data[5 * plane + 3 * 5 + 1] = 0.25;
    m.data[6 * plane + 3 * 5 + 1] = -0.5;
    const [p] = localMaxima(m, 0.5);
    expect(p.cls).toBe(2);
    expect(p.col).toBeCloseTo(1.75);
    expect(p.row).toBeCloseTo(3.0);
    expect(p.diameter).toBeCloseTo(20);
  });

  it('distance NMS removes weaker same-class peaks within the radius, not other classes', () => {
    const peaks = [
      { cls: 0, col: 10, row: 10, score: 0.9, diameter: 40 }, // radius 0.5·40/4 = 5 cells
      { cls: 0, col: 13, row: 10, score: 0.6, diameter: 8 }, // 3 cells away: removed
      { cls: 0, col: 16, row: 10, score: 0.5, diameter: 8 }, // 6 cells away: kept
      { cls: 1, col: 11, row: 10, score: 0.4, diameter: 8 }, // other class: kept
    ];
    const kept = distanceNms(peaks, { cellSize: 4, nmsFactor: 0.5, minDistance: 1.5 });
    expect(kept.map((p) => p.score)).toEqual([0.9, 0.5, 0.4]);
  });

  it('extractPeaks combines both steps', () => {
    const m = maps(20, 20, 1, [[0, 5, 5, 0.9], [0, 7, 5, 0.8], [0, 15, 15, 0.3]]);
    const out = extractPeaks(m, { threshold: 0.2, minDistance: 3 });
    expect(out.map((p) => p.score)).toEqual([Math.fround(0.9), Math.fround(0.3)]);
  });
});
