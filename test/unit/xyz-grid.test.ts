/**
 * Gridded XYZ terrain (engine/geo/xyz-grid.ts): a real 1 m DEM written as XYZ by GDAL reads as GDAL
 * reads it (grid from `gdalinfo -json`, elevations from `gdallocationinfo`), also with its lines
 * shuffled, separated by `;` with decimal commas, or with cells missing; bad files named by line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTileFiles } from '../../engine/detect/detections.ts';
import { openDem } from '../../engine/geo/dem.ts';
import { readXyzGrid, XYZ_NODATA } from '../../engine/geo/xyz-grid.ts';

const SRC = join(import.meta.dirname, '../fixtures/real/lidar/giswqs-lidar/dem_rows_0-99.tif');
const gdal = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
let dir = '';
let xyz = '';
let info: { size: [number, number]; geoTransform: number[] };
/** pixels probed with gdallocationinfo, and what GDAL reads there */
const probes: { col: number; row: number; z: number }[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-xyz-'));
  xyz = join(dir, 'dem.xyz');
  gdal('gdal_translate', ['-q', '-of', 'XYZ', SRC, xyz]);
  writeFileSync(join(dir, 'dem.prj'), gdal('gdalsrsinfo', ['-o', 'wkt_esri', 'EPSG:26915']));
  info = JSON.parse(gdal('gdalinfo', ['-json', xyz]));
  for (let k = 0; k < 40; k++) probes.push({ col: (k * 97) % info.size[0], row: (k * 31) % info.size[1], z: 0 });
  const out = gdal('gdallocationinfo', ['-valonly', xyz], probes.map((p) => `${p.col} ${p.row}`).join('\n') + '\n').trim().split('\n');
  probes.forEach((p, i) => (p.z = Number(out[i])));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = () => readFileSync(xyz, 'utf8').trim().split('\n');

async function expectAsGdal(path: string, missing: Set<number> = new Set()) {
  const g = await readXyzGrid(path);
  const [x0, dx, , y0, , dy] = info.geoTransform;
  expect([g.grid.width, g.grid.height]).toEqual(info.size);
  expect([g.grid.originX, g.grid.originY, g.grid.resX, -g.grid.resY]).toEqual([x0, y0, dx, dy]);
  expect(g.grid.crs).toBe('EPSG:26915');
  for (const p of probes) {
    const k = p.row * g.grid.width + p.col;
    expect(g.data[k]).toBe(missing.has(k) ? XYZ_NODATA : Math.fround(p.z));
  }
  return g;
}

describe('gridded XYZ terrain', () => {
  it('reads a GDAL XYZ export as GDAL does: grid, CRS from the .prj, elevations', async () => {
    await expectAsGdal(xyz);
    const dem = await openDem(xyz);
    expect(dem.nodata).toBe(XYZ_NODATA);
    expect((await dem.readWindow({ col: probes[3].col, row: probes[3].row, width: 1, height: 1 }))[0]).toBe(Math.fround(probes[3].z));
    expect(await listTileFiles([dir])).toEqual([xyz]);
  });

  it('any line order, a header, `;` with decimal commas, and missing cells as nodata', async () => {
    const all = lines();
    // deterministic shuffle (the rows of some deliveries come column by column)
    const shuffled = all.map((l, i) => [(i * 7919) % all.length, l] as const).sort((a, b) => a[0] - b[0]).map((e) => e[1]);
    const semi = join(dir, 'semi.xyz');
    writeFileSync(semi, ['X;Y;Z', ...shuffled.map((l) => l.split(' ').map((v) => v.replace('.', ',')).join(';'))].join('\r\n') + '\r\n');
    writeFileSync(join(dir, 'semi.prj'), readFileSync(join(dir, 'dem.prj')));
    await expectAsGdal(semi);
    // drop the lines of three probed cells (GDAL's XYZ export writes rows from the top, left to right)
    const drop = new Set([probes[5], probes[11], probes[20]].map((p) => p.row * info.size[0] + p.col));
    const holes = join(dir, 'holes.xyz');
    writeFileSync(holes, all.filter((_, i) => !drop.has(i)).join('\n'));
    writeFileSync(join(dir, 'holes.prj'), readFileSync(join(dir, 'dem.prj')));
    await expectAsGdal(holes, drop);
  });

  it('names the file, line and value of what is not a grid', async () => {
    const all = lines();
    const write = (name: string, body: string[]) => {
      writeFileSync(join(dir, name), body.join('\n'));
      return join(dir, name);
    };
    const crs = { crs: 'EPSG:26915' };
    const [x, y] = all[10].split(' ');
    await expect(readXyzGrid(write('word.xyz', [...all.slice(0, 4), `${x} ${y} abc`]), crs)).rejects.toThrow(/^word\.xyz line 5, elevation: "abc" is not a number/);
    await expect(readXyzGrid(write('two.xyz', [...all.slice(0, 4), `${x} ${y}`]), crs)).rejects.toThrow(/^two\.xyz line 5: 2 value\(s\) .*expected 3: easting northing elevation/);
    await expect(readXyzGrid(write('off.xyz', [...all.slice(0, 400), `${Number(x) + 0.3} ${y} 300`]), crs)).rejects.toThrow(/^off\.xyz: easting [\d.]+ is not on the grid of step 1 through/);
    await expect(readXyzGrid(write('dup.xyz', [...all.slice(0, 400), all[10]]), crs)).rejects.toThrow(/^dup\.xyz line 401: a second elevation for the cell at/);
    await expect(readXyzGrid(write('noprj.xyz', all.slice(0, 400)))).rejects.toThrow(/^noprj\.xyz: a text grid carries no CRS and there is no noprj\.prj beside it; give it with --crs/);
    await expect(openDem(write('huge.xyz', [all[0], all[1], all[400], `${Number(x) + 20000} ${Number(y) - 20000} 300`]), crs)).rejects.toThrow(/^huge\.xyz: the points span 20,0\d\d×20,0\d\d cells of 1 m; expected at most 100,000,000/);
  });
});
