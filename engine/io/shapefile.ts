/**
 * ESRI Shapefile in the vector registry (the `shapefile` package reads .shp + .dbf). The CRS
 * comes from the .prj beside it: an EPSG AUTHORITY when present, else the projection names
 * GDAL and ArcGIS write for the CRSs French data uses. No .prj → the caller asks for --crs.
 * Attribute encoding: the .cpg when present, else the dBase language driver byte (GDAL
 * writes 0x57 = ISO-8859-1 and recodes to it), else UTF-8.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CrsError, InputError } from '../errors.ts';
import { registerVectorFormat, type Geometry, type VectorFeature } from './vector.ts';

interface ShapefileSource {
  read(): Promise<{ done: boolean; value: { geometry: Geometry | null; properties: Record<string, unknown> } }>;
}
interface ShapefileModule {
  open(shp: string, dbf?: string, options?: { encoding?: string }): Promise<ShapefileSource>;
  openDbf(dbf: string, options?: { encoding?: string }): Promise<{ read(): Promise<{ done: boolean; value: Record<string, unknown> }> }>;
}

/**
 * The records of a dBase table on its own (COVADIS ships its multi-hazard table as a .dbf
 * without geometry), decoded like a shapefile's attributes (.cpg, else the language driver byte).
 */
export async function readDbf(path: string): Promise<Record<string, unknown>[]> {
  const stem = path.replace(/\.dbf$/i, '');
  const cpg = [stem + '.cpg', stem + '.CPG'].find((p) => existsSync(p));
  const encoding = cpg ? encodingOf(readFileSync(cpg, 'utf8')) : encodingOfLdid(path);
  const shapefile = (await import('shapefile' as string)) as ShapefileModule;
  const out: Record<string, unknown>[] = [];
  try {
    const source = await shapefile.openDbf(path, { encoding });
    for (;;) {
      const r = await source.read();
      if (r.done) break;
      out.push(r.value);
    }
  } catch (err) {
    throw new InputError(`${basename(path)}: not a readable dBase table (${(err as Error).message})`, { cause: err });
  }
  return out;
}

registerVectorFormat({
  name: 'shp',
  extensions: ['.shp'],
  sniff: (head) => head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 0x27 && head[3] === 0x0a,
  async open(path) {
    const name = basename(path);
    const stem = path.replace(/\.shp$/i, '');
    const sibling = (ext: string) => [stem + ext, stem + ext.toUpperCase()].find((p) => existsSync(p));
    const prj = sibling('.prj');
    const dbf = sibling('.dbf');
    const cpg = sibling('.cpg');
    const declaredCrs = prj ? crsFromPrj(readFileSync(prj, 'utf8'), basename(prj)) : undefined;
    const encoding = cpg ? encodingOf(readFileSync(cpg, 'utf8')) : dbf ? encodingOfLdid(dbf) : 'utf-8';
    // The package has no type declarations; its two-function surface is typed above.
    const shapefile = (await import('shapefile' as string)) as ShapefileModule;
    let source: ShapefileSource;
    try {
      source = await shapefile.open(path, dbf, { encoding });
    } catch (err) {
      throw new InputError(`${name}: not a readable Shapefile (${(err as Error).message})`, { cause: err });
    }
    return {
      declaredCrs,
      features: async function* (): AsyncGenerator<VectorFeature> {
        for (let index = 0; ; index++) {
          let r: Awaited<ReturnType<ShapefileSource['read']>>;
          try {
            r = await source.read();
          } catch (err) {
            throw new InputError(`${name}, record ${index + 1}: corrupt or truncated Shapefile (${(err as Error).message})`, {
              cause: err,
            });
          }
          if (r.done) return;
          yield { index, geometry: r.value.geometry ?? null, properties: r.value.properties ?? {} };
        }
      },
    };
  },
});

/** Projection names (ESRI and OGC spellings) of the CRSs French data is published in. */
const PRJ_NAMES: [RegExp, string][] = [
  [/RGF(_?19)?93[_ ]*\/?[_ ]*Lambert[_ -]?93|Lambert[_ -]93/i, 'EPSG:2154'],
  [/WGS[_ ]84[_ ]\/?[_ ]*Pseudo[_ -]Mercator|Web[_ ]Mercator/i, 'EPSG:3857'],
  [/RGAF09.*UTM.*20N/i, 'EPSG:5490'],
  [/RGFG95.*UTM.*22N/i, 'EPSG:2972'],
  [/RGR92.*UTM.*40S/i, 'EPSG:2975'],
  [/RGM04.*UTM.*38S/i, 'EPSG:4471'],
  [/RGSPM06.*UTM.*21N/i, 'EPSG:4467'],
];

/** EPSG code of a .prj WKT, or CrsError naming it and suggesting --crs. */
export function crsFromPrj(wkt: string, file: string): string {
  const text = wkt.trim();
  // The outermost AUTHORITY / ID is the CRS's own; it closes the WKT, so take the last one.
  const auth = [...text.matchAll(/(?:AUTHORITY|ID)\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]/gi)].at(-1);
  const head = /^(PROJCS|PROJCRS|GEOGCS|GEOGCRS)\[\s*"([^"]*)"/i.exec(text);
  if (auth && head) {
    // Only trust the last authority when nothing follows it but closing brackets.
    const tail = text.slice(auth.index! + auth[0].length).replace(/[\s\]]/g, '');
    if (tail === '') return `EPSG:${auth[1]}`;
  }
  if (head) {
    const [, kind, crsName] = head;
    for (const [re, code] of PRJ_NAMES) if (re.test(crsName)) return code;
    if (/^GEOG/i.test(kind) && /WGS[_ ]?(19)?84/i.test(crsName)) return 'EPSG:4326';
    if (/^GEOG/i.test(kind) && /RGF[_ ]?93/i.test(crsName)) return 'EPSG:4171';
  }
  throw new CrsError(
    `${file}: CRS ${JSON.stringify(head?.[2] ?? text.slice(0, 60))} is not recognised; ` +
      `give it with --crs EPSG:NNNN (e.g. --crs EPSG:2154 for Lambert-93)`,
  );
}

/** dBase language driver id (byte 29 of the .dbf header) → encoding, for files without .cpg. */
function encodingOfLdid(dbf: string): string {
  const head = readFileSync(dbf).subarray(0, 32);
  const ldid = head.length > 29 ? head[29] : 0;
  const known: Record<number, string> = { 0x01: 'ibm437', 0x02: 'ibm850', 0x03: 'windows-1252', 0x57: 'iso-8859-1', 0x58: 'windows-1252', 0x59: 'iso-8859-1' };
  return known[ldid] ?? 'utf-8';
}

function encodingOf(cpg: string): string {
  const s = cpg.trim().toLowerCase();
  if (/^(utf-?8|65001)$/.test(s)) return 'utf-8';
  if (/^(1252|cp1252|windows-1252|ansi 1252)$/.test(s)) return 'windows-1252';
  if (/8859-?1|latin-?1/.test(s)) return 'iso-8859-1';
  if (/8859-?15|latin-?9/.test(s)) return 'iso-8859-15';
  return s || 'utf-8';
}
