/**
 * The compact binary monument layer (`GET /api/monuments/layer.bin`, docs/api.md):
 * little-endian, `VGM1`, uint32 n, Float32 lon[n], Float32 lat[n], Uint8 protection[n],
 * Uint8 level[n] (255 = donnée absente), Float32 score[n], uint32 byte length, UTF-8 JSON
 * array of references. Each typed array starts 4-byte aligned (zero padding before it).
 * The decoder returns views on the received buffer where alignment allows, so 46,000
 * points cost no copy. The encoder exists for the dev fixture and tests.
 */

export const NO_LEVEL = 255;

export interface MonumentLayer {
  n: number;
  lon: Float32Array;
  lat: Float32Array;
  /** 0 classé, 1 inscrit, 2 classé et inscrit, 3 inconnue; +4 if partielle */
  protection: Uint8Array;
  /** 0–3, 255 = donnée absente */
  level: Uint8Array;
  score: Float32Array;
  references: string[];
}

const MAGIC = 'VGM1';
const align4 = (n: number) => (n + 3) & ~3;

export function decodeMonumentLayer(buffer: ArrayBuffer): MonumentLayer {
  const view = new DataView(buffer);
  if (buffer.byteLength < 8) throw new Error(`layer.bin: ${buffer.byteLength} bytes, expected at least 8`);
  const magic = String.fromCharCode(view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3));
  if (magic !== MAGIC) throw new Error(`layer.bin: header « ${magic} », expected « ${MAGIC} »`);
  const n = view.getUint32(4, true);
  let at = 8;
  const f32 = (): Float32Array => {
    at = align4(at);
    const bytes = n * 4;
    if (at + bytes > buffer.byteLength) throw new Error(`layer.bin: truncated at byte ${at} (n = ${n})`);
    // Host order is little-endian on every platform browsers run on; DataView would cost a copy.
    const a = new Float32Array(buffer, at, n);
    at += bytes;
    return a;
  };
  const u8 = (): Uint8Array => {
    at = align4(at);
    if (at + n > buffer.byteLength) throw new Error(`layer.bin: truncated at byte ${at} (n = ${n})`);
    const a = new Uint8Array(buffer, at, n);
    at += n;
    return a;
  };
  const lon = f32();
  const lat = f32();
  const protection = u8();
  const level = u8();
  const score = f32();
  at = align4(at);
  const jsonLength = view.getUint32(at, true);
  at += 4;
  const references = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, at, jsonLength))) as string[];
  if (references.length !== n) throw new Error(`layer.bin: ${references.length} references for ${n} points`);
  return { n, lon, lat, protection, level, score, references };
}

export function encodeMonumentLayer(layer: Omit<MonumentLayer, 'n'>): Uint8Array {
  const n = layer.references.length;
  const json = new TextEncoder().encode(JSON.stringify(layer.references));
  let size = 8;
  const offsets: number[] = [];
  for (const bytes of [n * 4, n * 4, n, n, n * 4]) {
    size = align4(size);
    offsets.push(size);
    size += bytes;
  }
  size = align4(size);
  const jsonAt = size + 4;
  const out = new Uint8Array(jsonAt + json.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(4, n, true);
  for (let i = 0; i < n; i++) {
    view.setFloat32(offsets[0] + 4 * i, layer.lon[i], true);
    view.setFloat32(offsets[1] + 4 * i, layer.lat[i], true);
    view.setFloat32(offsets[4] + 4 * i, layer.score[i], true);
  }
  out.set(layer.protection.subarray(0, n), offsets[2]);
  out.set(layer.level.subarray(0, n), offsets[3]);
  view.setUint32(size, json.length, true);
  out.set(json, jsonAt);
  return out;
}
