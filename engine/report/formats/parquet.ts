/**
 * GeoParquet 1.1.0 through DuckDB's Parquet writer (no spatial extension needed): the geometry
 * is a WKB BLOB column `geometry` in WGS84 longitude/latitude, and the file-level `geo`
 * key-value metadata says so: version 1.1.0, primary_column, encoding WKB, geometry_types, bbox.
 * `crs` is left out, which the specification defines as OGC:CRS84 (lon/lat order), so no
 * PROJJSON has to be embedded.
 */
import { DuckDBInstance, type DuckDBAppender } from '@duckdb/node-api';
import { registerExportFormat } from '../formats.ts';
import { mapPositions, tableBounds, type ExportTable, type Field } from '../table.ts';
import { writeWkb } from '../wkb-write.ts';
import { toLonLat } from './geojson.ts';

const SQL_TYPE: Record<Field['type'], string> = { text: 'VARCHAR', real: 'DOUBLE', integer: 'BIGINT', boolean: 'BOOLEAN' };

export function geoMetadata(t: ExportTable): Record<string, unknown> {
  const bbox = tableBounds(t.rows, toLonLat);
  return {
    version: '1.1.0',
    primary_column: 'geometry',
    columns: {
      geometry: {
        encoding: 'WKB',
        geometry_types: [t.geometryType],
        ...(Number.isNaN(bbox[0]) ? {} : { bbox }),
      },
    },
  };
}

export async function writeGeoParquet(path: string, t: ExportTable): Promise<void> {
  const q = (s: string) => '"' + s.replace(/"/g, '""') + '"';
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE TABLE t (${[...t.fields.map((f) => `${q(f.name)} ${SQL_TYPE[f.type]}`), 'geometry BLOB'].join(', ')})`);
    const a: DuckDBAppender = await conn.createAppender('t');
    try {
      for (const r of t.rows) {
        r.values.forEach((v, i) => {
          if (v === null) return a.appendNull();
          switch (t.fields[i].type) {
            case 'text': return a.appendVarchar(String(v));
            case 'real': return a.appendDouble(Number(v));
            case 'integer': return a.appendBigInt(BigInt(Math.trunc(Number(v))));
            case 'boolean': return a.appendBoolean(Boolean(v));
          }
        });
        if (r.geometry) a.appendBlob(writeWkb(mapPositions(r.geometry, toLonLat)));
        else a.appendNull();
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
    const geo = JSON.stringify(geoMetadata(t)).replace(/'/g, "''");
    await conn.run(`COPY t TO '${path.replace(/'/g, "''")}' (FORMAT PARQUET, COMPRESSION ZSTD, KV_METADATA {geo: '${geo}'})`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

registerExportFormat({
  name: 'parquet',
  extension: '.parquet',
  contentType: 'application/vnd.apache.parquet',
  description: 'GeoParquet 1.1 (WKB, WGS84)',
  write: (table, path) => writeGeoParquet(path, table),
});
