/**
 * ESRI ASCII grid (.asc) reader and writer. Header keys are case-insensitive: ncols, nrows,
 * xllcorner|xllcenter, yllcorner|yllcenter, cellsize (or dx/dy, as GDAL writes for non-square
 * cells), NODATA_value (optional). The format carries no CRS: it comes from a `.prj` sidecar
 * (ESRI or OGC WKT, read by crsFromWkt: its EPSG authority, else the registry entry with the
 * same parameters, else the WKT's own definition) or from the caller.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CrsError, InputError, show } from '../errors.ts';
import { crsFromIgnName, crsFromWkt, normaliseCrs } from './crs.ts';
import { grid as makeGrid, type Grid } from './grid.ts';

export interface AsciiGrid {
  grid: Grid;
  nodata: number | null;
  data: Float32Array;
}

export interface AsciiHeader {
  grid: Grid;
  nodata: number | null;
  /** character offset where the values start */
  bodyOffset: number;
}

const HEADER_KEYS = new Set(['ncols', 'nrows', 'xllcorner', 'xllcenter', 'yllcorner', 'yllcenter', 'cellsize', 'dx', 'dy', 'nodata_value']);

/** Parses the header of `text`; `name` is used in messages. */
export function parseAsciiHeader(text: string, name: string, crs: string): AsciiHeader {
  const h = new Map<string, number>();
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    const end = text.indexOf('\n', pos);
    const raw = text.slice(pos, end < 0 ? text.length : end).trim();
    const m = /^([A-Za-z_]+)\s+(\S+)$/.exec(raw);
    if (!m || !HEADER_KEYS.has(m[1].toLowerCase())) break;
    line++;
    const v = Number(m[2]);
    if (!Number.isFinite(v)) throw new InputError(`${name} line ${line}, ${m[1]}: ${show(m[2])} is not a number (expected a decimal number)`);
    h.set(m[1].toLowerCase(), v);
    pos = end < 0 ? text.length : end + 1;
  }
  for (const k of ['ncols', 'nrows']) {
    if (!h.has(k)) throw new InputError(`${name}: header has no ${k}; expected an ESRI ASCII grid (ncols, nrows, xllcorner, yllcorner, cellsize)`);
  }
  const ncols = h.get('ncols')!;
  const nrows = h.get('nrows')!;
  if (!(Number.isInteger(ncols) && ncols > 0 && Number.isInteger(nrows) && nrows > 0)) {
    throw new InputError(`${name}: ncols ${ncols} × nrows ${nrows}; expected positive integers`);
  }
  const resX = h.get('cellsize') ?? h.get('dx');
  const resY = h.get('cellsize') ?? h.get('dy');
  if (!(resX! > 0 && resY! > 0)) throw new InputError(`${name}: cellsize ${show(resX ?? 'missing')}; expected a positive number`);
  const center = h.has('xllcenter');
  const xll = h.get('xllcorner') ?? h.get('xllcenter');
  const yll = h.get('yllcorner') ?? h.get('yllcenter');
  if (xll === undefined || yll === undefined) throw new InputError(`${name}: header needs xllcorner/xllcenter and yllcorner/yllcenter`);
  const originX = center ? xll - resX! / 2 : xll;
  const bottom = h.has('yllcenter') ? yll - resY! / 2 : yll;
  return {
    grid: makeGrid({ originX, originY: bottom + nrows * resY!, resX: resX!, resY: resY!, width: ncols, height: nrows, crs }),
    // the values are kept as float32: so is NODATA_value, or « -9999.9 » would never match them
    nodata: h.has('nodata_value') ? Math.fround(h.get('nodata_value')!) : null,
    bodyOffset: pos,
  };
}

/**
 * CRS of a text grid (ESRI ASCII, XYZ): the caller's, else the `.prj` beside the file, else the
 * one an IGN file name states (RGE ALTI, LiDAR HD: `…_LAMB93_…`, shipped without `.prj`);
 * CrsError naming --crs when none.
 */
export async function resolveTextGridCrs(path: string, name: string, crs?: string): Promise<string> {
  if (crs) return normaliseCrs(crs);
  const prj = path.replace(/\.[^./]+$/, '') + '.prj';
  let wkt: string;
  try {
    wkt = await readFile(prj, 'utf8');
  } catch {
    const named = crsFromIgnName(name);
    if (named) return named;
    throw new CrsError(`${name}: a text grid carries no CRS and there is no ${basename(prj)} beside it; give it with --crs EPSG:NNNN (LiDAR HD: --crs EPSG:2154)`);
  }
  return crsFromWkt(wkt, basename(prj));
}

/** Reads the header only (cheap: the first KB of the file). */
export async function readAsciiHeader(path: string, opts: { crs?: string } = {}): Promise<AsciiHeader> {
  const name = basename(path);
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r').catch((err: Error) => {
    throw new InputError(`${path}: cannot read file (${err.message})`, { cause: err });
  });
  try {
    const buf = Buffer.alloc(1024);
    const { bytesRead } = await fh.read(buf, 0, 1024, 0);
    if (bytesRead === 0) throw new InputError(`${name}: file is empty, expected an ESRI ASCII grid`);
    return parseAsciiHeader(buf.subarray(0, bytesRead).toString('latin1'), name, await resolveTextGridCrs(path, name, opts.crs));
  } finally {
    await fh.close();
  }
}

/** Reads a whole ASCII grid; values are row-major from the top row, as in the file. */
export async function readAsciiGrid(path: string, opts: { crs?: string } = {}): Promise<AsciiGrid> {
  const name = basename(path);
  let text: string;
  try {
    if ((await stat(path)).size === 0) throw new InputError(`${name}: file is empty, expected an ESRI ASCII grid`);
    text = await readFile(path, 'latin1');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read file (${(err as Error).message})`, { cause: err });
  }
  const head = parseAsciiHeader(text, name, await resolveTextGridCrs(path, name, opts.crs));
  const n = head.grid.width * head.grid.height;
  const data = new Float32Array(n);
  // Hand-rolled scan: split(/\s+/) on a 2000² grid allocates 4 M strings.
  let k = 0;
  let i = head.bodyOffset;
  const len = text.length;
  while (i < len) {
    let c = text.charCodeAt(i);
    while (i < len && (c === 32 || c === 10 || c === 13 || c === 9)) c = text.charCodeAt(++i);
    if (i >= len) break;
    const start = i;
    while (i < len && !(c === 32 || c === 10 || c === 13 || c === 9)) c = text.charCodeAt(++i);
    const tok = text.slice(start, i);
    const v = Number(tok);
    if (tok === '' || !Number.isFinite(v)) throw new InputError(`${name}: value ${k + 1}: ${show(tok)} is not a number (expected an elevation in metres or the NODATA_value)`);
    if (k >= n) throw new InputError(`${name}: more than ncols × nrows = ${n} values`);
    data[k++] = v;
  }
  if (k !== n) throw new InputError(`${name}: ${k} values, expected ncols × nrows = ${n} (truncated file?)`);
  return { grid: head.grid, nodata: head.nodata, data };
}

/** Serialises a grid as ESRI ASCII with `decimals` digits (IGN delivers centimetres). */
export function writeAsciiGrid(data: Float32Array, g: Grid, opts: { nodata?: number; decimals?: number } = {}): string {
  if (data.length !== g.width * g.height) throw new RangeError(`data has ${data.length} samples, grid is ${g.width}×${g.height}`);
  if (Math.abs(g.resX - g.resY) > 1e-9) throw new InputError(`ESRI ASCII grids need square cells, got ${g.resX}×${g.resY}`);
  const dec = opts.decimals ?? 2;
  const parts: string[] = [
    `ncols        ${g.width}\nnrows        ${g.height}\nxllcorner    ${g.originX}\nyllcorner    ${g.originY - g.height * g.resY}\ncellsize     ${g.resX}\n`,
  ];
  if (opts.nodata !== undefined) parts.push(`NODATA_value ${opts.nodata}\n`);
  const row = new Array<string>(g.width);
  for (let r = 0; r < g.height; r++) {
    for (let c = 0; c < g.width; c++) {
      const v = data[r * g.width + c];
      row[c] = opts.nodata !== undefined && v === Math.fround(opts.nodata) ? String(opts.nodata) : v.toFixed(dec);
    }
    parts.push(row.join(' '), '\n');
  }
  return parts.join('');
}

/** ESRI WKT for Lambert-93, written as the `.prj` sidecar of generated ASCII grids. */
export const LAMBERT93_PRJ =
  'PROJCS["RGF93_Lambert_93",GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",700000.0],PARAMETER["False_Northing",6600000.0],PARAMETER["Central_Meridian",3.0],PARAMETER["Standard_Parallel_1",49.0],PARAMETER["Standard_Parallel_2",44.0],PARAMETER["Latitude_Of_Origin",46.5],UNIT["Meter",1.0]]';
