import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrsError, InputError } from '../../engine/errors.ts';
import { readAllFeatures, readVector } from '../../engine/io/vector.ts';
import { crsFromPrj } from '../../engine/io/shapefile.ts';
import { parseWkb } from '../../engine/io/wkb.ts';

const ZONES = {
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } },
  features: [
    {
      type: 'Feature',
      properties: { id_zone: 'Z1', scenario: '02Moy', nom: 'Évreux' },
      geometry: { type: 'Polygon', coordinates: [[[650000, 6860000], [651000, 6860000], [651000, 6861000], [650000, 6861000], [650000, 6860000]]] },
    },
    {
      type: 'Feature',
      properties: { id_zone: 'Z2', scenario: '04Fai', nom: 'Louviers' },
      geometry: { type: 'MultiPolygon', coordinates: [[[[652000, 6860000], [653000, 6860000], [653000, 6861000], [652000, 6860000]]]] },
    },
  ],
};

let dir: string;
const ogr = (...args: string[]) => execFileSync('ogr2ogr', args, { stdio: 'pipe' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-vector-'));
  writeFileSync(join(dir, 'zones.geojson'), JSON.stringify(ZONES));
  ogr('-f', 'GPKG', join(dir, 'zones.gpkg'), join(dir, 'zones.geojson'), '-nln', 'zones');
  ogr('-f', 'FlatGeobuf', join(dir, 'zones.fgb'), join(dir, 'zones.geojson'));
  ogr('-f', 'ESRI Shapefile', join(dir, 'zones.shp'), join(dir, 'zones.geojson'));
  ogr('-f', 'ESRI Shapefile', join(dir, 'noprj.shp'), join(dir, 'zones.geojson'));
  unlinkSync(join(dir, 'noprj.prj'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readVector', () => {
  it.each(['geojson', 'gpkg', 'fgb', 'shp'])('reads %s with its CRS, properties and geometries', async (ext) => {
    const layer = await readVector(join(dir, `zones.${ext}`));
    expect(layer.format).toBe(ext);
    expect(layer.crs).toBe('EPSG:2154');
    const features = await readAllFeatures(layer);
    expect(features).toHaveLength(2);
    const z1 = features.find((f) => f.properties.id_zone === 'Z1')!;
    expect(z1.properties.nom).toBe('Évreux'); // UTF-8 survives every format
    expect(z1.properties.scenario).toBe('02Moy');
    const ring = (z1.geometry!.coordinates as number[][][])[0];
    expect(ring).toHaveLength(5);
    expect(ring).toContainEqual([651000, 6861000]);
    expect(features.map((f) => f.index).sort()).toEqual([0, 1]);
  });

  it('a Shapefile without .prj is a CrsError suggesting --crs, and --crs completes it', async () => {
    await expect(readVector(join(dir, 'noprj.shp'))).rejects.toThrow(CrsError);
    await expect(readVector(join(dir, 'noprj.shp'))).rejects.toThrow(/--crs EPSG/);
    const layer = await readVector(join(dir, 'noprj.shp'), { crs: '2154' });
    expect(layer.crs).toBe('EPSG:2154');
    expect(await readAllFeatures(layer)).toHaveLength(2);
  });

  it('GeoJSON without crs member is WGS84 (RFC 7946); --crs overrides', async () => {
    const p = join(dir, 'plain.geojson');
    writeFileSync(p, JSON.stringify({ type: 'FeatureCollection', features: [] }));
    expect((await readVector(p)).crs).toBe('EPSG:4326');
    expect((await readVector(p, { crs: 'EPSG:2154' })).crs).toBe('EPSG:2154');
  });

  it('refuses empty files, unknown formats and corrupt GeoPackages with the file name', async () => {
    const empty = join(dir, 'empty.gpkg');
    writeFileSync(empty, '');
    await expect(readVector(empty)).rejects.toThrow(/empty\.gpkg: the file is empty/);
    const odd = join(dir, 'zones.xyz');
    writeFileSync(odd, 'hello');
    await expect(readVector(odd)).rejects.toThrow(/zones\.xyz: unknown vector format ".xyz"/);
    const bad = join(dir, 'bad.gpkg');
    writeFileSync(bad, 'SQLite format 3\0 but truncated');
    await expect(readVector(bad)).rejects.toThrow(InputError);
  });

  it('an unknown CRS in a .prj names it', () => {
    expect(() => crsFromPrj('PROJCS["Lambert_II_etendu_custom",GEOGCS["x"]]', 'a.prj')).toThrow(/Lambert_II_etendu_custom.*--crs/);
    expect(crsFromPrj('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984"]]', 'a.prj')).toBe('EPSG:4326');
    expect(crsFromPrj('PROJCS["RGF93 / Lambert-93",GEOGCS["RGF93"],AUTHORITY["EPSG","2154"]]', 'a.prj')).toBe('EPSG:2154');
  });
});

describe('parseWkb', () => {
  it('decodes big- and little-endian ISO WKB, dropping Z', () => {
    const le = new DataView(new ArrayBuffer(1 + 4 + 24));
    le.setUint8(0, 1);
    le.setUint32(1, 1001, true); // Point Z
    le.setFloat64(5, 2.5, true);
    le.setFloat64(13, 48.1, true);
    le.setFloat64(21, 99, true);
    expect(parseWkb(new Uint8Array(le.buffer))).toEqual({ type: 'Point', coordinates: [2.5, 48.1] });
    const be = new DataView(new ArrayBuffer(1 + 4 + 4 + 32));
    be.setUint8(0, 0);
    be.setUint32(1, 2, false); // LineString
    be.setUint32(5, 2, false);
    [1, 2, 3, 4].forEach((v, i) => be.setFloat64(9 + 8 * i, v, false));
    expect(parseWkb(new Uint8Array(be.buffer))).toEqual({ type: 'LineString', coordinates: [[1, 2], [3, 4]] });
    expect(() => parseWkb(new Uint8Array(be.buffer).subarray(0, 20))).toThrow(/truncated/);
  });
});
