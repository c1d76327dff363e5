/**
 * LAS/LAZ reading (engine/lidar/las.ts) on IGN's real LiDAR HD point clouds (MIT fixtures):
 * what is decoded must agree with what the producer wrote in each file's header (point count,
 * count per return number, bounds) and with its CRS record. Hand-built LAS files cover the
 * uncompressed path and the error messages.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CrsError, InputError } from '../../engine/errors.ts';
import { readLasHeader, readLasPoints } from '../../engine/lidar/las.ts';
import { writeLas } from './lidar-las-writer.ts';

const IGN = resolve('test/fixtures/real/lidar/ign-las-digital-models');
const LAZ = [
  ...readdirSync(IGN).filter((f) => f.endsWith('.laz')).map((f) => join(IGN, f)),
  join(IGN, 'HEAD/test_data_77055_627760_LA93_IGN69.laz'),
];
const dir = mkdtempSync(join(tmpdir(), 'vigie-las-'));

describe('IGN LiDAR HD LAZ (LAS 1.2 format 3 and LAS 1.4 format 8)', () => {
  it.each(LAZ.map((f) => [f.slice(IGN.length + 1), f]))('%s: decoded points = the header\'s count, returns, bounds, CRS', async (_n, file) => {
    const { header, points, countByReturn } = await readLasPoints(file);
    expect(header.compressed).toBe(true);
    expect(points.count).toBe(header.count);
    expect(countByReturn).toEqual(header.countByReturn);
    let [minx, miny, minz, maxx, maxy, maxz] = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
    for (let i = 0; i < points.count; i++) {
      minx = Math.min(minx, points.x[i]);
      maxx = Math.max(maxx, points.x[i]);
      miny = Math.min(miny, points.y[i]);
      maxy = Math.max(maxy, points.y[i]);
      minz = Math.min(minz, points.z[i]);
      maxz = Math.max(maxz, points.z[i]);
    }
    const tol = header.scale[0] / 2 + 1e-9;
    expect(Math.abs(minx - header.min[0])).toBeLessThanOrEqual(tol);
    expect(Math.abs(maxx - header.max[0])).toBeLessThanOrEqual(tol);
    expect(Math.abs(miny - header.min[1])).toBeLessThanOrEqual(tol);
    expect(Math.abs(maxy - header.max[1])).toBeLessThanOrEqual(tol);
    expect(Math.abs(minz - header.min[2])).toBeLessThanOrEqual(header.scale[2] / 2 + 1e-9);
    expect(Math.abs(maxz - header.max[2])).toBeLessThanOrEqual(header.scale[2] / 2 + 1e-9);
    expect(header.crs).toBe('EPSG:2154');
    // Classes of an IGN LiDAR HD classification only (0–6 in these tiles), ground present.
    const classes = new Set(points.cls);
    expect([...classes].every((c) => c <= 6)).toBe(true);
    expect(classes.has(2)).toBe(true);
  });

  it('LAS 1.4 format 8: version, format, only the classes asked for, ground density in the realdata README\'s range', async () => {
    const head = await readLasPoints(join(IGN, 'HEAD/test_data_77055_627760_LA93_IGN69.laz'), { classes: [2] });
    expect(head.header.version).toBe('1.4');
    expect(head.header.pointFormat).toBe(8);
    // README of realdata: the HEAD file is the bf687c6 tile re-encoded; its ground density 8.9 pts/m².
    expect(head.points.count / 2500).toBeGreaterThan(8.5);
    expect(head.points.count / 2500).toBeLessThan(16);
    expect(new Set(head.points.cls)).toEqual(new Set([2]));
  });

  it('filters by class and bbox', async () => {
    const file = join(IGN, 'test_data_77050_627760_LA93_IGN69.laz');
    const all = await readLasPoints(file);
    const b = { minx: 770510, miny: 6277560, maxx: 770520, maxy: 6277570 };
    const some = await readLasPoints(file, { classes: [2, 6], bbox: b });
    let expected = 0;
    for (let i = 0; i < all.points.count; i++) {
      const inside = all.points.x[i] >= b.minx && all.points.x[i] <= b.maxx && all.points.y[i] >= b.miny && all.points.y[i] <= b.maxy;
      if (inside && (all.points.cls[i] === 2 || all.points.cls[i] === 6)) expected++;
    }
    expect(some.points.count).toBe(expected);
    expect(expected).toBeGreaterThan(100);
  });
});

describe('uncompressed LAS and errors', () => {
  it('reads a hand-built LAS 1.2 (format 0) with a GeoKey record', async () => {
    const pts = [
      [1000.01, 2000.02, 30.03, 2],
      [1001.5, 2001.25, 31, 6],
      [1002, 2002, 29.5, 2],
    ];
    const f = join(dir, 'hand.las');
    writeFileSync(f, writeLas(pts, { ProjectedCSTypeGeoKey: 2154 }));
    const { header, points } = await readLasPoints(f);
    expect(header.compressed).toBe(false);
    expect(header.count).toBe(3);
    expect(header.crs).toBe('EPSG:2154');
    expect(Array.from(points.x)).toEqual(pts.map((p) => expect.closeTo(p[0], 6)));
    expect(Array.from(points.z)).toEqual(pts.map((p) => expect.closeTo(p[2], 6)));
    expect(Array.from(points.cls)).toEqual([2, 6, 2]);
  });

  it('a geographic CRS record is read (and refused later, by name, for terrain)', async () => {
    const f = join(dir, 'geo.las');
    writeFileSync(f, writeLas([[2.35, 48.85, 35, 2]], { GTModelTypeGeoKey: 2, GeographicTypeGeoKey: 4326 }, 1e-7));
    expect((await readLasHeader(f)).crs).toBe('EPSG:4326');
  });

  it('names the file and the fault', async () => {
    const notLas = join(dir, 'not.laz');
    writeFileSync(notLas, 'hello, I am not a point cloud');
    await expect(readLasHeader(notLas)).rejects.toThrow(InputError);
    await expect(readLasHeader(notLas)).rejects.toThrow(/not\.laz: not a LAS\/LAZ file/);
    const cut = join(dir, 'cut.laz');
    const bytes = readFileSync(join(IGN, 'test_data_77050_627760_LA93_IGN69.laz'));
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readLasPoints(cut)).rejects.toThrow(/cut\.laz: (corrupt or truncated LAZ data|LAZ data cannot be opened)/);
    const empty = join(dir, 'empty.las');
    writeFileSync(empty, '');
    await expect(readLasHeader(empty)).rejects.toThrow(/empty\.las: file is empty/);
    const shortLas = join(dir, 'short.las');
    writeFileSync(shortLas, writeLas([[0, 0, 0, 2], [1, 1, 1, 2]], { ProjectedCSTypeGeoKey: 2154 }).subarray(0, -10));
    await expect(readLasPoints(shortLas)).rejects.toThrow(/short\.las: truncated/);
    const badCrs = join(dir, 'badcrs.las');
    writeFileSync(badCrs, writeLas([[0, 0, 0, 2]], { ProjectedCSTypeGeoKey: 65000 }));
    await expect(readLasHeader(badCrs)).rejects.toThrow(CrsError);
  });
});
