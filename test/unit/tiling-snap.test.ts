/**
 * Mosaics whose tiles are not a whole number of working pixels (0.7 m or 1.3 m data, odd
 * origins) still get cores that partition the mosaic: every working pixel centre inside the
 * mosaic belongs to exactly one core.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inCore, planTiles, type MosaicTile } from '../../engine/detect/tiling.ts';
import { grid } from '../../engine/geo/grid.ts';

function tile(col: number, row: number, px: number, res: number, x0: number, y0: number): MosaicTile {
  const g = grid({ originX: x0 + col * px * res, originY: y0 - row * px * res, resX: res, resY: res, width: px, height: px, crs: 'EPSG:2154' });
  return { file: `t${col}_${row}.tif`, grid: g, nodata: null, readWindow: async (w) => new Float32Array(w.width * w.height) };
}

describe('planTiles with extents that are not whole working pixels', () => {
  it('keeps cores a partition of the mosaic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 5, max: 23 }),
        fc.constantFrom(0.3, 0.7, 1.3, 1.9),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (nx, ny, px, res, frac) => {
          const x0 = 700000 + frac * 3.3;
          const y0 = 6600000 - frac * 1.7;
          const tiles = [];
          for (let r = 0; r < ny; r++) for (let c = 0; c < nx; c++) tiles.push(tile(c, r, px, res, x0, y0));
          const m = planTiles(tiles, { marginMetres: 2 });
          const w = 0.5;
          const span = [x0, y0 - ny * px * res, x0 + nx * px * res, y0];
          for (let y = Math.ceil(span[1] / w) * w + w / 2; y < span[3] - w; y += w) {
            for (let x = Math.ceil(span[0] / w) * w + w / 2; x < span[2] - w; x += w) {
              const owners = m.jobs.filter((j) => inCore(j, x, y)).length;
              if (owners !== 1) return false;
            }
          }
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects a tile smaller than one working pixel with a message naming it', () => {
    expect(() => planTiles([tile(0, 0, 1, 0.3, 700000.3, 6600000)], { marginMetres: 0 })).toThrow(/t0_0\.tif: extent .* smaller than one 0\.5 m working pixel/);
  });
});
