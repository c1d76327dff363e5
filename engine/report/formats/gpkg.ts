/**
 * GeoPackage 1.2 writer on sql.js (SQLite in wasm): EPSG:2154 geometries in GeoPackage binary
 * (header "GP", version 0, little-endian, envelope for non-points, srs_id) + ISO WKB; the core
 * tables gpkg_spatial_ref_sys (with the -1 / 0 / 4326 rows the spec requires, plus 2154),
 * gpkg_contents and gpkg_geometry_columns; field titles as aliases in gpkg_data_columns (schema
 * extension, shown by QGIS); application_id 'GPKG' and user_version 10200 so GDAL opens it as
 * a GeoPackage. Several layers can go in one file (the ArchéologIA export has one per class).
 */
import { writeFileSync } from 'node:fs';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { registerExportFormat } from '../formats.ts';
import { tableBounds, type ExportTable } from '../table.ts';
import { writeWkb } from '../wkb-write.ts';
import type { Geometry } from '../../io/vector.ts';

let sqlJs: Promise<SqlJsStatic> | undefined;

const L93_WKT =
  'PROJCS["RGF93 v1 / Lambert-93",GEOGCS["RGF93 v1",DATUM["Reseau_Geodesique_Francais_1993_v1",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],TOWGS84[0,0,0,0,0,0,0],AUTHORITY["EPSG","6171"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4171"]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["latitude_of_origin",46.5],PARAMETER["central_meridian",3],PARAMETER["standard_parallel_1",49],PARAMETER["standard_parallel_2",44],PARAMETER["false_easting",700000],PARAMETER["false_northing",6600000],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","2154"]]';
const WGS84_WKT =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';

const SRS_ID = 2154;
const APPLICATION_ID = 0x47504b47; // "GPKG"
const USER_VERSION = 10200; // GeoPackage 1.2

const CORE = `
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT,
  mime_type TEXT, constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
  CONSTRAINT gdc_tn UNIQUE (table_name, name));
`;

const SQL_TYPE = { text: 'TEXT', real: 'REAL', integer: 'INTEGER', boolean: 'BOOLEAN' } as const;

/** Writes the tables as layers of one GeoPackage file at `path` (EPSG:2154). */
export async function writeGeoPackage(path: string, tables: readonly ExportTable[]): Promise<void> {
  sqlJs ??= initSqlJs();
  const SQL = await sqlJs;
  const db: Database = new SQL.Database();
  try {
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${USER_VERSION};`);
    db.exec(CORE);
    const srs = db.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)');
    srs.run(['Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system']);
    srs.run(['Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system']);
    srs.run(['WGS 84 geodetic', 4326, 'EPSG', 4326, WGS84_WKT, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid']);
    srs.run(['RGF93 v1 / Lambert-93', SRS_ID, 'EPSG', 2154, L93_WKT, 'Lambert-93, France métropolitaine']);
    srs.free();
    db.run(`INSERT INTO gpkg_extensions VALUES ('gpkg_data_columns', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write')`);
    for (const t of tables) writeLayer(db, t);
    writeFileSync(path, db.export());
  } finally {
    db.close();
  }
}

function writeLayer(db: Database, t: ExportTable): void {
  const q = (s: string) => '"' + s.replace(/"/g, '""') + '"';
  const geomType = t.geometryType.toUpperCase();
  const cols = t.fields.map((f) => `${q(f.name)} ${SQL_TYPE[f.type]}`);
  db.exec(`CREATE TABLE ${q(t.name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom ${geomType}${cols.length ? ', ' + cols.join(', ') : ''})`);
  const [minx, miny, maxx, maxy] = tableBounds(t.rows);
  const nan = (v: number) => (Number.isNaN(v) ? null : v);
  db.run('INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    t.name, 'features', t.name, t.description, nan(minx), nan(miny), nan(maxx), nan(maxy), SRS_ID,
  ]);
  db.run('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)', [t.name, 'geom', geomType, SRS_ID]);
  const dc = db.prepare('INSERT INTO gpkg_data_columns (table_name, column_name, name, title) VALUES (?, ?, ?, ?)');
  for (const f of t.fields) dc.run([t.name, f.name, f.name, f.title]);
  dc.free();
  db.exec('BEGIN');
  const ins = db.prepare(`INSERT INTO ${q(t.name)} (geom${t.fields.map((f) => ', ' + q(f.name)).join('')}) VALUES (?${', ?'.repeat(t.fields.length)})`);
  for (const r of t.rows) {
    ins.run([r.geometry ? gpkgGeometry(r.geometry, SRS_ID) : null, ...r.values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v))]);
  }
  ins.free();
  db.exec('COMMIT');
}

/** GeoPackage binary geometry: magic, version 0, flags (little-endian, envelope [minx,maxx,miny,maxy] unless a point), srs_id, WKB. */
export function gpkgGeometry(g: Geometry, srsId: number): Uint8Array {
  const wkb = writeWkb(g);
  const point = g.type === 'Point';
  const head = point ? 8 : 8 + 32;
  const out = new Uint8Array(head + wkb.length);
  const view = new DataView(out.buffer);
  out[0] = 0x47;
  out[1] = 0x50;
  out[2] = 0;
  out[3] = point ? 0b0000_0001 : 0b0000_0011; // little-endian; envelope code 1 (xy) for non-points
  view.setInt32(4, srsId, true);
  if (!point) {
    const [minx, miny, maxx, maxy] = tableBounds([{ values: [], geometry: g }]);
    view.setFloat64(8, minx, true);
    view.setFloat64(16, maxx, true);
    view.setFloat64(24, miny, true);
    view.setFloat64(32, maxy, true);
  }
  out.set(wkb, head);
  return out;
}

registerExportFormat({
  name: 'gpkg',
  extension: '.gpkg',
  contentType: 'application/geopackage+sqlite3',
  description: 'GeoPackage (Lambert-93, EPSG:2154)',
  write: (table, path) => writeGeoPackage(path, [table]),
});
