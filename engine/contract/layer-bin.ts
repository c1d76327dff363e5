/**
 * The compact binary monument layer (`GET /api/monuments/layer.bin`, docs/api.md): the one
 * encoder (engine/server) and the one decoder (web app). Little-endian:
 *
 *   'VGM1'  uint32 n
 *   Float32 lon[n]   Float32 lat[n]
 *   Uint8 flags[n]   (bits 0–1 protection: 0 classé, 1 inscrit, 2 classé et inscrit, 3 inconnue;
 *                     bit 2 partielle; bit 3 position approchée à la commune)
 *   Uint8 level[n]   (0–3; 255 = donnée absente)
 *   Float32 score[n] (NaN = no score)
 *   uint32 byte length, UTF-8 JSON array of the n references
 *
 * Every typed array and the length word start 4-byte aligned (zero padding before them), so
 * the decoder returns views on the received buffer without copying 46,000 points.
 */
import { PROTECTIONS, type PositionSource, type Protection } from './enums.ts';

export const LAYER_MAGIC = 'VGM1';
export const NO_LEVEL = 255;
export const FLAG_PARTIAL = 4;
export const FLAG_APPROX_POSITION = 8;

export interface MonumentLayer {
  n: number;
  lon: Float32Array;
  lat: Float32Array;
  /** protection code (bits 0–1) | FLAG_PARTIAL | FLAG_APPROX_POSITION */
  flags: Uint8Array;
  /** 0–3, NO_LEVEL = donnée absente */
  level: Uint8Array;
  score: Float32Array;
  references: string[];
}

/** The flags byte of one monument. */
export function monumentFlags(protection: Protection | string, partielle: boolean, position: PositionSource | string | null = 'coordinates'): number {
  const code = PROTECTIONS.indexOf(protection as Protection);
  return (code < 0 ? 3 : code) | (partielle ? FLAG_PARTIAL : 0) | (position === 'commune' ? FLAG_APPROX_POSITION : 0);
}
export const flagProtection = (flags: number): Protection => PROTECTIONS[flags & 3];
export const flagPartial = (flags: number): boolean => (flags & FLAG_PARTIAL) !== 0;
export const flagApproxPosition = (flags: number): boolean => (flags & FLAG_APPROX_POSITION) !== 0;
/** The level byte: NULL, undefined or anything outside 0–3 is donnée absente. */
export const levelByte = (level: number | null | undefined): number =>
  level === null || level === undefined || !Number.isInteger(level) || level < 0 || level > 3 ? NO_LEVEL : level;

const align4 = (k: number) => (k + 3) & ~3;

/** Byte offsets of each section for n points and a JSON of `jsonBytes` bytes. */
export function layerOffsets(n: number, jsonBytes: number) {
  const lon = 8;
  const lat = lon + 4 * n;
  const flags = lat + 4 * n;
  const level = align4(flags + n);
  const score = align4(level + n);
  const jsonLength = score + 4 * n;
  const json = jsonLength + 4;
  return { lon, lat, flags, level, score, jsonLength, json, total: json + jsonBytes };
}

export function encodeMonumentLayer(layer: Omit<MonumentLayer, 'n'>): Uint8Array {
  const n = layer.references.length;
  for (const [name, a] of [['lon', layer.lon], ['lat', layer.lat], ['flags', layer.flags], ['level', layer.level], ['score', layer.score]] as const) {
    if (a.length !== n) throw new RangeError(`encodeMonumentLayer: ${name} has ${a.length} values for ${n} references`);
  }
  const json = new TextEncoder().encode(JSON.stringify(layer.references));
  const o = layerOffsets(n, json.length);
  const out = new Uint8Array(o.total);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = LAYER_MAGIC.charCodeAt(i);
  view.setUint32(4, n, true);
  for (let i = 0; i < n; i++) {
    view.setFloat32(o.lon + 4 * i, layer.lon[i], true);
    view.setFloat32(o.lat + 4 * i, layer.lat[i], true);
    view.setFloat32(o.score + 4 * i, layer.score[i], true);
  }
  out.set(layer.flags, o.flags);
  out.set(layer.level, o.level);
  view.setUint32(o.jsonLength, json.length, true);
  out.set(json, o.json);
  return out;
}

export function decodeMonumentLayer(buffer: ArrayBuffer): MonumentLayer {
  if (buffer.byteLength < 8) throw new Error(`layer.bin: ${buffer.byteLength} bytes, expected at least 8`);
  const view = new DataView(buffer);
  const magic = String.fromCharCode(view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3));
  if (magic !== LAYER_MAGIC) throw new Error(`layer.bin: header « ${magic} », expected « ${LAYER_MAGIC} »`);
  const n = view.getUint32(4, true);
  const o = layerOffsets(n, 0);
  if (o.json > buffer.byteLength) throw new Error(`layer.bin: ${buffer.byteLength} bytes, too short for n = ${n} (expected at least ${o.json})`);
  const jsonBytes = view.getUint32(o.jsonLength, true);
  if (o.json + jsonBytes !== buffer.byteLength) {
    throw new Error(`layer.bin: ${buffer.byteLength} bytes, expected ${o.json + jsonBytes} for n = ${n} and ${jsonBytes} bytes of references`);
  }
  // Host order is little-endian on every platform browsers and Node run on; DataView would copy.
  const references = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, o.json, jsonBytes))) as string[];
  if (!Array.isArray(references) || references.length !== n) throw new Error(`layer.bin: ${references.length} references for ${n} points`);
  return {
    n,
    lon: new Float32Array(buffer, o.lon, n),
    lat: new Float32Array(buffer, o.lat, n),
    flags: new Uint8Array(buffer, o.flags, n),
    level: new Uint8Array(buffer, o.level, n),
    score: new Float32Array(buffer, o.score, n),
    references,
  };
}
