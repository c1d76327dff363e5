/** Local precision: counted per 10 km square and level, shown from 20 decisive verdicts on. */
import { describe, expect, it } from 'vitest';
import { LOCAL_MIN_VERDICTS, localPrecision, localPrecisionAt, zoneOf } from '../../engine/review/local-precision.ts';

describe('zoneOf', () => {
  it('names the 10 km square by its west and north edges in km, like LiDAR HD tiles', () => {
    expect(zoneOf(200_000, 6_800_000.5)).toBe('0200_6810');
    expect(zoneOf(209_999.9, 6_809_999.9)).toBe('0200_6810');
    expect(zoneOf(210_000, 6_810_000)).toBe('0210_6820');
  });
});

describe('localPrecision', () => {
  const at = (k: number, decision: string | null, level = 'probable', confidence = 0.7) =>
    ({ x: 201_000 + k, y: 6_801_000, level, confidence, decision });

  it('gives oui / (oui + non) once 20 decisive verdicts exist, with the mean calibrated confidence', () => {
    const items = [
      ...Array.from({ length: 15 }, (_, k) => at(k, 'oui', 'probable', 0.8)),
      ...Array.from({ length: 10 }, (_, k) => at(100 + k, 'non', 'probable', 0.6)),
      ...Array.from({ length: 4 }, (_, k) => at(200 + k, 'peut_etre')),
      ...Array.from({ length: 30 }, (_, k) => at(300 + k, null)),
    ];
    const p = localPrecisionAt(localPrecision(items), 201_500, 6_801_500, 'probable')!;
    // 15 / 25 confirmed; promised (15 × 0.8 + 10 × 0.6) / 25 = 0.72
    expect(p).toEqual({ zone: '0200_6810', level: 'probable', verdicts: 25, oui: 15, non: 10, peut_etre: 4, observed: 0.6, calibrated: 0.72 });
  });

  it('keeps the share hidden below the threshold, and levels and squares apart', () => {
    const items = [
      ...Array.from({ length: LOCAL_MIN_VERDICTS - 1 }, (_, k) => at(k, 'oui', 'possible')),
      ...Array.from({ length: 25 }, (_, k) => ({ ...at(k, 'non', 'possible'), x: 215_000 })),
    ];
    const stats = localPrecision(items);
    expect(localPrecisionAt(stats, 201_000, 6_801_000, 'possible')).toMatchObject({ verdicts: 19, observed: null });
    expect(localPrecisionAt(stats, 215_000, 6_801_000, 'possible')).toMatchObject({ zone: '0210_6810', verdicts: 25, observed: 0 });
    expect(localPrecisionAt(stats, 201_000, 6_801_000, 'probable')).toBeNull();
  });
});
