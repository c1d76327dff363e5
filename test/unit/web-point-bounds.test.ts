import { describe, expect, it } from 'vitest';
import { pointBounds } from '../../web/src/lib/basemapStyle.ts';

/** Deterministic points spread evenly in a box. */
function grid(n: number, [w, s, e, north]: [number, number, number, number]): number[] {
  const out: number[] = [];
  const side = Math.ceil(Math.sqrt(n));
  for (let i = 0; i < n; i++) out.push(w + ((i % side) / (side - 1)) * (e - w), s + (Math.floor(i / side) / (side - 1)) * (north - s));
  return out;
}

describe('initial map bounds from the monuments', () => {
  it('frames every point of a region', () => {
    const b = pointBounds(new Float32Array(grid(2500, [-3.2, 47.5, -2.6, 47.9])))!;
    expect(b[0]).toBeCloseTo(-3.2, 5);
    expect(b[1]).toBeCloseTo(47.5, 5);
    expect(b[2]).toBeCloseTo(-2.6, 5);
    expect(b[3]).toBeCloseTo(47.9, 5);
  });

  it('frames metropolitan France, not the ocean between it and the overseas monuments', () => {
    // In the proportions of the national Mérimée base: 45,000 in metropolitan France, about
    // 250 in the Antilles and Saint-Pierre-et-Miquelon, 130 in La Réunion.
    const pts = [
      ...grid(45000, [-4.8, 41.4, 9.5, 51.1]),
      ...grid(230, [-61.8, 14.4, -60.8, 16.5]),
      ...grid(13, [-56.4, 46.7, -56.1, 47.1]),
      ...grid(130, [55.2, -21.4, 55.8, -20.9]),
    ];
    const [w, s, e, n] = pointBounds(pts)!;
    expect(w).toBeGreaterThan(-7);
    expect(w).toBeLessThan(-4.5);
    expect(e).toBeGreaterThan(9);
    expect(e).toBeLessThan(11.5);
    expect(s).toBeGreaterThan(40);
    expect(s).toBeLessThan(42);
    expect(n).toBeGreaterThan(50.5);
    expect(n).toBeLessThan(52);
  });

  it('is null without points', () => {
    expect(pointBounds([])).toBeNull();
  });
});
