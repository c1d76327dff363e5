import { describe, expect, it } from 'vitest';
import { evaluate } from '../../engine/detect/evaluate.ts';
import { checkLevels, f1Threshold, isotonic, levelOf } from '../../engine/detect/calibrate.ts';

describe('evaluation matching', () => {
  it('computes precision, recall and F1 by hand-checked greedy matching', () => {
    const truth = [
      { cls: 'mound', x: 0, y: 0, diameter: 10 },
      { cls: 'mound', x: 100, y: 0, diameter: 10 },
      { cls: 'mound', x: 200, y: 0, diameter: 10 },
      { cls: 'pit', x: 0, y: 100, diameter: 4 },
    ];
    const dets = [
      { cls: 'mound', x: 1, y: 1, score: 0.9 }, // TP (truth 0)
      { cls: 'mound', x: 2, y: 0, score: 0.8 }, // duplicate of truth 0: FP
      { cls: 'mound', x: 104, y: 0, score: 0.7 }, // 4 m: TP (truth 1)
      { cls: 'mound', x: 300, y: 0, score: 0.6 }, // FP
      { cls: 'pit', x: 0, y: 108, score: 0.5 }, // 8 m > 5 m tolerance: FP
      { cls: 'mound', x: 0, y: 100, score: 0.95 }, // right place, wrong class: FP
    ];
    const r = evaluate(truth, dets, { tolerance: 5, relative: 0.25 });
    // mound: tp 2, fp 3, fn 1 → P 2/5, R 2/3, F1 = 2·0.4·0.667/(1.067) = 0.5
    expect(r.classes.mound).toMatchObject({ tp: 2, fp: 3, fn: 1 });
    expect(r.classes.mound.precision).toBeCloseTo(0.4);
    expect(r.classes.mound.recall).toBeCloseTo(2 / 3);
    expect(r.classes.mound.f1).toBeCloseTo(0.5);
    expect(r.classes.pit).toMatchObject({ tp: 0, fp: 1, fn: 1, f1: 0 });
    expect([...r.matchOf]).toEqual([0, -1, 1, -1, -1, -1]);
  });

  it('the higher score takes the truth object; tolerance grows with the diameter', () => {
    const truth = [{ cls: 'enclosure', x: 0, y: 0, diameter: 80 }];
    const r = evaluate(truth, [
      { cls: 'enclosure', x: 15, y: 0, score: 0.3 },
      { cls: 'enclosure', x: 18, y: 0, score: 0.6 }, // 18 m ≤ 0.25·80 = 20 m
    ]);
    expect([...r.matchOf]).toEqual([-1, 0]);
  });
});

describe('calibration', () => {
  it('isotonic fit is non-decreasing and the F1 threshold splits hits from misses', () => {
    const s = [0.1, 0.15, 0.2, 0.3, 0.35, 0.5, 0.6, 0.7, 0.8, 0.9].flatMap((v, i) =>
      Array.from({ length: 10 }, (_, k) => ({ score: v + k * 0.001, hit: k < i + 1 })),
    );
    const t = isotonic(s, 10);
    for (let i = 1; i < t.length; i++) expect(t[i][1]).toBeGreaterThanOrEqual(t[i - 1][1]);
    const clean = [0.9, 0.8, 0.7, 0.3, 0.2].map((score, i) => ({ score, hit: i < 3 }));
    const f = f1Threshold(clean, 3);
    expect(f.f1).toBe(1);
    expect(f.threshold).toBeGreaterThan(0.3);
    expect(f.threshold).toBeLessThan(0.7);
  });

  it('levels follow the precision bands and the check counts true detections per level', () => {
    expect([0.1, 0.4, 0.7, 0.9].map((c) => levelOf(c))).toEqual(['doubtful', 'possible', 'probable', 'very_probable']);
    const c = checkLevels([
      { level: 'probable', hit: true }, { level: 'probable', hit: true }, { level: 'probable', hit: false },
      { level: 'very_probable', hit: true },
    ]);
    expect(c.find((l) => l.level === 'probable')).toMatchObject({ detections: 3, true: 2, inBand: true });
    expect(c.find((l) => l.level === 'very_probable')).toMatchObject({ detections: 1, inBand: true });
    expect(c.find((l) => l.level === 'doubtful')).toMatchObject({ detections: 0, inBand: false });
  });
});
