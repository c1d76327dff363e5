/**
 * The fuzz corpus (issue 14): for every importer kind, valid base files taken from the samples
 * and fixtures, and the malformed inputs made from them (test/fuzz/mutate.ts). Built in memory,
 * deterministically: the same seed gives the same bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { archiveMutants, byteMutants, jsonMutants, textMutants, tiffMutants, type Mutant } from './mutate.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
const REGION = join(ROOT, 'data-samples', 'region');
const FIX = join(ROOT, 'test', 'fixtures');
export const SEED = 14;

export interface Group {
  kind: string;
  /** files imported before the base (what the kind needs: communes for Mérimée codes…) */
  setup?: { kind: string; file: string }[];
  /** the base file's name: every mutant is written under this name (so the layer stays the same) */
  name: string;
  base: Uint8Array;
  options?: Record<string, unknown>;
  mutants: Mutant[];
}

const read = (p: string) => new Uint8Array(readFileSync(p));
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
let seed = SEED;

function csvGroup(kind: string, name: string, base: Uint8Array, delimiter: string, options?: Record<string, unknown>, headerLines = 1): Group {
  const s = seed++;
  return {
    kind, name, base, options,
    mutants: [...byteMutants(base, ext(name), s), ...textMutants(base, ext(name), s, { delimiter, headerLines }), ...archiveMutants(base, name)],
  };
}

function jsonGroup(kind: string, name: string, doc: unknown, projected: boolean, options?: Record<string, unknown>): Group {
  const base = bytes(JSON.stringify(doc));
  const s = seed++;
  return { kind, name, base, options, mutants: [...byteMutants(base, ext(name), s), ...jsonMutants(doc, ext(name), projected), ...archiveMutants(base, name)] };
}

function ext(name: string): string {
  return name.slice(name.lastIndexOf('.'));
}

/** A small Lambert-93 float32 GeoTIFF in France (flood depths in metres). */
export function smallRaster(size = 64, res = 25): Uint8Array {
  const data = new Float32Array(size * size);
  for (let i = 0; i < data.length; i++) data[i] = (i % size) / size + Math.floor(i / size) / size;
  return new Uint8Array(writeGeoTiff(data, { originX: 300_000, originY: 6_740_000, resX: res, resY: res, width: size, height: size, crs: 'EPSG:2154' }, { nodata: -9999 }));
}

/** A 0.5 m LiDAR-like terrain tile with a mound, as GeoTIFF and as ESRI ASCII grid. */
export function smallTile(size = 200): { tif: Uint8Array; asc: Uint8Array } {
  const x0 = 330_000, y1 = 6_714_000, px = 0.5;
  const data = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const d = Math.hypot(c - size / 2, r - size / 2) * px;
      data[r * size + c] = 40 + 0.002 * c + (d < 10 ? 1.2 * Math.cos((d / 10) * (Math.PI / 2)) : 0);
    }
  }
  const tif = new Uint8Array(writeGeoTiff(data, { originX: x0, originY: y1, resX: px, resY: px, width: size, height: size, crs: 'EPSG:2154' }, { nodata: -99999 }));
  const rows: string[] = [];
  for (let r = 0; r < size; r++) rows.push(Array.from(data.subarray(r * size, (r + 1) * size), (v) => v.toFixed(3)).join(' '));
  const asc = bytes(`ncols ${size}\nnrows ${size}\nxllcorner ${x0}\nyllcorner ${y1 - size * px}\ncellsize ${px}\nNODATA_value -99999\n${rows.join('\n')}\n`);
  return { tif, asc };
}

export function buildCorpus(): Group[] {
  seed = SEED;
  const groups: Group[] = [];
  // Heritage
  groups.push(jsonGroup('communes', 'communes.geojson', json(join(FIX, 'heritage', 'communes.geojson')), false));
  groups.push(csvGroup('merimee', 'merimee-pop.csv', read(join(FIX, 'heritage', 'merimee-pop.csv')), '|'));
  groups.push(csvGroup('merimee', 'merimee-opendata.csv', read(join(FIX, 'heritage', 'merimee-opendata.csv')), ';'));
  groups.push(csvGroup('museums', 'musees.csv', read(join(REGION, 'musees.csv')), ';'));
  groups.push(csvGroup('spr', 'spr.csv', read(join(REGION, 'spr.csv')), ';'));
  const sites = json(join(REGION, 'sites-archeologiques.geojson'));
  const few = { ...sites, features: sites.features.slice(0, 15) };
  groups.push(jsonGroup('archaeology', 'sites.geojson', few, false));
  const points = sites.features.filter((f: any) => f.geometry?.type === 'Point').slice(0, 15);
  const csv = ['id;type;periode;lon;lat', ...points.map((f: any) => [f.properties.id, f.properties.type, f.properties.periode, ...f.geometry.coordinates].join(';'))].join('\n') + '\n';
  groups.push(csvGroup('archaeology', 'sites.csv', bytes(csv), ';'));
  // Hazards
  const tri = json(join(FIX, 'hazards', 'tri_small.geojson'));
  groups.push(jsonGroup('tri', 'tri.geojson', tri, true));
  groups.push(jsonGroup('hazard-zones', 'zones.geojson', tri, true));
  groups.push(jsonGroup('rga', 'rga.geojson', json(join(FIX, 'hazards', 'rga_small.geojson')), true));
  groups.push(jsonGroup('coastal-erosion', 'erosion.geojson', json(join(FIX, 'hazards', 'erosion_small.geojson')), true));
  const ppr = {
    ...tri,
    features: tri.features.map((f: any, i: number) => ({ type: 'Feature', properties: { id_zone: `Z${i}`, typealea: i % 2 ? '126' : '112', niveaualea: '0' + ((i % 4) + 1) }, geometry: f.geometry })),
  };
  groups.push(jsonGroup('ppr', 'ppr.geojson', ppr, true));
  groups.push(csvGroup('seismic', 'zonage_sismique.csv', read(join(FIX, 'hazards', 'zonage_sismique_small.csv')), ';'));
  groups.push(csvGroup('rga-commune', 'rga_commune.csv', read(join(FIX, 'hazards', 'rga_commune_small.csv')), ';'));
  const drias = read(join(FIX, 'hazards', 'drias_gwl27_small.txt'));
  const header = Buffer.from(drias).toString('utf8').split('\n').findIndex((l) => l.startsWith('Point;')) + 1;
  groups.push(csvGroup('drias', 'drias_gwl27.txt', drias, ';', undefined, header));
  const raster = smallRaster();
  groups.push({ kind: 'raster', name: 'flood.tif', base: raster, options: { hazard: 'flood' }, mutants: [...tiffMutants(raster, seed++), ...archiveMutants(raster, 'flood.tif')] });
  // Basemap
  const land = json(join(REGION, 'basemap', 'land.geojson'));
  groups.push(jsonGroup('basemap-land', 'land.geojson', land, false));
  const rivers = json(join(REGION, 'basemap', 'rivers.geojson'));
  groups.push(jsonGroup('basemap-rivers', 'rivers.geojson', rivers, false));
  // Real published files (committed extracts, test/fixtures/real/*/README.md)
  const REAL = join(FIX, 'real');
  groups.push({
    ...csvGroup('merimee', 'pop-codes-67.csv', read(join(REAL, 'merimee', 'pop-codes-67-extract.csv')), '|'),
    setup: [{ kind: 'communes', file: join(REAL, 'admin', 'communes-67-bas-rhin.geojson') }],
  });
  groups.push(csvGroup('museums', 'liste-musees.csv', read(join(REAL, 'museums', 'liste-et-localisation-des-musees-de-france-2024-extract.csv')), ';'));
  const driasReal = read(join(REAL, 'drias', 'DRIAS_2020_REFERENCE_annuel_bas-rhin_subset.txt'));
  const dh = Buffer.from(driasReal).toString('latin1').split('\n').findIndex((l) => /^#?\s*Point;/.test(l)) + 1;
  groups.push(csvGroup('drias', 'drias-67.txt', driasReal, ';', undefined, Math.max(1, dh)));
  const pprt = read(join(REAL, 'ppr', 'ppr_cnig_pprt_69dreal20090005.gpkg'));
  groups.push({ kind: 'ppr', name: 'pprt.gpkg', base: pprt, mutants: gpkgMutants(pprt).filter((m) => !m.name.startsWith('zip')) });
  const covadis = read(join(REAL, 'ppr', 'pprn_covadis_38DDT20010005.zip'));
  groups.push({ kind: 'ppr', name: 'covadis.zip', base: covadis, mutants: byteMutants(covadis, '.zip', seed++, 3, [1, 16]) });
  return groups;
}

/** Condition-survey mutants: the base is written at run time from the monuments of a store. */
export function conditionGroup(monuments: { reference: string; titre: string | null; lon: number; lat: number }[]): Group {
  const rows = monuments.map((m, i) => [`C${i + 1}`, `"${(m.titre ?? '').replace(/"/g, '""')}"`, 'Avallon', m.lon.toFixed(6), m.lat.toFixed(6), ['bon', 'moyen', 'mauvais', 'péril'][i % 4], String(10 * i), 'fissures', '', `2024-0${(i % 9) + 1}-15`].join(','));
  const base = bytes(['ID,Nom,Arrondissement,Coor_x,Coor_y,Status,Dommages,Commentaire,Précision,Date', ...rows].join('\n') + '\n');
  return csvGroup('condition', 'constats.csv', base, ',');
}

/** GeoPackage mutants for the archeologia kind (the base is exported at run time from a store). */
export function gpkgMutants(base: Uint8Array): Mutant[] {
  const s = seed++;
  const out = byteMutants(base, '.gpkg', s, 4, [1, 16, 256]);
  const magic = base.slice();
  magic.set(bytes('NOT SQLITE'), 0);
  out.push({ name: 'gpkg:wrong-magic', bytes: magic, ext: '.gpkg' });
  out.push({ name: 'gpkg:header-only', bytes: base.slice(0, 100), ext: '.gpkg' });
  out.push({ name: 'gpkg:first-page', bytes: base.slice(0, 4096), ext: '.gpkg' });
  out.push({ name: 'gpkg:geojson-inside', bytes: bytes('{"type":"FeatureCollection","features":[]}'), ext: '.gpkg' });
  out.push(...archiveMutants(base, 'validation.gpkg'));
  return out;
}

/** Tile mutants for `vigie detect`: TIFF breakage and ESRI ASCII grid breakage. */
export function tileMutants(): { tif: Uint8Array; asc: Uint8Array; mutants: Mutant[] } {
  const { tif, asc } = smallTile();
  const s = seed++;
  const text = Buffer.from(asc).toString('utf8');
  const a = (name: string, t: string): Mutant => ({ name, bytes: bytes(t), ext: '.asc' });
  const mutants: Mutant[] = [
    ...tiffMutants(tif, s),
    ...byteMutants(asc, '.asc', s + 1, 3, [8]),
    a('asc:ncols-huge', text.replace(/ncols \d+/, 'ncols 2000000000')),
    a('asc:ncols-negative', text.replace(/ncols \d+/, 'ncols -5')),
    a('asc:cellsize-zero', text.replace(/cellsize [\d.]+/, 'cellsize 0')),
    a('asc:cellsize-nan', text.replace(/cellsize [\d.]+/, 'cellsize NaN')),
    a('asc:values-nan', text.replace(/^(ncols[\s\S]*?NODATA_value -99999\n)([^\n]*)/, (_m, h, row) => h + row.replace(/[\d.]+/g, 'NaN'))),
    a('asc:all-nodata', text.replace(/\n(?!ncols|nrows|xll|yll|cell|NODATA)[^\n]+/g, (l) => l.replace(/[\d.]+/g, '-99999'))),
    a('asc:short-rows', text.split('\n').slice(0, 60).join('\n') + '\n'),
    a('asc:degrees', text.replace(/xllcorner \d+/, 'xllcorner 2.35').replace(/yllcorner [\d.]+/, 'yllcorner 48.85')),
    a('asc:no-header', text.split('\n').slice(6).join('\n')),
    { name: 'asc:latin1-utf16', bytes: new Uint8Array([0xff, 0xfe, ...Buffer.from(text.slice(0, 5000), 'utf16le')]), ext: '.asc' },
  ];
  return { tif, asc, mutants };
}
