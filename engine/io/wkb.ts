/**
 * Well-Known Binary → GeoJSON geometry (ISO WKB with Z/M/ZM type codes, and EWKB flag bits),
 * as found inside GeoPackage geometry blobs. Z and M values are dropped: Vigie works in 2D.
 */
import type { Geometry } from './vector.ts';

export function parseWkb(bytes: Uint8Array, offset = 0): Geometry {
  const r = new WkbReader(bytes, offset);
  return r.geometry();
}

const TYPES = ['Geometry', 'Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'];

class WkbReader {
  private view: DataView;
  constructor(private bytes: Uint8Array, private pos: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  geometry(): Geometry {
    const little = this.u8() === 1;
    let code = this.u32(little);
    let dims = 2;
    if (code & 0x80000000) dims++; // EWKB Z
    if (code & 0x40000000) dims++; // EWKB M
    if (code & 0x20000000) this.u32(little); // EWKB SRID
    code &= 0x0fffffff;
    const family = Math.floor(code / 1000);
    if (family === 1 || family === 2) dims = 3;
    else if (family === 3) dims = 4;
    const base = code % 1000;
    const type = TYPES[base];
    if (!type || base === 0) throw new Error(`unsupported WKB geometry type ${code} at byte ${this.pos - 4}`);
    const point = (): number[] => {
      const p = [this.f64(little), this.f64(little)];
      for (let d = 2; d < dims; d++) this.f64(little);
      return p;
    };
    const points = (): number[][] => {
      const n = this.u32(little);
      const out = new Array<number[]>(n);
      for (let i = 0; i < n; i++) out[i] = point();
      return out;
    };
    const rings = (): number[][][] => {
      const n = this.u32(little);
      const out = new Array<number[][]>(n);
      for (let i = 0; i < n; i++) out[i] = points();
      return out;
    };
    switch (type) {
      case 'Point': {
        const p = point();
        // GeoPackage writes an empty point as NaN, NaN.
        return Number.isNaN(p[0]) && Number.isNaN(p[1]) ? { type, coordinates: [] } : { type, coordinates: p };
      }
      case 'LineString': return { type, coordinates: points() };
      case 'Polygon': return { type, coordinates: rings() };
      default: {
        const n = this.u32(little);
        const parts: Geometry[] = [];
        for (let i = 0; i < n; i++) parts.push(this.geometry());
        if (type === 'GeometryCollection') return { type, geometries: parts };
        return { type, coordinates: parts.map((g) => g.coordinates) };
      }
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new Error(`WKB truncated at byte ${this.pos} (needs ${n} more bytes)`);
  }
  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  private u32(little: boolean): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, little);
    this.pos += 4;
    return v;
  }
  private f64(little: boolean): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, little);
    this.pos += 8;
    return v;
  }
}
