/**
 * Test helper: a minimal uncompressed LAS 1.2 file (point format 0, one GeoKeyDirectory record),
 * written field by field from the ASPRS LAS 1.2 specification, so readers can be checked against
 * points the test chose.
 */
const KEY_IDS: Record<string, number> = { GTModelTypeGeoKey: 1024, GTRasterTypeGeoKey: 1025, GeographicTypeGeoKey: 2048, ProjectedCSTypeGeoKey: 3072, VerticalCSTypeGeoKey: 4096 };

/** points: [x, y, z, classification]; geoKeys: short-valued keys by name (empty → no CRS record). */
export function writeLas(points: number[][], geoKeys: Record<string, number>, scale = 0.001): Buffer {
  const keys = Object.entries(geoKeys);
  const dir = keys.length ? [1, 1, 0, keys.length, ...keys.flatMap(([k, v]) => [KEY_IDS[k], 0, 1, v])] : [];
  const vlrData = Buffer.alloc(dir.length * 2);
  dir.forEach((v, i) => vlrData.writeUInt16LE(v, 2 * i));
  const vlr = keys.length ? Buffer.alloc(54 + vlrData.length) : Buffer.alloc(0);
  if (keys.length) {
    vlr.write('LASF_Projection', 2, 'latin1');
    vlr.writeUInt16LE(34735, 18);
    vlr.writeUInt16LE(vlrData.length, 20);
    vlrData.copy(vlr, 54);
  }
  const header = Buffer.alloc(227);
  header.write('LASF', 0, 'latin1');
  header[24] = 1;
  header[25] = 2;
  header.writeUInt16LE(227, 94);
  header.writeUInt32LE(227 + vlr.length, 96);
  header.writeUInt32LE(keys.length ? 1 : 0, 100);
  header[104] = 0;
  header.writeUInt16LE(20, 105);
  header.writeUInt32LE(points.length, 107);
  header.writeUInt32LE(points.length, 111); // all first returns
  const min = [0, 1, 2].map((k) => points.reduce((m, p) => Math.min(m, p[k]), Infinity));
  const max = [0, 1, 2].map((k) => points.reduce((m, p) => Math.max(m, p[k]), -Infinity));
  const offset = min.map((v) => Math.floor(v));
  [scale, scale, scale].forEach((s, k) => header.writeDoubleLE(s, 131 + 8 * k));
  offset.forEach((o, k) => header.writeDoubleLE(o, 155 + 8 * k));
  header.writeDoubleLE(max[0], 179);
  header.writeDoubleLE(min[0], 187);
  header.writeDoubleLE(max[1], 195);
  header.writeDoubleLE(min[1], 203);
  header.writeDoubleLE(max[2], 211);
  header.writeDoubleLE(min[2], 219);
  const body = Buffer.alloc(points.length * 20);
  points.forEach(([x, y, z, c], i) => {
    const at = 20 * i;
    body.writeInt32LE(Math.round((x - offset[0]) / scale), at);
    body.writeInt32LE(Math.round((y - offset[1]) / scale), at + 4);
    body.writeInt32LE(Math.round((z - offset[2]) / scale), at + 8);
    body[at + 14] = 0b00001001; // return 1 of 1
    body[at + 15] = c & 0x1f;
  });
  return Buffer.concat([header, vlr, body]);
}
