/**
 * Writes single-band GeoTIFFs: striped or tiled, deflate-compressed (node:zlib), with GeoKeys
 * for an EPSG code and the GDAL_NODATA tag. With `cog: true` it writes a Cloud-Optimized
 * GeoTIFF: tiled, all IFDs at the start of the file, 2× mean overviews down to one tile,
 * tile data ordered from the smallest overview to full resolution.
 *
 * geotiff.js can read TIFFs but not write compressed tiled ones, hence this small writer.
 * The output is checked with GDAL's gdalinfo in the tests.
 */
import { deflateSync } from 'node:zlib';
import type { Grid } from './grid.ts';
import { CrsError } from '../errors.ts';
import { geoTiffKeyCode } from './crs.ts';

export type SampleArray = Float32Array | Uint8Array | Int16Array | Uint16Array;

export interface WriteOptions {
  /** tile edge in pixels (multiple of 16); omit for strips */
  tileSize?: number;
  /** Cloud-Optimized layout with overviews (implies tiling, default tile 512) */
  cog?: boolean;
  nodata?: number;
  /** zlib level, default 6 */
  level?: number;
  /**
   * A CRS without a GeoTIFF key code (a definition, an Esri code) is written as none instead of
   * refused: for scratch files read back with their CRS given (neighbour margins), never for output.
   */
  scratch?: boolean;
}

interface Level {
  width: number;
  height: number;
  data: SampleArray;
  chunks: Buffer[];
}

const T = { SHORT: 3, LONG: 4, DOUBLE: 12, ASCII: 2 } as const;

export function writeGeoTiff(data: SampleArray, g: Grid, opts: WriteOptions = {}): Buffer {
  if (data.length !== g.width * g.height) {
    throw new RangeError(`data has ${data.length} samples, grid is ${g.width}×${g.height}`);
  }
  const tile = opts.cog ? (opts.tileSize ?? 512) : opts.tileSize;
  if (tile !== undefined && (tile % 16 !== 0 || tile <= 0)) throw new RangeError(`tileSize ${tile} is not a positive multiple of 16`);
  const levels: Level[] = [{ width: g.width, height: g.height, data, chunks: [] }];
  if (opts.cog && tile) {
    while (levels[levels.length - 1].width > tile || levels[levels.length - 1].height > tile) {
      levels.push(downsample(levels[levels.length - 1], opts.nodata));
    }
  }
  const bytes = data.BYTES_PER_ELEMENT;
  for (const lv of levels) {
    lv.chunks = tile ? tileChunks(lv, tile, bytes, opts.level ?? 6) : stripChunks(lv, bytes, opts.level ?? 6);
  }

  // Layout: header (8) | IFD0 + its arrays | IFD1 ... | chunk data (smallest level first).
  const ifds = levels.map((lv, i) => buildIfd(lv, i, g, tile, data, opts.nodata, opts.scratch));
  let offset = 8;
  const ifdOffsets: number[] = [];
  for (const ifd of ifds) {
    ifdOffsets.push(offset);
    offset += ifd.size;
  }
  const chunkOffsets: number[][] = levels.map(() => []);
  for (let li = levels.length - 1; li >= 0; li--) {
    for (const c of levels[li].chunks) {
      chunkOffsets[li].push(offset);
      offset += c.length;
    }
  }
  const out = Buffer.alloc(offset);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifdOffsets[0], 4);
  ifds.forEach((ifd, i) => {
    const next = i + 1 < ifds.length ? ifdOffsets[i + 1] : 0;
    ifd.write(out, ifdOffsets[i], next, chunkOffsets[i], levels[i].chunks.map((c) => c.length));
  });
  for (let li = levels.length - 1; li >= 0; li--) {
    levels[li].chunks.forEach((c, k) => c.copy(out, chunkOffsets[li][k]));
  }
  return out;
}

function sampleFormat(data: SampleArray): number {
  if (data instanceof Float32Array) return 3;
  if (data instanceof Int16Array) return 2;
  return 1;
}

function downsample(lv: Level, nodata?: number): Level {
  const w = Math.ceil(lv.width / 2);
  const h = Math.ceil(lv.height / 2);
  const Ctor = lv.data.constructor as new (n: number) => SampleArray;
  const out = new Ctor(w * h);
  const src = lv.data;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      let sum = 0;
      let n = 0;
      for (let dr = 0; dr < 2; dr++) {
        const rr = 2 * r + dr;
        if (rr >= lv.height) continue;
        for (let dc = 0; dc < 2; dc++) {
          const cc = 2 * c + dc;
          if (cc >= lv.width) continue;
          const v = src[rr * lv.width + cc];
          if (v === nodata || Number.isNaN(v)) continue;
          sum += v;
          n++;
        }
      }
      const mean = n ? sum / n : (nodata ?? 0);
      out[r * w + c] = out instanceof Float32Array ? mean : Math.round(mean);
    }
  }
  return { width: w, height: h, data: out, chunks: [] };
}

function tileChunks(lv: Level, tile: number, bytes: number, level: number): Buffer[] {
  const across = Math.ceil(lv.width / tile);
  const down = Math.ceil(lv.height / tile);
  const chunks: Buffer[] = [];
  const Ctor = lv.data.constructor as new (n: number) => SampleArray;
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      // Edge tiles are padded to full size, as TIFF requires.
      const buf = new Ctor(tile * tile);
      for (let r = 0; r < tile; r++) {
        const sr = ty * tile + r;
        if (sr >= lv.height) break;
        const c0 = tx * tile;
        const c1 = Math.min(c0 + tile, lv.width);
        buf.set(lv.data.subarray(sr * lv.width + c0, sr * lv.width + c1), r * tile);
      }
      chunks.push(deflateSync(new Uint8Array(buf.buffer, 0, tile * tile * bytes), { level }));
    }
  }
  return chunks;
}

function stripChunks(lv: Level, bytes: number, level: number): Buffer[] {
  const rows = rowsPerStrip(lv.width, bytes);
  const chunks: Buffer[] = [];
  for (let r = 0; r < lv.height; r += rows) {
    const n = Math.min(rows, lv.height - r) * lv.width;
    const view = lv.data.subarray(r * lv.width, r * lv.width + n);
    chunks.push(deflateSync(new Uint8Array(view.buffer, view.byteOffset, n * bytes), { level }));
  }
  return chunks;
}

function rowsPerStrip(width: number, bytes: number): number {
  return Math.max(1, Math.floor(65536 / (width * bytes)));
}

interface Entry {
  tag: number;
  type: number;
  values: number[] | string;
}

function buildIfd(lv: Level, index: number, g: Grid, tile: number | undefined, data: SampleArray, nodata?: number, scratch?: boolean) {
  const nChunks = lv.chunks.length;
  const entries: Entry[] = [];
  const add = (tag: number, type: number, values: number[] | string) => entries.push({ tag, type, values });
  if (index > 0) add(254, T.LONG, [1]); // reduced-resolution image
  add(256, T.LONG, [lv.width]);
  add(257, T.LONG, [lv.height]);
  add(258, T.SHORT, [data.BYTES_PER_ELEMENT * 8]);
  add(259, T.SHORT, [8]); // Adobe deflate
  add(262, T.SHORT, [1]); // BlackIsZero
  if (!tile) add(273, T.LONG, new Array(nChunks).fill(0));
  add(277, T.SHORT, [1]);
  if (!tile) {
    add(278, T.LONG, [rowsPerStrip(lv.width, data.BYTES_PER_ELEMENT)]);
    add(279, T.LONG, new Array(nChunks).fill(0));
  }
  add(284, T.SHORT, [1]);
  if (tile) {
    add(322, T.SHORT, [tile]);
    add(323, T.SHORT, [tile]);
    add(324, T.LONG, new Array(nChunks).fill(0));
    add(325, T.LONG, new Array(nChunks).fill(0));
  }
  add(339, T.SHORT, [sampleFormat(data)]);
  if (index === 0) {
    add(33550, T.DOUBLE, [g.resX, g.resY, 0]);
    add(33922, T.DOUBLE, [0, 0, 0, g.originX, g.originY, 0]);
    const epsg = geoTiffKeyCode(g.crs) ?? (scratch ? 0 : null);
    if (epsg === null) throw new CrsError(`CRS ${g.crs.length > 80 ? `${g.crs.slice(0, 80)}…` : g.crs} has no EPSG code a GeoTIFF key can carry; expected EPSG:NNNN (below 32767)`);
    const geographic = epsg === 4326 || epsg === 4171;
    // GeoKeyDirectory: version 1.1.0, then (key, location, count, value).
    add(34735, T.SHORT, [
      1, 1, 0, 3,
      1024, 0, 1, geographic ? 2 : 1, // GTModelType
      1025, 0, 1, 1, // GTRasterType = PixelIsArea
      geographic ? 2048 : 3072, 0, 1, epsg, // GeographicType / ProjectedCSType
    ]);
  }
  if (nodata !== undefined) add(42113, T.ASCII, String(nodata) + '\0');
  entries.sort((a, b) => a.tag - b.tag);

  const valueSize = (e: Entry) =>
    (typeof e.values === 'string' ? e.values.length : e.values.length) * (e.type === T.DOUBLE ? 8 : e.type === T.LONG ? 4 : e.type === T.SHORT ? 2 : 1);
  const dirSize = 2 + entries.length * 12 + 4;
  let extra = 0;
  for (const e of entries) {
    const s = valueSize(e);
    if (s > 4) extra += s + (s % 2);
  }
  return {
    size: dirSize + extra,
    write(out: Buffer, at: number, next: number, offsets: number[], counts: number[]) {
      for (const e of entries) {
        if (e.tag === 273 || e.tag === 324) e.values = offsets;
        if (e.tag === 279 || e.tag === 325) e.values = counts;
      }
      out.writeUInt16LE(entries.length, at);
      let p = at + 2;
      let ext = at + dirSize;
      for (const e of entries) {
        const count = typeof e.values === 'string' ? e.values.length : e.values.length;
        out.writeUInt16LE(e.tag, p);
        out.writeUInt16LE(e.type, p + 2);
        out.writeUInt32LE(count, p + 4);
        const s = valueSize(e);
        const target = s > 4 ? ext : p + 8;
        if (s > 4) {
          out.writeUInt32LE(ext, p + 8);
          ext += s + (s % 2);
        }
        writeValues(out, target, e);
        p += 12;
      }
      out.writeUInt32LE(next, p);
    },
  };
}

function writeValues(out: Buffer, at: number, e: Entry): void {
  if (typeof e.values === 'string') {
    out.write(e.values, at, 'latin1');
    return;
  }
  e.values.forEach((v, i) => {
    if (e.type === T.DOUBLE) out.writeDoubleLE(v, at + 8 * i);
    else if (e.type === T.LONG) out.writeUInt32LE(v >>> 0, at + 4 * i);
    else out.writeUInt16LE(v, at + 2 * i);
  });
}
