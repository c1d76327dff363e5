/**
 * Importer for historic monuments (kind `merimee`): the POP export (`|`) and the open-data
 * export (`;`) of the Mérimée base, read through one alias table. Rows with bad positions
 * are kept with an empty position and a position_status; rows without a valid reference and
 * repeated references are rejected; every decision is an issue in the report.
 */
import { InputError, show, where } from '../errors.ts';
import { LAMBERT93, WGS84, transformer } from '../geo/crs.ts';
import { readCsvTable } from '../io/csv-table.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import type { AppendColumn } from '../store/store.ts';
import { parseLatLon } from './lat-lon.ts';
import { MERIMEE_EXPECTED, resolveMerimeeColumns, type MerimeeField } from './merimee-fields.ts';
import { parseProtection, type Protection } from './protection.ts';
import { CommuneRegion, type Region } from './region-index.ts';

export const MERIMEE_LICENCE = 'Licence Ouverte / Open Licence 2.0';

const REFERENCE = /^PA\d{8}$/;
const INSEE_CODE = /^(\d{5}|2[AB]\d{3})$/;

/** ok: placed; swapped: "lon,lat" in the file, placed after swapping; the others: position left empty. */
export type PositionStatus = 'ok' | 'swapped' | 'missing' | 'invalid' | 'placeholder' | 'outside_region';

export interface MonumentRow {
  reference: string;
  titre: string | null;
  denomination: string | null;
  typologie_protection: string | null;
  protection: Protection;
  partielle: boolean;
  dates_protection: string | null;
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
}

export const merimeeImporter: Importer = {
  description: 'historic monuments, Mérimée CSV (POP export "|" or open-data export ";")',
  async prepare({ store, source }: ImportContext): Promise<PreparedImport> {
    const table = readCsvTable(source, { delimiters: ['|', ';'], expected: MERIMEE_EXPECTED });
    const columns = resolveMerimeeColumns(source.name, table.header);
    if (table.records.length === 0) {
      throw new InputError(`${source.name}: a header but no records (expected at least one monument after line 1)`);
    }
    const region = await CommuneRegion.load(store);
    const reader = new MonumentReader(source.name, columns, region);
    const rows: MonumentRow[] = [];
    for (const record of table.records) {
      const row = reader.read(record.line, record.fields);
      if (row) rows.push(row);
    }
    return {
      layer: 'monuments',
      rowsRead: table.records.length,
      kept: rows.length,
      issues: reader.issues,
      crs: WGS84,
      licence: MERIMEE_LICENCE,
      vintage: reader.latestUpdate,
      async write(s, catalogueId) {
        await s.run('DELETE FROM monuments');
        await s.append('monuments', rows, monumentColumns(catalogueId));
      },
    };
  },
};

/** Turns one record into a row (or a rejection), collecting issues on the way. */
class MonumentReader {
  readonly issues: ImportIssue[] = [];
  /** latest "date de dernière mise à jour" seen, YYYY-MM-DD */
  latestUpdate: string | undefined;
  private readonly seen = new Set<string>();
  private readonly toL93 = transformer(WGS84, LAMBERT93);

  constructor(
    private readonly file: string,
    private readonly columns: ReturnType<typeof resolveMerimeeColumns>,
    private readonly region: Region,
  ) {}

  read(line: number, fields: string[]): MonumentRow | undefined {
    const get = (f: MerimeeField): string | null => {
      const i = this.columns.index[f];
      const v = i === undefined ? '' : fields[i].trim();
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
        message: `${where(this.file, line, column)}: ${value === null ? 'is empty' : show(value)} ${what}`,
      });
    };

    const reference = get('reference');
    if (reference === null || !REFERENCE.test(reference)) {
      issue(false, 'invalid_reference', 'reference', reference, 'is not a Mérimée reference (expected PA + 8 digits); row rejected');
      return undefined;
    }
    if (this.seen.has(reference)) {
      issue(false, 'duplicate_reference', 'reference', reference, 'appeared on an earlier line; this later row is rejected', reference);
      return undefined;
    }
    this.seen.add(reference);

    const typologie = get('typologie_protection');
    const { protection, partielle } = parseProtection(typologie);
    if (protection === 'inconnue') {
      issue(true, 'unknown_protection', 'typologie_protection', typologie, '(expected "classé MH" and/or "inscrit MH"); protection set to inconnue', reference);
    }

    const inseeText = get('insee');
    const listed = inseeText === null ? [] : inseeText.split(/[;,\s]+/).filter(Boolean).map((c) => c.toUpperCase());
    // Only real codes are stored: a bad one would silently fail every join on communes.
    const codes = listed.filter((c) => INSEE_CODE.test(c));
    if (codes.length < listed.length) {
      issue(true, 'invalid_insee', 'insee', inseeText, 'holds a value that is not an INSEE code (expected 5 digits or 2A/2B + 3 digits, separated by ";" or ","); only valid codes kept', reference);
    }

    const update = get('mise_a_jour');
    if (update) this.noteUpdate(update);

    return {
      reference,
      titre: get('titre'),
      denomination: get('denomination'),
      typologie_protection: typologie,
      protection,
      partielle,
      dates_protection: get('dates_protection'),
      commune: get('commune'),
      insee: codes[0] ?? null,
      insee_all: codes.length ? codes.join(',') : null,
      departement: get('departement'),
      region: get('region'),
      siecle: get('siecle'),
      materiaux: get('materiaux'),
      statut_juridique: get('statut_juridique'),
      adresse: get('adresse'),
      ...this.position(get('coordonnees'), (kept, reason, value, what) => issue(kept, reason, 'coordonnees', value, what, reference)),
    };
  }

  private position(
    text: string | null,
    flag: (kept: boolean, reason: string, value: string | null, what: string) => void,
  ): Pick<MonumentRow, 'lon' | 'lat' | 'x' | 'y' | 'position_status'> {
    const none = (position_status: PositionStatus) => ({ lon: null, lat: null, x: null, y: null, position_status });
    const ll = parseLatLon(text);
    switch (ll.kind) {
      case 'empty':
        flag(true, 'no_coordinates', text, '(expected "lat,lon"); kept without a position');
        return none('missing');
      case 'invalid':
        flag(true, 'invalid_coordinates', text, 'is not "lat,lon" (expected e.g. "48.8530,2.3498"); kept without a position');
        return none('invalid');
      case 'placeholder':
        flag(true, 'placeholder_coordinates', text, `is ${ll.why}, not a real position; kept without a position`);
        return none('placeholder');
    }
    const placed = this.place(ll.lat, ll.lon);
    if (this.region.contains(placed)) return { ...placed, position_status: 'ok' };
    // A "lon,lat" typed the wrong way round lands far away; if swapping puts it inside the region
    // the intent is unambiguous, so we place it and say so rather than lose the monument.
    if (Math.abs(ll.lon) <= 90) {
      const swapped = this.place(ll.lon, ll.lat);
      if (this.region.contains(swapped)) {
        flag(true, 'swapped_coordinates', text, 'is "lon,lat", not "lat,lon"; placed after swapping');
        return { ...swapped, position_status: 'swapped' };
      }
    }
    flag(true, 'outside_region', text, `lies outside ${this.region.description}; kept without a position`);
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

function monumentColumns(catalogueId: number): AppendColumn<MonumentRow>[] {
  const text = (k: keyof MonumentRow): AppendColumn<MonumentRow> => ({ type: 'varchar', get: (r) => r[k] });
  const num = (k: keyof MonumentRow): AppendColumn<MonumentRow> => ({ type: 'double', get: (r) => r[k] });
  // Order of the monuments table in 001_core.sql.
  return [
    text('reference'), text('titre'), text('denomination'), text('typologie_protection'), text('protection'),
    { type: 'boolean', get: (r) => r.partielle },
    text('dates_protection'), text('commune'), text('insee'), text('insee_all'), text('departement'), text('region'),
    text('siecle'), text('materiaux'), text('statut_juridique'), text('adresse'),
    num('lon'), num('lat'), num('x'), num('y'), text('position_status'),
    { type: 'integer', get: () => catalogueId },
  ];
}
