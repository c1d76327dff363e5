import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { transformer } from '../../engine/geo/crs.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { grid, type Grid } from '../../engine/geo/grid.ts';
import { planSamples, samplePoints } from '../../engine/geo/sample-points.ts';
import { mulberry32 } from '../../pipelines/bench/synthetic.ts';

const G = grid({ originX: 600000, originY: 6700000, resX: 7, resY: 7, width: 300, height: 260, crs: 'EPSG:2154' });
let path = '';
let data: Float32Array;

beforeAll(() => {
  const rnd = mulberry32(7);
  data = new Float32Array(G.width * G.height).map(() => (rnd() < 0.05 ? -9999 : Math.fround(rnd() * 100)));
  path = join(mkdtempSync(join(tmpdir(), 'vigie-sampler-')), 'r.tif');
  writeFileSync(path, writeGeoTiff(data, G, { cog: true, tileSize: 64, nodata: -9999 }));
});

/** The reference: one pixel read per point from the full array, no grouping. */
function direct(g: Grid, x: number, y: number, radius: number) {
  const col = Math.floor((x - g.originX) / g.resX);
  const row = Math.floor((g.originY - y) / g.resY);
  const at = (c: number, r: number) => {
    const v = data[r * g.width + c];
    return v === -9999 ? NaN : v;
  };
  const inside = col >= 0 && row >= 0 && col < g.width && row < g.height;
  let max = NaN;
  if (inside && !Number.isNaN(at(col, row))) max = at(col, row);
  for (let r = 0; r < g.height; r++) {
    for (let c = 0; c < g.width; c++) {
      const cx = g.originX + (c + 0.5) * g.resX;
      const cy = g.originY - (r + 0.5) * g.resY;
      if ((cx - x) ** 2 + (cy - y) ** 2 <= radius * radius && !Number.isNaN(at(c, r)) && !(max >= at(c, r))) max = at(c, r);
    }
  }
  return { point: inside ? at(col, row) : NaN, max };
}

describe('block-grouped point sampling', () => {
  it('gives the same values as per-point reads (property)', async () => {
    const pt = fc.tuple(fc.double({ min: 599900, max: 602200, noNaN: true }), fc.double({ min: 6698100, max: 6700100, noNaN: true }));
    await fc.assert(
      fc.asyncProperty(fc.array(pt, { minLength: 1, maxLength: 40 }), fc.constantFrom(0, 5, 20), fc.constantFrom(1, 2), async (pts, radius, workers) => {
        const xs = pts.map((p) => p[0]);
        const ys = pts.map((p) => p[1]);
        const s = await samplePoints(path, xs, ys, { radius: radius || undefined, workers });
        pts.forEach(([x, y], i) => {
          const d = direct(G, x, y, radius);
          expect(s.point[i]).toEqual(d.point);
          if (radius) expect(s.max![i]).toEqual(d.max);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('plans each request once, in its block, sorted by block', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 599000, max: 603000, noNaN: true }), fc.double({ min: 6697000, max: 6701000, noNaN: true })), { maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }).map((k) => k * 16),
        fc.constantFrom(0, 10, 30),
        (pts, bs, radius) => {
          const plan = planSamples(G, { blockWidth: bs, blockHeight: bs }, pts.map((p) => p[0]), pts.map((p) => p[1]), radius);
          let prevEnd = 0;
          for (const b of plan.blocks) {
            expect(b.start).toBe(prevEnd);
            prevEnd = b.end;
            for (let k = b.start; k < b.end; k++) expect(plan.offset[k]).toBeLessThan(bs * bs);
          }
          expect(prevEnd).toBe(plan.point.length);
          const centres = [...plan.centre].filter(Boolean).length;
          const inside = pts.filter(([x, y]) => x >= G.originX && x < G.originX + G.width * 7 && y <= G.originY && y > G.originY - G.height * 7).length;
          expect(centres).toBe(inside);
        },
      ),
    );
  });

  it('reads the values GDAL reads (gdallocationinfo)', async () => {
    const rnd = mulberry32(11);
    const xs = Array.from({ length: 300 }, () => G.originX + rnd() * G.width * G.resX);
    const ys = Array.from({ length: 300 }, () => G.originY - rnd() * G.height * G.resY);
    const s = await samplePoints(path, xs, ys, { workers: 2 });
    const out = execFileSync('gdallocationinfo', ['-valonly', '-geoloc', path], { input: xs.map((x, i) => `${x} ${ys[i]}`).join('\n') + '\n' })
      .toString().trim().split('\n').map(Number);
    expect(out.length).toBe(300);
    out.forEach((v, i) => expect(Number.isNaN(s.point[i]) ? -9999 : s.point[i]).toBe(Math.fround(v)));
  });

  it('a plain TIFF georeferenced by its .aux.xml (GDAL PROFILE=BASELINE): the values, nodata included, GDAL reads', async () => {
    const plain = join(mkdtempSync(join(tmpdir(), 'vigie-sampler-')), 'plain.tif');
    execFileSync('gdal_translate', ['-q', '-co', 'PROFILE=BASELINE', path, plain]);
    const rnd = mulberry32(12);
    const xs = Array.from({ length: 200 }, () => G.originX + rnd() * G.width * G.resX);
    const ys = Array.from({ length: 200 }, () => G.originY - rnd() * G.height * G.resY);
    const s = await samplePoints(plain, xs, ys, { workers: 2 });
    expect(s.grid.crs).toBe('EPSG:2154');
    expect(s.nodata).toBe(-9999);
    const out = execFileSync('gdallocationinfo', ['-valonly', '-geoloc', plain], { input: xs.map((x, i) => `${x} ${ys[i]}`).join('\n') + '\n' })
      .toString().trim().split('\n').map(Number);
    expect(out.length).toBe(200);
    expect(out.filter((v) => v === -9999).length).toBeGreaterThan(0);
    out.forEach((v, i) => expect(Number.isNaN(s.point[i]) ? -9999 : s.point[i]).toBe(Math.fround(v)));
  });
});

describe('reprojection round trips', () => {
  it('Lambert-93 → WGS84 → Lambert-93 returns within a millimetre', () => {
    const to = transformer('EPSG:2154', 'EPSG:4326');
    const back = transformer('EPSG:4326', 'EPSG:2154');
    fc.assert(
      fc.property(fc.double({ min: 100000, max: 1200000, noNaN: true }), fc.double({ min: 6050000, max: 7110000, noNaN: true }), (x, y) => {
        const [lon, lat] = to(x, y);
        const [x2, y2] = back(lon, lat);
        expect(Math.hypot(x2 - x, y2 - y)).toBeLessThan(1e-3);
      }),
    );
  });
});
