/**
 * groundScale: how many of a projected CRS's metres make a metre on the ground. It is measured
 * numerically (through proj4 and the ellipsoid); the expected values here come from the
 * projections' own definitions instead: UTM's central scale factor 0.9996, and the closed forms
 * of Web Mercator and PROJ's equirectangular projection on WGS 84, whose x is a·λ, so that east–west
 * a ground metre is a / (N cos φ) = √(1 − e² sin² φ) / cos φ of their metres.
 */
import { describe, expect, it } from 'vitest';
import { groundScale } from '../../engine/geo/crs.ts';

const A = 6378137;
const E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563);
const eastWest = (latDeg: number) => {
  const phi = (latDeg * Math.PI) / 180;
  return Math.sqrt(1 - E2 * Math.sin(phi) ** 2) / Math.cos(phi);
};

describe('groundScale', () => {
  it('UTM on its central meridian: 0.9996 both ways (the zone\'s defining scale factor)', () => {
    const { kx, ky } = groundScale('EPSG:32631', 500000, 5150000);
    expect(kx).toBeCloseTo(0.9996, 6);
    expect(ky).toBeCloseTo(0.9996, 6);
  });

  it('Web Mercator at 46° N: the spherical Mercator\'s a·λ over the ellipsoid\'s parallel', () => {
    // y of latitude 46° on the sphere of radius a (how EPSG:3857 is defined)
    const y = A * Math.log(Math.tan(Math.PI / 4 + (46 * Math.PI) / 360));
    const { kx } = groundScale('EPSG:3857', 250000, y);
    expect(kx).toBeCloseTo(eastWest(46), 4);
    expect(kx).toBeGreaterThan(1.43);
  });

  it('an equirectangular grid (EPSG:4087) stretches east–west far more than north–south', () => {
    // PROJ's eqc: x = a·λ, y = a·φ; north–south a ground metre is a / M (M: meridian radius)
    const y = 5096000;
    const lat = (y / A) * (180 / Math.PI);
    const phi = y / A;
    const { kx, ky } = groundScale('EPSG:4087', 250000, y);
    expect(kx).toBeCloseTo(eastWest(lat), 4);
    expect(ky).toBeCloseTo((1 - E2 * Math.sin(phi) ** 2) ** 1.5 / (1 - E2), 4);
  });
});
