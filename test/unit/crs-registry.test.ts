/**
 * The CRS registry (engine/geo/crs.ts): any EPSG code from epsg-index, WKT and GeoKey readers,
 * refusals by name. Expected names, codes and coordinates come from GDAL (gdalsrsinfo,
 * gdaltransform), run here, never from the code under test.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CrsError } from '../../engine/errors.ts';
import {
  crsFromGeoKeys,
  crsFromWkt,
  identifyCrs,
  isKnownCrs,
  lookupCrs,
  normaliseCrs,
  registerCrs,
  requireProjectedMetres,
  transformer,
} from '../../engine/geo/crs.ts';

const gdal = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
/** GDAL's name of an EPSG CRS (first quoted string of its WKT). */
const gdalName = (code: string) => /^\s*\w+\["([^"]+)"/.exec(gdal('gdalsrsinfo', ['-o', 'wkt2', code]).trim())![1];
/** gdaltransform of one point. */
function gdalTransform(from: string, to: string, x: number, y: number): [number, number] {
  const [a, b] = gdal('gdaltransform', ['-s_srs', from, '-t_srs', to, '-output_xy'], `${x} ${y}\n`).trim().split(/\s+/).map(Number);
  return [a, b];
}

describe('EPSG registry (epsg-index): any code, not a hand list', () => {
  // National CRSs of several countries, and the overseas French ones.
  const codes = ['EPSG:2154', 'EPSG:26915', 'EPSG:32613', 'EPSG:3157', 'EPSG:26918', 'EPSG:25832', 'EPSG:3035', 'EPSG:27700', 'EPSG:31370', 'EPSG:2056', 'EPSG:5490', 'EPSG:2975'];
  it.each(codes)('%s: name as GDAL gives it, projected, metres', (code) => {
    const info = lookupCrs(code);
    expect(info.name).toBe(gdalName(code));
    expect(info.kind).toBe('projected');
    expect(info.unit).toBe('metre');
    expect(isKnownCrs(code)).toBe(true);
  });

  it('transforms agree with gdaltransform within 1 mm (EPSG:3035 as the common target)', () => {
    const cases: [string, number, number][] = [
      ['EPSG:2154', 770575, 6277575],
      ['EPSG:26915', 429452, 5150785],
      ['EPSG:25832', 500000, 5400000],
      ['EPSG:32613', 454320, 4174120],
      ['EPSG:2056', 2600000, 1200000],
    ];
    for (const [code, x, y] of cases) {
      const [gx, gy] = gdalTransform(code, 'EPSG:3035', x, y);
      const [ox, oy] = transformer(code, 'EPSG:3035')(x, y);
      expect(Math.abs(ox - gx), `${code} → 3035 x`).toBeLessThan(1e-3);
      expect(Math.abs(oy - gy), `${code} → 3035 y`).toBeLessThan(1e-3);
    }
  });

  it('French NTF Lambert zones get IGN\'s NTF → RGF93 shift (as GDAL without its grid: within 2 m)', () => {
    // PROJ uses the ntf_r93.gsb grid when installed, else the same 3-parameter shift.
    const [gx, gy] = gdalTransform('EPSG:27572', 'EPSG:2154', 600000, 2200000);
    const [ox, oy] = transformer('EPSG:27572', 'EPSG:2154')(600000, 2200000);
    expect(Math.hypot(ox - gx, oy - gy)).toBeLessThan(2);
  });

  it('a CRS whose registry shift is a grid file gets EPSG\'s Helmert instead (OSGB36: within its 2 m of GDAL)', () => {
    // The registry's +nadgrids=OSTN15_NTv2_OSGBtoETRS.gsb, which proj4js cannot load, gave 105 m;
    // datum-shifts.json gives EPSG:1314 OSGB36 to WGS 84 (6), accuracy 2 m (PROJ's choice without the grid).
    const [gx, gy] = gdalTransform('EPSG:27700', 'EPSG:3035', 530000, 180000);
    const [ox, oy] = transformer('EPSG:27700', 'EPSG:3035')(530000, 180000);
    expect(Math.hypot(ox - gx, oy - gy)).toBeLessThan(2);
  });

  it('registry shifts with coordinate-frame rotations are right (Amersfoort, BD72, S-JTSK [JTSK03], Pulkovo 1942(58): within 1–3 m of GDAL)', () => {
    // These were 171, 65, 259 and 38 m off: rotations of the wrong sign or unit in the registry's +towgs84.
    const cases: [string, number, number, number][] = [
      ['EPSG:28992', 155000, 463000, 1],
      ['EPSG:31370', 150000, 170000, 1],
      ['EPSG:8353', -417000, -1228000, 1],
      ['EPSG:3844', 500000, 400000, 3],
    ];
    for (const [code, x, y, tolerance] of cases) {
      const [gx, gy] = gdalTransform(code, 'EPSG:3035', x, y);
      const [ox, oy] = transformer(code, 'EPSG:3035')(x, y);
      expect(Math.hypot(ox - gx, oy - gy), code).toBeLessThan(tolerance);
    }
  });

  it('round trips projected → Lambert-93 → projected to the millimetre (property)', () => {
    const back = transformer('EPSG:2154', 'EPSG:25831');
    const to = transformer('EPSG:25831', 'EPSG:2154');
    fc.assert(
      fc.property(fc.double({ min: 400000, max: 700000, noNaN: true }), fc.double({ min: 4700000, max: 5600000, noNaN: true }), (x, y) => {
        const [a, b] = back(...to(x, y));
        return Math.abs(a - x) < 1e-3 && Math.abs(b - y) < 1e-3;
      }),
      { numRuns: 200 },
    );
  });

  it('normalises spellings of a code', () => {
    expect(normaliseCrs('2154')).toBe('EPSG:2154');
    expect(normaliseCrs('epsg:25832')).toBe('EPSG:25832');
    expect(normaliseCrs('urn:ogc:def:crs:EPSG::3035')).toBe('EPSG:3035');
    expect(normaliseCrs('urn:ogc:def:crs:EPSG:9.8.3:3035')).toBe('EPSG:3035');
    expect(normaliseCrs('urn:ogc:def:crs:OGC:1.3:CRS84')).toBe('EPSG:4326');
  });

  it('an unknown code is a CrsError naming the registry and --crs', () => {
    expect(isKnownCrs('EPSG:999999')).toBe(false);
    expect(() => lookupCrs('EPSG:999999')).toThrow(CrsError);
    expect(() => transformer('EPSG:999999', 'EPSG:2154')).toThrow(/EPSG:999999.*EPSG registry of epsg-index.*--crs/);
  });

  it('--crs CODE=+proj=… overrides the registry for that code', () => {
    const c = registerCrs('EPSG:990001', '+proj=tmerc +lat_0=0 +lon_0=3 +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs');
    expect(c).toBe('EPSG:990001');
    expect(lookupCrs(c).unit).toBe('metre');
    expect(() => registerCrs('EPSG:990002', '+proj=nonsense')).toThrow(CrsError);
  });
});

describe('refused by name: not a projected CRS in metres', () => {
  it.each([
    ['EPSG:4326', /EPSG:4326 WGS 84 is geographic \(degrees\); a projected CRS in metres is expected/],
    ['EPSG:4171', /EPSG:4171 RGF93 v1 is geographic \(degrees\)/],
    ['EPSG:2263', /EPSG:2263 NAD83 \/ New York Long Island \(ftUS\) is in US survey foot; a projected CRS in metres/],
    ['EPSG:6499', /EPSG:6499 NAD83\(2011\) \/ Michigan South \(ft\) is in foot/],
    ['EPSG:5720', /EPSG:5720 NGF-IGN69 height is a vertical CRS/],
    ['EPSG:4978', /EPSG:4978 WGS 84 is geocentric/],
    ['EPSG:8767', /EPSG:8767 NAD83 \/ New York Long Island \(ftUS\) \+ NAVD88 height \(ftUS\) is in US survey foot/],
  ])('%s', (code, message) => {
    expect(() => requireProjectedMetres(code, 'tile.tif')).toThrow(CrsError);
    expect(() => requireProjectedMetres(code, 'tile.tif')).toThrow(message);
    expect(() => requireProjectedMetres(code, 'tile.tif')).toThrow(/^tile\.tif: /);
  });

  it('accepts projected metres, compound with heights in metres included', () => {
    expect(requireProjectedMetres('EPSG:2154', 'a').name).toBe(gdalName('EPSG:2154'));
    const compound = requireProjectedMetres('EPSG:5698', 'a');
    expect(compound.name).toBe(gdalName('EPSG:5698'));
    expect(compound.verticalUnit).toBe('metre');
  });
});

describe('WKT (.prj, LAS records), as GDAL writes it', () => {
  const wkt = (code: string, form: string) => gdal('gdalsrsinfo', ['-o', form, code]);
  it('OGC WKT1, WKT2 and ESRI WKT of EPSG CRSs give their code', () => {
    for (const code of ['EPSG:2154', 'EPSG:25832', 'EPSG:26915', 'EPSG:3035']) {
      expect(crsFromWkt(wkt(code, 'wkt1'), 'x.prj'), `${code} wkt1`).toBe(code);
      expect(crsFromWkt(wkt(code, 'wkt2'), 'x.prj'), `${code} wkt2`).toBe(code);
      // ESRI WKT carries no EPSG authority: identified by its parameters and name.
      const esri = wkt(code, 'wkt_esri');
      expect(esri).not.toMatch(/AUTHORITY\[|\bID\[/);
      expect(crsFromWkt(esri, 'x.prj'), `${code} esri`).toBe(code);
    }
  });

  it('compound WKT gives the horizontal CRS; heights in feet are refused', () => {
    expect(crsFromWkt(wkt('EPSG:5698', 'wkt1'), 'x.prj')).toBe('EPSG:2154');
    expect(() => crsFromWkt(wkt('EPSG:8767', 'wkt1'), 'x.prj')).toThrow(/x\.prj: .*heights in US survey foot/);
    expect(() => crsFromWkt(wkt('EPSG:5720', 'wkt1'), 'x.prj')).toThrow(/NGF-IGN69 height.*vertical CRS/);
  });

  it('a projection no EPSG entry has is kept as its own definition, and transforms like GDAL', () => {
    const def = '+proj=tmerc +lat_0=43.5 +lon_0=3.8 +k=1 +x_0=200000 +y_0=100000 +ellps=GRS80 +units=m +no_defs';
    const esri = gdal('gdalsrsinfo', ['-o', 'wkt_esri', def]);
    const c = crsFromWkt(esri, 'x.prj');
    expect(c.startsWith('PROJCS[')).toBe(true);
    const [gx, gy] = gdalTransform(def, 'EPSG:4326', 205000, 98000);
    const [ox, oy] = transformer(c, 'EPSG:4326')(205000, 98000);
    expect(Math.abs(ox - gx)).toBeLessThan(1e-8);
    expect(Math.abs(oy - gy)).toBeLessThan(1e-8);
  });

  it('garbage is a CrsError naming the file', () => {
    expect(() => crsFromWkt('hello', 'bad.prj')).toThrow(/bad\.prj: "hello" is not a WKT CRS definition/);
  });
});

describe('GeoKeys', () => {
  it('ProjectedCSTypeGeoKey is looked up; an unknown code is named', () => {
    expect(crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 25832 }, 't.tif')).toBe('EPSG:25832');
    expect(() => crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 65000 }, 't.tif')).toThrow(/t\.tif: ProjectedCSTypeGeoKey 65000: EPSG:65000 is not in the EPSG registry/);
    expect(() => crsFromGeoKeys(null, 't.tif')).toThrow(/t\.tif: no CRS in the GeoTIFF keys; give it with --crs/);
  });

  it('user-defined keys of UTM zone 32 (ProjectionGeoKey 16032) and of a Lambert conic are identified', () => {
    expect(crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32767, ProjectionGeoKey: 16032, GeographicTypeGeoKey: 4258, ProjLinearUnitsGeoKey: 9001 }, 't')).toBe('EPSG:25832');
    const l93 = {
      GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32767, ProjectionGeoKey: 32767, ProjCoordTransGeoKey: 8, GeographicTypeGeoKey: 32767, GeogGeodeticDatumGeoKey: 32767,
      GeogEllipsoidGeoKey: 7019, ProjLinearUnitsGeoKey: 9001, ProjStdParallel1GeoKey: 49, ProjStdParallel2GeoKey: 44, ProjFalseOriginLatGeoKey: 46.5,
      ProjFalseOriginLongGeoKey: 3, ProjFalseOriginEastingGeoKey: 700000, ProjFalseOriginNorthingGeoKey: 6600000,
    };
    expect(crsFromGeoKeys(l93, 't')).toBe('EPSG:2154');
    expect(identifyCrs('+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +units=m')).toBe('EPSG:2154');
    // Same parameters on another ellipsoid: not Lambert-93.
    expect(identifyCrs('+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=intl +units=m')).toBeNull();
  });

  it('heights in feet are refused, in metres accepted', () => {
    expect(() => crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 2154, VerticalUnitsGeoKey: 9002 }, 't.tif')).toThrow(/t\.tif: VerticalUnitsGeoKey 9002 gives heights in foot/);
    expect(() => crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 2154, VerticalCSTypeGeoKey: 6360 }, 't.tif')).toThrow(/EPSG:6360 NAVD88 height \(ftUS\) gives heights in US survey foot/);
    expect(crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 2154, VerticalCSTypeGeoKey: 5720, VerticalUnitsGeoKey: 9001 }, 't.tif')).toBe('EPSG:2154');
  });

  it('an unsupported user-defined projection method asks for --crs', () => {
    expect(() => crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32767, ProjCoordTransGeoKey: 27, GeographicTypeGeoKey: 4326 }, 't.tif')).toThrow(
      /t\.tif: user-defined projection \(ProjCoordTransGeoKey 27\) is not supported; give the CRS with --crs/,
    );
  });
});

describe('Esri codes in the registry', () => {
  // epsg-index also holds Esri's own codes; GDAL writes `-a_srs ESRI:102329` (« ETRS89 UTM 32N,
  // 8 digits », eastings prefixed by the zone: German state DTMs) as user-defined keys citing it.
  const esriWkt = gdal('gdalsrsinfo', ['-o', 'wkt_esri', 'ESRI:102329']).trim();

  it('a file in ESRI:102329 is read as EPSG:4647, the EPSG CRS GDAL gives the same coordinates for', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { writeGeoTiff } = await import('../../engine/geo/geotiff-write.ts');
    const { grid } = await import('../../engine/geo/grid.ts');
    const { openDem } = await import('../../engine/geo/dem.ts');
    const dir = mkdtempSync(join(tmpdir(), 'vigie-esri-'));
    const src = join(dir, 'utm.tif');
    const g = grid({ originX: 32_412_000, originY: 5_427_000, resX: 1, resY: 1, width: 16, height: 16, crs: 'EPSG:4647' });
    writeFileSync(src, writeGeoTiff(new Float32Array(256).fill(120), g));
    const esri = join(dir, 'esri.tif');
    gdal('gdal_translate', ['-q', '-a_srs', 'ESRI:102329', src, esri]);
    const dem = await openDem(esri);
    expect(dem.grid.crs).toBe('EPSG:4647');
    const [x, y] = transformer(dem.grid.crs, 'EPSG:2154')(32_412_004, 5_426_996);
    const [gx, gy] = gdalTransform('ESRI:102329', 'EPSG:2154', 32_412_004, 5_426_996);
    expect(Math.abs(x - gx)).toBeLessThan(0.01);
    expect(Math.abs(y - gy)).toBeLessThan(0.01);
    // its `.prj` as ArcGIS writes it (Esri WKT, no authority) says the same, and so does the
    // WKT closed by AUTHORITY["ESRI","102329"] that other tools write
    expect(crsFromWkt(esriWkt, 'utm.prj')).toBe('EPSG:4647');
    const withAuthority = gdal('gdalsrsinfo', ['-o', 'wkt1', 'ESRI:102329']).trim();
    expect(withAuthority).toMatch(/AUTHORITY\["ESRI","102329"\]\]$/);
    expect(crsFromWkt(withAuthority, 'utm.prj')).toBe('EPSG:4647');
  });

  it('the GeoTIFF writer carries EPSG codes only: an Esri code or a definition is refused, not truncated', async () => {
    const { writeGeoTiff } = await import('../../engine/geo/geotiff-write.ts');
    const { grid } = await import('../../engine/geo/grid.ts');
    const { geoTiffKeyCode } = await import('../../engine/geo/crs.ts');
    expect(geoTiffKeyCode('EPSG:4647')).toBe(4647);
    expect(geoTiffKeyCode('epsg:2154')).toBe(2154);
    expect(geoTiffKeyCode('EPSG:102329')).toBeNull(); // 102329 does not fit a GeoKey (a short) either
    expect(geoTiffKeyCode('+proj=tmerc +lon_0=9 +x_0=32500000 +ellps=GRS80 +units=m')).toBeNull();
    const at = (crs: string) => grid({ originX: 32_412_000, originY: 5_427_000, resX: 1, resY: 1, width: 2, height: 2, crs });
    expect(() => writeGeoTiff(new Float32Array(4), at('EPSG:102329'))).toThrow(CrsError);
    expect(() => writeGeoTiff(new Float32Array(4), at('EPSG:102329'))).toThrow(/CRS EPSG:102329 has no EPSG code a GeoTIFF key can carry/);
    expect(() => writeGeoTiff(new Float32Array(4), at(esriWkt))).toThrow(CrsError);
    expect(writeGeoTiff(new Float32Array(4), at('EPSG:102329'), { scratch: true }).length).toBeGreaterThan(0);
  });
});
