/**
 * LAS / LAZ point clouds (LAS 1.0–1.4, point formats 0–10; COPC files are LAZ 1.4 and read the
 * same way): `readLasHeader(path)` reads the header and the CRS records, `readLasPoints(path)`
 * decodes the points (LAZ through laz-perf, the LASzip port maintained by Hobu, in WebAssembly)
 * and keeps X, Y, Z and the classification of those that pass a class / bbox filter.
 */
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createRequire } from 'node:module';
import { CrsError, InputError } from '../errors.ts';
import { crsFromGeoKeys, crsFromWkt, type GeoKeys } from '../geo/crs.ts';
import type { BBox } from '../geo/grid.ts';

export interface LasHeader {
  readonly file: string;
  /** `1.2`, `1.4`, … */
  readonly version: string;
  readonly pointFormat: number;
  readonly recordLength: number;
  readonly count: number;
  readonly compressed: boolean;
  readonly scale: readonly [number, number, number];
  readonly offset: readonly [number, number, number];
  readonly min: readonly [number, number, number];
  readonly max: readonly [number, number, number];
  /** point count by return number (1…5 or 1…15) as the header states it */
  readonly countByReturn: readonly number[];
  /** CRS from the WKT or GeoKey records; null when the file declares none */
  readonly crs: string | null;
  readonly pointOffset: number;
}

/** Points kept by readLasPoints, as parallel arrays in CRS units. */
export interface LasPoints {
  readonly count: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  readonly cls: Uint8Array;
}

export interface ReadOptions {
  /** keep only these classification values (e.g. [2] for ground) */
  classes?: readonly number[];
  /** keep only points inside (edges included) */
  bbox?: BBox;
}

const HEADER_MIN = 227;

/** Parses the public header block and the (E)VLRs' CRS; `bytes` holds at least the header and VLRs. */
function parseHeader(file: string, bytes: Buffer, evlr: Buffer | null): LasHeader {
  const name = basename(file);
  if (bytes.length < HEADER_MIN || bytes.toString('latin1', 0, 4) !== 'LASF') {
    throw new InputError(`${name}: not a LAS/LAZ file (no "LASF" signature); expected an ASPRS LAS or LAZ point cloud`);
  }
  const major = bytes[24];
  const minor = bytes[25];
  const headerSize = bytes.readUInt16LE(94);
  const pointOffset = bytes.readUInt32LE(96);
  const nVlr = bytes.readUInt32LE(100);
  const rawFormat = bytes[104];
  const compressed = (rawFormat & 0x80) !== 0 || (rawFormat & 0x40) !== 0;
  const pointFormat = rawFormat & 0x3f;
  const recordLength = bytes.readUInt16LE(105);
  const legacyCount = bytes.readUInt32LE(107);
  const legacyByReturn = [0, 1, 2, 3, 4].map((i) => bytes.readUInt32LE(111 + 4 * i));
  const d = (o: number) => bytes.readDoubleLE(o);
  const scale = [d(131), d(139), d(147)] as const;
  const offset = [d(155), d(163), d(171)] as const;
  const max = [d(179), d(195), d(211)] as const;
  const min = [d(187), d(203), d(219)] as const;
  let count = legacyCount;
  let countByReturn = legacyByReturn;
  if (major === 1 && minor >= 4 && headerSize >= 375) {
    const c = Number(bytes.readBigUInt64LE(247));
    if (c > 0 || legacyCount === 0) count = c;
    countByReturn = Array.from({ length: 15 }, (_, i) => Number(bytes.readBigUInt64LE(255 + 8 * i)));
  }
  if (!(pointFormat <= 10)) throw new InputError(`${name}: point data format ${pointFormat}; expected 0–10`);
  if (!scale.every((s) => s > 0)) throw new InputError(`${name}: header scale factors ${scale.join(', ')}; expected positive numbers`);

  // CRS records: WKT (LASF_Projection 2112) wins over GeoKeys (34735/34736/34737), as in LAS 1.4.
  let wkt: string | null = null;
  let keyDir: Buffer | null = null;
  let doubles: Buffer | null = null;
  let ascii: Buffer | null = null;
  const take = (user: string, id: number, data: Buffer) => {
    if (user !== 'LASF_Projection') return;
    if (id === 2112) wkt = data.toString('utf8').replace(/\0+$/, '');
    else if (id === 34735) keyDir = data;
    else if (id === 34736) doubles = data;
    else if (id === 34737) ascii = data;
  };
  let p = headerSize;
  for (let i = 0; i < nVlr && p + 54 <= bytes.length; i++) {
    const user = bytes.toString('latin1', p + 2, p + 18).replace(/\0.*$/s, '');
    const id = bytes.readUInt16LE(p + 18);
    const len = bytes.readUInt16LE(p + 20);
    if (p + 54 + len > bytes.length) break;
    take(user, id, bytes.subarray(p + 54, p + 54 + len));
    p += 54 + len;
  }
  if (evlr) {
    let q = 0;
    while (q + 60 <= evlr.length) {
      const user = evlr.toString('latin1', q + 2, q + 18).replace(/\0.*$/s, '');
      const id = evlr.readUInt16LE(q + 18);
      const len = Number(evlr.readBigUInt64LE(q + 20));
      if (q + 60 + len > evlr.length) break;
      take(user, id, evlr.subarray(q + 60, q + 60 + len));
      q += 60 + len;
    }
  }
  let crs: string | null = null;
  if (wkt !== null && (wkt as string).trim()) crs = crsFromWkt(wkt, `${name} (WKT record)`);
  else if (keyDir) crs = crsFromGeoKeys(geoKeysOf(keyDir, doubles, ascii), `${name} (GeoKey record)`);
  return Object.freeze({
    file,
    version: `${major}.${minor}`,
    pointFormat,
    recordLength,
    count,
    compressed,
    scale,
    offset,
    min,
    max,
    countByReturn,
    crs,
    pointOffset,
  });
}

/** GeoKey names of the GeoTIFF 1.1 spec, for LAS GeoKeyDirectory records. */
const GEOKEY_NAMES: Record<number, string> = {
  1024: 'GTModelTypeGeoKey', 1025: 'GTRasterTypeGeoKey', 1026: 'GTCitationGeoKey', 2048: 'GeographicTypeGeoKey', 2049: 'GeogCitationGeoKey',
  2050: 'GeogGeodeticDatumGeoKey', 2051: 'GeogPrimeMeridianGeoKey', 2052: 'GeogLinearUnitsGeoKey', 2053: 'GeogLinearUnitSizeGeoKey',
  2054: 'GeogAngularUnitsGeoKey', 2055: 'GeogAngularUnitSizeGeoKey', 2056: 'GeogEllipsoidGeoKey', 2057: 'GeogSemiMajorAxisGeoKey',
  2058: 'GeogSemiMinorAxisGeoKey', 2059: 'GeogInvFlatteningGeoKey', 2060: 'GeogAzimuthUnitsGeoKey', 2061: 'GeogPrimeMeridianLongGeoKey',
  2062: 'GeogTOWGS84GeoKey', 3072: 'ProjectedCSTypeGeoKey', 3073: 'PCSCitationGeoKey', 3074: 'ProjectionGeoKey', 3075: 'ProjCoordTransGeoKey',
  3076: 'ProjLinearUnitsGeoKey', 3077: 'ProjLinearUnitSizeGeoKey', 3078: 'ProjStdParallel1GeoKey', 3079: 'ProjStdParallel2GeoKey',
  3080: 'ProjNatOriginLongGeoKey', 3081: 'ProjNatOriginLatGeoKey', 3082: 'ProjFalseEastingGeoKey', 3083: 'ProjFalseNorthingGeoKey',
  3084: 'ProjFalseOriginLongGeoKey', 3085: 'ProjFalseOriginLatGeoKey', 3086: 'ProjFalseOriginEastingGeoKey', 3087: 'ProjFalseOriginNorthingGeoKey',
  3088: 'ProjCenterLongGeoKey', 3089: 'ProjCenterLatGeoKey', 3090: 'ProjCenterEastingGeoKey', 3091: 'ProjCenterNorthingGeoKey',
  3092: 'ProjScaleAtNatOriginGeoKey', 3093: 'ProjScaleAtCenterGeoKey', 3094: 'ProjAzimuthAngleGeoKey', 3095: 'ProjStraightVertPoleLongGeoKey',
  3096: 'ProjRectifiedGridAngleGeoKey', 4096: 'VerticalCSTypeGeoKey', 4097: 'VerticalCitationGeoKey', 4098: 'VerticalDatumGeoKey', 4099: 'VerticalUnitsGeoKey',
};

/** Decodes a GeoKeyDirectory (uint16 entries) with its double and ASCII parameter records. */
export function geoKeysOf(dir: Buffer, doubles: Buffer | null, ascii: Buffer | null): GeoKeys {
  const u16 = (i: number) => dir.readUInt16LE(2 * i);
  const n = dir.length >= 8 ? u16(3) : 0;
  const keys: GeoKeys = {};
  for (let k = 0; k < n && 4 * (k + 2) <= dir.length / 2; k++) {
    const [id, loc, count, value] = [u16(4 + 4 * k), u16(5 + 4 * k), u16(6 + 4 * k), u16(7 + 4 * k)];
    const name = GEOKEY_NAMES[id] ?? `GeoKey${id}`;
    if (loc === 0) keys[name] = value;
    else if (loc === 34736 && doubles) {
      const vals = Array.from({ length: count }, (_, i) => doubles.readDoubleLE(8 * (value + i)));
      keys[name] = count === 1 ? vals[0] : vals;
    } else if (loc === 34737 && ascii) keys[name] = ascii.toString('latin1', value, value + count).replace(/[|\0]+$/, '');
  }
  return keys;
}

/** Reads the header and CRS records of a LAS/LAZ file without its points. */
export async function readLasHeader(path: string): Promise<LasHeader> {
  const fh = await open(path, 'r').catch((err: Error) => {
    throw new InputError(`${path}: cannot read file (${err.message})`, { cause: err });
  });
  try {
    const size = (await fh.stat()).size;
    if (size === 0) throw new InputError(`${basename(path)}: file is empty, expected a LAS/LAZ point cloud`);
    const first = Buffer.alloc(Math.min(size, 375));
    await fh.read(first, 0, first.length, 0);
    if (first.length < HEADER_MIN || first.toString('latin1', 0, 4) !== 'LASF') return parseHeader(path, first, null);
    const pointOffset = first.readUInt32LE(96);
    const head = Buffer.alloc(Math.min(size, Math.max(pointOffset, first.length)));
    await fh.read(head, 0, head.length, 0);
    let evlr: Buffer | null = null;
    if (first[24] === 1 && first[25] >= 4 && first.length >= 375) {
      const start = Number(first.readBigUInt64LE(235));
      const nEvlr = first.readUInt32LE(243);
      if (nEvlr > 0 && start > 0 && start < size) {
        evlr = Buffer.alloc(Math.min(size - start, 16 << 20));
        await fh.read(evlr, 0, evlr.length, start);
      }
    }
    return parseHeader(path, head, evlr);
  } finally {
    await fh.close();
  }
}

interface LazModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  LASZip: new () => { open(p: number, n: number): void; getPoint(p: number): void; getCount(): number; getPointLength(): number; getPointFormat(): number; delete(): void };
}
let lazModule: Promise<LazModule> | null = null;
function loadLaz(): Promise<LazModule> {
  const require = createRequire(import.meta.url);
  lazModule ??= (require('laz-perf') as { createLazPerf: () => Promise<LazModule> }).createLazPerf();
  return lazModule;
}

/** Growing parallel arrays of kept points. */
class PointSink {
  n = 0;
  x = new Float64Array(1024);
  y = new Float64Array(1024);
  z = new Float64Array(1024);
  cls = new Uint8Array(1024);
  constructor(expected: number) {
    if (expected > 1024) this.grow(expected);
  }
  grow(n: number): void {
    const g = <T extends Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.x = g(this.x);
    this.y = g(this.y);
    this.z = g(this.z);
    this.cls = g(this.cls);
  }
  push(x: number, y: number, z: number, c: number): void {
    if (this.n === this.x.length) this.grow(this.n * 2);
    this.x[this.n] = x;
    this.y[this.n] = y;
    this.z[this.n] = z;
    this.cls[this.n++] = c;
  }
  done(): LasPoints {
    const n = this.n;
    return { count: n, x: this.x.slice(0, n), y: this.y.slice(0, n), z: this.z.slice(0, n), cls: this.cls.slice(0, n) };
  }
}

/**
 * Decodes the points of a LAS/LAZ file and keeps those of `classes` inside `bbox`.
 * Classification is the 5-bit field of formats 0–5 and the full byte of formats 6–10.
 */
export async function readLasPoints(path: string, opts: ReadOptions = {}): Promise<{ header: LasHeader; points: LasPoints; countByReturn: number[] }> {
  const header = await readLasHeader(path);
  const name = basename(path);
  const bytes = await readFile(path);
  const keep = new Uint8Array(256);
  if (opts.classes) for (const c of opts.classes) keep[c] = 1;
  else keep.fill(1);
  const b = opts.bbox;
  const [sx, sy, sz] = header.scale;
  const [ox, oy, oz] = header.offset;
  const clsOffset = header.pointFormat >= 6 ? 16 : 15;
  const clsMask = header.pointFormat >= 6 ? 0xff : 0x1f;
  // Every decoded point is counted by return number, to check against the header's counts.
  const retMask = header.pointFormat >= 6 ? 0x0f : 0x07;
  const byReturn = new Array<number>(16).fill(0);
  const expected = opts.classes || b ? Math.min(header.count, 1 << 20) : header.count;
  const sink = new PointSink(expected);
  const take = (view: DataView, at: number) => {
    const c = view.getUint8(at + clsOffset) & clsMask;
    if (!keep[c]) return;
    const x = view.getInt32(at, true) * sx + ox;
    const y = view.getInt32(at + 4, true) * sy + oy;
    if (b && (x < b.minx || x > b.maxx || y < b.miny || y > b.maxy)) return;
    sink.push(x, y, view.getInt32(at + 8, true) * sz + oz, c);
  };
  if (!header.compressed) {
    const need = header.pointOffset + header.count * header.recordLength;
    if (bytes.length < need) throw new InputError(`${name}: truncated (${bytes.length} bytes, the header announces ${header.count} points ending at byte ${need})`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0, at = header.pointOffset; i < header.count; i++, at += header.recordLength) {
      byReturn[view.getUint8(at + 14) & retMask]++;
      take(view, at);
    }
    return { header, points: sink.done(), countByReturn: byReturn.slice(1, header.countByReturn.length + 1) };
  }
  const lp = await loadLaz();
  const filePtr = lp._malloc(bytes.length);
  const pointPtr = lp._malloc(Math.max(header.recordLength, 64));
  const laz = new lp.LASZip();
  try {
    lp.HEAPU8.set(bytes, filePtr);
    try {
      laz.open(filePtr, bytes.length);
    } catch (err) {
      throw new InputError(`${name}: LAZ data cannot be opened (${errorText(lp, err)}); the file may be truncated or not LAZ`, { cause: err });
    }
    const count = laz.getCount();
    if (count !== header.count) throw new InputError(`${name}: LAZ stream holds ${count} points, the header ${header.count}`);
    if (laz.getPointLength() < 20) throw new InputError(`${name}: point records of ${laz.getPointLength()} bytes; expected at least 20`);
    // Hot loop: typed views on the WASM heap (malloc aligns to 8), refreshed if the heap grows.
    let heap = lp.HEAPU8;
    let i32 = new Int32Array(heap.buffer);
    const w = pointPtr >> 2;
    const cAt = pointPtr + clsOffset;
    const rAt = pointPtr + 14;
    for (let i = 0; i < count; i++) {
      try {
        laz.getPoint(pointPtr);
      } catch (err) {
        throw new InputError(`${name}: corrupt or truncated LAZ data at point ${i + 1} of ${count} (${errorText(lp, err)})`, { cause: err });
      }
      if (lp.HEAPU8 !== heap) {
        heap = lp.HEAPU8;
        i32 = new Int32Array(heap.buffer);
      }
      byReturn[heap[rAt] & retMask]++;
      const c = heap[cAt] & clsMask;
      if (!keep[c]) continue;
      const x = i32[w] * sx + ox;
      const y = i32[w + 1] * sy + oy;
      if (b && (x < b.minx || x > b.maxx || y < b.miny || y > b.maxy)) continue;
      sink.push(x, y, i32[w + 2] * sz + oz, c);
    }
  } finally {
    laz.delete();
    lp._free(pointPtr);
    lp._free(filePtr);
  }
  return { header, points: sink.done(), countByReturn: byReturn.slice(1, header.countByReturn.length + 1) };
}

function errorText(lp: LazModule, err: unknown): string {
  if (typeof err === 'number') {
    const getMessage = (lp as unknown as { getExceptionMessage?: (p: number) => string[] }).getExceptionMessage;
    return getMessage ? getMessage(err).join(' ') : `exception ${err}`;
  }
  return (err as Error)?.message ?? String(err);
}

/** The CRS of a point cloud: its records', else `fallback`, else CrsError suggesting --crs. */
export function lasCrs(h: LasHeader, fallback?: string): string {
  if (fallback) return fallback;
  if (h.crs) return h.crs;
  throw new CrsError(`${basename(h.file)}: no CRS record (WKT or GeoKeys) in the point cloud; give it with --crs EPSG:NNNN (LiDAR HD: --crs EPSG:2154)`);
}
