/**
 * FlatGeobuf writer (EPSG:2154), built on flatgeobuf's generated FlatBuffers classes: our own
 * header (layer name, typed columns with their French titles, CRS EPSG:2154, feature count,
 * no spatial index) because the library's serializer infers column types from the first
 * feature and cannot write a row without geometry.
 */
import { writeFileSync } from 'node:fs';
import * as flatbuffers from 'flatbuffers';
import { Column } from 'flatgeobuf/lib/mjs/flat-geobuf/column.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { Crs } from 'flatgeobuf/lib/mjs/flat-geobuf/crs.js';
import { Feature } from 'flatgeobuf/lib/mjs/flat-geobuf/feature.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js';
import { buildGeometry, type IParsedGeometry } from 'flatgeobuf/lib/mjs/generic/geometry.js';
import { registerExportFormat } from '../formats.ts';
import type { ExportTable, Field, Value } from '../table.ts';
import type { Geometry } from '../../io/vector.ts';

const MAGIC = new Uint8Array([0x66, 0x67, 0x62, 0x03, 0x66, 0x67, 0x62, 0x00]);
const TYPE: Record<Field['type'], ColumnType> = { text: ColumnType.String, real: ColumnType.Double, integer: ColumnType.Long, boolean: ColumnType.Bool };
const enc = new TextEncoder();

function header(t: ExportTable): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  const cols = t.fields.map((f) => {
    const name = b.createString(f.name);
    const title = b.createString(f.title);
    Column.startColumn(b);
    Column.addName(b, name);
    Column.addType(b, TYPE[f.type]);
    Column.addTitle(b, title);
    Column.addNullable(b, true);
    return Column.endColumn(b);
  });
  const colsVec = Header.createColumnsVector(b, cols);
  const name = b.createString(t.name);
  const desc = b.createString(t.description);
  const org = b.createString('EPSG');
  const crsName = b.createString('RGF93 v1 / Lambert-93');
  Crs.startCrs(b);
  Crs.addOrg(b, org);
  Crs.addCode(b, 2154);
  Crs.addName(b, crsName);
  const crs = Crs.endCrs(b);
  Header.startHeader(b);
  Header.addName(b, name);
  Header.addDescription(b, desc);
  Header.addGeometryType(b, t.geometryType === 'Point' ? GeometryType.Point : GeometryType.MultiPolygon);
  Header.addColumns(b, colsVec);
  Header.addFeaturesCount(b, BigInt(t.rows.length));
  Header.addIndexNodeSize(b, 0);
  Header.addCrs(b, crs);
  b.finishSizePrefixed(Header.endHeader(b));
  return b.asUint8Array();
}

function parsed(g: Geometry): IParsedGeometry {
  if (g.type === 'Point') return { xy: g.coordinates as number[], ends: [], parts: undefined as never, type: GeometryType.Point };
  if (g.type === 'MultiPolygon') {
    const parts = (g.coordinates as number[][][][]).map((rings) => {
      const xy: number[] = [];
      const ends: number[] = [];
      for (const ring of rings) {
        for (const p of ring) xy.push(p[0], p[1]);
        ends.push(xy.length / 2);
      }
      return { xy, ends: ends.length > 1 ? ends : (undefined as never), parts: undefined as never, type: GeometryType.Polygon };
    });
    return { xy: [], ends: [], parts, type: GeometryType.MultiPolygon };
  }
  throw new Error(`FlatGeobuf export: unsupported geometry ${g.type}`);
}

/** Encodes features reusing one property buffer and one FlatBuffers builder (46k features × 109 fields). */
class FeatureWriter {
  private bytes = new Uint8Array(1 << 16);
  private view = new DataView(this.bytes.buffer);
  private readonly b = new flatbuffers.Builder(1 << 16);
  constructor(private readonly fields: Field[]) {}

  private room(n: number, off: number): void {
    if (off + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, off + n));
    next.set(this.bytes);
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  encode(values: Value[], g: Geometry | null): Uint8Array {
    // Properties: (u16 column index, value) pairs, little-endian; nulls are left out.
    let off = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null) continue;
      const t = this.fields[i].type;
      if (t === 'text') {
        const s = enc.encode(String(v));
        this.room(6 + s.length, off);
        this.view.setUint16(off, i, true);
        this.view.setUint32(off + 2, s.length, true);
        this.bytes.set(s, off + 6);
        off += 6 + s.length;
      } else if (t === 'real' || t === 'integer') {
        this.room(10, off);
        this.view.setUint16(off, i, true);
        if (t === 'real') this.view.setFloat64(off + 2, Number(v), true);
        else this.view.setBigInt64(off + 2, BigInt(Math.trunc(Number(v))), true);
        off += 10;
      } else {
        this.room(3, off);
        this.view.setUint16(off, i, true);
        this.bytes[off + 2] = v ? 1 : 0;
        off += 3;
      }
    }
    const b = this.b;
    b.clear();
    const propsOff = off ? Feature.createPropertiesVector(b, this.bytes.subarray(0, off)) : 0;
    const geomOff = g ? buildGeometry(b, parsed(g)) : 0;
    Feature.startFeature(b);
    if (geomOff) Feature.addGeometry(b, geomOff);
    if (propsOff) Feature.addProperties(b, propsOff);
    b.finishSizePrefixed(Feature.endFeature(b));
    return b.asUint8Array().slice();
  }
}

export async function writeFlatGeobuf(path: string, t: ExportTable): Promise<void> {
  const parts: Uint8Array[] = [MAGIC, header(t)];
  const w = new FeatureWriter(t.fields);
  for (const r of t.rows) parts.push(w.encode(r.values, r.geometry));
  writeFileSync(path, Buffer.concat(parts));
}

registerExportFormat({
  name: 'fgb',
  extension: '.fgb',
  contentType: 'application/flatgeobuf',
  description: 'FlatGeobuf (Lambert-93, EPSG:2154)',
  write: (table, path) => writeFlatGeobuf(path, table),
});
