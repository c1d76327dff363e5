/**
 * Importer for historic monuments (kind `merimee`): every real spelling of the Mérimée base —
 * POP 2023+ export (`|`), its snake_case twin, the open-data portal's display labels and field
 * names (`;`), the legacy POP field codes (`REF|…|INSEE|TICO|…|DPRO`) — read through one alias
 * table (merimee-fields.ts). Protection comes from the typology, else the dated statuses, else
 * the protection text (protection.ts). Positions come from the file's coordinates (`"lat,lon"`
 * or Longitude/Latitude columns); a monument without usable coordinates is placed at its
 * commune when communes are imported (position_quality = 'commune'). Rows without a valid
 * reference and repeated references are rejected; every decision is an issue in the report.
 * A key column missing from the header is said once, in the report's notes. An import in which
 * no monument could be placed, or none given a protection, fails unless `keepUnplaced`.
 */
import { InputError, show, where } from '../errors.ts';
import { LAMBERT93, WGS84, transformer } from '../geo/crs.ts';
import { readCsvTable } from '../io/csv-table.ts';
import { looksLikeJson, readJsonTable } from '../io/json-table.ts';
import { RecordIds } from '../io/record-rules.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { appendNamed, type NamedColumn } from './append-named.ts';
import { CommunePlaces, type PlaceHow } from './commune-places.ts';
import { restoreInseeZero } from './communes.ts';
import { parseLatLon, type LatLon } from './lat-lon.ts';
import { MERIMEE_EXPECTED, missingKeyColumns, resolveMerimeeColumns, type MerimeeColumns, type MerimeeField } from './merimee-fields.ts';
import { protectionOf, type Protection, type ProtectionSource } from './protection.ts';
import { CommuneRegion, FRANCE, type Region } from './region-index.ts';

export const MERIMEE_LICENCE = 'Licence Ouverte / Open Licence 2.0';

/** How a commune other than the record's first code was found, completing « INSEE "…" is … 15141 Neussargues en Pinatelle ». */
const RESOLVED_HOW: Record<Exclude<PlaceHow, 'insee' | 'arrondissement'>, string> = {
  merged: 'a former commune (merged since, per the INSEE geographic code) of',
  restored: 'a commune restored since the communes file; placed in the commune nouvelle that held it then,',
  town: 'not covered by the communes files; placed at the chef-lieu of',
  name: 'not among the communes; placed by its name at',
  other_insee: 'not among the communes; placed at its other code',
};

/** PA + 8 digits; Corsica writes its department in the reference (PA2A000001). */
const REFERENCE = /^PA(\d{8}|2[AB]\d{6})$/;
const INSEE_CODE = /^(\d{5}|2[AB]\d{3})$/;

/** ok: placed; swapped: "lon,lat" in the file, placed after swapping; the others: coordinates unusable. */
export type PositionStatus = 'ok' | 'swapped' | 'missing' | 'invalid' | 'placeholder' | 'outside_region';
/** Where x/y come from: the file's coordinates, or a point inside the commune; null: not placed. */
export type PositionQuality = 'coordinates' | 'commune' | null;

export interface MonumentRow {
  reference: string;
  titre: string | null;
  denomination: string | null;
  typologie_protection: string | null;
  protection: Protection;
  partielle: boolean;
  dates_protection: string | null;
  precision_protection: string | null;
  commune: string | null;
  insee: string | null;
  insee_all: string | null;
  departement: string | null;
  region: string | null;
  siecle: string | null;
  materiaux: string | null;
  statut_juridique: string | null;
  adresse: string | null;
  lon: number | null;
  lat: number | null;
  x: number | null;
  y: number | null;
  position_status: PositionStatus;
  position_quality: PositionQuality;
  insee_position: string | null;
}

export interface MerimeeImportOptions {
  keepUnplaced?: boolean;
}

export const merimeeImporter: Importer = {
  description: 'historic monuments, Mérimée CSV (POP export "|", open-data export ";", legacy POP codes REF|…|DPRO) or the open-data portal\'s GeoJSON / JSON export; or any of these as an .xlsx / .ods workbook',
  async prepare({ store, source, options }: ImportContext): Promise<PreparedImport> {
    // The open-data portal also exports GeoJSON and JSON: the same fields, read into the same table.
    const table = looksLikeJson(source.text)
      ? readJsonTable(source, MERIMEE_EXPECTED)
      : readCsvTable(source, { delimiters: ['|', ';', ',', '\t'], expected: MERIMEE_EXPECTED });
    const columns = resolveMerimeeColumns(source.name, table.header);
    if (table.records.length === 0) {
      throw new InputError(`${source.name}: a header but no records (expected at least one monument after line 1)`);
    }
    const hasCoordinates = columns.index.coordonnees !== undefined || (columns.index.longitude !== undefined && columns.index.latitude !== undefined);
    const region = hasCoordinates ? await CommuneRegion.load(store) : FRANCE;
    const places = await CommunePlaces.load(store);
    const reader = new MonumentReader(source.name, columns, region, places);
    const rows: MonumentRow[] = [];
    for (const record of table.records) {
      const row = reader.read(record.line, record.fields, record.label);
      if (row) rows.push(row);
    }
    const notes = reader.notes(table.header, rows);
    const positioned = rows.filter((r) => r.x !== null).length;
    const classified = rows.filter((r) => r.protection !== 'inconnue').length;
    if (rows.length > 0 && !(options as MerimeeImportOptions).keepUnplaced) {
      const found = `columns found: ${table.header.slice(0, 30).join(', ')}${table.header.length > 30 ? ', …' : ''}`;
      if (positioned === 0) {
        const why = !hasCoordinates
          ? places
            ? `the file has no coordinates column and none of their INSEE codes is among the ${places.size} imported communes`
            : 'the file has no coordinates column and no communes are imported to place them at their commune ' +
              '(import them first: vigie import communes <file or folder>)'
          : places
            ? 'no row has usable coordinates and none of their INSEE codes is among the imported communes'
            : 'no row has usable coordinates and no communes are imported to place them at their commune';
        throw new InputError(`${source.name}: none of the ${rows.length} monuments could be placed: ${why} (${found}); pass --keep-unplaced to import them without positions`);
      }
      if (classified === 0) {
        throw new InputError(
          `${source.name}: none of the ${rows.length} monuments has a known protection (no "classé MH" / "inscrit MH" in ` +
            `${[columns.name.typologie_protection, columns.name.dates_protection, columns.name.precision_protection].filter(Boolean).join(', ') || 'any protection column'}; ${found}); ` +
            `pass --keep-unplaced to import them anyway`,
        );
      }
    }
    return {
      layer: 'monuments',
      rowsRead: table.records.length,
      kept: rows.length,
      positioned,
      issues: reader.issues,
      notes,
      crs: WGS84,
      licence: MERIMEE_LICENCE,
      vintage: reader.latestUpdate,
      async write(s, catalogueId) {
        await s.run('DELETE FROM monuments');
        await appendNamed(s, 'monuments', rows, monumentColumns(catalogueId));
      },
    };
  },
};

/** Turns one record into a row (or a rejection), collecting issues on the way. */
class MonumentReader {
  readonly issues: ImportIssue[] = [];
  /** latest "date de dernière mise à jour" seen, YYYY-MM-DD */
  latestUpdate: string | undefined;
  /** the duplicate-id rule shared by every importer (engine/io/record-rules.ts) */
  private readonly ids: RecordIds;
  private readonly toL93 = transformer(WGS84, LAMBERT93);
  private readonly protectionSources: Record<ProtectionSource | 'none', number> = { typologie: 0, dates: 0, precision: 0, none: 0 };
  private readonly placedBy: Record<string, number> = {};
  private readonly hasProtection: boolean;

  constructor(
    private readonly file: string,
    private readonly columns: MerimeeColumns,
    private readonly region: Region,
    private readonly places: CommunePlaces | undefined,
  ) {
    const i = columns.index;
    this.ids = new RecordIds(file, columns.name.reference ?? 'reference');
    this.hasProtection = i.typologie_protection !== undefined || i.dates_protection !== undefined || i.precision_protection !== undefined;
  }

  read(line: number, fields: string[], label?: string): MonumentRow | undefined {
    const get = (f: MerimeeField): string | null => {
      const i = this.columns.index[f];
      const v = i === undefined ? '' : (fields[i] ?? '').trim();
      return v === '' ? null : v;
    };
    /** `what` completes the sentence "file line N, column: <value> …" (or "… is empty …"). */
    const issue = (kept: boolean, reason: string, field: MerimeeField, value: string | null, what: string, id?: string) => {
      const column = this.columns.name[field] ?? field;
      this.issues.push({
        line,
        recordId: id,
        reason,
        field: column,
        value: value ?? undefined,
        kept,
        message: `${label ? `${this.file} ${label} (line ${line}), ${column}` : where(this.file, line, column)}: ${value === null ? 'is empty' : show(value)} ${what}`,
      });
    };

    const reference = get('reference');
    if (reference === null || !REFERENCE.test(reference)) {
      issue(false, 'invalid_reference', 'reference', reference, 'is not a Mérimée reference (expected PA + 8 digits); row rejected');
      return undefined;
    }
    const duplicate = this.ids.seen(reference, line);
    if (duplicate) {
      this.issues.push(duplicate);
      return undefined;
    }

    const typologie = get('typologie_protection');
    const dates = get('dates_protection');
    const precision = get('precision_protection');
    const { protection, partielle, source } = protectionOf({ typologie, dates, precision });
    this.protectionSources[source ?? 'none']++;
    if (protection === 'inconnue' && this.hasProtection) {
      const field: MerimeeField =
        this.columns.index.typologie_protection !== undefined ? 'typologie_protection' : this.columns.index.dates_protection !== undefined ? 'dates_protection' : 'precision_protection';
      const value = field === 'typologie_protection' ? typologie ?? dates : field === 'dates_protection' ? dates : precision;
      issue(true, 'unknown_protection', field, value, '(expected "classé MH" and/or "inscrit MH"); protection set to inconnue', reference);
    }

    const inseeText = get('insee');
    const raw = inseeText === null ? [] : inseeText.split(/[;,\s]+/).filter(Boolean).map((c) => c.toUpperCase());
    const listed = raw.map(restoreInseeZero);
    if (listed.some((c, i) => c !== raw[i])) {
      issue(true, 'insee_zero_restored', 'insee', inseeText, `lost its leading zero (a spreadsheet stores 08006 as the number 8006); read as ${listed.join(', ')}`, reference);
    }
    // Only real codes are stored: a bad one would silently fail every join on communes.
    const codes = listed.filter((c) => INSEE_CODE.test(c));
    if (codes.length < listed.length) {
      issue(true, 'invalid_insee', 'insee', inseeText, 'holds a value that is not an INSEE code (expected 5 digits or 2A/2B + 3 digits, separated by ";" or ","); only valid codes kept', reference);
    }

    const update = get('mise_a_jour');
    if (update) this.noteUpdate(update);

    const commune = get('commune');
    // the département 08 saved as the number 8
    const departement = get('departement')?.replace(/^(\d)$/, '0$1') ?? null;
    let position = this.position(get('coordonnees'), get('longitude'), get('latitude'), (kept, reason, field, value, what) =>
      issue(kept, reason, field, value, what, reference),
    );
    let quality: PositionQuality = position.x === null ? null : 'coordinates';
    let inseePosition: string | null = null;
    if (quality === null && this.places) {
      const hit = this.places.resolve(codes, commune, departement);
      if (hit) {
        const [lon, lat] = this.places.lonLat(hit.place);
        position = { ...position, lon, lat, x: hit.place.x, y: hit.place.y };
        quality = 'commune';
        this.placedBy[hit.how] = (this.placedBy[hit.how] ?? 0) + 1;
        if (hit.place.code !== codes[0]) {
          inseePosition = hit.place.code;
          // An arrondissement placed at its commune is the expected reading, not worth a flag.
          if (hit.how !== 'arrondissement' && hit.how !== 'insee') {
            const how = RESOLVED_HOW[hit.how];
            issue(true, 'insee_resolved', codes.length ? 'insee' : 'commune', codes.length ? inseeText : commune, `is ${how} ${hit.place.code} ${hit.place.nom}`, reference);
          }
        }
      } else if (codes.length || commune) {
        issue(
          true,
          'unknown_commune',
          codes.length ? 'insee' : 'commune',
          codes.length ? inseeText : commune,
          `${commune ? `(${commune}) ` : ''}is not among the ${this.places.size} imported communes (a commune merged since, or outside them?); kept without a position`,
          reference,
        );
      }
    }

    return {
      reference,
      titre: get('titre'),
      denomination: get('denomination'),
      typologie_protection: typologie,
      protection,
      partielle,
      dates_protection: dates,
      precision_protection: precision,
      commune,
      insee: codes[0] ?? null,
      insee_all: codes.length ? codes.join(',') : null,
      departement,
      region: get('region'),
      siecle: get('siecle'),
      materiaux: get('materiaux'),
      statut_juridique: get('statut_juridique'),
      adresse: get('adresse'),
      ...position,
      position_quality: quality,
      insee_position: inseePosition,
    };
  }

  /** The report's notes: columns missing from the header (once), where positions and protections came from. */
  notes(header: readonly string[], rows: readonly MonumentRow[]): string[] {
    const n = (v: number) => v.toLocaleString('en-US');
    const known = Object.keys(this.columns.index).length;
    const out = [`header read as the ${this.columns.spelling} spelling of Mérimée (${known} of ${header.length} columns used)`];
    for (const m of missingKeyColumns(this.columns)) {
      out.push(`missing column: no ${m.what} column (expected one of ${m.expected.join(', ')}); columns found: ${header.join(', ')}`);
    }
    const byCoords = rows.filter((r) => r.position_quality === 'coordinates').length;
    const byCommune = rows.filter((r) => r.position_quality === 'commune').length;
    const unplaced = rows.length - byCoords - byCommune;
    const how = Object.entries(this.placedBy).map(([k, v]) => `${k} ${n(v)}`).join(', ');
    out.push(
      `positions: ${n(byCoords)} from the file's coordinates, ${n(byCommune)} at their commune (position_quality = commune, « position approchée : commune »${how ? `; by ${how}` : ''}), ${n(unplaced)} unplaced` +
        (unplaced && !this.places ? ' (no communes imported: import them to place monuments at their commune)' : ''),
    );
    const p = this.protectionSources;
    out.push(`protection: ${n(p.typologie)} from the typology, ${n(p.dates)} from the dated statuses, ${n(p.precision)} from the protection text, ${n(p.none)} unknown`);
    return out;
  }

  private position(
    text: string | null,
    lonText: string | null,
    latText: string | null,
    flag: (kept: boolean, reason: string, field: MerimeeField, value: string | null, what: string) => void,
  ): Pick<MonumentRow, 'lon' | 'lat' | 'x' | 'y' | 'position_status'> {
    const none = (position_status: PositionStatus) => ({ lon: null, lat: null, x: null, y: null, position_status });
    const hasText = this.columns.index.coordonnees !== undefined;
    const hasPair = this.columns.index.longitude !== undefined && this.columns.index.latitude !== undefined;
    // The file has no coordinates at all (legacy POP codes): said once in the notes, not per row.
    if (!hasText && !hasPair) return none('missing');
    let ll: LatLon;
    let field: MerimeeField = 'coordonnees';
    let value = text;
    if ((text === null || !hasText) && hasPair && (lonText !== null || latText !== null)) {
      ll = pairLatLon(latText, lonText);
      field = 'longitude';
      value = `${lonText ?? ''} ${latText ?? ''}`.trim();
    } else {
      ll = parseLatLon(text);
      if (!hasText) field = 'longitude';
    }
    const near = this.places ? 'placed at its commune when it is known' : 'kept without a position';
    switch (ll.kind) {
      case 'empty':
        flag(true, 'no_coordinates', field, null, `(expected ${field === 'coordonnees' ? '"lat,lon"' : 'longitude and latitude'}); ${near}`);
        return none('missing');
      case 'invalid':
        flag(true, 'invalid_coordinates', field, value, `is not "lat,lon" (expected e.g. "48.8530,2.3498"); ${near}`);
        return none('invalid');
      case 'placeholder':
        flag(true, 'placeholder_coordinates', field, value, `is ${ll.why}, not a real position; ${near}`);
        return none('placeholder');
    }
    const placed = this.place(ll.lat, ll.lon);
    if (this.region.contains(placed)) return { ...placed, position_status: 'ok' };
    // A "lon,lat" typed the wrong way round lands far away; if swapping puts it inside the region
    // the intent is unambiguous, so we place it and say so rather than lose the monument.
    if (Math.abs(ll.lon) <= 90) {
      const swapped = this.place(ll.lon, ll.lat);
      if (this.region.contains(swapped)) {
        flag(true, 'swapped_coordinates', field, value, 'is "lon,lat", not "lat,lon"; placed after swapping');
        return { ...swapped, position_status: 'swapped' };
      }
    }
    flag(true, 'outside_region', field, value, `lies outside ${this.region.description}; ${near}`);
    return none('outside_region');
  }

  // Overseas positions get Lambert-93 x/y too, because the store has one CRS; they lie far
  // outside its domain (strong distortion), so overseas work should start from lon/lat.
  private place(lat: number, lon: number) {
    const [x, y] = this.toL93(lon, lat);
    return { lon, lat, x, y };
  }

  private noteUpdate(text: string): void {
    const m = /^(\d{4})[-/](\d{2})[-/](\d{2})/.exec(text);
    if (!m) return;
    const iso = `${m[1]}-${m[2]}-${m[3]}`;
    if (!this.latestUpdate || iso > this.latestUpdate) this.latestUpdate = iso;
  }
}

/** Separate Latitude / Longitude columns (decimal point or, re-saved by a French spreadsheet, comma). */
function pairLatLon(latText: string | null, lonText: string | null): LatLon {
  if (latText === null || lonText === null) return latText === null && lonText === null ? { kind: 'empty' } : { kind: 'invalid' };
  const num = (s: string) => (/^[+-]?\d+([.,]\d+)?$/.test(s.trim()) ? Number(s.trim().replace(',', '.')) : NaN);
  const lat = num(latText);
  const lon = num(lonText);
  if (Number.isNaN(lat) || Number.isNaN(lon)) return { kind: 'invalid' };
  return parseLatLon(`${lat},${lon}`);
}

function monumentColumns(catalogueId: number): NamedColumn<MonumentRow>[] {
  const text = (k: keyof MonumentRow): NamedColumn<MonumentRow> => ({ name: k, type: 'varchar', get: (r) => r[k] });
  const num = (k: keyof MonumentRow): NamedColumn<MonumentRow> => ({ name: k, type: 'double', get: (r) => r[k] });
  return [
    text('reference'), text('titre'), text('denomination'), text('typologie_protection'), text('protection'),
    { name: 'partielle', type: 'boolean', get: (r) => r.partielle },
    text('dates_protection'), text('precision_protection'), text('commune'), text('insee'), text('insee_all'), text('departement'),
    text('region'), text('siecle'), text('materiaux'), text('statut_juridique'), text('adresse'),
    num('lon'), num('lat'), num('x'), num('y'), text('position_status'), text('position_quality'), text('insee_position'),
    { name: 'catalogue_id', type: 'integer', get: () => catalogueId },
  ];
}
