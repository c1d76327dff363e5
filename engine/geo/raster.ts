/**
 * One entry for rasters: `openRaster(path)` reads a GeoTIFF / COG header and gives back a
 * Raster (grid, nodata, CRS) that reads windows. Deflate is routed to node:zlib, which decodes
 * ~1.6× faster than geotiff.js's pure-JS inflater.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { inflateSync } from 'node:zlib';
import { addDecoder, BaseDecoder, fromArrayBuffer, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { InputError } from '../errors.ts';
import { crsFromGeoKeys, crsFromWkt, normaliseCrs } from './crs.ts';
import { applyScaleOffset, gdalNoData, noDataFromText, readFloat32Band, scaleOffsetOf } from './float-band.mjs';
import { grid as makeGrid, type Grid, type Window } from './grid.ts';
import { readSidecars, requireNorthUp } from './sidecars.ts';

class ZlibDeflateDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    const out = inflateSync(new Uint8Array(buffer));
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  }
}
let registered = false;
function registerDecoders(): void {
  if (registered) return;
  registered = true;
  addDecoder([8, 32946], async () => ZlibDeflateDecoder as never, undefined, false);
}

export interface Raster {
  readonly file: string;
  readonly grid: Grid;
  readonly nodata: number | null;
  /** block (tile or strip) size of the full-resolution image */
  readonly blockWidth: number;
  readonly blockHeight: number;
  /** Reads band 1 in `win` as Float32Array (row-major, win.width × win.height). */
  readWindow(win: Window): Promise<Float32Array>;
  readAll(): Promise<Float32Array>;
  readonly image: GeoTIFFImage;
}

export interface OpenOptions {
  /** CRS to assume when the file has none, or to override a wrong one (`EPSG:NNNN`). */
  crs?: string;
}

export async function openRaster(path: string, opts: OpenOptions = {}): Promise<Raster> {
  registerDecoders();
  const name = basename(path);
  let bytes: Buffer;
  try {
    const s = await stat(path);
    if (s.size === 0) throw new InputError(`${name}: file is empty, expected a GeoTIFF`);
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read file (${(err as Error).message})`, { cause: err });
  }
  let tiff: GeoTIFF;
  let image: GeoTIFFImage;
  try {
    // readFile gives large files their own ArrayBuffer: use it without copying when it does.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    tiff = await fromArrayBuffer((whole ? bytes.buffer : new Uint8Array(bytes).buffer) as ArrayBuffer);
    image = await tiff.getImage(0);
  } catch (err) {
    throw new InputError(`${name}: not a readable GeoTIFF (${(err as Error).message}; expected a complete GeoTIFF or COG: a truncated download?)`, { cause: err });
  }
  requireDecodableCompression(image, name);
  const { georeference, crs, nodata } = await frameOf(image, path, { crs: opts.crs, float32: true });
  const { originX, originY, resX, resY } = georeference;
  const g = makeGrid({
    originX,
    originY,
    resX,
    resY,
    width: image.getWidth(),
    height: image.getHeight(),
    crs,
  });
  const so = await scaleOffsetOf(image).catch((err: Error) => {
    throw new InputError(`${name}: unreadable GDAL metadata (${err.message}); expected a GeoTIFF as GDAL writes it`, { cause: err });
  });
  const raster: Raster = {
    file: path,
    grid: g,
    nodata,
    blockWidth: image.getTileWidth(),
    blockHeight: image.getTileHeight(),
    image,
    async readWindow(win: Window) {
      if (win.width === 0 || win.height === 0) return new Float32Array(0);
      try {
        const r = await image.readRasters({
          window: [win.col, win.row, win.col + win.width, win.row + win.height],
          samples: [0],
          interleave: true,
        });
        return applyScaleOffset(r instanceof Float32Array ? r : Float32Array.from(r as ArrayLike<number>), so);
      } catch (err) {
        throw new InputError(`${name}: corrupt or truncated raster data (${(err as Error).message}; expected a complete GeoTIFF: a truncated download?)`, { cause: err });
      }
    },
    async readAll() {
      // The common DTM layout (single-band float32, none/deflate, no predictor) is copied out of
      // its blocks directly (float-band.mjs); any other goes through geotiff.js.
      let fast: Float32Array | null;
      try {
        fast = await readFloat32Band(image, bytes);
      } catch (err) {
        throw new InputError(`${name}: corrupt or truncated raster data (${(err as Error).message}; expected a complete GeoTIFF: a truncated download?)`, { cause: err });
      }
      return fast ? applyScaleOffset(fast, so) : raster.readWindow({ col: 0, row: 0, width: g.width, height: g.height });
    },
  };
  return raster;
}

/** TIFF compressions geotiff.js decodes in Node (its WebP decoder needs a browser; JPEG is for 8-bit images, refused later as terrain by name). */
const DECODABLE = new Map([[1, 'none'], [5, 'LZW'], [8, 'Deflate'], [32946, 'Deflate'], [32773, 'PackBits'], [34887, 'LERC'], [50000, 'ZSTD'], [6, 'JPEG'], [7, 'JPEG']]);
const OTHER = new Map([[34712, 'JPEG 2000'], [34925, 'LZMA'], [50001, 'WebP'], [50002, 'JPEG XL']]);

/** InputError naming the compression when the file's cannot be decoded here (instead of « corrupt data » on the first read). */
export function requireDecodableCompression(image: GeoTIFFImage, name: string): void {
  const c = Number(image.fileDirectory.getValue('Compression') ?? 1);
  if (DECODABLE.has(c)) return;
  throw new InputError(
    `${name}: compression ${OTHER.get(c) ?? 'unknown'} (TIFF code ${c}) is not supported; expected ${[...new Set(DECODABLE.values())].join(', ')} ` +
      `(re-encode with: gdal_translate -co COMPRESS=DEFLATE ${name} out.tif)`,
  );
}

export interface Georeference {
  /** west and north edges of the raster (outer corner of pixel 0, 0) */
  originX: number;
  originY: number;
  /** pixel size, both positive (north-up) */
  resX: number;
  resY: number;
}

/**
 * Where a GeoTIFF image lies, as GDAL reads it: north-up rasters only (a rotated, sheared or
 * south-up geotransform is refused by name — geotiff.js would read the first as unrotated and
 * the second upside down), and « pixel is point » rasters (GTRasterTypeGeoKey 2, the tie point
 * on a pixel's centre) shifted by half a pixel to their outer corner, as GDAL does.
 */
export function georeferenceOf(image: GeoTIFFImage, name: string): Georeference {
  const dir = image.fileDirectory as unknown as { getValue(tag: string): ArrayLike<number> | undefined };
  const t = dir.getValue('ModelTransformation');
  const fmt = (v: number) => +v.toPrecision(10);
  if (t && t.length >= 16) requireNorthUp(t[0], t[1], t[4], t[5], name);
  let resX: number;
  let resYSigned: number;
  let originX: number;
  let originY: number;
  try {
    [resX, resYSigned] = image.getResolution();
    [originX, originY] = image.getOrigin();
  } catch (err) {
    throw new InputError(`${name}: no georeferencing (${(err as Error).message}); expected a GeoTIFF with a tie point and pixel scale or a geotransform`, { cause: err });
  }
  if (!(resX > 0) || !(resYSigned < 0)) {
    throw new InputError(`${name}: only north-up rasters are supported (pixel width ${fmt(resX)}, height ${fmt(resYSigned)}; expected width > 0 and height < 0)`);
  }
  const resY = -resYSigned;
  if ((image.getGeoKeys() as { GTRasterTypeGeoKey?: number } | null)?.GTRasterTypeGeoKey === 2) {
    originX -= resX / 2;
    originY += resY / 2;
  }
  return { originX, originY, resX, resY };
}

/**
 * Where a TIFF lies, in which CRS, with which nodata: from its own tags, else from the sidecars
 * beside it (`path` a local file; sidecars.ts) — a plain TIFF with `.aux.xml`, or `.tfw` and `.prj`,
 * reads as GDAL reads it. `crs` overrides the file's; `float32` compares nodata as a Float32 band's.
 */
export async function frameOf(image: GeoTIFFImage, path: string | null, opts: { crs?: string; float32?: boolean } = {}): Promise<{ georeference: Georeference; crs: string; nodata: number | null }> {
  const name = path ? basename(path) : 'raster';
  const internal = hasInternalGeoreference(image);
  const keys = image.getGeoKeys() as Record<string, unknown> | null;
  const hasKeys = !!keys && Object.keys(keys).length > 0;
  const ownNodata = image.getGDALNoData();
  const side = path && (!internal || (!hasKeys && !opts.crs) || ownNodata === null) ? await readSidecars(path) : {};
  if (!internal && !side.georeference) {
    throw new InputError(`${name}: no georeferencing in the file (GeoTIFF tags) and no ${name}.aux.xml or world file (.tfw) beside it; expected a GeoTIFF, or a TIFF with its sidecars`);
  }
  // a PAM file may name its SRS by code (`EPSG:2154`) rather than by WKT
  const fromSide = (c: { wkt: string; from: string }) => (/^\s*(EPSG:\d+|urn:ogc:def:crs:EPSG::\d+)\s*$/i.test(c.wkt) ? normaliseCrs(c.wkt) : crsFromWkt(c.wkt, c.from));
  const crs = opts.crs ? normaliseCrs(opts.crs) : !hasKeys && side.crs ? fromSide(side.crs) : crsOfImage(image, name);
  const nodata = ownNodata === null && side.nodata ? noDataFromText(side.nodata.text, image, { float32: opts.float32 }) : gdalNoData(image, { float32: opts.float32 });
  return { georeference: internal ? georeferenceOf(image, name) : side.georeference!, crs, nodata };
}

/** True when the TIFF carries its own georeferencing (tie point and pixel scale, or a transformation). */
export function hasInternalGeoreference(image: GeoTIFFImage): boolean {
  const dir = image.fileDirectory as unknown as { getValue(tag: string): ArrayLike<number> | undefined };
  const t = dir.getValue('ModelTransformation');
  if (t && t.length >= 16) return true;
  return !!dir.getValue('ModelTiepoint')?.length && !!dir.getValue('ModelPixelScale')?.length;
}

/**
 * CRS of a GeoTIFF image from its GeoKeys (see crsFromGeoKeys): `EPSG:NNNN` from the registry,
 * or the user-defined projection's own definition; CrsError suggesting --crs when there is none.
 */
export function crsOfImage(image: GeoTIFFImage, name: string): string {
  return crsFromGeoKeys(image.getGeoKeys() as Record<string, unknown> | null, name);
}
