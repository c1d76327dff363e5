/**
 * Terrain in another projected CRS (UTM overseas) is detected in its own metres, then stored in
 * Lambert-93 like everything else; a folder mixing CRSs is run as one mosaic per CRS.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFiles, loadDetector, type Detector } from '../../engine/detect/infer.ts';
import { LAMBERT93, transformer } from '../../engine/geo/crs.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { grid } from '../../engine/geo/grid.ts';

const N = 256;
const MOUND = { dx: 64, dy: -70, r: 11, h: 1.2 }; // metres from the tile's top-left corner

function terrain(): Float32Array {
  const z = new Float32Array(N * N);
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < N; c++) {
      const x = (c + 0.5) * 0.5;
      const y = -(r + 0.5) * 0.5;
      const s = Math.hypot(x - MOUND.dx, y - MOUND.dy) / MOUND.r;
      z[r * N + c] = Math.round((80 + 0.015 * x + (s < 1 ? MOUND.h * Math.pow(1 - s * s, 1.2) : 0)) * 100) / 100;
    }
  }
  return z;
}

let dir: string;
let det: Detector;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-detect-crs-'));
  det = await loadDetector();
});
afterAll(async () => {
  await det?.close();
});

describe('detection in other projected CRSs', () => {
  it('reprojects UTM detections to Lambert-93 and runs each CRS as its own mosaic', async () => {
    const utm = { crs: 'EPSG:5490', x: 700000, y: 1600000 }; // Martinique, RGAF09 / UTM 20N
    const l93 = { crs: LAMBERT93, x: 650000, y: 6650128 };
    const files = [utm, l93].map((o, i) => {
      const path = join(dir, `tile${i}.tif`);
      writeFileSync(path, writeGeoTiff(terrain(), grid({ originX: o.x, originY: o.y, resX: 0.5, resY: 0.5, width: N, height: N, crs: o.crs }), { nodata: -99999 }));
      return path;
    });
    const { detections, reports } = await detectFiles(det, files);
    expect(reports.map((r) => r.ok)).toEqual([true, true]);
    const fromUtm = detections.filter((d) => d.tile === 'tile0');
    const fromL93 = detections.filter((d) => d.tile === 'tile1');
    expect(fromL93.length).toBeGreaterThan(0);
    // Same terrain, so the same candidates relative to each tile's corner: back in UTM, the
    // stored Lambert-93 positions land where the Lambert-93 tile's do, shifted by the origins.
    const toUtm = transformer(LAMBERT93, utm.crs);
    const relUtm = fromUtm.map((d) => toUtm(d.x, d.y)).map(([x, y]) => [x - utm.x, y - utm.y]);
    const relL93 = fromL93.map((d) => [d.x - l93.x, d.y - l93.y]);
    expect(relUtm.length).toBe(relL93.length);
    relUtm.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(relL93[i][0], 3);
      expect(y).toBeCloseTo(relL93[i][1], 3);
    });
    const mound = fromL93.find((d) => d.cls === 'mound');
    expect(mound).toBeDefined();
    expect(Math.hypot(mound!.x - l93.x - MOUND.dx, mound!.y - l93.y - MOUND.dy)).toBeLessThan(3);
    // Tile bounds reported for the database are in Lambert-93 too (far from the UTM numbers).
    const b = reports.find((r) => r.tile === 'tile0')!.bounds!;
    expect(b.minx).not.toBeCloseTo(utm.x, -3);
    expect(reports.find((r) => r.tile === 'tile0')!.crs).toBe('EPSG:5490');
  });

  it('runs a CRS whose metres are not ground metres (Web Mercator) at ground scale, and refuses one that stretches unequally', async () => {
    // The same 128 m of terrain in Lambert-93 and warped by GDAL into Web Mercator, where at
    // 46.5° N a metre on the ground is 1.44 of the CRS's metres (gdalwarp keeps ~0.72 m pixels).
    const l93 = { x: 650000, y: 6650128 };
    const src = join(dir, 'l93.tif');
    writeFileSync(src, writeGeoTiff(terrain(), grid({ originX: l93.x, originY: l93.y, resX: 0.5, resY: 0.5, width: N, height: N, crs: LAMBERT93 }), { nodata: -99999 }));
    const merc = join(dir, 'merc.tif');
    execFileSync('gdalwarp', ['-q', '-t_srs', 'EPSG:3857', '-r', 'bilinear', '-dstnodata', '-99999', src, merc]);
    const { detections, reports } = await detectFiles(det, [src, merc]);
    expect(reports.map((r) => r.ok)).toEqual([true, true]);
    expect(reports.find((r) => r.tile === 'merc')!.resampled).toMatch(/^0\.7\d+ m of EPSG:3857 = 0\.5 m on the ground, resampled to 0\.5 m on the ground \(bilinear\)$/);
    const mound = (tile: string) => detections.find((d) => d.tile === tile && d.cls === 'mound')!;
    const [a, b] = [mound('l93'), mound('merc')];
    expect(b).toBeDefined();
    // where the mound was built, in Lambert-93 (positions stored there), and its size on the ground:
    // 2 × 11 m as built; before the scale was read the Web Mercator one came out 1.44 × too wide
    expect(Math.hypot(b.x - l93.x - MOUND.dx, b.y - l93.y - MOUND.dy)).toBeLessThan(3);
    expect(Math.abs(b.diameter / (2 * MOUND.r) - 1)).toBeLessThan(0.3);
    expect(Math.abs(b.diameter / a.diameter - 1)).toBeLessThan(0.1);
    // An equirectangular grid in metres (EPSG:4087) stretches east–west only (1 / cos 46.9° = 1.463): refused by name.
    const eqc = join(dir, 'eqc.tif');
    execFileSync('gdalwarp', ['-q', '-t_srs', 'EPSG:4087', '-r', 'bilinear', '-dstnodata', '-99999', src, eqc]);
    const r = (await detectFiles(det, [eqc])).reports[0];
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^eqc\.tif: EPSG:4087 stretches the ground unequally here \(1\.46\d of its metres per ground metre east–west, 1\.00\d north–south\), so a round mound would look oval; expected a conformal projected CRS/);
  }, 60_000);

  it('vigie detect --out writes a foreign tile in its own CRS (or WGS 84), and refuses a folder as --out before running', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'vigie.js');
    const run = promisify(execFile);
    // New Zealand Transverse Mercator: stored in Lambert-93 its numbers are meaningless (~1.9e7 m)
    const nz = { crs: 'EPSG:2193', x: 1540000, y: 5154000 };
    const tile = join(dir, 'nz.tif');
    writeFileSync(tile, writeGeoTiff(terrain(), grid({ originX: nz.x, originY: nz.y, resX: 0.5, resY: 0.5, width: N, height: N, crs: nz.crs }), { nodata: -99999 }));
    const out = join(dir, 'nz.geojson');
    const r = JSON.parse((await run(process.execPath, [bin, 'detect', tile, '--no-db', '--out', out, '--json', '--workers', '0'])).stdout);
    expect(r.out_crs).toBe('EPSG:2193');
    const fc = JSON.parse(readFileSync(out, 'utf8'));
    expect(fc.crs.properties.name).toBe('urn:ogc:def:crs:EPSG::2193');
    const mound = fc.features.find((f: { properties: { class: string } }) => f.properties.class === 'mound');
    // where the mound was built: MOUND metres from the tile's corner (the tile's own header)
    const [x, y] = mound.geometry.coordinates;
    expect(Math.hypot(x - nz.x - MOUND.dx, y - nz.y - MOUND.dy)).toBeLessThan(3);
    // --wgs84: longitude, latitude near the tile (172.26 E, 43.77 S)
    const w = join(dir, 'nz-wgs84.geojson');
    await run(process.execPath, [bin, 'detect', tile, '--no-db', '--out', w, '--wgs84', '--workers', '0']);
    const [lon, lat] = JSON.parse(readFileSync(w, 'utf8')).features[0].geometry.coordinates;
    expect(lon).toBeGreaterThan(172.2);
    expect(lon).toBeLessThan(172.3);
    expect(lat).toBeGreaterThan(-43.8);
    expect(lat).toBeLessThan(-43.7);
    // NZTM is on a WGS 84-compatible datum: nothing to say; a NAD27 tile is (one Helmert shift for a
    // datum PROJ shifts by grids: EPSG states ~7 m, more in parts of the zone), said in the summary
    expect(r.datum_notes).toEqual([]);
    const nad27 = join(dir, 'nad27.tif');
    writeFileSync(nad27, writeGeoTiff(terrain(), grid({ originX: 500000, originY: 4980000, resX: 0.5, resY: 0.5, width: N, height: N, crs: 'EPSG:26715' }), { nodata: -99999 }));
    const r27 = JSON.parse((await run(process.execPath, [bin, 'detect', nad27, '--no-db', '--json', '--workers', '0'])).stdout);
    expect(r27.datum_notes).toHaveLength(1);
    expect(r27.datum_notes[0]).toMatch(/^EPSG:26715 NAD27 \/ UTM zone 15N: datum shift by EPSG:1175/);
    // a folder as --out is refused at once, naming it and what to give instead
    const folder = join(dir, 'results');
    mkdirSync(folder);
    const e = await run(process.execPath, [bin, 'detect', tile, '--no-db', '--out', folder, '--workers', '0']).then(() => null, (err: { code: number; stderr: string }) => err);
    expect(e?.code).toBe(2);
    expect(e?.stderr).toContain(`--out ${folder} is a folder; expected a file path such as ${join(folder, 'detections.geojson')}`);
  }, 60_000);
});
