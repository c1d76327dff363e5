// Band 1 of a single-band 32-bit float GeoTIFF read straight into a Float32Array: the layout of
// IGN's LiDAR HD MNT and of the tiles Vigie writes (strips or tiles; uncompressed or deflate; no
// predictor; little-endian). geotiff.js reads the same pixels through a per-sample reader that
// costs about three times the inflate itself on a 2000² tile; this copies whole rows instead.
// Anything else returns null and the caller uses geotiff.js's readRasters. Plain JS so that the
// inference worker (engine/detect/infer-worker.mjs) can import it under node as well as tsx.
import { inflateSync } from 'node:zlib';

const DEFLATE = new Set([8, 32946]);

/**
 * @param {import('geotiff').GeoTIFFImage} image  the image (geotiff.js), for its directory
 * @param {Uint8Array} bytes  the whole file
 * @returns {Promise<Float32Array | null>} rows north → south, or null when the layout is another
 */
export async function readFloat32Band(image, bytes) {
  const fd = image.fileDirectory;
  const get = (k) => fd.getValue(k);
  const compression = get('Compression') ?? 1;
  if (compression !== 1 && !DEFLATE.has(compression)) return null;
  if ((get('Predictor') ?? 1) !== 1) return null;
  if ((get('SamplesPerPixel') ?? 1) !== 1) return null;
  if (get('BitsPerSample')?.[0] !== 32 || get('SampleFormat')?.[0] !== 3) return null;
  if (!image.littleEndian) return null;
  const width = image.getWidth();
  const height = image.getHeight();
  const tiled = image.isTiled;
  const offsets = await fd.loadValue(tiled ? 'TileOffsets' : 'StripOffsets');
  const counts = await fd.loadValue(tiled ? 'TileByteCounts' : 'StripByteCounts');
  const bw = tiled ? image.getTileWidth() : width;
  const bh = tiled ? image.getTileHeight() : Math.min(get('RowsPerStrip') ?? height, height);
  const across = Math.ceil(width / bw);
  const blocks = across * Math.ceil(height / bh);
  if (!offsets || !counts || offsets.length < blocks || counts.length < blocks) return null;
  // sparse files (GDAL SPARSE_OK: blocks with no bytes stand for nodata) are left to geotiff.js
  for (let i = 0; i < blocks; i++) if (Number(counts[i]) === 0) return null;
  const out = new Float32Array(width * height);
  for (let i = 0; i < blocks; i++) {
    const start = Number(offsets[i]);
    const end = start + Number(counts[i]);
    if (end > bytes.byteLength) throw new Error(`block ${i} ends at byte ${end}, past the end of the file (${bytes.byteLength} bytes): truncated GeoTIFF`);
    const raw = bytes.subarray(start, end);
    let block = compression === 1 ? raw : inflateSync(raw);
    // a copy when unaligned (Buffer.prototype.slice would return a view)
    if (block.byteOffset % 4 !== 0) block = Uint8Array.prototype.slice.call(block);
    const bx = (i % across) * bw;
    const by = Math.floor(i / across) * bh;
    const rows = Math.min(bh, height - by);
    const cols = Math.min(bw, width - bx);
    // A full block holds bw × bh samples; the last strip may hold only its own rows.
    const need = (rows - 1) * bw + cols;
    if (block.byteLength < need * 4) throw new Error(`block ${i} holds ${block.byteLength} bytes, expected at least ${need * 4}: truncated or corrupt GeoTIFF`);
    const f = new Float32Array(block.buffer, block.byteOffset, Math.floor(block.byteLength / 4));
    if (bx === 0 && cols === bw && bw === width) out.set(f.subarray(0, rows * width), by * width);
    else for (let r = 0; r < rows; r++) out.set(f.subarray(r * bw, r * bw + cols), (by + r) * width + bx);
  }
  return out;
}

/**
 * GDAL's band scale and offset (`<Item name="SCALE" sample="0" role="scale">` in the
 * GDAL_METADATA tag: elevations stored as integers in centimetres, say), read once per image;
 * null when the values are to be taken as they are.
 * @param {import('geotiff').GeoTIFFImage} image
 * @returns {Promise<{ scale: number, offset: number, nodata: number | null } | null>}
 */
export async function scaleOffsetOf(image) {
  const md = await image.getGDALMetadata(0);
  const scale = md?.SCALE !== undefined ? Number(md.SCALE) : 1;
  const offset = md?.OFFSET !== undefined ? Number(md.OFFSET) : 0;
  if ((scale === 1 && offset === 0) || !Number.isFinite(scale) || !Number.isFinite(offset)) return null;
  return { scale, offset, nodata: gdalNoData(image, { float32: true }) };
}

/**
 * The GDAL_NODATA value as the pixels hold it. The tag is text: a value written with fewer
 * digits than the pixels' float32 (ArcGIS's « -3.40282306074e+038 », a rounded « -3.40282e+38 »)
 * would never equal them as a double; GDAL compares float32 bands in float32, and so does this
 * (the value rounded to float32, GDAL's snap of near-FLT_MAX values included).
 * @param {import('geotiff').GeoTIFFImage} image
 * @param {{ float32?: boolean }} [opts]  float32: the caller reads the pixels into a Float32Array
 *   whatever the band's type (rounds the value as the pixels are rounded)
 * @returns {number | null}
 */
export function gdalNoData(image, opts = {}) {
  return noDataFromText(image.getGDALNoData(), image, opts);
}

/**
 * A nodata value written as text (the GDAL_NODATA tag, or a `.aux.xml` sidecar's NoDataValue)
 * for `image`'s band 1, compared as GDAL does (see gdalNoData); null for no text.
 * @param {string | null | undefined} text
 * @param {import('geotiff').GeoTIFFImage} image
 * @param {{ float32?: boolean }} [opts]
 * @returns {number | null}
 */
export function noDataFromText(text, image, opts = {}) {
  if (text === null || text === undefined) return null;
  const v = /^\s*nan\s*$/i.test(text) ? Number.NaN : Number(text);
  const fd = image.fileDirectory;
  const isFloat32 = fd.getValue('SampleFormat')?.[0] === 3 && fd.getValue('BitsPerSample')?.[0] === 32;
  if (!(opts.float32 || isFloat32) || !Number.isFinite(v)) return v;
  const FLT_MAX = 3.4028234663852886e38;
  if (Math.abs(Math.abs(v) - FLT_MAX) <= 1e-10 * FLT_MAX) return Math.sign(v) * FLT_MAX;
  return Math.fround(v);
}

/**
 * Band 1's values as GDAL reports them: value × scale + offset, in place; nodata and NaN pixels
 * are left as they are.
 * @param {Float32Array} data
 * @param {{ scale: number, offset: number, nodata: number | null } | null} so  from scaleOffsetOf
 * @returns {Float32Array} the same array
 */
export function applyScaleOffset(data, so) {
  if (!so) return data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === v && v !== so.nodata) data[i] = v * so.scale + so.offset;
  }
  return data;
}
