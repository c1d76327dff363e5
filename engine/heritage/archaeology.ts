/**
 * Archaeological inventory extracts (`archaeology`): GeoJSON / GeoPackage / FlatGeobuf /
 * Shapefile points or polygons, or CSV with x,y (Lambert-93 unless --crs) or lon,lat columns;
 * id, type and period under their usual aliases. Stored in heritage_sites (site_kind archaeo)
 * with a Lambert-93 point (centroid for polygons) and the polygon itself.
 * Also exports the heritage_sites row shape shared with the museums importer.
 */
import { extname } from 'node:path';
import { InputError, show, where } from '../errors.ts';
import { LAMBERT93, WGS84 } from '../geo/crs.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { readCsvTable } from '../io/csv-table.ts';
import { RecordIds } from '../io/record-rules.ts';
import { readSourceFile } from '../io/source-file.ts';
import { readVector, type Geometry } from '../io/vector.ts';
import type { Store } from '../store/store.ts';
import { appendNamed, type NamedColumn } from './append-named.ts';
import {
  bboxOf, firstPosition, geometryProblem, issue, layerName, parseNumber, pick, placement, reproject,
  type BBox4, type LayerImportOptions,
} from '../hazards/common.ts';

export interface SiteRow {
  site_id: string;
  site_kind: 'archaeo' | 'museum';
  name: string | null;
  type: string | null;
  periode: string | null;
  insee: string | null;
  x: number | null;
  y: number | null;
  bbox: BBox4 | null;
  geometry: Geometry | null;
  attrs: Record<string, unknown>;
  position_status: 'ok' | 'missing' | 'placeholder' | 'outside_france' | 'swapped';
  /** 'coordinates' (default when x is set), 'commune' (placed at its commune), null: unplaced */
  position_quality?: 'coordinates' | 'commune' | null;
  /** museums: Mérimée reference(s) of the building housing it, comma-joined */
  refmer?: string | null;
}

export const SITE_ALIASES = {
  id: ['id', 'identifiant', 'id_site', 'id_ea', 'num_ea', 'numero', 'code', 'ref'],
  type: ['type', 'nature', 'type_site', 'vestige', 'vestiges', 'interpretation'],
  periode: ['periode', 'période', 'period', 'chronologie', 'datation', 'epoque'],
  name: ['nom', 'name', 'toponyme', 'lieu_dit', 'lieudit', 'appellation'],
  insee: ['insee', 'code_insee', 'commune_insee', 'insee_com'],
} as const;

const GEOMETRIES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'];

const importer = {
  description: 'archaeological sites: GeoJSON / GeoPackage / FlatGeobuf / Shapefile, or CSV with x,y or lon,lat; id, type, periode',
  /** vector formats are read from source.path; CSV is decoded here */
  binary: true,
  async prepare({ source, options }: ImportContext): Promise<PreparedImport> {
    const opts = options as LayerImportOptions;
    const file = source.name;
    const isCsv = /^\.(csv|txt|tsv)$/i.test(extname(source.path));
    const { records, crs } = isCsv ? readCsvSites(source.path, opts.crs) : await readVectorSites(source.path, opts.crs);
    const place = placement(file, crs);
    const rows: SiteRow[] = [];
    const issues: ImportIssue[] = [];
    const seen = new RecordIds(file, 'id');
    for (const r of records) {
      const at = `${r.at}`;
      const id = pick(r.props, SITE_ALIASES.id)?.[1];
      const text = (v: unknown) => (v === null || v === undefined || String(v).trim() === '' ? null : String(v).trim());
      const siteId = text(id);
      if (!siteId) {
        issues.push(issue(file, r.line, 'no_id', `no site identifier (expected one of: ${SITE_ALIASES.id.join(', ')}); record skipped`, { kept: false, at: r.line === null ? r.at : undefined }));
        continue;
      }
      const duplicate = seen.seen(siteId, r.line, r.line === null ? r.at : undefined);
      if (duplicate) {
        issues.push(duplicate);
        continue;
      }
      const problem = geometryProblem(r.geometry, GEOMETRIES);
      if (problem) throw new InputError(`${at} (id ${show(siteId)}), geometry: ${problem}`);
      place.checkGeometry(r.geometry!, `${at} (id ${show(siteId)}), geometry`);
      const g = reproject(r.geometry!, place.toL93);
      const [x, y] = centreOf(g);
      const attrs: Record<string, unknown> = {};
      for (const k in r.props) if (r.props[k] !== null && r.props[k] !== '' && !(r.props[k] instanceof Uint8Array)) attrs[k] = r.props[k];
      rows.push({
        site_id: siteId,
        site_kind: 'archaeo',
        name: text(pick(r.props, SITE_ALIASES.name)?.[1]),
        type: text(pick(r.props, SITE_ALIASES.type)?.[1]),
        periode: text(pick(r.props, SITE_ALIASES.periode)?.[1]),
        insee: text(pick(r.props, SITE_ALIASES.insee)?.[1]),
        x, y,
        bbox: bboxOf(g),
        geometry: g.type === 'Point' ? null : g,
        attrs,
        position_status: 'ok',
      });
    }
    if (records.length === 0) throw new InputError(`${file}: no sites (expected points or polygons with an id, a type and a period)`);
    const layer = layerName(opts, source.path);
    return {
      layer,
      rowsRead: records.length,
      kept: rows.length,
      issues,
      crs,
      write: (store, catalogueId) => replaceSites(store, layer, rows, catalogueId),
    };
  },
};
export const archaeologyImporter: Importer = importer;

interface RawSite {
  /** text line for CSV, null for vector features (named by `at`) */
  line: number | null;
  at: string;
  props: Record<string, unknown>;
  geometry: Geometry | null;
}

async function readVectorSites(path: string, crs: string | undefined): Promise<{ records: RawSite[]; crs: string }> {
  const layer = await readVector(path, { crs });
  const records: RawSite[] = [];
  for await (const f of layer) {
    records.push({ line: null, at: `${layer.name}, feature ${f.index}`, props: f.properties, geometry: f.geometry });
  }
  return { records, crs: layer.crs };
}

function readCsvSites(path: string, crs: string | undefined): { records: RawSite[]; crs: string } {
  const source = readSourceFile(path);
  const table = readCsvTable(source, { delimiters: [';', ',', '\t', '|'], expected: 'a header with id, type, periode and x,y or lon,lat' });
  const lower = table.header.map((h) => h.toLowerCase());
  const find = (names: string[]) => lower.findIndex((h) => names.includes(h));
  let xi = find(['lon', 'longitude', 'lng']);
  let yi = find(['lat', 'latitude']);
  let defaultCrs = WGS84;
  if (xi < 0 || yi < 0) {
    xi = find(['x', 'x_l93', 'coord_x', 'xl93']);
    yi = find(['y', 'y_l93', 'coord_y', 'yl93']);
    defaultCrs = LAMBERT93;
  }
  if (xi < 0 || yi < 0) {
    throw new InputError(`${where(source.name, 1)}: no coordinate columns in ${show(table.header.join(table.delimiter), 100)} (expected lon,lat in WGS84 or x,y in Lambert-93)`);
  }
  const records = table.records.map((rec): RawSite => {
    const props: Record<string, unknown> = {};
    table.header.forEach((h, i) => {
      if (i !== xi && i !== yi) props[h] = rec.fields[i];
    });
    const x = parseNumber(rec.fields[xi], where(source.name, rec.line, table.header[xi]), 'a coordinate');
    const y = parseNumber(rec.fields[yi], where(source.name, rec.line, table.header[yi]), 'a coordinate');
    const geometry = x === null || y === null ? null : { type: 'Point', coordinates: [x, y] };
    return { line: rec.line, at: `${source.name} line ${rec.line}`, props, geometry };
  });
  return { records, crs: crs ?? defaultCrs };
}

/** Representative point: the point itself, else the area centroid of the largest polygon, else the bbox centre. */
export function centreOf(g: Geometry): [number, number] {
  if (g.type === 'Point') return g.coordinates as [number, number];
  const polys = g.type === 'Polygon' ? [g.coordinates as number[][][]] : g.type === 'MultiPolygon' ? (g.coordinates as number[][][][]) : [];
  let best: [number, number] | undefined;
  let bestArea = 0;
  for (const p of polys) {
    const r = p[0];
    let a = 0, cx = 0, cy = 0;
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const f = r[j][0] * r[i][1] - r[i][0] * r[j][1];
      a += f;
      cx += (r[j][0] + r[i][0]) * f;
      cy += (r[j][1] + r[i][1]) * f;
    }
    if (Math.abs(a) > bestArea) {
      bestArea = Math.abs(a);
      best = [cx / (3 * a), cy / (3 * a)];
    }
  }
  if (best) return best;
  const b = bboxOf(g);
  return [(b.minx + b.maxx) / 2, (b.miny + b.maxy) / 2];
}

export async function replaceSites(store: Store, layer: string, rows: SiteRow[], catalogueId: number): Promise<void> {
  await store.run('DELETE FROM heritage_sites WHERE layer = $1', [layer]);
  // A site id belongs to one layer (heritage_sites.site_id is the key): an id already stored by
  // another layer is refused by name, before the append would abort the transaction.
  const others = await store.readColumns('SELECT site_id, layer FROM heritage_sites');
  const owner = new Map<string, string>();
  (others.columns.site_id as string[]).forEach((id, i) => owner.set(id, (others.columns.layer as (string | null)[])[i] ?? '(none)'));
  const clash = rows.find((r) => owner.has(r.site_id));
  if (clash) {
    const other = owner.get(clash.site_id)!;
    throw new InputError(
      `layer ${show(layer)}, site ${show(clash.site_id)}: already stored by layer ${show(other)} ` +
        `(expected each site id in one layer only: re-import that layer with --layer ${other}, or remove the record from one of the files)`,
    );
  }
  // By column name: later migrations add columns (011: position_quality, refmer).
  await appendNamed(store, 'heritage_sites', rows, siteColumns(layer, catalogueId));
}

const siteColumns = (layer: string, catalogueId: number): NamedColumn<SiteRow>[] => [
  { name: 'site_id', type: 'varchar', get: (r) => r.site_id },
  { name: 'site_kind', type: 'varchar', get: (r) => r.site_kind },
  { name: 'name', type: 'varchar', get: (r) => r.name },
  { name: 'type', type: 'varchar', get: (r) => r.type },
  { name: 'periode', type: 'varchar', get: (r) => r.periode },
  { name: 'insee', type: 'varchar', get: (r) => r.insee },
  { name: 'x', type: 'double', get: (r) => r.x },
  { name: 'y', type: 'double', get: (r) => r.y },
  { name: 'minx', type: 'double', get: (r) => r.bbox?.minx },
  { name: 'miny', type: 'double', get: (r) => r.bbox?.miny },
  { name: 'maxx', type: 'double', get: (r) => r.bbox?.maxx },
  { name: 'maxy', type: 'double', get: (r) => r.bbox?.maxy },
  { name: 'geometry', type: 'json', get: (r) => r.geometry },
  { name: 'attrs', type: 'json', get: (r) => r.attrs },
  { name: 'catalogue_id', type: 'integer', get: () => catalogueId },
  { name: 'position_status', type: 'varchar', get: (r) => r.position_status },
  { name: 'layer', type: 'varchar', get: () => layer },
  { name: 'position_quality', type: 'varchar', get: (r) => (r.position_quality !== undefined ? r.position_quality : r.x !== null ? 'coordinates' : null) },
  { name: 'refmer', type: 'varchar', get: (r) => r.refmer ?? null },
];
