/**
 * A 25 m terrain model of the region, shared by the flood zones (vectors) and the hazard rasters so
 * that both describe the same floods: land mask, distances to the sea and to the rivers, ground
 * elevation. Flood depth per scenario is a plain function of these fields.
 */
import { grid as makeGrid, type Grid } from '../../../engine/geo/grid.ts';
import { valueNoise2D } from '../rng.ts';
import { distanceTransform } from './edt.ts';
import { REGION_BBOX, type Geography } from './geography.ts';

export const TERRAIN_RES = 25;

export interface Terrain {
  readonly grid: Grid;
  readonly land: Uint8Array;
  /** metres to the nearest sea pixel */
  readonly dCoast: Float32Array;
  /** metres to the nearest river pixel */
  readonly dRiver: Float32Array;
  /** ground elevation in metres (sea pixels: -5) */
  readonly elevation: Float32Array;
  /** height of the ground above the nearest river's water line: the reference for overflow depths */
  readonly aboveRiver: Float32Array;
}

/** TRI scenarios, frequent → rare; water levels in metres above the river bed / the coast. */
export const SCENARIOS = ['01For', '02Moy', '03Mcc', '04Fai'] as const;
export type Scenario = (typeof SCENARIOS)[number];
const RIVER_LEVEL = [0.6, 1.5, 2.0, 3.0];
const SEA_LEVEL = [0.6, 1.3, 1.9, 2.6];
const RIVER_REACH = 2500;
const SEA_REACH = 5000;

export function buildTerrain(geo: Geography): Terrain {
  const g = makeGrid({
    originX: REGION_BBOX.minx,
    originY: REGION_BBOX.maxy,
    resX: TERRAIN_RES,
    resY: TERRAIN_RES,
    width: (REGION_BBOX.maxx - REGION_BBOX.minx) / TERRAIN_RES,
    height: (REGION_BBOX.maxy - REGION_BBOX.miny) / TERRAIN_RES,
    crs: 'EPSG:2154',
  });
  const { width: w, height: h } = g;
  const land = new Uint8Array(w * h);
  const sea = new Uint8Array(w * h);
  for (let c = 0; c < w; c++) {
    const cy = geo.coastY(g.originX + (c + 0.5) * TERRAIN_RES);
    for (let r = 0; r < h; r++) {
      const y = g.originY - (r + 0.5) * TERRAIN_RES;
      if (y > cy) land[r * w + c] = 1;
      else sea[r * w + c] = 1;
    }
  }
  const riverMask = new Uint8Array(w * h);
  for (const river of geo.rivers) {
    for (let i = 1; i < river.line.length; i++) {
      const [x0, y0] = river.line[i - 1];
      const [x1, y1] = river.line[i];
      const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0) / (TERRAIN_RES / 2));
      for (let s = 0; s <= steps; s++) {
        const c = Math.floor((x0 + ((x1 - x0) * s) / steps - g.originX) / TERRAIN_RES);
        const r = Math.floor((g.originY - (y0 + ((y1 - y0) * s) / steps)) / TERRAIN_RES);
        if (c >= 0 && c < w && r >= 0 && r < h) riverMask[r * w + c] = 1;
      }
    }
  }
  const dCoast = distanceTransform(sea, w, h);
  const dRiver = distanceTransform(riverMask, w, h);
  for (let i = 0; i < w * h; i++) {
    dCoast[i] *= TERRAIN_RES;
    dRiver[i] *= TERRAIN_RES;
  }

  const hillNoise = valueNoise2D(geo.seed + 201, 4);
  const microNoise = valueNoise2D(geo.seed + 202, 2);
  const hills = coarseField((x, y) => hillNoise(x / 8000, y / 8000));
  const micro = coarseField((x, y) => microNoise(x / 700, y / 700));
  const shore = valueNoise2D(geo.seed + 203, 2);
  const elevation = new Float32Array(w * h);
  const aboveRiver = new Float32Array(w * h);
  for (let c = 0; c < w; c++) {
    const x = g.originX + (c + 0.5) * TERRAIN_RES;
    // Cliffs in places, marshes in others; the bay and the estuary are always low and flat.
    const s = 0.5 + 0.5 * shore(x / 6000, 0.5);
    const marsh = Math.max(Math.exp(-(((x - geo.bayX) / 2500) ** 2)), Math.exp(-(((x - geo.estuaryX) / 1500) ** 2)));
    const coastSlope = (0.0015 + 0.025 * s * s) * (1 - 0.9 * marsh);
    for (let r = 0; r < h; r++) {
      const i = r * w + c;
      if (!land[i]) {
        elevation[i] = -5;
        continue;
      }
      const y = g.originY - (r + 0.5) * TERRAIN_RES;
      const north = (y - REGION_BBOX.miny) / (REGION_BBOX.maxy - REGION_BBOX.miny);
      const inland = smoothstep(0, 4000, dCoast[i]);
      const upland = Math.min(dCoast[i] * coastSlope, 15) + inland * (20 + 110 * north + 45 * hills(x, y));
      const riverBed = Math.max(0, (y - 6700000) / 30000) * 70;
      const rise = dRiver[i] * (0.0025 + 0.006 * north);
      const wobble = 0.4 * micro(x, y);
      const e = Math.min(upland, riverBed + rise) + wobble;
      elevation[i] = Math.max(0.1, e);
      // Where the upland is lower than the bed far up the valley (near the sea), the pixel is
      // still no lower above the river than the valley side would be: no phantom deep water.
      aboveRiver[i] = Math.max(e - riverBed, rise + wobble);
    }
  }
  return { grid: g, land, dCoast, dRiver, elevation, aboveRiver };
}

/** Overflow (01) and marine-submersion (03) water depths in metres for one scenario. */
export function floodDepths(t: Terrain, scenario: Scenario): { river: Float32Array; marine: Float32Array } {
  const k = SCENARIOS.indexOf(scenario);
  const n = t.land.length;
  const river = new Float32Array(n);
  const marine = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (!t.land[i]) continue;
    if (t.dRiver[i] < RIVER_REACH) river[i] = Math.max(0, RIVER_LEVEL[k] - t.aboveRiver[i]);
    if (t.dCoast[i] < SEA_REACH) marine[i] = Math.max(0, SEA_LEVEL[k] - t.elevation[i]);
  }
  return { river, marine };
}

/** Where overflow (01) and marine submersion (03) reach: the pixels where floodDepths is > 0. */
export function floodMasks(t: Terrain, scenario: Scenario): { river: Uint8Array; marine: Uint8Array } {
  const k = SCENARIOS.indexOf(scenario);
  const n = t.land.length;
  const river = new Uint8Array(n);
  const marine = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (!t.land[i]) continue;
    if (t.dRiver[i] < RIVER_REACH && t.aboveRiver[i] < RIVER_LEVEL[k]) river[i] = 1;
    if (t.dCoast[i] < SEA_REACH && t.elevation[i] < SEA_LEVEL[k]) marine[i] = 1;
  }
  return { river, marine };
}

/** Value of a terrain field at a Lambert-93 point (nearest pixel; NaN outside the grid). */
export function sampleAt(t: Terrain, field: Float32Array | Uint8Array, x: number, y: number): number {
  const c = Math.floor((x - t.grid.originX) / TERRAIN_RES);
  const r = Math.floor((t.grid.originY - y) / TERRAIN_RES);
  if (c < 0 || r < 0 || c >= t.grid.width || r >= t.grid.height) return NaN;
  return field[r * t.grid.width + c];
}

/**
 * A smooth field sampled every 100 m over the region and interpolated bilinearly: value noise
 * per 25 m pixel was the bulk of the terrain's cost, and these fields vary over kilometres.
 */
function coarseField(f: (x: number, y: number) => number): (x: number, y: number) => number {
  const step = 100;
  const nx = (REGION_BBOX.maxx - REGION_BBOX.minx) / step + 1;
  const ny = (REGION_BBOX.maxy - REGION_BBOX.miny) / step + 1;
  const v = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) v[j * nx + i] = f(REGION_BBOX.minx + i * step, REGION_BBOX.miny + j * step);
  return (x, y) => {
    const fx = Math.min(Math.max((x - REGION_BBOX.minx) / step, 0), nx - 1.000001);
    const fy = Math.min(Math.max((y - REGION_BBOX.miny) / step, 0), ny - 1.000001);
    const i = Math.floor(fx);
    const j = Math.floor(fy);
    const tx = fx - i;
    const ty = fy - j;
    const a = v[j * nx + i];
    const b = v[j * nx + i + 1];
    const c = v[(j + 1) * nx + i];
    const d = v[(j + 1) * nx + i + 1];
    return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
  };
}

function smoothstep(a: number, b: number, v: number): number {
  const t = Math.min(1, Math.max(0, (v - a) / (b - a)));
  return t * t * (3 - 2 * t);
}
