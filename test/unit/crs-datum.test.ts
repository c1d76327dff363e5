/**
 * Datum shifts of registry CRSs (engine/geo/crs.ts with datum-shifts.json) against PROJ.
 *
 * The expected positions are literals written when this test was written, never computed from the
 * code under test (the test needs neither GDAL nor PROJ). They come from
 *
 *   echo "X Y" | gdaltransform -s_srs EPSG:A -t_srs EPSG:4326 -output_xy
 *   echo "LON LAT" | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:2154 -output_xy
 *
 * (the second on the first's output: Lambert-93 through WGS 84, as Vigie goes; a direct EPSG:A →
 * EPSG:2154 is no reference, PROJ takes a ballpark for Amersfoort → RGF93 v1), run with GDAL 3.6.2
 * and PROJ 9.1.1 (proj.db: EPSG dataset v10.076, 2022-08-31) whose grids directory has
 * BETA2007.gsb, ntf_r93.gsb, CHENYX06…, nzgd2kgrid0005.gsb but neither OSTN15_NTv2_OSGBtoETRS.gsb
 * nor NTv2_0.gsb: PROJ itself then uses the Helmert OSGB36 to WGS 84 (6) and NAD27 to WGS 84 (6).
 * The transformation PROJ used (PROJ_DEBUG=2 CPL_DEBUG=ON) is given for each.
 *
 * Tolerance: EPSG's stated accuracy of the transformation Vigie applies (datum-shifts.json), a
 * literal here too; 5 cm where both are WGS 84-compatible (PROJ's null transformation).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { datumShift, datumShiftAccuracy, transformer } from '../../engine/geo/crs.ts';

/** Metres between two WGS 84 positions a few hundred metres apart at most. */
function metresApart([lon1, lat1]: readonly number[], [lon2, lat2]: readonly number[]): number {
  const phi = (((lat1 + lat2) / 2) * Math.PI) / 180;
  const north = (lat1 - lat2) * (111132.954 - 559.822 * Math.cos(2 * phi));
  const east = (((lon1 - lon2 + 540) % 360) - 180) * 111412.84 * Math.cos(phi);
  return Math.hypot(north, east);
}

interface Case {
  code: string;
  x: number;
  y: number;
  /** gdaltransform → EPSG:4326 (longitude, latitude) */
  wgs84: [number, number];
  /** then → EPSG:2154 (null: Lambert-93 makes no sense that far from France) */
  l93: [number, number] | null;
  /** transformation PROJ used at this point */
  proj: string;
  /** transformation Vigie applies (null: WGS 84-compatible, none) */
  vigie: string | null;
  /** metres */
  tolerance: number;
}

const CASES: Case[] = [
  // The nine CRSs found wrong (105, 144, 16, 171, 65, 277, 38, 7.5, 4.6 m before).
  { code: 'EPSG:27700', x: 321900, y: 129900, wgs84: [-3.11588860066839, 51.063102691591], l93: [270711.021390174, 7124133.61399885], proj: 'OSGB36 to WGS 84 (6)', vigie: 'EPSG:1314', tolerance: 2 },
  // PROJ uses the BETA2007 grid here (DHDN to WGS 84 (4), 1 m); Vigie EPSG's Helmert (3 m).
  { code: 'EPSG:31467', x: 3500000, y: 5500000, wgs84: [8.99895896839123, 49.6367082617087], l93: [1133156.42956413, 6965079.58266696], proj: 'DHDN to WGS 84 (4)', vigie: 'EPSG:1777', tolerance: 3 },
  { code: 'EPSG:26715', x: 500000, y: 5000000, wgs84: [-93.0002074252301, 45.1554134821484], l93: null, proj: 'NAD27 to WGS 84 (6)', vigie: 'EPSG:1175', tolerance: 7 },
  { code: 'EPSG:28992', x: 155000, y: 463000, wgs84: [5.38720350841377, 52.1551723011922], l93: [864021.374624275, 7231865.66873459], proj: 'Amersfoort to WGS 84 (4)', vigie: 'EPSG:4833', tolerance: 1 },
  { code: 'EPSG:31370', x: 150000, y: 170000, wgs84: [4.36875214090419, 50.8404112831179], l93: [796597.653110083, 7083511.13570276], proj: 'BD72 to WGS 84 (3)', vigie: 'EPSG:15929', tolerance: 1 },
  // Banská Bystrica (Slovakia, the area of JTSK03).
  { code: 'EPSG:8353', x: -417000, y: -1228000, wgs84: [19.1557985811068, 48.7406876703511], l93: [1879776.75249484, 6970066.6204761], proj: 'S-JTSK [JTSK03] to WGS 84 (1)', vigie: 'EPSG:8368', tolerance: 1 },
  { code: 'EPSG:3844', x: 500000, y: 400000, wgs84: [24.9984719529843, 45.0997662003529], l93: [2408081.82815787, 6683981.00466488], proj: 'Pulkovo 1942(58) to WGS 84 (19)', vigie: 'EPSG:15995', tolerance: 3 },
  // Bohemia (Czechia).
  { code: 'EPSG:5514', x: -700000, y: -1100000, wgs84: [15.1159005459732, 49.630232786646], l93: [1572352.0651376, 7014955.02028043], proj: 'S-JTSK to WGS 84 (5)', vigie: 'EPSG:5239', tolerance: 1 },
  { code: 'EPSG:3912', x: 500000, y: 100000, wgs84: [14.9952116280179, 46.0441694163773], l93: [1624036.12564633, 6619699.4707343], proj: 'MGI 1901 to WGS 84 (16)', vigie: 'EPSG:8688', tolerance: 1 },
  // Controls, right before.
  { code: 'EPSG:2154', x: 700000, y: 6600000, wgs84: [3, 46.5], l93: [700000, 6600000], proj: 'RGF93 v1 to WGS 84 (1)', vigie: null, tolerance: 0.05 },
  { code: 'EPSG:2056', x: 2600000, y: 1200000, wgs84: [7.43863242087181, 46.9510827718711], l93: [1037403.77899234, 6659583.25865936], proj: 'CH1903+ to WGS 84 (1)', vigie: 'EPSG:1676', tolerance: 1 },
  { code: 'EPSG:25832', x: 500000, y: 5500000, wgs84: [9, 49.6525429235568], l93: [1133097.68306802, 6966842.36926645], proj: 'ETRS89 to WGS 84 (1)', vigie: null, tolerance: 0.05 },
  { code: 'EPSG:2193', x: 1540240, y: 5153640, wgs84: [172.257511750127, -43.7678785086365], l93: null, proj: 'NZGD2000 to WGS 84 (1)', vigie: null, tolerance: 0.05 },
  { code: 'EPSG:3006', x: 600000, y: 6600000, wgs84: [16.7677653657294, 59.5264083055813], l93: [1496928.57666493, 8131387.04406307], proj: 'SWEREF99 to WGS 84 (1)', vigie: null, tolerance: 0.05 },
];

describe('datum shifts agree with PROJ within the stated accuracy', () => {
  it.each(CASES)('$code → EPSG:4326 ($proj; ≤ $tolerance m)', ({ code, x, y, wgs84, tolerance }) => {
    const got = transformer(code, 'EPSG:4326')(x, y);
    expect(metresApart(got, wgs84)).toBeLessThanOrEqual(tolerance);
  });

  it.each(CASES.filter((c) => c.l93))('$code → EPSG:2154 Lambert-93 (≤ $tolerance m)', ({ code, x, y, l93, tolerance }) => {
    const [e, n] = transformer(code, 'EPSG:2154')(x, y);
    expect(Math.hypot(e - l93![0], n - l93![1])).toBeLessThanOrEqual(tolerance);
  });

  it.each(CASES)('$code: the shift applied and its accuracy are told', ({ code, vigie, tolerance }) => {
    const shift = datumShift(code);
    const { metres, note } = datumShiftAccuracy(code);
    if (vigie === null) {
      expect(shift).toBeNull();
      expect(metres).toBe(0);
      expect(note).toMatch(/WGS 84-compatible/);
      return;
    }
    expect(shift?.transformation.split(' ')[0]).toBe(vigie);
    expect(shift?.accuracy).toBe(tolerance);
    expect(note).toContain(`datum shift by ${vigie} `);
    expect(note).toContain(`accuracy ${tolerance} m`);
    expect(metres).toBeGreaterThanOrEqual(tolerance);
  });

  it('a grid the registry names is replaced by the Helmert, and said so (OSGB36, DHDN, NAD27)', () => {
    expect(datumShiftAccuracy('EPSG:27700').note).toMatch(/replaces the grid OSTN15_NTv2_OSGBtoETRS\.gsb/);
    expect(datumShiftAccuracy('EPSG:31467').note).toMatch(/replaces the grid BETA2007\.gsb/);
    expect(datumShiftAccuracy('EPSG:26715').note).toMatch(/replaces the grid NTv2_0\.gsb/);
    // The compound OSGB36 + ODN height and the geographic OSGB36 get it too.
    expect(datumShift('EPSG:7405')?.transformation).toBe('EPSG:1314 OSGB36 to WGS 84 (6)');
    expect(datumShift('EPSG:4277')?.transformation).toBe('EPSG:1314 OSGB36 to WGS 84 (6)');
  });

  it('coordinate-frame rotations are turned into proj4 position-vector ones (Amersfoort: EPSG:4833, microradians)', () => {
    // EPSG:4833: coordinate frame rotation, rX −1.9342 µrad… (proj.db): position vector, arc-seconds.
    const t = datumShift('EPSG:28992')!.towgs84;
    expect(t.slice(0, 3)).toEqual([565.4171, 50.3319, 465.5524]);
    expect(t[3]).toBeCloseTo((-1.9342e-6 * 180 * 3600) / Math.PI, 8);
    expect(t[6]).toBe(4.0725);
  });

  it('S-JTSK outside Czechia: the Czech shift, within the larger error datumShiftAccuracy states', () => {
    // Banská Bystrica: PROJ uses S-JTSK to WGS 84 (4) (Slovakia), Vigie the Czech (5).
    const proj = [19.1557992757039, 48.7406873474767];
    const { metres, note } = datumShiftAccuracy('EPSG:5514');
    expect(note).toMatch(/up to ~\d+ m off PROJ elsewhere in the CRS's area/);
    expect(metres).toBeGreaterThan(5);
    expect(metres).toBeLessThan(25);
    expect(metresApart(transformer('EPSG:5514', 'EPSG:4326')(-417000, -1228000), proj)).toBeLessThanOrEqual(metres!);
  });

  it('NAD27 beyond its Helmert\'s area: a larger error is stated', () => {
    // NAD27 to WGS 84 (6) covers the USA west of the Mississippi; UTM zone 15N reaches Canada.
    const { metres } = datumShiftAccuracy('EPSG:26715');
    expect(metres).toBeGreaterThan(7);
    expect(metres).toBeLessThan(50);
  });

  it('grid only (no Helmert in the EPSG dataset): the shift is not applied, and that is said (PD/83, Thuringia)', () => {
    // PROJ with BETA2007.gsb (PD/83 to WGS 84 (1)) gives 10.9732396033829 50.9807181628951; without any
    // datum shift, echo "4428000 5650000" | gdaltransform -s_srs "+proj=tmerc +lat_0=0 +lon_0=12 +k=1
    // +x_0=4500000 +y_0=0 +ellps=bessel +units=m +no_defs" -t_srs "+proj=longlat +ellps=bessel +no_defs"
    // gives 10.974586019855 50.9819646873235: what Vigie gives, ~167 m off.
    const got = transformer('EPSG:3397', 'EPSG:4326')(4428000, 5650000);
    expect(metresApart(got, [10.974586019855, 50.9819646873235])).toBeLessThan(0.01);
    expect(metresApart(got, [10.9732396033829, 50.9807181628951])).toBeGreaterThan(150);
    const { metres, note } = datumShiftAccuracy('EPSG:3397');
    expect(metres).toBeNull();
    expect(note).toMatch(/grid-based datum shift \(BETA2007\.gsb\) not applied/);
    expect(datumShift('EPSG:3397')).toBeNull();
  });

  it('a definition given with --crs is its own: no table shift', async () => {
    const { registerCrs } = await import('../../engine/geo/crs.ts');
    registerCrs('EPSG:29903', '+proj=tmerc +lat_0=53.5 +lon_0=-8 +k=1.000035 +x_0=200000 +y_0=250000 +ellps=mod_airy +towgs84=482.5,-130.6,564.6,-1.042,-0.214,-0.631,8.15 +units=m +no_defs');
    expect(datumShift('EPSG:29903')).toBeNull();
    expect(datumShiftAccuracy('EPSG:29903').note).toMatch(/towgs84/);
  });
});

describe('datum-shifts.json', () => {
  const file = JSON.parse(readFileSync(new URL('../../engine/geo/datum-shifts.json', import.meta.url), 'utf8'));

  it('says where it comes from, and stays small', () => {
    expect(file.generated_by).toMatch(/^python3 pipelines\/geo\/datum-shifts\.py/);
    expect(file.source['PROJ.VERSION']).toMatch(/^\d+\.\d+/);
    expect(file.source['EPSG.VERSION']).toMatch(/^v\d+/);
    expect(file.source['epsg-index']).toBeTruthy();
    expect(readFileSync(new URL('../../engine/geo/datum-shifts.json', import.meta.url)).length).toBeLessThan(80_000);
    for (const t of Object.values(file.transformations) as { towgs84: number[] }[]) expect([3, 7]).toContain(t.towgs84.length);
  });
});
