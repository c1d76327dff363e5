import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { writeAsciiGrid } from '../../engine/geo/ascii-grid.ts';
import { grid } from '../../engine/geo/grid.ts';
import { detectFiles, loadDetector, type Detector } from '../../engine/detect/infer.ts';
import { detectTiles } from '../../engine/detect/detections.ts';
import { DEFAULT_MODEL } from '../../engine/detect/model.ts';
import { Store } from '../../engine/store/store.ts';

// Two 128 m tiles side by side (0.5 m), a gentle slope, and a 20 m burial mound whose centre
// sits 1 m east of their shared edge.
const N = 256;
const X0 = 650000;
const TOP = 6650128;
const SEAM = X0 + N * 0.5;
const MOUND = { x: SEAM + 1, y: TOP - 60, r: 10, h: 1.0 };

function terrain(originX: number, withMound = true): Float32Array {
  const z = new Float32Array(N * N);
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < N; c++) {
      const x = originX + (c + 0.5) * 0.5;
      const y = TOP - (r + 0.5) * 0.5;
      let v = 120 + 0.02 * (x - X0) + 0.01 * (TOP - y);
      const s = Math.hypot(x - MOUND.x, y - MOUND.y) / MOUND.r;
      if (withMound && s < 1) v += MOUND.h * Math.pow(1 - s * s, 1.2);
      z[r * N + c] = Math.round(v * 100) / 100;
    }
  }
  return z;
}

let dir: string;
let det: Detector;
const tile = (name: string, originX: number, crs = 'EPSG:2154', withMound = true) => {
  const path = join(dir, name);
  writeFileSync(path, writeGeoTiff(terrain(originX, withMound), grid({ originX, originY: TOP, resX: 0.5, resY: 0.5, width: N, height: N, crs }), { nodata: -99999 }));
  return path;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-detect-'));
  det = await loadDetector();
});
afterAll(async () => {
  await det?.close();
});

describe('committed detector model', () => {
  it('is small: at most 1 MB, hence at most 200 k float32 parameters', () => {
    const bytes = statSync(DEFAULT_MODEL).size;
    expect(bytes).toBeLessThan(1_000_000);
    expect(bytes / 4).toBeLessThan(200_000);
    expect(det.hash).toMatch(/^[0-9a-f]{12}$/);
  });

  it('finds a planted mound once on the seam of two adjacent tiles, with its centre and size', async () => {
    const a = tile('A.tif', X0);
    const b = tile('B.tif', SEAM);
    const { detections, reports } = await detectFiles(det, [a, b]);
    expect(reports.every((r) => r.ok)).toBe(true);
    const near = detections.filter((d) => Math.hypot(d.x - MOUND.x, d.y - MOUND.y) < 8);
    // Every stored candidate (score ≥ the calibration floor), not only those above the operating
    // threshold: this test is about seams, and a noise-free synthetic slope is not what the
    // model's confidence was calibrated on.
    const mounds = near.filter((d) => d.cls === 'mound' && d.score >= det.calibration.floor);
    expect(mounds).toHaveLength(1);
    expect(mounds[0].tile).toBe('B'); // centre east of the seam: tile B's core
    expect(mounds[0].diameter).toBeGreaterThan(10);
    expect(mounds[0].diameter).toBeLessThan(40);
    // no same-class pair closer than 5 m anywhere (no duplicates across the seam)
    for (const p of detections) for (const q of detections) if (p !== q && p.cls === q.cls) expect(Math.hypot(p.x - q.x, p.y - q.y)).toBeGreaterThan(5);
  });

  it('drops a mound cut by the outer edge of the mosaic: half an object is not a candidate', async () => {
    // Tile B alone: the mound's centre is 1 m inside its west edge and nothing lies beyond.
    const { detections, reports } = await detectFiles(det, [tile('edge-B.tif', SEAM)]);
    expect(reports.every((r) => r.ok)).toBe(true);
    expect(detections.filter((d) => Math.hypot(d.x - MOUND.x, d.y - MOUND.y) < 15)).toEqual([]);
  });

  it('gives the same detections with inference in worker threads as in this thread', async () => {
    const tiles = [tile('W-A.tif', X0), tile('W-B.tif', SEAM)];
    const inThread = await loadDetector({ workers: 0 });
    try {
      const a = await detectFiles(inThread, tiles);
      const b = await detectFiles(det, tiles); // default: a worker pool
      expect(det.concurrency).toBeGreaterThanOrEqual(1);
      const key = (d: { cls: string; x: number; y: number; score: number }) => `${d.cls} ${d.x.toFixed(2)} ${d.y.toFixed(2)} ${d.score.toFixed(4)}`;
      expect(b.detections.map(key)).toEqual(a.detections.map(key));
      expect(b.detections.length).toBeGreaterThan(0);
    } finally {
      await inThread.close();
    }
  });

  it('runs the model over the data of a mostly empty tile only, with the same detections as over the whole tile', async () => {
    // 512 m of nodata with a 160 m island of terrain holding a 20 m mound (r 10 m, 1 m high) at its centre
    const S = 1024;
    const ox = 700000;
    const top = 6700512;
    const island = { c0: 600, r0: 200, n: 320 };
    const mound = { x: ox + (island.c0 + island.n / 2) * 0.5, y: top - (island.r0 + island.n / 2) * 0.5 };
    const z = new Float32Array(S * S).fill(-99999);
    for (let r = island.r0; r < island.r0 + island.n; r++) {
      for (let c = island.c0; c < island.c0 + island.n; c++) {
        const x = ox + (c + 0.5) * 0.5;
        const y = top - (r + 0.5) * 0.5;
        const s = Math.hypot(x - mound.x, y - mound.y) / 10;
        z[r * S + c] = 150 + 0.015 * (x - ox) + (s < 1 ? Math.pow(1 - s * s, 1.2) : 0);
      }
    }
    const path = join(dir, 'sparse.tif');
    writeFileSync(path, writeGeoTiff(z, grid({ originX: ox, originY: top, resX: 0.5, resY: 0.5, width: S, height: S, crs: 'EPSG:2154' }), { nodata: -99999 }));
    const sizes: number[] = [];
    const spy: Detector = { ...det, run: (buf, w, h) => { sizes.push(w * h); return det.run(buf, w, h); } };
    const whole = await detectFiles(spy, [path], { cropToData: false });
    const wholeSizes = sizes.splice(0);
    const cropped = await detectFiles(spy, [path]);
    // the tile with its 64 m (128 px) margin on every side, nodata there too
    expect(wholeSizes).toEqual([(S + 256) ** 2]);
    // the island and 128 m around it, widened to 8-pixel boundaries: (320 + 2 × 256 + 8) px at most
    expect(sizes).toHaveLength(1);
    expect(sizes[0]).toBeLessThanOrEqual(840 * 840);
    expect(sizes[0]).toBeGreaterThanOrEqual(320 * 320);
    // the hand-planted mound is found, once, by both
    for (const r of [whole, cropped]) {
      const near = r.detections.filter((d) => Math.hypot(d.x - mound.x, d.y - mound.y) < 5);
      expect(near.map((d) => d.cls)).toEqual(['mound']);
    }
    const key = (d: { cls: string; x: number; y: number; score: number }) => `${d.cls} ${d.x.toFixed(1)} ${d.y.toFixed(1)} ${d.score.toFixed(3)}`;
    expect(cropped.detections.map(key)).toEqual(whole.detections.map(key));
  });

  it('rejects a bad worker count with the fix in the message', async () => {
    await expect(loadDetector({ workers: -1 })).rejects.toThrow(/workers -1 .*use 0/);
  });

  it('reports a corrupt tile and a geographic one, and still processes the good tiles', async () => {
    const a = tile('good-A.tif', X0);
    const b = tile('good-B.tif', SEAM);
    const corrupt = join(dir, 'corrupt.tif');
    writeFileSync(corrupt, readFileSync(b).subarray(0, 400));
    const geo = tile('geo.tif', 2.35, 'EPSG:4326', false);
    const asc = join(dir, 'noprj.asc'); // ESRI ASCII grid without .prj: no CRS
    writeFileSync(asc, writeAsciiGrid(terrain(X0, false), grid({ originX: X0, originY: TOP, resX: 0.5, resY: 0.5, width: N, height: N, crs: 'EPSG:2154' })));
    const coarse = join(dir, 'coarse.tif'); // 5 m pixels: outside what the detector resamples
    writeFileSync(coarse, writeGeoTiff(new Float32Array(64 * 64).fill(100), grid({ originX: X0, originY: TOP, resX: 5, resY: 5, width: 64, height: 64, crs: 'EPSG:2154' })));
    const store = await Store.open(':memory:');
    try {
      const missing = join(dir, 'no-such-folder'); // a mistyped folder: named as missing, not as a format
      const res = await detectTiles(store, [a, corrupt, b, geo, asc, coarse, missing], { detector: det });
      const byFile = Object.fromEntries(res.reports.map((r) => [r.file.replace(/^.*\//, ''), r]));
      expect(byFile['good-A.tif'].ok).toBe(true);
      expect(byFile['good-B.tif'].ok).toBe(true);
      expect(byFile['corrupt.tif'].ok).toBe(false);
      expect(byFile['corrupt.tif'].error).toMatch(/corrupt\.tif/);
      expect(byFile['geo.tif'].error).toMatch(/geographic/);
      expect(byFile['noprj.asc'].ok).toBe(false);
      expect(byFile['noprj.asc'].error).toMatch(/noprj\.asc.*(CRS|crs|prj)/);
      expect(byFile['coarse.tif'].error).toMatch(/pixel size 5 m/);
      expect(byFile['no-such-folder'].error).toBe(`${missing}: no such file or folder`);
      // a folder holding point clouds and rasters is not guessed at: refused, both named
      const mixed = join(dir, 'mixed');
      mkdirSync(mixed);
      copyFileSync('test/fixtures/real/lidar/ign-las-digital-models/test_data_77050_627755_LA93_IGN69.laz', join(mixed, 'cloud.laz'));
      copyFileSync(a, join(mixed, 'dsm.tif'));
      await expect(detectTiles(store, [mixed], { detector: det })).rejects.toThrow(
        `${mixed}: holds both point clouds (1: cloud.laz) and terrain rasters (1: dsm.tif); give the files of one kind (e.g. ${join(mixed, '*.laz')}) or a folder of one kind`,
      );
      const rows = await store.all<{ n: number }>("SELECT count(*) AS n FROM detections WHERE class = 'mound' AND review_status IS NULL AND novelty = 'nouveau'");
      expect(rows[0].n).toBeGreaterThanOrEqual(1);
      // a second run skips the tiles already processed by this model, and still returns their detections
      const again = await detectTiles(store, [a, b], { detector: det });
      expect(again.skipped).toHaveLength(2);
      expect(again.detections).toEqual(res.detections);
    } finally {
      store.close();
    }
  });

  it('marks a detection near a known archaeological site as « connu »', async () => {
    const a = tile('k-A.tif', X0);
    const b = tile('k-B.tif', SEAM);
    const store = await Store.open(':memory:');
    try {
      await store.run(`INSERT INTO heritage_sites (site_id, site_kind, x, y) VALUES ('EA-1', 'archaeo', ${MOUND.x + 10}, ${MOUND.y})`);
      const res = await detectTiles(store, [a, b], { detector: det });
      const m = res.detections.find((d) => d.cls === 'mound' && Math.hypot(d.x - MOUND.x, d.y - MOUND.y) < 8);
      expect(m?.novelty).toBe('connu');
      expect(m?.knownSiteId).toBe('EA-1');
    } finally {
      store.close();
    }
  });
});
