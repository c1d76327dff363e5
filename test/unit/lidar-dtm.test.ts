/**
 * Point clouds → MNT (engine/lidar/dtm.ts, `vigie dtm`) against IGN's own DTMs of the same
 * LiDAR HD tiles (IGNF/las-digital-models, MIT fixtures): IGN's current grid for the HEAD tile,
 * its older corner grid for the six bf687c6 tiles. The written GeoTIFFs are read back with GDAL.
 * Target (issue 12): median |Δz| ≤ 0.02 m and p95 ≤ 0.10 m over cells both cover.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../engine/cli/main.ts';
import { CrsError, InputError } from '../../engine/errors.ts';
import { openRaster } from '../../engine/geo/raster.ts';
import { DTM_NODATA, dtmGrid, dtmTileName, lazToDtm, lidarHdTile, listPointClouds, type DtmRun } from '../../engine/lidar/dtm.ts';
import { writeLas } from './lidar-las-writer.ts';

const IGN = resolve('test/fixtures/real/lidar/ign-las-digital-models');
const REAL = process.env.VIGIE_REALDATA_LIDAR ?? resolve('../shared/realdata/lidar');
const TILES = ['77050_627755', '77050_627760', '77055_627755', '77055_627760', '77060_627755', '77060_627760'];
/** The six tiles: 77055_627760 in its LAS 1.4 (HEAD) form, the others LAS 1.2. */
const LAZ = TILES.map((t) => (t === '77055_627760' ? join(IGN, 'HEAD', `test_data_${t}_LA93_IGN69.laz`) : join(IGN, `test_data_${t}_LA93_IGN69.laz`)));
const dir = mkdtempSync(join(tmpdir(), 'vigie-dtm-'));

interface GdalInfo {
  geoTransform: number[];
  size: [number, number];
  bands: { type: string; noDataValue: number }[];
  coordinateSystem: { wkt: string };
}
const gdalinfo = (f: string) => JSON.parse(execFileSync('gdalinfo', ['-json', f], { encoding: 'utf8' })) as GdalInfo;

/** |ours − IGN's| over the cells both have a value for: median, p95, count. */
function absDiff(ours: Float32Array, ign: Float32Array): { median: number; p95: number; n: number } {
  const d: number[] = [];
  for (let k = 0; k < ign.length; k++) if (ign[k] !== DTM_NODATA && ours[k] !== DTM_NODATA) d.push(Math.abs(ours[k] - ign[k]));
  d.sort((a, b) => a - b);
  return { median: d[Math.floor(d.length / 2)], p95: d[Math.floor(d.length * 0.95)], n: d.length };
}

let centre: DtmRun;
beforeAll(async () => {
  centre = await lazToDtm(LAZ, { outDir: join(dir, 'centre') });
});

describe('LAZ → MNT vs IGN\'s DTM of the same tiles', () => {
  it('IGN\'s current grid (HEAD tile): same georeferencing as IGN\'s file, median/p95 |Δz| within target', async () => {
    const ignFile = join(IGN, 'HEAD/test_data_77055_627760_LA93_IGN69_50CM.tif');
    const tile = centre.tiles.find((t) => t.source.includes('77055_627760'))!;
    expect(tile.out!.endsWith('LHD_FXX_0770550_6277600_MNT_O_0M50_LAMB93_IGN69.tif')).toBe(true);
    const ours = gdalinfo(tile.out!);
    const ign = gdalinfo(ignFile);
    expect(ours.geoTransform).toEqual(ign.geoTransform); // [770549.75, 0.5, 0, 6277600.25, 0, -0.5]
    expect(ours.size).toEqual(ign.size);
    expect(ours.bands[0].type).toBe('Float32');
    expect(ours.bands[0].noDataValue).toBe(-9999);
    expect(ours.coordinateSystem.wkt).toMatch(/ID\["EPSG",2154\]\]$/);
    const a = await (await openRaster(tile.out!)).readAll();
    const b = await (await openRaster(ignFile)).readAll();
    const s = absDiff(a, b);
    expect(s.median).toBeLessThanOrEqual(0.02);
    expect(s.p95).toBeLessThanOrEqual(0.1);
    expect(s.n).toBeGreaterThan(8000); // cells both cover (ours leaves > 10 m gaps, e.g. buildings, empty)
  });

  it('IGN\'s older corner grid: all six tiles within target', async () => {
    const corner = await lazToDtm(LAZ, { grid: 'corner', keepData: true });
    for (const t of TILES) {
      const tile = corner.tiles.find((x) => x.source.includes(t))!;
      const ignFile = join(IGN, `DTM-bf687c6/test_data_${t}_LA93_IGN69_50CM_TIN.tif`);
      const r = await openRaster(ignFile);
      expect([tile.grid.originX, tile.grid.originY]).toEqual([r.grid.originX, r.grid.originY]);
      const s = absDiff(tile.data!, await r.readAll());
      expect(s.median, t).toBeLessThanOrEqual(0.02);
      expect(s.p95, t).toBeLessThanOrEqual(0.1);
    }
  });

  it('files of another tiling (flight strips across tiles): each square made from every file in it, within target', async () => {
    // IGN's six 50 m tiles' points, re-cut into three east–west strips that cross the tile
    // edges (no LiDAR HD names, so the squares come from the files' bounds), and one file that
    // is a copy of another's ground (the same survey twice: refused).
    const { readLasPoints } = await import('../../engine/lidar/las.ts');
    const rows: number[][] = [];
    for (const f of LAZ) {
      const { points: p } = await readLasPoints(f);
      for (let i = 0; i < p.count; i++) rows.push([p.x[i], p.y[i], p.z[i], p.cls[i]]);
    }
    const strips = join(dir, 'strips');
    mkdirSync(strips);
    const cuts = [6277500, 6277535, 6277570, 6277600.01];
    const files = cuts.slice(0, -1).map((y0, k) => {
      const f = join(strips, `strip_${k}.las`);
      writeFileSync(f, writeLas(rows.filter((r) => r[1] >= y0 && r[1] < cuts[k + 1]), { ProjectedCSTypeGeoKey: 2154 }));
      return f;
    });
    const run = await lazToDtm(files, { grid: 'corner', keepData: true, tileSize: 50 });
    expect(run.tiles).toHaveLength(6);
    for (const t of TILES) {
      const [x, y] = t.split('_').map((v) => Number(v) * 10);
      const tile = run.tiles.find((r) => r.bounds.minx === x && r.bounds.maxy === y)!;
      expect(tile, t).toBeDefined();
      expect(tile.sources!.length, t).toBe(2); // every tile here is crossed by two strips
      const r = await openRaster(join(IGN, `DTM-bf687c6/test_data_${t}_LA93_IGN69_50CM_TIN.tif`));
      const d = absDiff(tile.data!, await r.readAll());
      expect(d.median, t).toBeLessThanOrEqual(0.02);
      expect(d.p95, t).toBeLessThanOrEqual(0.1);
    }
    const copy = join(strips, 'strip_0_copy.las');
    copyFileSync(files[0], copy);
    await expect(lazToDtm([...files, copy], { tileSize: 50 })).rejects.toThrow(/strip_0(_copy)?\.las and strip_0(_copy)?\.las fall in the same 50 m tile/);
  });

  it('GDAL reads our values where we put them', async () => {
    const tile = centre.tiles.find((t) => t.source.includes('77055_627760'))!;
    const data = await (await openRaster(tile.out!)).readAll();
    for (const [col, row] of [[20, 19], [50, 50], [99, 0], [0, 99]]) {
      const x = 770549.75 + (col + 0.5) * 0.5;
      const y = 6277600.25 - (row + 0.5) * 0.5;
      const v = Number(execFileSync('gdallocationinfo', ['-valonly', '-geoloc', tile.out!, String(x), String(y)], { encoding: 'utf8' }));
      expect(v).toBeCloseTo(data[row * 100 + col], 4);
    }
  });

  it('margins from neighbouring tiles: the tile alone leaves its edges empty or wrong', async () => {
    const alone = await lazToDtm([LAZ[3]], { keepData: true });
    const withNb = await lazToDtm(LAZ, { keepData: true });
    const ign = await (await openRaster(join(IGN, 'HEAD/test_data_77055_627760_LA93_IGN69_50CM.tif'))).readAll();
    const a = alone.tiles[0];
    const w = withNb.tiles.find((t) => t.source === LAZ[3])!;
    expect(a.marginPoints).toBe(0);
    expect(w.marginPoints).toBeGreaterThan(10000);
    // Column 0 sits on the tile's west edge: only the neighbours' points surround it.
    const col0 = (d: Float32Array) => Array.from({ length: 100 }, (_, r) => d[r * 100]).filter((v, r) => v !== DTM_NODATA && ign[r * 100] !== DTM_NODATA).length;
    expect(col0(w.data!)).toBeGreaterThan(col0(a.data!));
    expect(w.valid).toBeGreaterThan(a.valid);
  });
});

describe('TIN-linear and nodata rules on a known surface', () => {
  // A plane z = 100 + 0.1·dx + 0.05·dy sampled on a jittered 1 m lattice over a 50 m tile and its
  // 20 m surround, with a 16 m × 16 m hole (no ground): linear interpolation reproduces the plane.
  const X0 = 700000;
  const Y1 = 6600050;
  const plane = (x: number, y: number) => 100 + 0.1 * (x - X0) + 0.05 * (y - Y1);
  const inHole = (x: number, y: number) => x > X0 + 17 && x < X0 + 33 && y > Y1 - 33 && y < Y1 - 17;
  let file: string;
  const ground: number[][] = [];
  beforeAll(() => {
    const pts: number[][] = [];
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.6;
    for (let x = X0 - 20; x <= X0 + 70; x += 1) {
      for (let y = Y1 - 70; y <= Y1 + 20; y += 1) {
        const px = Math.round((x + rnd()) * 1000) / 1000;
        const py = Math.round((y + rnd()) * 1000) / 1000;
        if (inHole(px, py)) continue;
        pts.push([px, py, Math.round(plane(px, py) * 1000) / 1000, 2]);
        ground.push([px, py]);
        if ((x + y) % 7 === 0) pts.push([px + 0.2, py + 0.2, plane(px, py) + 9, 5]); // vegetation, ignored
      }
    }
    file = join(dir, 'plane_LA93_IGN69.las');
    writeFileSync(file, writeLas(pts, { ProjectedCSTypeGeoKey: 2154 }));
  });

  it('reproduces the plane; far inside the hole is nodata with max edge 10 m, interpolated with none', async () => {
    const [cut, all] = await Promise.all([
      lazToDtm([file], { keepData: true, tileSize: 50, margin: 20 }),
      lazToDtm([file], { keepData: true, tileSize: 50, margin: 20, maxEdge: Infinity }),
    ]);
    const g = cut.tiles[0].grid;
    expect([g.originX, g.originY, g.width, g.height]).toEqual([X0 - 0.25, Y1 + 0.25, 100, 100]);
    // A point inside a triangle whose edges are all ≤ 10 m is within 10/√3 m of one of its
    // corners: pixels farther than that from every ground point must be nodata.
    const reach = 10 / Math.sqrt(3);
    let far = 0;
    for (let r = 0; r < 100; r++) {
      for (let c = 0; c < 100; c++) {
        const x = X0 + c * 0.5;
        const y = Y1 - r * 0.5;
        const k = r * 100 + c;
        // Points are rounded to the millimetre: the interpolated plane is within 2 mm.
        expect(Math.abs(all.tiles[0].data![k] - plane(x, y))).toBeLessThan(2e-3);
        const v = cut.tiles[0].data![k];
        if (v !== DTM_NODATA) expect(Math.abs(v - plane(x, y))).toBeLessThan(2e-3);
        const nearHole = x > X0 + 15 && x < X0 + 35 && y > Y1 - 35 && y < Y1 - 15;
        if (!nearHole) {
          expect(v).not.toBe(DTM_NODATA);
          continue;
        }
        const nearest = Math.min(...ground.map(([px, py]) => Math.hypot(px - x, py - y)));
        if (nearest > reach) {
          far++;
          expect(v).toBe(DTM_NODATA);
        }
      }
    }
    expect(far).toBeGreaterThan(20);
    expect(cut.tiles[0].dropped).toBeGreaterThan(0);
    expect(cut.tiles[0].valid).toBeLessThan(0.99);
    expect(all.tiles[0].valid).toBe(1);
  });

  it('refuses a point cloud in a geographic CRS by name', async () => {
    const geo = join(dir, 'geo.las');
    writeFileSync(geo, writeLas([[2.35, 48.85, 35, 2], [2.351, 48.85, 35, 2], [2.35, 48.851, 35, 2]], { GTModelTypeGeoKey: 2, GeographicTypeGeoKey: 4326 }, 1e-7));
    await expect(lazToDtm([geo])).rejects.toThrow(CrsError);
    await expect(lazToDtm([geo])).rejects.toThrow(/geo\.las: EPSG:4326 WGS 84 is geographic \(degrees\); a projected CRS in metres is expected/);
  });

  it('a cloud without CRS record needs --crs, unless its LiDAR HD name says Lambert-93', async () => {
    const pts = [[700000.5, 6600000.5, 10, 2], [700010, 6600001, 10, 2], [700001, 6600010, 10, 2]];
    const anon = join(dir, 'anon.las');
    writeFileSync(anon, writeLas(pts, {}));
    await expect(lazToDtm([anon])).rejects.toThrow(/anon\.las: no CRS record .*--crs EPSG:NNNN/);
    expect((await lazToDtm([anon], { crs: 'EPSG:2154' })).tiles[0].grid.crs).toBe('EPSG:2154');
    const named = join(dir, 'anon_LAMB93_IGN69.las');
    writeFileSync(named, writeLas(pts, {}));
    expect((await lazToDtm([named])).tiles[0].grid.crs).toBe('EPSG:2154');
  });
});

describe('tiles and names', () => {
  it('LiDAR HD names give the 1 km tile; outputs are named like IGN\'s MNT', () => {
    expect(lidarHdTile('LHD_FXX_0770_6278_PTS_C_LAMB93_IGN69.copc.laz')).toEqual({ x0: 770000, y1: 6278000, size: 1000 });
    expect(lidarHdTile('test_data_77055_627760_LA93_IGN69.laz')).toBeNull();
    expect(dtmTileName(770000, 6278000, 0.5, 'EPSG:2154')).toBe('LHD_FXX_0770_6278_MNT_O_0M50_LAMB93_IGN69.tif');
    expect(dtmTileName(770550, 6277600, 0.5, 'EPSG:2154')).toBe('LHD_FXX_0770550_6277600_MNT_O_0M50_LAMB93_IGN69.tif');
    expect(dtmTileName(500000, 5400000, 1, 'EPSG:25832')).toBe('MNT_500000_5400000_1M00_EPSG25832.tif');
    // IGN's published 1 km MNT: 2000 × 2000 pixels, origin half a pixel west and north of the corner.
    const g = dtmGrid(770000, 6278000, 1000, 0.5, 'EPSG:2154');
    expect([g.originX, g.originY, g.width, g.height]).toEqual([769999.75, 6278000.25, 2000, 2000]);
  });

  it('folders expand to their point clouds; bad inputs are named', async () => {
    expect((await listPointClouds([IGN])).length).toBe(5);
    await expect(listPointClouds([join(IGN, 'DTM-bf687c6')])).rejects.toThrow(/no \.laz, \.copc\.laz or \.las file in this folder/);
    await expect(listPointClouds([join(IGN, 'LICENSE')])).rejects.toThrow(InputError);
    // Two clouds of the same tile (e.g. its LAS 1.2 and LAS 1.4 copies): refused, both named.
    await expect(lazToDtm([LAZ[3], LAZ[3].replace('/HEAD/', '/HEAD/../HEAD/')])).rejects.toThrow(/test_data_77055_627760_LA93_IGN69\.laz and test_data_77055_627760_LA93_IGN69\.laz fall in the same 50 m tile/);
  });
});

describe('vigie dtm', () => {
  it('writes one MNT per point cloud and exits 0; bad input exits 2', async () => {
    const out = join(dir, 'cli');
    const log = console.log;
    const err = console.error;
    const lines: string[] = [];
    console.log = (s: string) => lines.push(s);
    console.error = () => {};
    try {
      expect(await main(['dtm', IGN, join(IGN, 'HEAD'), '--out', out, '--json'])).toBe(0);
      expect(await main(['dtm', IGN, '--out', out, '--grid', 'diagonal'])).toBe(2);
      expect(await main(['dtm', join(IGN, 'LICENSE'), '--out', out])).toBe(2);
      expect(await main(['dtm', IGN])).toBe(2);
    } finally {
      console.log = log;
      console.error = err;
    }
    expect(readdirSync(out).sort()).toEqual(TILES.map((t) => `LHD_FXX_0${t.slice(0, 5)}0_${t.slice(6)}0_MNT_O_0M50_LAMB93_IGN69.tif`).sort());
    const summary = JSON.parse(lines[0]);
    expect(summary.tiles).toHaveLength(6);
    expect(summary.ground_points).toBe(centre.kept);
  });
});

describe.skipIf(!existsSync(join(REAL, 'laz-with-ign-dtm')))('a whole 1 km LiDAR HD tile (decimated, ../shared)', () => {
  it('makes a 2000 × 2000 MNT on IGN\'s grid, named like IGN\'s', async () => {
    const f = join(REAL, 'laz-with-ign-dtm/ign_las-digital-models_HEAD/bridge/pointcloud/test_semis_2023_0299_6802_LA93_IGN69.laz');
    const run = await lazToDtm([f], { outDir: join(dir, 'km') });
    const t = run.tiles[0];
    expect(t.out!.endsWith('LHD_FXX_0299_6802_MNT_O_0M50_LAMB93_IGN69.tif')).toBe(true);
    const info = gdalinfo(t.out!);
    expect(info.size).toEqual([2000, 2000]);
    expect(info.geoTransform).toEqual([298999.75, 0.5, 0, 6802000.25, 0, -0.5]);
    expect(t.valid).toBeGreaterThan(0.5);
  }, 120_000);
});

describe('Morton ordering before triangulation', () => {
  it('is a permutation that keeps the input order inside a cell (property)', async () => {
    const { mortonOrder } = await import('../../engine/lidar/tin.ts');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), { maxLength: 400 }), (pts) => {
        const x = Float64Array.from(pts, (p) => p[0]);
        const y = Float64Array.from(pts, (p) => p[1]);
        const o = Array.from(mortonOrder(x, y, pts.length));
        if ([...o].sort((a, b) => a - b).some((v, i) => v !== i)) return false;
        // identical points (same cell) stay in input order
        for (let i = 1; i < o.length; i++) if (x[o[i]] === x[o[i - 1]] && y[o[i]] === y[o[i - 1]] && o[i] < o[i - 1]) return false;
        return true;
      }),
      { numRuns: 200 },
    );
  });
});
