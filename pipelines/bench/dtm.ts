/**
 * Point cloud → MNT benchmark (`vigie bench dtm`): accuracy against IGN's own DTMs of the same
 * LiDAR HD tiles, throughput of each stage (decode / triangulate / rasterise, points per second)
 * and the time this gives for a full 1 km² LiDAR HD tile. Prints JSON.
 *
 * - Oracle: the MIT fixtures of test/fixtures/real/lidar/ign-las-digital-models (six 50 m tiles
 *   and IGN's DTMs, current and older grids).
 * - Decode: every LAZ at hand (fixtures; ../shared/realdata/lidar when present: the decimated
 *   1 km tile, IGN's 700 k-point Vienne crop, the lasR forest tiles — GPL files used locally only).
 * - Triangulate + rasterise at full size: a seeded synthetic 1 km tile with the ground density of
 *   a real LiDAR HD tile (6 M ground points ≈ 15 M points with ~40 % ground), on the 2000 × 2000
 *   grid, since no full-density 1 km tile is available here.
 * - Peer in the same run: GDAL's `gdal_grid -a linear` (Delaunay + barycentric, the same method)
 *   on the same ground points of the HEAD tile: time and its own |Δz| to IGN.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRaster } from '../../engine/geo/raster.ts';
import { DTM_CLASSES, DTM_DEFAULTS, DTM_NODATA, dtmGrid, lazToDtm } from '../../engine/lidar/dtm.ts';
import { readLasPoints } from '../../engine/lidar/las.ts';
import { rasteriseTin } from '../../engine/lidar/tin.ts';
import { Rng } from '../samples/rng.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIX = join(ROOT, 'test/fixtures/real/lidar/ign-las-digital-models');
const TILES = ['77050_627755', '77050_627760', '77055_627755', '77055_627760', '77060_627755', '77060_627760'];
const LAZ = TILES.map((t) => (t === '77055_627760' ? join(FIX, 'HEAD', `test_data_${t}_LA93_IGN69.laz`) : join(FIX, `test_data_${t}_LA93_IGN69.laz`)));

function stats(ours: Float32Array, ign: Float32Array, nodata = DTM_NODATA): { cells: number; median_m: number; p95_m: number; max_m: number } {
  const d: number[] = [];
  for (let k = 0; k < ign.length; k++) if (ign[k] !== DTM_NODATA && ours[k] !== nodata && !Number.isNaN(ours[k])) d.push(Math.abs(ours[k] - ign[k]));
  d.sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 10000) / 10000;
  return { cells: d.length, median_m: r(d[Math.floor(d.length / 2)]), p95_m: r(d[Math.floor(d.length * 0.95)]), max_m: r(d[d.length - 1]) };
}

const perSec = (n: number, ms: number) => Math.round((n / ms) * 1000);
/** CPU time of this process since `since` (ms): unlike wall time, not inflated by other load on the machine. */
const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

export async function runDtmBench(o: { quick?: boolean; keep?: boolean; log?: (s: string) => void } = {}): Promise<Record<string, unknown>> {
  const log = o.log ?? (() => {});
  const realDir = process.env.VIGIE_REALDATA_LIDAR ?? resolve(ROOT, '../shared/realdata/lidar');
  const work = mkdtempSync(join(tmpdir(), 'vigie-bench-dtm-'));
  try {
    // 1. Accuracy against IGN's DTMs.
    const current = await lazToDtm(LAZ, { keepData: true });
    const head = current.tiles.find((t) => t.source.includes('77055_627760'))!;
    const ignHead = await (await openRaster(join(FIX, 'HEAD/test_data_77055_627760_LA93_IGN69_50CM.tif'))).readAll();
    const oracle: Record<string, unknown>[] = [{ tile: '77055_627760', grid: 'centre (IGN current)', ...stats(head.data!, ignHead) }];
    const corner = await lazToDtm(LAZ, { keepData: true, grid: 'corner' });
    for (const t of TILES) {
      const ours = corner.tiles.find((x) => x.source.includes(t))!;
      const ign = await (await openRaster(join(FIX, `DTM-bf687c6/test_data_${t}_LA93_IGN69_50CM_TIN.tif`))).readAll();
      oracle.push({ tile: t, grid: 'corner (IGN bf687c6)', ...stats(ours.data!, ign) });
    }
    log(`oracle: ${oracle.map((s) => `${s.tile} ${s.grid}: median ${s.median_m} p95 ${s.p95_m}`).join('; ')}`);

    // 2. Peer: gdal_grid -a linear on the same ground points (HEAD tile + its margins), and
    //    ours on exactly those points, CPU time of each.
    let peer: Record<string, unknown> = { tool: 'gdal_grid -a linear', available: false };
    try {
      const b = { minx: 770550 - DTM_DEFAULTS.margin, maxx: 770600 + DTM_DEFAULTS.margin, miny: 6277550 - DTM_DEFAULTS.margin, maxy: 6277600 + DTM_DEFAULTS.margin };
      const xs: number[] = [];
      const ys: number[] = [];
      const zs: number[] = [];
      for (const f of LAZ) {
        const { points } = await readLasPoints(f, { classes: DTM_CLASSES, bbox: b });
        for (let i = 0; i < points.count; i++) {
          xs.push(points.x[i]);
          ys.push(points.y[i]);
          zs.push(points.z[i]);
        }
      }
      const rows = ['x,y,z', ...xs.map((x, i) => `${x.toFixed(3)},${ys[i].toFixed(3)},${zs[i].toFixed(3)}`)];
      writeFileSync(join(work, 'ground.csv'), rows.join('\n'));
      writeFileSync(
        join(work, 'ground.vrt'),
        `<OGRVRTDataSource><OGRVRTLayer name="ground"><SrcDataSource>${join(work, 'ground.csv')}</SrcDataSource><GeometryType>wkbPoint</GeometryType>` +
          `<GeometryField encoding="PointFromColumns" x="x" y="y" z="z"/></OGRVRTLayer></OGRVRTDataSource>`,
      );
      const g = dtmGrid(770550, 6277600, 50, 0.5, 'EPSG:2154');
      const args = ['-q', '-a', `linear:radius=0:nodata=${DTM_NODATA}`, '-txe', String(g.originX), String(g.originX + 50), '-tye', String(g.originY), String(g.originY - 50),
        '-outsize', '100', '100', '-ot', 'Float32', '-l', 'ground', join(work, 'ground.vrt'), join(work, 'gdal_grid.tif')];
      // bash's `time` reports gdal_grid's own CPU time (user + system), comparable with ours.
      const run = spawnSync('bash', ['-c', 'TIMEFORMAT="%3U %3S"; time gdal_grid "$@" >/dev/null 2>&1', 'gdal_grid', ...args], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`gdal_grid exited ${run.status}: ${run.stderr}`);
      const [u, sy] = run.stderr.trim().split(/\s+/).slice(-2).map(Number);
      const theirs = await (await openRaster(join(work, 'gdal_grid.tif'), { crs: 'EPSG:2154' })).readAll();
      const c = process.cpuUsage();
      const ours = rasteriseTin(Float64Array.from(xs), Float64Array.from(ys), Float64Array.from(zs), g, { maxEdge: Infinity, nodata: DTM_NODATA });
      const oursCpu = cpuMs(c);
      peer = {
        tool: 'gdal_grid -a linear:radius=0 (GDAL ' + execFileSync('gdalinfo', ['--version'], { encoding: 'utf8' }).trim().replace(/^GDAL /, '').split(',')[0] + '), same ground points of the HEAD tile + 20 m margins',
        available: true,
        points: xs.length,
        cpu_ms: Math.round((u + sy) * 1000),
        ours_cpu_ms: Math.round(oursCpu),
        ours_vs_gdal_grid_time: Math.round((oursCpu / ((u + sy) * 1000)) * 100) / 100,
        gdal_grid_vs_ign: stats(theirs, ignHead),
        ours_no_max_edge_vs_ign: stats(ours.data, ignHead),
        ours_no_max_edge_vs_gdal_grid: stats(ours.data, theirs),
        note: 'both without a long-edge rule here (gdal_grid has none): interpolated across buildings, as IGN does',
      };
    } catch (err) {
      peer.error = (err as Error).message.split('\n')[0];
    }
    log(`peer: ${JSON.stringify(peer)}`);

    // 3. Decode throughput over every LAZ at hand.
    const decodeFiles = [...LAZ];
    const extra = [
      'laz-with-ign-dtm/ign_las-digital-models_HEAD/bridge/pointcloud/test_semis_2023_0299_6802_LA93_IGN69.laz',
      'laz/IGNF+ign-pdal-tools/test/data/las_with_several_extra_byte_bloc.laz',
      ...(o.quick ? [] : ['laz/r-lidar+lasR/inst/extdata/bcts/bcts_3.laz', 'laz/IGNF+pdal-ign-plugin/test/data/mnx/input/crop_1.laz']),
    ];
    for (const rel of extra) if (existsSync(join(realDir, rel))) decodeFiles.push(join(realDir, rel));
    const decode: Record<string, unknown>[] = [];
    let decPts = 0;
    let decCpu = 0;
    let decWall = 0;
    await readLasPoints(LAZ[0]); // warm-up: WASM compilation and JIT
    for (const f of decodeFiles) {
      const t = performance.now();
      const c = process.cpuUsage();
      const { header } = await readLasPoints(f, { classes: DTM_CLASSES });
      const cpu = cpuMs(c);
      const wall = performance.now() - t;
      decPts += header.count;
      decCpu += cpu;
      decWall += wall;
      decode.push({ file: basename(f), format: `LAS ${header.version} pf${header.pointFormat}`, points: header.count, cpu_ms: Math.round(cpu), wall_ms: Math.round(wall), points_per_cpu_s: perSec(header.count, cpu) });
      log(`decode ${basename(f)}: ${header.count} points in ${Math.round(cpu)} ms CPU (${Math.round(wall)} ms wall)`);
    }
    const decodeRate = perSec(decPts, decCpu);

    // 4. Triangulate + rasterise a synthetic full-density 1 km tile.
    const ground = o.quick ? 500_000 : 6_000_000;
    const size = o.quick ? 300 : 1000;
    const rng = new Rng(42);
    const x = new Float64Array(ground);
    const y = new Float64Array(ground);
    const z = new Float64Array(ground);
    const X0 = 770000;
    const Y1 = 6278000;
    for (let i = 0; i < ground; i++) {
      // uniform ground returns over the tile and a 20 m margin, on a gently rolling surface
      const px = rng.range(-20, size + 20);
      const py = rng.range(-20, size + 20);
      x[i] = X0 + px;
      y[i] = Y1 - py;
      z[i] = 100 + 5 * Math.sin(px / 97) + 3 * Math.cos(py / 61) + rng.normal(0, 0.03);
    }
    const g = dtmGrid(X0, Y1, size, 0.5, 'EPSG:2154');
    const tin = rasteriseTin(x, y, z, g, { maxEdge: DTM_DEFAULTS.maxEdge, nodata: DTM_NODATA });
    const pixels = g.width * g.height;
    log(`synthetic ${size} m tile: ${ground} ground points, triangulate ${Math.round(tin.triangulateCpuMs)} ms CPU, rasterise ${Math.round(tin.rasteriseCpuMs)} ms CPU`);
    // GeoTIFF writing of the 2000² result, as lazToDtm does.
    const { writeGeoTiff } = await import('../../engine/geo/geotiff-write.ts');
    const cw = process.cpuUsage();
    writeFileSync(join(work, 'synthetic.tif'), writeGeoTiff(tin.data, g, { nodata: DTM_NODATA }));
    const writeMs = cpuMs(cw);

    // 5. A full 1 km² LiDAR HD tile: 10–20 M points, ~40 % ground (IGN classes 2/9/66).
    const triRate = perSec(ground, tin.triangulateCpuMs);
    const rasRate = perSec(ground, tin.rasteriseCpuMs);
    const scale = 4_000_000 / pixels; // write and rasterise scale with pixels (2000² for 1 km)
    const full = (points: number) => {
      const g2 = points * 0.4;
      const dec = points / decodeRate;
      const tri = g2 / triRate;
      const ras = g2 / rasRate;
      const wr = (writeMs * scale) / 1000;
      return { points, ground_points: g2, decode_s: r1(dec), triangulate_s: r1(tri), rasterise_s: r1(ras), write_s: r1(wr), total_s: r1(dec + tri + ras + wr) };
    };
    const result = {
      bench: 'dtm',
      command: 'vigie bench dtm' + (o.quick ? ' --quick' : ''),
      method: { classes: DTM_CLASSES, resolution_m: DTM_DEFAULTS.resolution, margin_m: DTM_DEFAULTS.margin, max_edge_m: DTM_DEFAULTS.maxEdge, grid: 'pixel centres on the tile corner (IGN current)' },
      oracle: {
        target: 'median |Δz| ≤ 0.02 m, p95 ≤ 0.10 m over cells both cover',
        tiles: oracle,
        worst_median_m: Math.max(...oracle.map((s) => s.median_m as number)),
        worst_p95_m: Math.max(...oracle.map((s) => s.p95_m as number)),
      },
      peer,
      timing: 'CPU time of this process (user + system): one thread, not inflated by other load on a shared machine; wall times beside',
      decode: { files: decode, points: decPts, points_per_cpu_s: decodeRate, wall_ms: Math.round(decWall) },
      triangulate: { synthetic_tile_m: size, ground_points: ground, cpu_ms: Math.round(tin.triangulateCpuMs), wall_ms: Math.round(tin.triangulateMs), points_per_cpu_s: triRate },
      rasterise: {
        pixels,
        triangles: tin.triangles,
        cpu_ms: Math.round(tin.rasteriseCpuMs),
        wall_ms: Math.round(tin.rasteriseMs),
        points_per_cpu_s: rasRate,
        pixels_per_cpu_s: perSec(pixels, tin.rasteriseCpuMs),
      },
      write: { pixels, cpu_ms: Math.round(writeMs) },
      full_1km_tile_estimate: {
        note: 'decode rate measured on real LAZ, triangulate/rasterise on a synthetic tile of full ground density (CPU time, one thread; 40 % of points ground)',
        '10M_points': full(10e6),
        '15M_points': full(15e6),
        '20M_points': full(20e6),
      },
      real_run_6_tiles_ms: Object.fromEntries(Object.entries(current.ms).map(([k, v]) => [k, Math.round(v)])),
    };
    return result;
  } finally {
    if (!o.keep) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
}

const r1 = (v: number) => Math.round(v * 10) / 10;
