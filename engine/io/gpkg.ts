/**
 * GeoPackage in the vector registry, read with sql.js (SQLite in wasm, no native build):
 * the first feature table (or the one named by `layer`), its CRS from gpkg_spatial_ref_sys,
 * geometry blobs decoded from the GeoPackage header + WKB. `layers` lists every table
 * (features and attributes) and `readGpkgAttributes` reads a table without geometry: the
 * CNIG PPR standard puts one plan in several tables (hazard zones per typealea, regulatory
 * zones, perimeter, procedure, multi-hazard tables).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { InputError } from '../errors.ts';
import { parseWkb } from './wkb.ts';
import { epsgCode, registerVectorFormat, type Geometry, type VectorFeature } from './vector.ts';

let sql: Promise<SqlJsStatic> | undefined;

/** Opens the SQLite file; a file SQLite cannot read is an InputError naming it. */
async function openDb(path: string): Promise<Database> {
  sql ??= initSqlJs();
  const SQL = await sql;
  try {
    const db = new SQL.Database(readFileSync(path));
    db.exec('SELECT count(*) FROM sqlite_master');
    return db;
  } catch (err) {
    throw new InputError(`${basename(path)}: not a readable GeoPackage (${(err as Error).message}; expected a complete GeoPackage: a truncated download?)`, { cause: err });
  }
}

/** A damaged page is found by the query that reaches it, not when the file is opened. */
function damaged(err: unknown): unknown {
  const msg = (err as Error).message ?? '';
  if (!/malformed|not a database|corrupt|disk image/i.test(msg)) return err;
  return new InputError(`not a readable GeoPackage (${msg}; expected a complete GeoPackage: a truncated download?)`, { cause: err });
}

function rows(db: Database, q: string, params: (string | number)[] = []): Record<string, unknown>[] {
  let st: ReturnType<Database['prepare']>;
  try {
    st = db.prepare(q);
  } catch (err) {
    throw damaged(err);
  }
  try {
    st.bind(params);
    const out: Record<string, unknown>[] = [];
    while (st.step()) out.push(st.getAsObject() as Record<string, unknown>);
    return out;
  } catch (err) {
    throw damaged(err);
  } finally {
    st.free();
  }
}

interface Table {
  t: string;
  dataType: 'features' | 'attributes';
  g: string | null;
  srs: number | null;
  geomType: string | null;
}

/** The tables gpkg_contents lists (features and attributes), by name. */
function tables(db: Database, name: string): Table[] {
  try {
    return rows(
      db,
      `SELECT c.table_name AS t, c.data_type AS dataType, g.column_name AS g, g.srs_id AS srs, g.geometry_type_name AS geomType
         FROM gpkg_contents c LEFT JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
        WHERE c.data_type IN ('features', 'attributes') ORDER BY c.table_name`,
    ) as unknown as Table[];
  } catch (err) {
    throw new InputError(`${name}: SQLite file without GeoPackage tables (gpkg_contents, gpkg_geometry_columns): ${(err as Error).message}`, { cause: err });
  }
}

/** The rows of a GeoPackage table without geometry (the CNIG procedure and multi-hazard tables). */
export async function readGpkgAttributes(path: string, table: string): Promise<Record<string, unknown>[]> {
  const db = await openDb(path);
  try {
    const known = tables(db, basename(path)).find((x) => x.t === table);
    if (!known) throw new InputError(`${basename(path)}: no table ${JSON.stringify(table)} in gpkg_contents`);
    return rows(db, `SELECT * FROM ${quote(table)}`);
  } finally {
    db.close();
  }
}

registerVectorFormat({
  name: 'gpkg',
  extensions: ['.gpkg'],
  // "SQLite format 3\0"
  sniff: (head) => new TextDecoder().decode(head.subarray(0, 15)) === 'SQLite format 3',
  async layers(path) {
    const db = await openDb(path);
    try {
      return tables(db, basename(path)).map((x) => ({
        name: x.t,
        dataType: x.dataType === 'features' && x.g ? 'features' : 'attributes',
        geometryType: x.geomType ?? undefined,
      }));
    } finally {
      db.close();
    }
  },
  async open(path, options = {}) {
    const name = basename(path);
    const db = await openDb(path);
    const features = tables(db, name).filter((x) => x.dataType === 'features' && x.g);
    if (features.length === 0) {
      db.close();
      throw new InputError(`${name}: the GeoPackage has no feature table (expected one row with data_type 'features' in gpkg_contents)`);
    }
    const chosen = options.layer === undefined ? features[0] : features.find((x) => x.t === options.layer);
    if (!chosen) {
      db.close();
      throw new InputError(`${name}: no feature table ${JSON.stringify(options.layer)} (feature tables: ${features.map((x) => x.t).join(', ')})`);
    }
    const { t: table, g: geomCol, srs } = chosen as { t: string; g: string; srs: number };
    const srsRow = rows(db, 'SELECT organization AS org, organization_coordsys_id AS code FROM gpkg_spatial_ref_sys WHERE srs_id = ?', [srs])[0];
    const declaredCrs = srsRow ? epsgCode(String(srsRow.org), Number(srsRow.code)) : undefined;
    const pk = rows(db, `PRAGMA table_info(${quote(table)})`).find((c) => Number(c.pk) === 1)?.name as string | undefined;
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
