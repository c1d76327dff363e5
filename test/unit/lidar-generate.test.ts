import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CrsError, InputError } from '../../engine/errors.ts';
import { openDem } from '../../engine/geo/dem.ts';
import { generateLidar, runLidarSamples } from '../../pipelines/samples/lidar/generate.ts';

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
