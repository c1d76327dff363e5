/**
 * GDAL's and ArcGIS's sidecars of a plain TIFF: the georeferencing, CRS and nodata a GeoTIFF
 * carries in its own tags, written beside it instead — `NAME.tif.aux.xml` (GDAL's PAM file:
 * `gdal_translate -co PROFILE=BASELINE`), a world file `NAME.tfw` / `NAME.tifw` / `NAME.wld`
 * (`-co TFW=YES`, ArcGIS) and `NAME.prj` (ArcGIS). Only what the TIFF itself lacks is taken from
 * them, PAM first, then the world file (GDAL's default order of georeferencing sources). A
 * sidecar's extension may be in upper case (`NAME.TFW`, from Windows tools).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.ts';
import type { Georeference } from './raster.ts';

export interface Sidecars {
  /** the grid's outer corner and pixel size, and the file that gave them */
  georeference?: Georeference & { from: string };
  /** WKT of the CRS (PAM `<SRS>`, else `.prj`), and its file */
  crs?: { wkt: string; from: string };
  /** band 1's nodata as written in the PAM file (text, as the GDAL_NODATA tag) */
  nodata?: { text: string; from: string };
}

/** Reads the sidecars of the TIFF at `path` (none found: an empty object). */
export async function readSidecars(path: string): Promise<Sidecars> {
  const dir = dirname(path);
  const name = basename(path);
  const stem = name.replace(/\.[^.]+$/, '');
  // the name as written, then with the extension in lower and upper case (`dtm.TFW` beside `dtm.tif`);
  // a few stat calls, not a listing of a folder that may hold thousands of tiles
  const find = async (...names: string[]) => {
    for (const n of names) {
      const cut = n.indexOf('.', stem.length);
      const ext = cut >= 0 ? n.slice(cut) : '';
      for (const v of new Set([n, n.slice(0, cut) + ext.toLowerCase(), n.slice(0, cut) + ext.toUpperCase()])) {
        const p = join(dir, v);
        if ((await stat(p).catch(() => null))?.isFile()) return p;
      }
    }
    return null;
  };
  const out: Sidecars = {};
  const pam = await find(`${name}.aux.xml`);
  if (pam) {
    const xml = await readFile(pam, 'utf8');
    const gt = /<GeoTransform>([^<]*)<\/GeoTransform>/.exec(xml);
    if (gt) out.georeference = { ...fromGeoTransform(gt[1], basename(pam)), from: basename(pam) };
    const srs = /<SRS\b[^>]*>([\s\S]*?)<\/SRS>/.exec(xml);
    if (srs && srs[1].trim()) out.crs = { wkt: unescapeXml(srs[1].trim()), from: basename(pam) };
    const band1 = /<PAMRasterBand\b[^>]*\bband="1"[^>]*>([\s\S]*?)<\/PAMRasterBand>/.exec(xml);
    const nd = band1 && /<NoDataValue\b[^>]*>([^<]*)<\/NoDataValue>/.exec(band1[1]);
    if (nd) out.nodata = { text: nd[1].trim(), from: basename(pam) };
  }
  if (!out.georeference) {
    const wf = await find(`${stem}.tfw`, `${name}w`, `${stem}.tifw`, `${stem}.wld`);
    if (wf) out.georeference = { ...fromWorldFile(await readFile(wf, 'utf8'), basename(wf)), from: basename(wf) };
  }
  if (!out.crs) {
    const prj = await find(`${stem}.prj`);
    if (prj) out.crs = { wkt: await readFile(prj, 'utf8'), from: basename(prj) };
  }
  return out;
}

const fmt = (v: number) => +v.toPrecision(10);

/**
 * Refuses by name a geotransform that is not north-up (terms A, B, D, E of x = A·col + B·row + …,
 * y = D·col + E·row + …): rotated or sheared beyond rounding, south-up or mirrored — geotiff.js would read the first
 * as unrotated and the second upside down. Shared by GeoTIFF tags and sidecars.
 */
export function requireNorthUp(a: number, b: number, d: number, e: number, file: string): void {
  // Rotation terms of rounding size (1e-9 m per pixel, as some writers leave in a transformation
  // matrix) drift less than 1 % of a pixel over the largest tile read (10,000 pixels): north-up.
  if (Math.abs(b) > 1e-6 * Math.abs(e) || Math.abs(d) > 1e-6 * Math.abs(a)) {
    throw new InputError(`${file}: rotated or sheared georeferencing (pixel → map terms ${[a, b, d, e].map(fmt).join(', ')}); expected a north-up raster: resample it with gdalwarp (same CRS, e.g. gdalwarp -r bilinear in.tif out.tif)`);
  }
  if (!(a > 0) || !(e < 0)) {
    throw new InputError(`${file}: ${e >= 0 ? 'south-up' : 'east-west mirrored'} raster (pixel width ${fmt(a)}, height ${fmt(e)}); expected north-up (width > 0, height < 0): flip it with gdalwarp (e.g. gdalwarp in.tif out.tif)`);
  }
}

/**
 * A world file: six numbers, one per line — pixel width A, rotation terms D and B, pixel height E
 * (negative for north-up), then the x and y of the upper-left pixel's centre.
 */
export function fromWorldFile(text: string, file: string): Georeference {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length < 6) {
    throw new InputError(`${file}: ${lines.length} line(s); expected a world file of six numbers (pixel width, two rotation terms, pixel height, x and y of the upper-left pixel's centre)`);
  }
  const v = lines.slice(0, 6).map((l, i) => {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(l)) {
      throw new InputError(`${file}, line ${i + 1}: ${JSON.stringify(l)} is not a number; expected a world file of six numbers (pixel width, two rotation terms, pixel height, x and y of the upper-left pixel's centre)`);
    }
    return Number(l);
  });
  const [a, d, b, e, c, f] = v;
  requireNorthUp(a, b, d, e, file);
  return { originX: c - a / 2, originY: f - e / 2, resX: a, resY: -e };
}

/** GDAL's geotransform (PAM `<GeoTransform>`): x of the outer corner, A, B, y of the corner, D, E. */
function fromGeoTransform(text: string, file: string): Georeference {
  const parts = text.split(',').map((t) => t.trim());
  const v = parts.map(Number);
  if (v.length !== 6 || v.some((n) => !Number.isFinite(n))) {
    throw new InputError(`${file}, GeoTransform: ${JSON.stringify(text.trim())}; expected six numbers (x of the upper-left corner, pixel width, rotation, y of the corner, rotation, pixel height)`);
  }
  const [x0, a, b, y0, d, e] = v;
  requireNorthUp(a, b, d, e, file);
  return { originX: x0, originY: y0, resX: a, resY: -e };
}

/** Text of an XML element with its entities decoded (`&quot;`, `&amp;`, `&#233;`…). */
export function unescapeXml(s: string): string {
  return s.replace(/&(quot|apos|lt|gt|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const k = e.toLowerCase();
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'amp') return '&';
    return String.fromCodePoint(k.startsWith('#x') ? parseInt(k.slice(2), 16) : Number(k.slice(1)));
  });
}
