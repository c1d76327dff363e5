/**
 * The sample-region generator: determinism (same seed → same bytes, committed files = a fresh run),
 * formats read back by GDAL, the Mérimée file's planted irregularities, communes tiling the land.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toLambert93, toWgs84 } from '../../engine/geo/crs.ts';
import { openRaster } from '../../engine/geo/raster.ts';
import { containsLonLat } from '../../pipelines/samples/region/communes.ts';
import { generateRegion, regionRastersPresent, type RegionManifest } from '../../pipelines/samples/region/generate.ts';
import { DIRT_KINDS } from '../../pipelines/samples/region/merimee.ts';
import { ringArea } from '../../pipelines/samples/region/trace.ts';
import type { Geometry } from '../../pipelines/samples/region/writers.ts';

const COMMITTED = 'data-samples/region';
let root: string;
let fresh: string;
let freshCache: string;
let manifest: RegionManifest;

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => relative(dir, join(dir, f)))
    .sort();
}
const read = (rel: string) => readFileSync(join(fresh, rel), 'utf8');
const json = (rel: string) => JSON.parse(read(rel)) as { features: { properties: Record<string, unknown>; geometry: Geometry }[] };
const gdal = (tool: string, ...args: string[]) => execFileSync(tool, args, { encoding: 'utf8' });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'vigie-region-'));
  fresh = join(root, 'a');
  freshCache = join(root, 'a-cache');
  manifest = await generateRegion({ seed: 42, outDir: fresh, cacheDir: freshCache });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('determinism', () => {
  it('a fresh run with seed 42 reproduces the committed files byte for byte', () => {
    expect(files(fresh)).toEqual(files(COMMITTED));
    for (const f of files(COMMITTED)) {
      expect(readFileSync(join(fresh, f)).equals(readFileSync(join(COMMITTED, f))), f).toBe(true);
    }
  });

  it('a second run (rasters only) writes the same rasters and leaves outDir alone', async () => {
    const cache = join(root, 'b-cache');
    const out = join(root, 'b');
    const m = await generateRegion({ seed: 42, outDir: out, cacheDir: cache, vectors: false });
    expect(existsSync(out)).toBe(false);
    expect(m.bbox).toEqual(manifest.bbox);
    for (const f of ['flood_depth_cog.tif', 'wildfire_susceptibility.tif']) {
      expect(readFileSync(join(cache, f)).equals(readFileSync(join(freshCache, f))), f).toBe(true);
    }
  });

  it('another seed changes every file', async () => {
    const out = join(root, 'c');
    const cache = join(root, 'c-cache');
    await generateRegion({ seed: 7, outDir: out, cacheDir: cache });
    for (const f of files(fresh)) expect(readFileSync(join(out, f)).equals(readFileSync(join(fresh, f))), f).toBe(false);
    expect(readFileSync(join(cache, 'flood_depth_cog.tif')).equals(readFileSync(join(freshCache, 'flood_depth_cog.tif')))).toBe(false);
    expect(regionRastersPresent(cache, 7)).toBe(true);
    expect(regionRastersPresent(cache, 42)).toBe(false);
  });

  it('knows whether the raster cache is there', () => {
    expect(regionRastersPresent(freshCache, 42)).toBe(true);
    expect(regionRastersPresent(join(root, 'nowhere'), 42)).toBe(false);
  });
});

describe('vector formats read back by GDAL', () => {
  const cases: [string, number, number, string[], string][] = [
    ['communes.geojson', 140, 160, ['code_insee', 'nom', 'departement'], 'WGS 84'],
    ['sites-archeologiques.geojson', 950, 1000, ['id', 'type', 'periode'], 'WGS 84'],
    ['hazards/tri_zones.geojson', 8, 400, ['id_zone', 'scenario', 'typ_inond', 'source'], 'Lambert-93'],
    ['hazards/rga.geojson', 10, 1000, ['NIVEAU'], 'Lambert-93'],
    ['hazards/erosion_cotiere.geojson', 20, 200, ['taux', 'fiabilite'], 'Lambert-93'],
    ['basemap/land.geojson', 1, 1, ['nom'], 'WGS 84'],
    ['basemap/rivers.geojson', 2, 2, ['nom'], 'WGS 84'],
  ];
  it.each(cases)('%s', (file, min, max, fields, crs) => {
    const info = gdal('ogrinfo', '-so', '-al', join(fresh, file));
    const count = Number(/Feature Count: (\d+)/.exec(info)?.[1]);
    expect(count).toBeGreaterThanOrEqual(min);
    expect(count).toBeLessThanOrEqual(max);
    for (const f of fields) expect(info).toMatch(new RegExp(`^${f}: (String|Integer|Real)`, 'm'));
    expect(info).toContain(crs);
  });
});

describe('rasters read back by GDAL', () => {
  it('flood depth is a Lambert-93 COG with tiles, overviews and nodata', () => {
    const info = gdal('gdalinfo', join(freshCache, 'flood_depth_cog.tif'));
    expect(info).toContain('Size is 2400, 1600');
    expect(info).toContain('ID["EPSG",2154]');
    expect(info).toContain('Block=256x256 Type=Float32');
    expect(info).toMatch(/Overviews: 1200x800, 600x400/);
    expect(info).toContain('NoData Value=-9999');
    expect(info).toContain('Pixel Size = (25.000000000000000,-25.000000000000000)');
  });

  it('wildfire susceptibility is a 100 m Lambert-93 GeoTIFF in 0–1', async () => {
    const info = gdal('gdalinfo', join(freshCache, 'wildfire_susceptibility.tif'));
    expect(info).toContain('Size is 600, 400');
    expect(info).toContain('ID["EPSG",2154]');
    expect(info).toContain('NoData Value=-9999');
    const data = await (await openRaster(join(freshCache, 'wildfire_susceptibility.tif'))).readAll();
    const land = data.filter((v) => v !== -9999);
    expect(land.length).toBeGreaterThan(data.length / 2);
    const min = land.reduce((a, b) => Math.min(a, b), Infinity);
    const max = land.reduce((a, b) => Math.max(a, b), -Infinity);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.6);
  });

  it('flood depths agree with the medium-scenario TRI zones and zones nest by rarity', async () => {
    const tri = json('hazards/tri_zones.geojson').features;
    const area = (scenario: string, typ: string) =>
      tri
        .filter((f) => f.properties.scenario === scenario && f.properties.typ_inond === typ)
        .reduce((s, f) => s + (f.geometry.type === 'Polygon' ? f.geometry.coordinates.reduce((a, r) => a + ringArea(r), 0) : 0), 0);
    for (const typ of ['01', '03']) {
      const a = ['01For', '02Moy', '03Mcc', '04Fai'].map((s) => area(s, typ));
      expect(a[0]).toBeGreaterThan(0);
      for (let k = 1; k < 4; k++) expect(a[k]).toBeGreaterThan(a[k - 1]);
    }
    const depth = await (await openRaster(join(freshCache, 'flood_depth_cog.tif'))).readAll();
    let wet = 0;
    for (const v of depth) if (v > 0) wet++;
    const wetArea = wet * 625;
    expect(wetArea).toBeGreaterThan(0.95 * Math.max(area('02Moy', '01'), area('02Moy', '03')));
    expect(wetArea).toBeLessThan(1.02 * (area('02Moy', '01') + area('02Moy', '03')));
  });
});

describe('Mérimée POP export', () => {
  const text = () => read('merimee.csv');
  const rows = () => parse(text(), { delimiter: '|', bom: true, columns: true, relax_quotes: false }) as Record<string, string>[];

  it('has a BOM, a pipe-separated header of 78 POP columns and ~2,000 records', () => {
    expect(text().charCodeAt(0)).toBe(0xfeff);
    const header = text().slice(1, text().indexOf('\n')).split('|');
    expect(header).toHaveLength(78);
    for (const c of ['Reference', 'Titre_editorial_de_la_notice', 'Typologie_de_la_protection', 'Date_et_typologie_de_la_protection', 'COG_Insee_lors_de_la_protection', 'coordonnees_au_format_WGS84', 'Historique']) {
      expect(header).toContain(c);
    }
    const r = rows();
    expect(r.length).toBeGreaterThan(1900);
    expect(r.every((x) => /^PA\d{8}$/.test(x.Reference))).toBe(true);
    expect(r.every((x) => /^\d{4}\/\d{2}\/\d{2} : (classé|inscrit) MH( partiellement)?(;\d{4}\/\d{2}\/\d{2} : (classé|inscrit) MH( partiellement)?)*$/.test(x.Date_et_typologie_de_la_protection))).toBe(true);
    const share = (re: RegExp) => r.filter((x) => re.test(x.Typologie_de_la_protection)).length / r.length;
    expect(share(/^inscrit MH( partiellement)?$/)).toBeGreaterThan(0.5);
    expect(share(/^classé MH( partiellement)?$/)).toBeGreaterThan(0.28);
  });

  it('carries every kind of dirt, each on several listed records', () => {
    const r = rows();
    const byRef = new Map<string, Record<string, string>[]>();
    for (const x of r) byRef.set(x.Reference, [...(byRef.get(x.Reference) ?? []), x]);
    const dirt = manifest.merimee_dirt!;
    for (const k of DIRT_KINDS) expect(dirt[k].length, k).toBeGreaterThanOrEqual(3);
    const one = (ref: string) => byRef.get(ref)![0];
    expect(dirt.empty_coordinates.length).toBeGreaterThan(r.length * 0.04);
    for (const ref of dirt.empty_coordinates) expect(one(ref).coordonnees_au_format_WGS84).toBe('');
    expect(new Set(dirt.placeholder_coordinates.map((ref) => one(ref).coordonnees_au_format_WGS84))).toEqual(new Set(['0,0', '-1,-1', '48.0,2.0']));
    const [w, s, e, n] = manifest.bbox_wgs84;
    for (const ref of dirt.outside_region) {
      const [lat, lon] = one(ref).coordonnees_au_format_WGS84.split(',').map(Number);
      expect(lon >= w && lon <= e && lat >= s && lat <= n).toBe(false);
    }
    for (const ref of dirt.multiple_insee) expect(one(ref).COG_Insee_lors_de_la_protection).toMatch(/^56\d{3};56\d{3}$/);
    for (const ref of dirt.partial_protection) expect(one(ref).Typologie_de_la_protection).toMatch(/^(classé|inscrit) MH partiellement$/);
    for (const ref of dirt.combined_protection) expect(one(ref).Typologie_de_la_protection).toMatch(/;/);
    for (const ref of dirt.pipe_in_field) expect(Object.values(one(ref)).some((v) => v.includes('|'))).toBe(true);
    for (const ref of dirt.quote_in_field) expect(Object.values(one(ref)).some((v) => v.includes('"'))).toBe(true);
    for (const ref of dirt.duplicate_reference) expect(byRef.get(ref)).toHaveLength(2);
    expect([...byRef.values()].filter((v) => v.length > 1)).toHaveLength(dirt.duplicate_reference.length);
    for (const ref of dirt.multiline_historique) expect(one(ref).Historique).toContain('\n');
    for (const ref of dirt.accented_text) expect(one(ref).Titre_editorial_de_la_notice).toMatch(/[^\x00-\x7f]/);
    expect(text()).toMatch(/\|"[^"\n]*\|[^"\n]*"\|/);
  });

  it('places every validly located monument inside the commune it is listed under', () => {
    const communes = new Map(json('communes.geojson').features.map((f) => [f.properties.code_insee as string, f.geometry]));
    const dirt = manifest.merimee_dirt!;
    const skip = new Set([...dirt.empty_coordinates, ...dirt.placeholder_coordinates, ...dirt.outside_region]);
    let checked = 0;
    for (const r of rows()) {
      if (skip.has(r.Reference)) continue;
      const [lat, lon] = r.coordonnees_au_format_WGS84.split(',').map(Number);
      const code = r.COG_Insee_lors_de_la_protection.split(';')[0];
      expect(containsLonLat(communes.get(code)!, [lon, lat]), `${r.Reference} in ${code}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(1800);
  });

  it('has an open-data extract of the same records in snake_case, `;`, no BOM', () => {
    const od = read('merimee-opendata.csv');
    expect(od.charCodeAt(0)).not.toBe(0xfeff);
    const records = parse(od, { delimiter: ';', columns: true }) as Record<string, string>[];
    const header = Object.keys(records[0]);
    expect(header).toHaveLength(78);
    for (const c of ['reference', 'titre_editorial_de_la_notice', 'typologie_de_la_protection', 'coordonnees_au_format_wgs84', 'vocable___pour_les_edifices_cultuels', 'cog_insee_lors_de_la_protection']) {
      expect(header).toContain(c);
    }
    expect(records.length).toBeGreaterThan(120);
    expect(records.length).toBeLessThan(200);
    const pop = new Map(rows().map((r) => [r.Reference, r]));
    for (const r of records) expect(pop.get(r.reference)?.Titre_editorial_de_la_notice).toBe(r.titre_editorial_de_la_notice);
  });
});

describe('communes and other layers', () => {
  it('~150 communes with unique INSEE-like codes and names tile the land without gaps or overlaps', () => {
    const fs = json('communes.geojson').features;
    expect(fs.length).toBeGreaterThanOrEqual(140);
    const codes = fs.map((f) => f.properties.code_insee as string);
    expect(new Set(codes).size).toBe(fs.length);
    expect(codes.every((c) => /^56\d{3}$/.test(c))).toBe(true);
    expect(new Set(fs.map((f) => f.properties.nom)).size).toBe(fs.length);
    const l93 = (g: Geometry) => {
      const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
      return polys.reduce((s, p) => s + p.reduce((a, r, i) => a + (i === 0 ? 1 : -1) * Math.abs(ringArea(r.map(([lon, lat]) => toLambert93(lon, lat)))), 0), 0);
    };
    const communes = fs.reduce((s, f) => s + l93(f.geometry), 0);
    const land = l93(json('basemap/land.geojson').features[0].geometry);
    // Equal sums: an overlap and a gap would have to cancel exactly to hide.
    expect(Math.abs(communes - land) / land).toBeLessThan(1e-4);
  });

  it('the LiDAR sample area lies on land', () => {
    const land = json('basemap/land.geojson').features[0].geometry;
    const [x0, y0, x1, y1] = manifest.lidar.bbox;
    for (const [x, y] of [[x0, y0], [x1, y0], [x0, y1], [x1, y1]]) {
      expect(containsLonLat(land, toWgs84(x, y))).toBe(true);
    }
  });

  it('archaeological sites have DRAC-style ids, types and periods, points and polygons', () => {
    const fs = json('sites-archeologiques.geojson').features;
    expect(new Set(fs.map((f) => f.properties.id)).size).toBe(fs.length);
    expect(fs.every((f) => /^56 \d{3} \d{4}$/.test(f.properties.id as string))).toBe(true);
    expect(fs.filter((f) => f.geometry.type === 'Polygon').length).toBeGreaterThan(50);
    expect(new Set(fs.map((f) => f.properties.periode))).toContain('Gallo-romain');
  });

  it('museums, SPR, seismic zoning and coastal erosion have their published columns', () => {
    const musees = parse(read('musees.csv'), { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(Object.keys(musees[0])).toEqual(['ref_musee', 'nom_du_musee', 'ville', 'departement', 'coordonnees_finales']);
    expect(musees.filter((m) => m.coordonnees_finales === '').length).toBeGreaterThan(0);
    const codes = new Set(json('communes.geojson').features.map((f) => f.properties.code_insee));
    const spr = parse(read('spr.csv'), { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(spr.length).toBeGreaterThanOrEqual(6);
    expect(spr.every((s) => codes.has(s.code_insee))).toBe(true);
    const seismic = parse(read('hazards/zonage_sismique.csv'), { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(seismic).toHaveLength(codes.size);
    expect(new Set(seismic.map((s) => s.code_zone))).toEqual(new Set(['2', '3']));
    const taux = json('hazards/erosion_cotiere.geojson').features.map((f) => f.properties.taux as number);
    expect(taux.some((t) => t === -9999 || t === 999)).toBe(true);
    expect(taux.filter((t) => t > -9999 && t < 999).every((t) => t < 0 && t > -2)).toBe(true);
  });

  it('DRIAS files have the # header, the expected columns, and warm with the warming level', () => {
    const means = ['drias_ref.txt', 'drias_gwl20.txt', 'drias_gwl27.txt', 'drias_gwl40.txt'].map((f) => {
      const lines = read(`hazards/drias/${f}`).trimEnd().split('\n');
      const comments = lines.filter((l) => l.startsWith('#')).length;
      expect(comments).toBeGreaterThanOrEqual(40);
      expect(lines.slice(0, comments).every((l) => l.startsWith('#'))).toBe(true);
      expect(lines[comments]).toBe('Point;Latitude;Longitude;Contexte;Période;NORTX35D_yr;NORTR_yr;NORSWI04_yr;NORIFM40_yr');
      const data = lines.slice(comments + 1).map((l) => l.split(';'));
      expect(data.length).toBeGreaterThan(30);
      return [5, 6, 7, 8].map((k) => data.reduce((s, d) => s + Number(d[k]), 0) / data.length);
    });
    for (let k = 1; k < 4; k++) for (let i = 0; i < 4; i++) expect(means[k][i]).toBeGreaterThan(means[k - 1][i]);
  });
});

