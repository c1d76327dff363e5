import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CrsError, InputError } from '../../engine/errors.ts';
import { openDem } from '../../engine/geo/dem.ts';
import { generateLidar, runLidarSamples } from '../../pipelines/samples/lidar/generate.ts';
import { cellObjects, type Obj } from '../../pipelines/samples/lidar/objects.ts';
import { stampObject } from '../../pipelines/samples/lidar/stamps.ts';
import { LIDAR_GENERATOR_VERSION, lidarMosaicCurrent } from '../../pipelines/samples/lidar/writer.ts';

const root = mkdtempSync(join(tmpdir(), 'vigie-lidar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const small = { seed: 3, originX: 330000, originY: 6712000, tilesX: 2, tilesY: 1, tilePixels: 128, pixel: 0.5, style: 'mixed' as const };

describe('generateLidar', () => {
  it('is deterministic: same seed gives byte-identical tiles and truth', async () => {
    const a = await generateLidar({ ...small, outDir: join(root, 'a') });
    const b = await generateLidar({ ...small, outDir: join(root, 'b') });
    expect(a.tiles.map((t) => basename(t))).toEqual(['LHD_FXX_0330000_6712064_MNT_O_0M50_LAMB93_IGN69.tif', 'LHD_FXX_0330064_6712064_MNT_O_0M50_LAMB93_IGN69.tif']);
    for (let i = 0; i < a.tiles.length; i++) expect(readFileSync(a.tiles[i]).equals(readFileSync(b.tiles[i]))).toBe(true);
    expect(readFileSync(a.truthPath, 'utf8')).toBe(readFileSync(b.truthPath, 'utf8'));
  });

  it('joins tiles without a seam: the step across the shared edge is like steps inside a tile', async () => {
    const dir = join(root, 'seam');
    const { tiles } = await generateLidar({ ...small, style: 'hills', outDir: dir });
    const [w, e] = await Promise.all(tiles.map((t) => openDem(t).then((d) => d.read())));
    let seam = 0, inside = 0, n = 0;
    for (let r = 0; r < 128; r++) {
      const a = w[r * 128 + 127], b = e[r * 128], c = w[r * 128 + 126];
      if (a < -9999 || b < -9999 || c < -9999) continue;
      seam += Math.abs(b - a);
      inside += Math.abs(a - c);
      n++;
    }
    expect(n).toBeGreaterThan(50);
    expect(seam / n).toBeLessThan(2 * (inside / n) + 0.01);
  });

  it('writes truth GeoJSON in Lambert-93 with the planted features of a larger area', async () => {
    const res = await generateLidar({ ...small, tilesX: 1, tilePixels: 1000, style: 'forest', outDir: join(root, 'truth') });
    const fc = JSON.parse(readFileSync(res.truthPath, 'utf8'));
    expect(fc.crs.properties.name).toBe('urn:ogc:def:crs:EPSG::2154');
    expect(fc.features.length).toBe(res.features.length);
    expect(res.features.length).toBeGreaterThan(3);
    for (const f of fc.features) {
      expect(['mound', 'kiln', 'enclosure', 'pit']).toContain(f.properties.class);
      expect(f.properties.tile).toBe('LHD_FXX_0330000_6712500_MNT_O_0M50_LAMB93_IGN69');
      const [x, y] = f.geometry.coordinates;
      expect(x >= 330000 && x < 330500 && y > 6712000 && y <= 6712500).toBe(true);
      expect(Math.sign(f.properties.height_m)).toBe(f.properties.class === 'pit' || f.properties.class === 'enclosure' ? -1 : 1);
    }
  });

  it('stamps natural hummocks lopsided and elongated, mounds as symmetric domes', () => {
    // Shape statistics of one object stamped alone on flat ground (0.5 m pixels, 80 m window).
    const shape = (o: Obj) => {
      const n = 160;
      const z = new Float32Array(n * n);
      stampObject(z, { x0: -40, y0: 40, pixel: 0.5, width: n, height: n }, o);
      let top = 0, cx = 0, cy = 0, w = 0, sxx = 0, syy = 0, sxy = 0;
      for (let i = 0; i < n * n; i++) if (z[i] > z[top]) top = i;
      for (let i = 0; i < n * n; i++) {
        if (z[i] <= 0.02) continue;
        const x = (i % n) * 0.5, y = Math.floor(i / n) * 0.5;
        w++; cx += x; cy += y; sxx += x * x; syy += y * y; sxy += x * y;
      }
      cx /= w; cy /= w;
      const vx = sxx / w - cx * cx, vy = syy / w - cy * cy, cov = sxy / w - cx * cy;
      const d = Math.sqrt(((vx - vy) / 2) ** 2 + cov ** 2);
      const elong = Math.sqrt(((vx + vy) / 2 + d) / ((vx + vy) / 2 - d));
      const crestOff = Math.hypot((top % n) * 0.5 - cx, Math.floor(top / n) * 0.5 - cy) / Math.sqrt(w * 0.25 / Math.PI);
      return { elong, crestOff };
    };
    const objs: Obj[] = [];
    for (let c = 0; objs.filter((o) => o.kind === 'hummock').length < 40; c++) objs.push(...cellObjects(9, 'hummocks', 4000 + c, 26000).confusers);
    const hummocks = objs.filter((o) => o.kind === 'hummock').slice(0, 40).map((o) => shape({ ...o, x: 0, y: 0 }));
    const mound = shape({ kind: 'mound', x: 0, y: 0, r: 8, h: 0.6, variant: 'intact', stretch: 1.05, theta: 0.3, pitR: 0, pitD: 0, pitDx: 0, pitDy: 0 });
    const ploughed = shape({ kind: 'mound', x: 0, y: 0, r: 8, h: 0.3, variant: 'ploughed', stretch: 1.4, theta: 0.3, pitR: 0, pitD: 0, pitDx: 0, pitDy: 0 });
    expect(mound.crestOff).toBeLessThan(0.05);
    expect(ploughed.crestOff).toBeLessThan(0.05);
    expect(mound.elong).toBeLessThan(1.1);
    const median = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1];
    expect(median(hummocks.map((h) => h.crestOff))).toBeGreaterThan(0.15);
    expect(median(hummocks.map((h) => h.elong))).toBeGreaterThan(1.4);
    // they come in fields: most hummocks have another within 30 m
    const hs = objs.filter((o) => o.kind === 'hummock');
    const near = hs.filter((a) => hs.some((b) => b !== a && Math.hypot(a.x - b.x, a.y - b.y) < 30)).length;
    expect(near / hs.length).toBeGreaterThan(0.5);
  });

  it('marks its mosaics with the generator version, so stale caches are regenerated', async () => {
    const dir = join(root, 'version');
    expect(lidarMosaicCurrent(dir)).toBe(false);
    const { truthPath } = await generateLidar({ ...small, tilesX: 1, tilePixels: 64, outDir: dir });
    expect(lidarMosaicCurrent(dir)).toBe(true);
    const fc = JSON.parse(readFileSync(truthPath, 'utf8'));
    expect(fc.generator_version).toBe(LIDAR_GENERATOR_VERSION);
    writeFileSync(truthPath, JSON.stringify({ ...fc, generator_version: LIDAR_GENERATOR_VERSION - 1 }));
    expect(lidarMosaicCurrent(dir)).toBe(false);
  });

  it('writes ESRI ASCII grids with a .prj that openDem reads back', async () => {
    const { tiles } = await generateLidar({ ...small, tilesX: 1, tilePixels: 64, format: 'asc', outDir: join(root, 'asc') });
    const dem = await openDem(tiles[0]);
    expect(dem.grid).toMatchObject({ originX: 330000, originY: 6712032, resX: 0.5, width: 64, crs: 'EPSG:2154' });
    expect(dem.nodata).toBe(-99999);
    expect((await dem.read()).length).toBe(64 * 64);
  });

  it('rejects bad options and CLI arguments with the field named', async () => {
    await expect(generateLidar({ ...small, tilesX: 0, outDir: join(root, 'x') })).rejects.toThrow(/tilesX/);
    await expect(runLidarSamples(['--km', '4'])).rejects.toThrow(/--out DIR is required/);
    await expect(runLidarSamples(['--out', root, '--bogus', '1'])).rejects.toThrow(/unknown option --bogus/);
  });
});

describe('openDem errors', () => {
  it('names the file for an empty, a tiny, an all-nodata and a CRS-less grid', async () => {
    const p = (n: string) => join(root, n);
    writeFileSync(p('empty.asc'), '');
    await expect(openDem(p('empty.asc'), { crs: 'EPSG:2154' })).rejects.toThrow(/empty.asc: file is empty/);
    writeFileSync(p('tiny.asc'), 'ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 0.5\n1 2\n3 4\n');
    await expect(openDem(p('tiny.asc'), { crs: 'EPSG:2154' })).rejects.toThrow(/tiny.asc: tile is 2×2 pixels/);
    const nd = 'ncols 16\nnrows 16\nxllcorner 0\nyllcorner 0\ncellsize 0.5\nNODATA_value -99999\n' + Array(16).fill(Array(16).fill('-99999').join(' ')).join('\n');
    writeFileSync(p('nodata.asc'), nd);
    const dem = await openDem(p('nodata.asc'), { crs: 'EPSG:2154' });
    await expect(dem.read()).rejects.toThrow(/nodata.asc: every pixel is nodata/);
    await expect(openDem(p('nodata.asc'))).rejects.toThrow(CrsError);
    await expect(openDem(p('nodata.asc'))).rejects.toThrow(/--crs EPSG/);
    writeFileSync(p('bad.tif'), 'not a tiff at all');
    await expect(openDem(p('bad.tif'))).rejects.toThrow(InputError);
  });
});
