/** GeoJSON geometry → ISO Well-Known Binary (2D, little-endian), for GeoPackage and GeoParquet. */
import type { Geometry } from '../io/vector.ts';

const CODES: Record<string, number> = { Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6 };

export function writeWkb(g: Geometry): Uint8Array {
  const size = sizeOf(g);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = 0;
  const u8 = (v: number) => { out[pos++] = v; };
  const u32 = (v: number) => { view.setUint32(pos, v, true); pos += 4; };
  const f64 = (v: number) => { view.setFloat64(pos, v, true); pos += 8; };
  const points = (ps: number[][]) => { u32(ps.length); for (const p of ps) { f64(p[0]); f64(p[1]); } };
  const geom = (x: Geometry) => {
    const code = CODES[x.type];
    if (!code) throw new Error(`cannot write WKB for geometry type ${x.type}`);
    u8(1);
    u32(code);
    const c = x.coordinates as never;
    switch (x.type) {
      case 'Point': {
        const p = c as number[];
        if (p.length === 0) { f64(NaN); f64(NaN); } else { f64(p[0]); f64(p[1]); }
        break;
      }
      case 'LineString': points(c); break;
      case 'Polygon': u32((c as number[][][]).length); for (const r of c as number[][][]) points(r); break;
      default: {
        const parts = c as unknown[];
        u32(parts.length);
        const partType = x.type.slice(5);
        for (const p of parts) geom({ type: partType, coordinates: p });
      }
    }
  };
  geom(g);
  return out;
}

function sizeOf(g: Geometry): number {
  const c = g.coordinates as never;
  switch (g.type) {
    case 'Point': return 5 + 16;
    case 'LineString': return 9 + 16 * (c as unknown[]).length;
    case 'Polygon': return 9 + (c as number[][][]).reduce((s, r) => s + 4 + 16 * r.length, 0);
    default: {
      const partType = g.type.slice(5);
      return 9 + (c as unknown[]).reduce<number>((s, p) => s + sizeOf({ type: partType, coordinates: p }), 0);
    }
  }
}
