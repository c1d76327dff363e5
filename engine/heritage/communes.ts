/**
 * Importer for commune boundaries (kind `communes`): a GeoJSON FeatureCollection of
 * Polygon/MultiPolygon features with an INSEE code, a name and a department, under any
 * of the property names the usual sources use (IGN Admin Express, geo.api.gouv.fr, data.gouv),
 * or a folder of such files (the communes of every département: `communes-by-departement/`).
 * Geometries are reprojected to Lambert-93 and stored with their bbox and area, and a point
 * inside each commune (commune_points). Monuments and sites imported earlier without a
 * position are then placed at their commune (commune-places.ts).
 */
import { CrsError, InputError } from '../errors.ts';
import { LAMBERT93, WGS84, isGeographic, normaliseCrs, transformer } from '../geo/crs.ts';
import { RecordIds } from '../io/record-rules.ts';
import { readGeoJson, type GeoJsonFeature } from '../io/geojson.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import type { AppendColumn } from '../store/store.ts';
import {
  polygonalArea,
  polygonalBBox,
  polygonalProblem,
  polygonsOf,
  reprojectPolygonal,
  type Polygonal,
} from './polygonal.ts';
import type { BBox } from '../geo/grid.ts';
import { readSourceFile, type SourceFile } from '../io/source-file.ts';
import { applyCommunePlacement, CommunePlaces, interiorPoint, planCommunePlacement, writeCommunePoints } from './commune-places.ts';

/** Property names accepted for each field, compared case-insensitively. */
export const COMMUNE_PROPERTY_ALIASES = {
  code_insee: ['code_insee', 'insee', 'code', 'insee_com', 'code_commune', 'codgeo', 'com'],
  nom: ['nom', 'nom_com', 'nom_commune', 'libelle', 'name'],
  departement: ['departement', 'insee_dep', 'code_dep', 'code_departement', 'dep'],
  region: ['region', 'insee_reg', 'code_reg', 'code_region', 'reg'],
} as const;

const INSEE_CODE = /^(\d{5}|2[AB]\d{3})$/;

export interface CommuneRow {
  code_insee: string;
  nom: string;
  departement: string;
  region: string | null;
  bbox: BBox;
  area_m2: number;
  geometry: Polygonal;
}

export const communesImporter: Importer = {
  description: 'commune boundaries, GeoJSON (code_insee, nom, departement) or a folder of them, any CRS → Lambert-93',
  folder: ['.geojson', '.json'],
  async prepare({ store, source, options }: ImportContext): Promise<PreparedImport> {
    const rows: CommuneRow[] = [];
    const issues: ImportIssue[] = [];
    const seen = new RecordIds(source.name, 'code_insee');
    const sources: SourceFile[] = source.files ? source.files.map((f) => readSourceFile(f)) : [source];
    let read = 0;
    let crs = WGS84;
    for (const s of sources) {
      const n = readCommunes(s, options.crs, rows, issues, seen);
      read += n.features;
      crs = n.crs;
    }
    if (rows.length === 0) {
      const why = issues[0] ? ` (first problem: ${issues[0].message})` : '';
      throw new InputError(`${source.name}: no usable commune among ${read} features${why} (expected polygons with a code_insee and a nom)`);
    }
    const points = rows.map((r) => {
      const [x, y] = interiorPoint(r.geometry);
      return { code_insee: r.code_insee, x, y };
    });
    const places = CommunePlaces.of(rows.map((r, i) => ({ code: r.code_insee, nom: r.nom, departement: r.departement, x: points[i].x, y: points[i].y })));
    const plan = await planCommunePlacement(store, places);
    const notes: string[] = [];
    if (sources.length > 1) notes.push(`${rows.length.toLocaleString('en-US')} communes from ${sources.length} files`);
    if (plan.placed.monuments || plan.placed.sites) {
      notes.push(`placed at their commune (position_quality = commune): ${plan.placed.monuments} monuments and ${plan.placed.sites} sites imported earlier without a position`);
    }
    if (plan.unplaced.monuments || plan.unplaced.sites) {
      notes.push(`commune positions removed (their commune is no longer imported): ${plan.unplaced.monuments} monuments, ${plan.unplaced.sites} sites`);
    }
    return {
      layer: 'communes',
      rowsRead: read,
      kept: rows.length,
      issues,
      notes,
      crs,
      async write(store, catalogueId) {
        await store.run('DELETE FROM communes');
        await store.append('communes', rows, communeColumns(catalogueId));
        await writeCommunePoints(store, points);
        await applyCommunePlacement(store, plan);
      },
    };
  },
};

/** Reads the communes of one GeoJSON file into `rows` (codes already seen are rejected); returns its feature count. */
function readCommunes(
  source: SourceFile,
  crsOption: string | undefined,
  rows: CommuneRow[],
  issues: ImportIssue[],
  seen: RecordIds,
): { features: number; crs: string } {
  const layer = readGeoJson(source, crsOption ? normaliseCrs(crsOption) : WGS84);
  const toL93 = transformer(layer.crs, LAMBERT93);
  checkCrsPlausible(source.name, layer.crs, layer.features);

  layer.features.forEach((feature, index) => {
    const props = feature.properties ?? {};
    const at = `${source.name}, features[${index}]`;
    const reject = (reason: string, field: string | undefined, value: unknown, what: string, recordId?: string) =>
      issues.push({
        line: null,
        recordId: recordId ?? `features[${index}]`,
        reason,
        field,
        value: value === undefined ? undefined : String(value),
        kept: false,
        message: `${at}${recordId ? ` (${recordId})` : ''}${field ? `, ${field}` : ''}: ${what}`,
      });

    const [codeKey, rawCode] = pick(props, COMMUNE_PROPERTY_ALIASES.code_insee);
    const code = normaliseCode(rawCode);
    if (!code || !INSEE_CODE.test(code)) {
      reject(
        'invalid_code_insee',
        codeKey ?? 'code_insee',
        rawCode,
        rawCode === undefined
          ? `no INSEE code (expected a property ${COMMUNE_PROPERTY_ALIASES.code_insee.join(' / ')})`
          : `${JSON.stringify(rawCode)} is not an INSEE commune code (expected 5 digits, or 2A/2B + 3 digits)`,
      );
      return;
    }
    const [nomKey, rawNom] = pick(props, COMMUNE_PROPERTY_ALIASES.nom);
    const nom = rawNom === undefined || rawNom === null ? '' : String(rawNom).trim();
    if (!nom) {
      reject('missing_nom', nomKey ?? 'nom', rawNom, `no commune name (expected a property ${COMMUNE_PROPERTY_ALIASES.nom.join(' / ')})`, code);
      return;
    }
    const problem = polygonalProblem(feature.geometry);
    if (problem) {
      reject('invalid_geometry', 'geometry', feature.geometry?.type, problem, code);
      return;
    }
    const duplicate = seen.seen(code, null, `${at} (${code})`);
    if (duplicate) {
      issues.push(duplicate);
      return;
    }
    const geometry = reprojectPolygonal(feature.geometry as Polygonal, toL93);
    const [, dep] = pick(props, COMMUNE_PROPERTY_ALIASES.departement);
    const [, reg] = pick(props, COMMUNE_PROPERTY_ALIASES.region);
    rows.push({
      code_insee: code,
      nom,
      departement: dep === undefined || dep === null || dep === '' ? departementOf(code) : String(dep).trim(),
      region: reg === undefined || reg === null || reg === '' ? null : String(reg).trim(),
      bbox: polygonalBBox(geometry),
      area_m2: polygonalArea(geometry),
      geometry,
    });
  });
  return { features: layer.features.length, crs: layer.crs };
}

function communeColumns(catalogueId: number): AppendColumn<CommuneRow>[] {
  return [
    { type: 'varchar', get: (r) => r.code_insee },
    { type: 'varchar', get: (r) => r.nom },
    { type: 'varchar', get: (r) => r.departement },
    { type: 'varchar', get: (r) => r.region },
    { type: 'double', get: (r) => r.bbox.minx },
    { type: 'double', get: (r) => r.bbox.miny },
    { type: 'double', get: (r) => r.bbox.maxx },
    { type: 'double', get: (r) => r.bbox.maxy },
    { type: 'double', get: (r) => r.area_m2 },
    { type: 'json', get: (r) => r.geometry },
    { type: 'integer', get: () => catalogueId },
  ];
}

/** First property whose name matches one of `aliases`, case-insensitively. */
function pick(props: Record<string, unknown>, aliases: readonly string[]): [string | undefined, unknown] {
  const keys = Object.keys(props);
  for (const alias of aliases) {
    const key = keys.find((k) => k.toLowerCase() === alias);
    if (key !== undefined && props[key] !== undefined) return [key, props[key]];
  }
  return [undefined, undefined];
}

/** Codes stored as numbers lose their leading zero (1001 for Ain's 01001): put it back. */
function normaliseCode(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 100000) return String(v).padStart(5, '0');
  if (typeof v === 'string') return v.trim().toUpperCase();
  return undefined;
}

/**
 * An INSEE code a CSV lost its leading zero in when a spreadsheet re-saved it (08006 stored as the
 * number 8006): four digits can only be that, and get the zero back. Other values as given.
 */
export function restoreInseeZero(code: string): string {
  return /^\d{4}$/.test(code) ? `0${code}` : code;
}

/** Department from the commune code: 3 characters overseas (971…976), 2 elsewhere (incl. 2A/2B). */
export function departementOf(code: string): string {
  return code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2);
}

/**
 * RFC 7946 files carry no CRS, so a Lambert-93 export without a `crs` member would be read as
 * degrees and silently land off the planet: refuse it and say how to fix it.
 */
function checkCrsPlausible(name: string, crs: string, features: GeoJsonFeature[]): void {
  if (!isGeographic(crs)) return;
  for (const [i, f] of features.entries()) {
    if (polygonalProblem(f.geometry)) continue;
    const [x, y] = polygonsOf(f.geometry as Polygonal)[0][0][0];
    if (Math.abs(x) > 180 || Math.abs(y) > 90) {
      throw new CrsError(
        `${name}, features[${i}]: coordinate [${x}, ${y}] is not longitude/latitude but the file is read as ${crs} ` +
          `(RFC 7946 GeoJSON is WGS84); add a "crs" member or pass --crs EPSG:2154 if it is Lambert-93`,
      );
    }
    return;
  }
}
