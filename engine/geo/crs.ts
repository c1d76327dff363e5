/**
 * Coordinate reference systems: the ones French heritage data comes in are built in,
 * others can be registered from a proj4 string (CLI `--crs`).
 */
import proj4 from 'proj4';
import { CrsError } from '../errors.ts';

const BUILT_IN: Record<string, string> = {
  'EPSG:2154':
    '+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs',
  'EPSG:4326': '+proj=longlat +datum=WGS84 +no_defs +type=crs',
  'EPSG:3857':
    '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs +type=crs',
  // Overseas: Antilles (RGAF09 / UTM 20N), Guyane (RGFG95 / UTM 22N), Réunion (RGR92 / UTM 40S),
  // Mayotte (RGM04 / UTM 38S), Saint-Pierre-et-Miquelon (RGSPM06 / UTM 21N).
  'EPSG:5490': '+proj=utm +zone=20 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs',
  'EPSG:2972': '+proj=utm +zone=22 +ellps=GRS80 +towgs84=2,2,-2,0,0,0,0 +units=m +no_defs +type=crs',
  'EPSG:2975': '+proj=utm +zone=40 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs',
  'EPSG:4471': '+proj=utm +zone=38 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs',
  'EPSG:4467': '+proj=utm +zone=21 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs',
  // RGF93 geographic, used by some Géorisques downloads.
  'EPSG:4171': '+proj=longlat +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +no_defs +type=crs',
};
for (const [code, def] of Object.entries(BUILT_IN)) proj4.defs(code, def);

export const LAMBERT93 = 'EPSG:2154';
export const WGS84 = 'EPSG:4326';

/** Normalises `2154`, `epsg:2154`, `urn:ogc:def:crs:EPSG::2154`, `CRS84` to `EPSG:NNNN`. */
export function normaliseCrs(input: string | number): string {
  const s = String(input).trim();
  if (/^(urn:ogc:def:crs:OGC:1\.3:)?CRS84$/i.test(s)) return WGS84;
  const m = /(?:^|EPSG:{1,2})(\d{4,6})$/i.exec(s);
  if (m) return `EPSG:${m[1]}`;
  return s;
}

/** Registers a CRS from a proj4 string (e.g. from `--crs`); returns its code. */
export function registerCrs(code: string, proj4def: string): string {
  const c = normaliseCrs(code);
  try {
    proj4.defs(c, proj4def);
    proj4(c, WGS84, [0, 0]);
  } catch (err) {
    throw new CrsError(`${code}: ${JSON.stringify(proj4def)} is not a valid proj4 definition`, { cause: err });
  }
  return c;
}

export function isKnownCrs(code: string): boolean {
  return proj4.defs(normaliseCrs(code)) !== undefined;
}

export function isGeographic(code: string): boolean {
  const def = proj4.defs(normaliseCrs(code)) as { projName?: string } | undefined;
  if (!def) throw unknownCrs(code);
  return def.projName === 'longlat';
}

export type Transform = (x: number, y: number) => [number, number];

/** Returns a point transform from `from` to `to`; throws CrsError (suggesting `--crs`) if unknown. */
export function transformer(from: string, to: string): Transform {
  const a = normaliseCrs(from);
  const b = normaliseCrs(to);
  if (a === b) return (x, y) => [x, y];
  if (!isKnownCrs(a)) throw unknownCrs(from);
  if (!isKnownCrs(b)) throw unknownCrs(to);
  const conv = proj4(a, b);
  return (x, y) => conv.forward([x, y]) as [number, number];
}

function unknownCrs(code: string): CrsError {
  return new CrsError(
    `unknown CRS ${JSON.stringify(code)}: built in are ${Object.keys(BUILT_IN).join(', ')}; ` +
      `give others with --crs "EPSG:NNNN=+proj=..."`,
  );
}

export const toLambert93 = (lon: number, lat: number): [number, number] => transformer(WGS84, LAMBERT93)(lon, lat);
export const toWgs84 = (x: number, y: number): [number, number] => transformer(LAMBERT93, WGS84)(x, y);
