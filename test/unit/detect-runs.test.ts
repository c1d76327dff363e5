/**
 * Detection runs keyed by content (issue 10): a tile is « already done » only when the same bytes
 * were processed by the same model with the same settings, whatever its name; `--out` holds the
 * detections of every tile given. And `--crs` given once per input.
 *
 * Expected positions are those of mounds planted by hand in the test terrain, and, for a tile in
 * the CC49 conic zone (EPSG:3949), the Lambert-93 position GDAL's gdaltransform gives for the planted centre.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAsciiGrid } from '../../engine/geo/ascii-grid.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { grid } from '../../engine/geo/grid.ts';
import { loadDetector, type Detector } from '../../engine/detect/infer.ts';
import { crsPerInput, detectTiles } from '../../engine/detect/detections.ts';
import { Store } from '../../engine/store/store.ts';

const N = 256; // 128 m tiles at 0.5 m
const X0 = 650000;
const TOP = 6650128;
const SEAM = X0 + N * 0.5;

interface Mound { x: number; y: number; r: number; h: number }

/** A gentle slope continuous across tiles (relative to `ref`), with mounds added. */
function terrain(originX: number, top: number, mounds: Mound[], ref = { x: X0, y: TOP }): Float32Array {
  const z = new Float32Array(N * N);
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < N; c++) {
      const x = originX + (c + 0.5) * 0.5;
      const y = top - (r + 0.5) * 0.5;
      let v = 120 + 0.02 * (x - ref.x) + 0.01 * (ref.y - y);
      for (const m of mounds) {
        const s = Math.hypot(x - m.x, y - m.y) / m.r;
        if (s < 1) v += m.h * Math.pow(1 - s * s, 1.2);
      }
      z[r * N + c] = Math.round(v * 100) / 100;
    }
  }
  return z;
}

let dir: string;
let det: Detector;
const tif = (path: string, originX: number, mounds: Mound[], crs = 'EPSG:2154', top = TOP) => {
  writeFileSync(path, writeGeoTiff(terrain(originX, top, mounds, top === TOP ? undefined : { x: originX, y: top }), grid({ originX, originY: top, resX: 0.5, resY: 0.5, width: N, height: N, crs }), { nodata: -99999 }));
  return path;
};
const near = <T extends { cls: string; x: number; y: number }>(ds: T[], m: { x: number; y: number }, d = 6): T[] =>
  ds.filter((p) => p.cls === 'mound' && Math.hypot(p.x - m.x, p.y - m.y) < d);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-runs-'));
  det = await loadDetector();
});
afterAll(async () => {
  await det?.close();
});

describe('detection runs keyed by content', () => {
  const M1 = { x: X0 + 64, y: TOP - 60, r: 10, h: 1 };
  const M2 = { x: X0 + 40, y: TOP - 90, r: 10, h: 1 };

  it('processes a new survey of the same tile name, and its detections replace the old ones', async () => {
    const store = await Store.open(':memory:');
    try {
      const f = tif(join(dir, 'T.tif'), X0, [M1]);
      const first = await detectTiles(store, [f], { detector: det });
      expect(first.skipped).toEqual([]);
      expect(near(first.detections, M1)).toHaveLength(1);
      // a new survey, same name: the mound is elsewhere
      tif(f, X0, [M2]);
      const second = await detectTiles(store, [f], { detector: det });
      expect(second.skipped).toEqual([]);
      expect(second.reports.filter((r) => r.ok)).toHaveLength(1);
      expect(near(second.detections, M2)).toHaveLength(1);
      expect(near(second.detections, M1)).toHaveLength(0);
      // the table holds the new survey only, under ids that differ from the old survey's
      const rows = await store.all<{ detection_id: string; x: number; y: number; class: string }>(`SELECT detection_id, x, y, class FROM detections WHERE tile = 'T'`);
      expect(near(rows.map((r) => ({ ...r, cls: r.class })), M2)).toHaveLength(1);
      expect(near(rows.map((r) => ({ ...r, cls: r.class })), M1)).toHaveLength(0);
      const ids = new Set(first.detections.map((d) => d.id));
      expect(second.detections.some((d) => ids.has(d.id))).toBe(false);
      expect(Number(await store.value(`SELECT count(*) FROM detection_tiles WHERE tile = 'T'`))).toBe(1);
    } finally {
      store.close();
    }
  });

  it('skips the same bytes given twice (also under another name) and still returns their detections', async () => {
    const store = await Store.open(':memory:');
    try {
      const f = tif(join(dir, 'S.tif'), X0, [M1]);
      const first = await detectTiles(store, [f], { detector: det });
      const again = await detectTiles(store, [f], { detector: det });
      expect(again.skipped).toEqual([f]);
      expect(again.reports).toEqual([]);
      expect(again.detections).toEqual(first.detections);
      expect(near(again.detections, M1)).toHaveLength(1);
      mkdirSync(join(dir, 'copy'), { recursive: true });
      const copy = join(dir, 'copy', 'S-renamed.tif');
      copyFileSync(f, copy);
      const renamed = await detectTiles(store, [copy], { detector: det });
      expect(renamed.skipped).toEqual([copy]);
      expect(renamed.detections).toEqual(first.detections);
    } finally {
      store.close();
    }
  });

  it('reprocesses a tile when a neighbour arrives, and keeps the better run when it is given alone again', async () => {
    // a mound whose centre is 1 m east of the seam between A (west) and B (east)
    const M = { x: SEAM + 1, y: TOP - 60, r: 10, h: 1 };
    const a = tif(join(dir, 'nA.tif'), X0, [M]);
    const b = tif(join(dir, 'nB.tif'), SEAM, [M]);
    const store = await Store.open(':memory:');
    try {
      const alone = await detectTiles(store, [b], { detector: det });
      expect(near(alone.detections, M, 15)).toHaveLength(0); // half a mound at the mosaic's edge is dropped
      const both = await detectTiles(store, [a, b], { detector: det });
      expect(both.skipped).toEqual([]); // B has a new neighbour: run again
      expect(near(both.detections, M)).toHaveLength(1);
      expect(near(both.detections, M)[0].tile).toBe('nB');
      const bAgain = await detectTiles(store, [b], { detector: det });
      expect(bAgain.skipped).toEqual([b]);
      expect(near(bAgain.detections, M)).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  it('vigie detect --out holds the detections of tiles done before', async () => {
    const f = tif(join(dir, 'cli.tif'), X0, [M1]);
    const db = join(dir, 'cli.duckdb');
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'vigie.js');
    const run = promisify(execFile);
    const out1 = join(dir, 'out1.geojson');
    const out2 = join(dir, 'out2.geojson');
    const r1 = JSON.parse((await run(process.execPath, [bin, 'detect', f, '--db', db, '--out', out1, '--json', '--workers', '0'])).stdout);
    const r2 = JSON.parse((await run(process.execPath, [bin, 'detect', f, '--db', db, '--out', out2, '--json', '--workers', '0'])).stdout);
    expect(r1.tiles_processed).toBe(1);
    expect(r2.tiles_processed).toBe(0);
    expect(r2.tiles_skipped_already_done).toBe(1);
    const g1 = JSON.parse(readFileSync(out1, 'utf8'));
    const g2 = JSON.parse(readFileSync(out2, 'utf8'));
    expect(g2.features.length).toBeGreaterThan(0);
    expect(g2.features).toEqual(g1.features);
  });
});

describe('point clouds as detection input', () => {
  it('turns LAZ tiles into terrain models once and detects on them; the same clouds again are skipped', async () => {
    // IGN's six adjacent 50 m LiDAR HD test tiles (MIT, test/fixtures/real/lidar/README.md):
    // E 770500–770650, N 6277500–6277600, EPSG:2154
    const fx = join(import.meta.dirname, '..', 'fixtures', 'real', 'lidar', 'ign-las-digital-models');
    const inputs = [fx, join(fx, 'HEAD', 'test_data_77055_627760_LA93_IGN69.laz')];
    const cache = join(dir, 'dtm-cache');
    const store = await Store.open(':memory:');
    try {
      const first = await detectTiles(store, inputs, { detector: det, dtmCacheDir: cache });
      const ok = first.reports.filter((r) => r.ok);
      expect(ok).toHaveLength(6);
      expect(ok.every((r) => r.crs === 'EPSG:2154')).toBe(true);
      const minx = Math.min(...ok.map((r) => r.bounds!.minx));
      const maxx = Math.max(...ok.map((r) => r.bounds!.maxx));
      const miny = Math.min(...ok.map((r) => r.bounds!.miny));
      const maxy = Math.max(...ok.map((r) => r.bounds!.maxy));
      for (const [v, want] of [[minx, 770500], [miny, 6277500], [maxx, 770650], [maxy, 6277600]]) expect(Math.abs(v - want)).toBeLessThanOrEqual(0.5);
      const again = await detectTiles(store, inputs, { detector: det, dtmCacheDir: cache });
      expect(again.skipped).toHaveLength(6);
      expect(again.detections).toEqual(first.detections);
    } finally {
      store.close();
    }
  }, 60_000);
});

describe('--crs once per input', () => {
  it('maps one value to every input, a list to the inputs in order, and refuses a count that matches neither', () => {
    expect(crsPerInput(['a', 'b'], undefined)).toEqual([undefined, undefined]);
    expect(crsPerInput(['a', 'b'], ['EPSG:2154'])).toEqual(['EPSG:2154', 'EPSG:2154']);
    expect(crsPerInput(['a', 'b'], ['EPSG:2154', 'auto'])).toEqual(['EPSG:2154', undefined]);
    expect(() => crsPerInput(['a', 'b', 'c'], ['EPSG:2154', 'EPSG:3949'])).toThrow(/--crs given 2 times for 3 input\(s\)/);
  });

  it('reads an ASCII grid without .prj in the CRS given for it and a CC49 tile in its own', async () => {
    // folder 1: ESRI ASCII grid, no .prj (its CRS must be given); folder 2: a GeoTIFF in CC49 (EPSG:3949)
    const d1 = join(dir, 'asc');
    const d2 = join(dir, 'cc49');
    mkdirSync(d1, { recursive: true });
    mkdirSync(d2, { recursive: true });
    writeFileSync(join(d1, 'plain.asc'), writeAsciiGrid(terrain(X0, TOP, [M1()]), grid({ originX: X0, originY: TOP, resX: 0.5, resY: 0.5, width: N, height: N, crs: 'EPSG:2154' })));
    const L2X = 1650000;
    const L2TOP = 8200128;
    const m2 = { x: L2X + 64, y: L2TOP - 60, r: 10, h: 1 };
    tif(join(d2, 'cc49.tif'), L2X, [m2], 'EPSG:3949', L2TOP);
    const [ex, ey] = execFileSync('gdaltransform', ['-s_srs', 'EPSG:3949', '-t_srs', 'EPSG:2154'], { input: `${m2.x} ${m2.y}\n` })
      .toString().trim().split(/\s+/).map(Number);
    const store = await Store.open(':memory:');
    try {
      await expect(detectTiles(store, [d1, d2], { detector: det, crs: ['EPSG:2154', 'EPSG:2154', 'EPSG:2154'] })).rejects.toThrow(/--crs given 3 times for 2/);
      const res = await detectTiles(store, [d1, d2], { detector: det, crs: ['EPSG:2154', 'auto'] });
      const byTile = Object.fromEntries(res.reports.map((r) => [r.tile, r]));
      expect(byTile.plain.ok).toBe(true);
      expect(byTile.plain.crs).toBe('EPSG:2154');
      expect(byTile.cc49.ok).toBe(true);
      expect(byTile.cc49.crs).toBe('EPSG:3949');
      expect(near(res.detections, M1())).toHaveLength(1);
      expect(near(res.detections, { x: ex, y: ey }, 4)).toHaveLength(1);
    } finally {
      store.close();
    }
  });
});

function M1(): Mound {
  return { x: X0 + 64, y: TOP - 60, r: 10, h: 1 };
}
