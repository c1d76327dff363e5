/**
 * GeoPackage in the vector registry, read with sql.js (SQLite in wasm, no native build):
 * the first feature table (or the one named `layer` in `path#layer`), its CRS from
 * gpkg_spatial_ref_sys, geometry blobs decoded from the GeoPackage header + WKB.
 * This covers the CNIG PPR standard (zones with typealea / niveaualea).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { InputError } from '../errors.ts';
import { parseWkb } from './wkb.ts';
import { epsgCode, registerVectorFormat, type Geometry, type VectorFeature } from './vector.ts';

let sql: Promise<SqlJsStatic> | undefined;

registerVectorFormat({
  name: 'gpkg',
  extensions: ['.gpkg'],
  // "SQLite format 3\0"
  sniff: (head) => new TextDecoder().decode(head.subarray(0, 15)) === 'SQLite format 3',
  async open(path) {
    const name = basename(path);
    sql ??= initSqlJs();
    const SQL = await sql;
    let db: Database;
    try {
      db = new SQL.Database(readFileSync(path));
      db.exec('SELECT count(*) FROM sqlite_master');
    } catch (err) {
      throw new InputError(`${name}: not a readable GeoPackage (${(err as Error).message})`, { cause: err });
    }
    const rows = (q: string, params: (string | number)[] = []): Record<string, unknown>[] => {
      const st = db.prepare(q);
      st.bind(params);
      const out: Record<string, unknown>[] = [];
      while (st.step()) out.push(st.getAsObject() as Record<string, unknown>);
      st.free();
      return out;
    };
    let layers: Record<string, unknown>[];
    try {
      layers = rows(
        `SELECT c.table_name AS t, g.column_name AS g, g.srs_id AS srs
           FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
          WHERE c.data_type = 'features' ORDER BY c.table_name`,
      );
    } catch (err) {
      db.close();
      throw new InputError(`${name}: SQLite file without GeoPackage tables (gpkg_contents, gpkg_geometry_columns): ${(err as Error).message}`, { cause: err });
    }
    if (layers.length === 0) {
      db.close();
      throw new InputError(`${name}: the GeoPackage has no feature table (expected one row with data_type 'features' in gpkg_contents)`);
    }
    const { t: table, g: geomCol, srs } = layers[0] as { t: string; g: string; srs: number };
    const srsRow = rows('SELECT organization AS org, organization_coordsys_id AS code FROM gpkg_spatial_ref_sys WHERE srs_id = ?', [srs])[0];
    const declaredCrs = srsRow ? epsgCode(String(srsRow.org), Number(srsRow.code)) : undefined;
    const pk = rows(`PRAGMA table_info(${quote(table)})`).find((c) => Number(c.pk) === 1)?.name as string | undefined;
    return {
      declaredCrs,
      features: async function* (): AsyncGenerator<VectorFeature> {
        const st = db.prepare(`SELECT * FROM ${quote(table)}${pk ? ` ORDER BY ${quote(pk)}` : ''}`);
        try {
          let index = 0;
          while (st.step()) {
            const row = st.getAsObject() as Record<string, unknown>;
            const blob = row[geomCol];
            const properties: Record<string, unknown> = {};
            for (const k in row) if (k !== geomCol && k !== pk) properties[k] = row[k];
            let geometry: Geometry | null = null;
            if (blob instanceof Uint8Array) {
              try {
                geometry = decodeGpkgGeometry(blob);
              } catch (err) {
                throw new InputError(
                  `${name}, ${table} feature ${pk ? `${pk}=${row[pk]}` : `#${index}`}, ${geomCol}: ${(err as Error).message}`,
                  { cause: err },
                );
              }
            }
            yield { index, id: pk ? (row[pk] as number) : undefined, geometry, properties };
            index++;
          }
        } finally {
          st.free();
          db.close();
        }
      },
    };
  },
});

/** GeoPackage binary: "GP", version, flags (byte order, envelope size, empty bit), srs_id, envelope, WKB. */
export function decodeGpkgGeometry(blob: Uint8Array): Geometry | null {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) {
    throw new Error(`geometry blob does not start with the GeoPackage magic "GP" (got ${blob.length} bytes)`);
  }
  const flags = blob[3];
  const envelope = (flags >> 1) & 0x07;
  const envBytes = [0, 32, 48, 48, 64][envelope];
  if (envBytes === undefined) throw new Error(`invalid envelope indicator ${envelope} in GeoPackage geometry header`);
  if (flags & 0x10) return null; // empty geometry
  return parseWkb(blob, 8 + envBytes);
}

function quote(id: string): string {
  return '"' + id.replace(/"/g, '""') + '"';
}
