/**
 * The CRS real terrain files declare, read from the file (GeoKeys, `.prj`), in several national
 * CRSs. Expected codes come from GDAL's `gdalsrsinfo -o epsg` on the same file, run here.
 * Committed fixtures (MIT, test/fixtures/real/lidar/README.md) carry the test on a fresh clone;
 * the GPL / no-licence files of ../shared/realdata/lidar are checked when present.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CrsError } from '../../engine/errors.ts';
import { crsFromWkt, describeCrs, requireProjectedMetres, transformer } from '../../engine/geo/crs.ts';
import { openDem } from '../../engine/geo/dem.ts';
import { gridBounds } from '../../engine/geo/grid.ts';

const FIX = resolve('test/fixtures/real/lidar');
const REAL = process.env.VIGIE_REALDATA_LIDAR ?? resolve('../shared/realdata/lidar');

/** GDAL's EPSG code for a file ("EPSG:-1" when it finds none). */
function gdalEpsg(file: string): string {
  const out = execFileSync('gdalsrsinfo', ['-o', 'epsg', file], { encoding: 'utf8' }).trim();
  return /EPSG:-?\d+/.exec(out)![0];
}

/** gdaltransform of the file's centre from its own CRS to Lambert-93. */
function gdalCentreL93(file: string, x: number, y: number): [number, number] {
  const srs = execFileSync('gdalsrsinfo', ['-o', 'wkt2', file], { encoding: 'utf8' }).trim();
  const out = execFileSync('gdaltransform', ['-s_srs', srs, '-t_srs', 'EPSG:2154', '-output_xy'], { encoding: 'utf8', input: `${x} ${y}\n` });
  const [a, b] = out.trim().split(/\s+/).map(Number);
  return [a, b];
}

async function crsOf(file: string): Promise<{ crs: string; centre: [number, number] }> {
  const d = await openDem(file);
  const b = gridBounds(d.grid);
  return { crs: d.grid.crs, centre: [(b.minx + b.maxx) / 2, (b.miny + b.maxy) / 2] };
}

describe('committed MIT fixtures: CRS from the file = GDAL\'s answer', () => {
  it.each([
    ['ign-las-digital-models/HEAD/test_data_77055_627760_LA93_IGN69_50CM.tif', 'EPSG:2154'], // IGN DTM, byte-identical
    ['giswqs-lidar/dem_rows_0-99.tif', 'EPSG:26915'], // giswqs/lidar DEM rows 0–99, ESRI PE GeoKeys
    ['derived/ign_etrs89_utm31n_25831.tif', 'EPSG:25831'],
    ['derived/ign_laea_europe_3035.tif', 'EPSG:3035'],
    ['derived/compound_5698.tif', 'EPSG:5698'], // compound: Lambert-93 + NGF-IGN69 height (metres)
    ['derived/ign_esri_lambert93.asc', 'EPSG:2154'], // ESRI WKT .prj without authority
    ['derived/ign_esri_utm31n.asc', 'EPSG:25831'],
  ])('%s', async (rel, expected) => {
    const file = join(FIX, rel);
    expect(gdalEpsg(file)).toBe(expected); // what GDAL says, the oracle
    const { crs } = await crsOf(file);
    // A compound CRS is carried as its horizontal part (heights checked to be metres).
    expect(crs).toBe(expected === 'EPSG:5698' ? 'EPSG:2154' : expected);
    expect(requireProjectedMetres(crs, rel).unit).toBe('metre');
  });

  it('user-defined GeoKeys with Lambert-93\'s parameters are identified as EPSG:2154 (GDAL lists it among its matches)', async () => {
    const file = join(FIX, 'derived/user_defined_lambert93.tif');
    expect(execFileSync('gdalsrsinfo', ['-o', 'epsg', file], { encoding: 'utf8' })).toContain('EPSG:2154');
    expect((await crsOf(file)).crs).toBe('EPSG:2154');
  });

  it('user-defined GeoKeys no EPSG entry matches: kept as their own projection, transformed as GDAL does', async () => {
    const file = join(FIX, 'derived/user_defined_tmerc.tif');
    expect(gdalEpsg(file)).toBe('EPSG:-1');
    const { crs, centre } = await crsOf(file);
    expect(crs).toMatch(/^\+proj=tmerc .*\+lat_0=43\.5 .*\+lon_0=3\.8 .*\+units=m/);
    expect(requireProjectedMetres(crs, 'user_defined_tmerc.tif').unit).toBe('metre');
    const [gx, gy] = gdalCentreL93(file, ...centre);
    const [ox, oy] = transformer(crs, 'EPSG:2154')(...centre);
    expect(Math.hypot(ox - gx, oy - gy)).toBeLessThan(0.01);
  });

  it('reprojected copies land where the Lambert-93 original is (to 1 m)', async () => {
    const l93 = await crsOf(join(FIX, 'ign-las-digital-models/HEAD/test_data_77055_627760_LA93_IGN69_50CM.tif'));
    for (const rel of ['derived/ign_etrs89_utm31n_25831.tif', 'derived/ign_laea_europe_3035.tif']) {
      const { crs, centre } = await crsOf(join(FIX, rel));
      const [x, y] = transformer(crs, 'EPSG:2154')(...centre);
      expect(Math.hypot(x - l93.centre[0], y - l93.centre[1]), rel).toBeLessThan(1);
    }
  });

  it.each([
    ['derived/geographic_4326.tif', 'EPSG:4326', /geographic_4326\.tif: EPSG:4326 WGS 84 is geographic \(degrees\); a projected CRS in metres is expected/],
    ['derived/ftus_2263.tif', 'EPSG:2263', /ftus_2263\.tif: EPSG:2263 NAD83 \/ New York Long Island \(ftUS\) is in US survey foot; a projected CRS in metres is expected.*scale them to metres with gdal_translate -scale 0 1 0 0\.3048006$/],
  ])('%s is refused by name', async (rel, expected, message) => {
    const file = join(FIX, rel);
    expect(gdalEpsg(file)).toBe(expected);
    const { crs } = await crsOf(file);
    expect(crs).toBe(expected);
    expect(() => requireProjectedMetres(crs, rel.split('/')[1])).toThrow(message);
  });

  it('heights in US survey feet (compound EPSG:2263 + 6360) are refused when the file is opened', async () => {
    const file = join(FIX, 'derived/compound_ftus_2263_6360.tif');
    expect(gdalEpsg(file)).toBe('EPSG:8767');
    await expect(openDem(file)).rejects.toThrow(CrsError);
    await expect(openDem(file)).rejects.toThrow(/compound_ftus_2263_6360\.tif: vertical CRS EPSG:6360 NAVD88 height \(ftUS\) gives heights in US survey foot; elevations in metres are expected/);
  });

  it('an IGN ASCII grid without .prj (RGE ALTI, LiDAR HD) takes Lambert-93 from its name; another name is still refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-ign-name-'));
    const original = join(FIX, 'derived/ign_esri_lambert93.asc');
    const named = join(dir, 'RGEALTI_FXX_0770_6278_MNT_LAMB93_IGN69.asc');
    const other = join(dir, 'mnt_0770_6278.asc');
    copyFileSync(original, named);
    copyFileSync(original, other);
    expect(gdalEpsg(original)).toBe('EPSG:2154'); // the same grid with its .prj, as GDAL reads it
    const d = await openDem(named);
    const o = await openDem(original);
    expect(d.grid).toEqual({ ...o.grid });
    expect(d.grid.crs).toBe('EPSG:2154');
    await expect(openDem(other)).rejects.toThrow(/^mnt_0770_6278\.asc: a text grid carries no CRS and there is no mnt_0770_6278\.prj beside it; give it with --crs/);
  });

  it('--crs overrides what the file says', async () => {
    const d = await openDem(join(FIX, 'derived/user_defined_tmerc.tif'), { crs: 'EPSG:2154' });
    expect(d.grid.crs).toBe('EPSG:2154');
  });
});

describe('.prj files in ESRI WKT, as ArcGIS and GDAL write them: the EPSG CRS GDAL names, and its positions', () => {
  // GDAL writes each CRS as ESRI WKT (what ArcGIS puts in a .prj), says which EPSG CRS it reads
  // back, and where a point in that CRS's area lies in longitude / latitude: the oracles.
  it.each([
    ['EPSG:3857', 2.5, 46.5], // « WGS_1984_Web_Mercator_Auxiliary_Sphere »: on the sphere, not EPSG:3395
    ['EPSG:27572', 2.5, 46.5], // « NTF_Paris_Lambert_Zone_II »: parallels in grads, meridian in degrees
    ['EPSG:27571', 2.5, 49.5],
    ['EPSG:27563', 2.5, 44.5],
    ['EPSG:5514', 15, 49.8], // « S-JTSK_Krovak_East_North »: Longitude_Of_Center
    ['EPSG:2154', 2.5, 46.5],
    ['EPSG:2056', 8.2, 46.8],
    ['EPSG:28992', 5.3, 52.1],
  ])('%s', (code, lon, lat) => {
    const esri = execFileSync('gdalsrsinfo', ['-o', 'wkt_esri', code], { encoding: 'utf8' });
    expect(esri).toMatch(/^\s*PROJCS\["/);
    const file = join(mkdtempSync(join(tmpdir(), 'vigie-esri-')), 'dtm.prj');
    writeFileSync(file, esri);
    const [x, y] = execFileSync('gdaltransform', ['-s_srs', 'EPSG:4326', '-t_srs', code, '-output_xy'], { encoding: 'utf8', input: `${lon} ${lat}\n` }).trim().split(/\s+/).map(Number);
    const [glon, glat] = execFileSync('gdaltransform', ['-s_srs', file, '-t_srs', 'EPSG:4326', '-output_xy'], { encoding: 'utf8', input: `${x} ${y}\n` }).trim().split(/\s+/).map(Number);
    const crs = crsFromWkt(esri, 'dtm.prj');
    const gdalCode = gdalEpsg(file);
    if (gdalCode !== 'EPSG:-1') expect(crs).toBe(gdalCode);
    const [vlon, vlat] = transformer(crs, 'EPSG:4326')(x, y);
    const metres = Math.hypot((vlon - glon) * 111320 * Math.cos((lat * Math.PI) / 180), (vlat - glat) * 110540);
    expect(metres).toBeLessThan(0.5);
  });

  it.each(['EPSG:3857', 'EPSG:27572', 'EPSG:2056'])('a GeoTIFF whose keys carry %s as ArcGIS writes them (ESRI PE string): the CRS GDAL names', async (code) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-pe-'));
    const [x, y] = execFileSync('gdaltransform', ['-s_srs', 'EPSG:4326', '-t_srs', code, '-output_xy'], { encoding: 'utf8', input: code === 'EPSG:2056' ? '8.2 46.8\n' : '2.5 46.5\n' }).trim().split(/\s+/).map(Number);
    const src = join(dir, 'src.tif');
    const file = join(dir, 'pe.tif');
    execFileSync('gdal_create', ['-q', '-outsize', '100', '100', '-ot', 'Float32', '-burn', '100', '-a_srs', code, '-a_ullr', `${x}`, `${y}`, `${x + 50}`, `${y - 50}`, src]);
    execFileSync('gdal_translate', ['-q', '-co', 'GEOTIFF_KEYS_FLAVOR=ESRI_PE', src, file]);
    expect((await crsOf(file)).crs).toBe(gdalEpsg(file));
  });

  it('a CRS counting westing and southing (South Africa\'s Lo grids) is refused by name, not placed 6,000 km off', () => {
    expect(() => requireProjectedMetres('EPSG:2046', 'lo15.tif')).toThrow(/^lo15\.tif: EPSG:2046 Hartebeesthoek94 \/ Lo15 counts its axes westing and southing \(axis « wsu »\), which is not supported; a projected CRS in metres is expected/);
  });

  it('Esri\'s own « NTF France II (degrees) » (ESRI:102582) gets NTF\'s datum shift, within its stated 2 m of GDAL', () => {
    const esri = execFileSync('gdalsrsinfo', ['-o', 'wkt_esri', 'ESRI:102582'], { encoding: 'utf8' });
    const file = join(mkdtempSync(join(tmpdir(), 'vigie-esri-')), 'ntf.prj');
    writeFileSync(file, esri);
    const [x, y] = execFileSync('gdaltransform', ['-s_srs', 'EPSG:4326', '-t_srs', 'ESRI:102582', '-output_xy'], { encoding: 'utf8', input: '2.5 46.5\n' }).trim().split(/\s+/).map(Number);
    const [glon, glat] = execFileSync('gdaltransform', ['-s_srs', file, '-t_srs', 'EPSG:4326', '-output_xy'], { encoding: 'utf8', input: `${x} ${y}\n` }).trim().split(/\s+/).map(Number);
    const crs = crsFromWkt(esri, 'ntf.prj');
    const [vlon, vlat] = transformer(crs, 'EPSG:4326')(x, y);
    // without the shift (before): 53 m off
    expect(Math.hypot((vlon - glon) * 111320 * Math.cos((46.5 * Math.PI) / 180), (vlat - glat) * 110540)).toBeLessThan(2);
  });

  it('a projection proj4js cannot read is named in the refusal', () => {
    const esri = execFileSync('gdalsrsinfo', ['-o', 'wkt_esri', 'EPSG:2046'], { encoding: 'utf8' });
    expect(() => crsFromWkt(esri, 'za.prj')).toThrow(/^za\.prj: CRS "Hartebeesthoek94_Lo15" could not be read \(projection "Transverse_Mercator_South_Orientated" is not supported\); give it with --crs EPSG:NNNN$/);
  });
});

const BACKGROUNDS: [string, string][] = [
  ['dtm-backgrounds/giswqs+lidar/lidar/data/dem.tif', 'EPSG:26915'], // MIT
  ['dtm-backgrounds/OpenTopography+RGR-pdal-topo/src/DEMs/demsd2011.tif', 'EPSG:32613'], // GPL-3
  ['dtm-backgrounds/ptompalski+MGEM_ALS_lecture/data/dtm.tif', 'EPSG:3157'], // GPL-3
  ['dtm-backgrounds/giswqs+Drumlin-Extraction-Toolbox/data/dem.tif', 'EPSG:26918'], // no licence
  ['laz-with-ign-dtm/ignf_lidarhd_DTM_77055_627760_LA93_IGN69_50CM.tif', 'EPSG:2154'], // MIT
];

describe.skipIf(!existsSync(REAL))('real DTMs of ../shared/realdata/lidar in four national CRSs', () => {
  it.each(BACKGROUNDS)('%s', async (rel, expected) => {
    const file = join(REAL, rel);
    expect(gdalEpsg(file)).toBe(expected);
    const { crs, centre } = await crsOf(file);
    expect(crs).toBe(expected);
    const info = requireProjectedMetres(crs, rel);
    expect(describeCrs(crs)).toBe(`${expected} ${info.name}`);
    // Positions go to Lambert-93 where GDAL puts them, within the datum shift's own accuracy:
    // for NAD83(CSRS) the registry's Helmert to WGS 84 and PROJ's choice differ by ~2 m.
    const [gx, gy] = gdalCentreL93(file, ...centre);
    const [ox, oy] = transformer(crs, 'EPSG:2154')(...centre);
    expect(Math.hypot(ox - gx, oy - gy)).toBeLessThan(3);
  });
});
