import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrsError, InputError } from '../../engine/errors.ts';
import { grid as makeGrid, pixelCentre, type Grid, type Window } from '../../engine/geo/grid.ts';
import { inCore, planTiles, readWithMargin, type MosaicTile } from '../../engine/detect/tiling.ts';

/** In-memory tile cut from a global array `world` (worldW wide) at resolution res. */
function memTile(name: string, g: Grid, value: (x: number, y: number) => number): MosaicTile {
  return {
    file: name,
    grid: g,
    nodata: -99999,
    async readWindow(w: Window) {
      const out = new Float32Array(w.width * w.height);
      for (let r = 0; r < w.height; r++) for (let c = 0; c < w.width; c++) out[r * w.width + c] = value(...pixelCentre(g, w.col + c, w.row + r));
      return out;
    },
  };
}

function mosaic(nx: number, ny: number, px: number, res: number, value: (x: number, y: number) => number): MosaicTile[] {
  const tiles: MosaicTile[] = [];
  const size = px * res;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const g = makeGrid({ originX: 330000 + i * size, originY: 6712000 + (j + 1) * size, resX: res, resY: res, width: px, height: px, crs: 'EPSG:2154' });
      tiles.push(memTile(`t${i}_${j}`, g, value));
    }
  }
  return tiles;
}

const plane = (x: number, y: number) => 0.01 * (x - 330000) + 0.02 * (y - 6712000);

describe('planTiles / inCore', () => {
  it('every working pixel of a random mosaic lies in exactly one core, edges included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 8 }), (nx, ny, px, marginPx) => {
        const m = planTiles(mosaic(nx, ny, px, 0.5, plane), { marginMetres: marginPx * 0.5 });
        const size = px * 0.5;
        for (let r = 0; r < ny * px; r++) {
          for (let c = 0; c < nx * px; c++) {
            const x = 330000 + (c + 0.5) * 0.5;
            const y = 6712000 + ny * size - (r + 0.5) * 0.5;
            expect(m.jobs.filter((j) => inCore(j, x, y)).length).toBe(1);
          }
        }
        // points exactly on shared edges and corners also belong to one tile
        for (let i = 1; i < nx; i++) for (let j = 1; j < ny; j++) {
          expect(m.jobs.filter((job) => inCore(job, 330000 + i * size, 6712000 + j * size)).length).toBe(1);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('readWithMargin assembles neighbours seamlessly and NaN where there is no neighbour', async () => {
    const m = planTiles(mosaic(2, 2, 8, 0.5, plane), { marginMetres: 1.5 });
    const job = m.jobs[0]; // south-west tile: neighbours east and north, nothing west or south
    expect(job.margin).toBe(3);
    const a = await readWithMargin(m, job);
    const P = job.padded;
    for (let r = 0; r < P.height; r++) {
      for (let c = 0; c < P.width; c++) {
        const [x, y] = pixelCentre(P, c, r);
        const outside = x < 330000 || y < 6712000;
        if (outside) expect(a[r * P.width + c]).toBeNaN();
        else expect(a[r * P.width + c]).toBeCloseTo(plane(x, y), 4);
      }
    }
  });

  it('resamples a 0.25 m tile by area average and a 1 m tile bilinearly to 0.5 m', async () => {
    const fine = planTiles(mosaic(1, 1, 16, 0.25, plane), { marginMetres: 0 });
    expect([...fine.resampled.values()]).toEqual(['0.25 m, resampled to 0.5 m (area average)']);
    const a = await readWithMargin(fine, fine.jobs[0]);
    expect(a.length).toBe(64);
    // the mean of a plane over a pixel is its value at the centre
    expect(a[9]).toBeCloseTo(plane(...pixelCentre(fine.jobs[0].core, 1, 1)), 4);
    const coarse = planTiles(mosaic(1, 1, 4, 1, plane), { marginMetres: 0 });
    const b = await readWithMargin(coarse, coarse.jobs[0]);
    expect(b[3 * 8 + 3]).toBeCloseTo(plane(...pixelCentre(coarse.jobs[0].core, 3, 3)), 4);
  });

  it('rejects geographic CRSs, non-square pixels and out-of-range resolutions, naming the file', () => {
    const g = (p: Partial<Grid>) => makeGrid({ originX: 0, originY: 10, resX: 0.5, resY: 0.5, width: 20, height: 20, crs: 'EPSG:2154', ...p });
    expect(() => planTiles([memTile('geo.tif', g({ crs: 'EPSG:4326', resX: 0.5, resY: 0.5 }), plane)], { marginMetres: 0 })).toThrow(CrsError);
    expect(() => planTiles([memTile('rect.tif', g({ resY: 0.6 }), plane)], { marginMetres: 0 })).toThrow(/rect.tif: pixels are 0.5 × 0.6 m/);
    expect(() => planTiles([memTile('coarse.tif', g({ resX: 5, resY: 5 }), plane)], { marginMetres: 0 })).toThrow(InputError);
  });
});
