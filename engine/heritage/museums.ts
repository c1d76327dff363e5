/**
 * Musées de France (`museums`): `;` CSV with ref_musee, nom_du_musee, ville, departement,
 * coordonnees_finales ("lat,lon", some empty). Bad positions are flagged, never placed:
 * empty → missing, placeholders (0,0 / whole degrees) → placeholder, outside France →
 * outside_france; a "lon,lat" pair that lands in France once swapped is placed and flagged.
 */
import { InputError, show, where } from '../errors.ts';
import { toLambert93 } from '../geo/crs.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { readCsvTable } from '../io/csv-table.ts';
import { inFrance, issue, layerName, OPEN_LICENCE, type LayerImportOptions } from '../hazards/common.ts';
import { replaceSites, type SiteRow } from './archaeology.ts';
import { parseLatLon } from './lat-lon.ts';

const COLUMNS = {
  ref: ['ref_musee', 'ref_museofile', 'identifiant', 'museofile'],
  name: ['nom_du_musee', 'nom_officiel_du_musee', 'nom_officiel', 'nom'],
  ville: ['ville', 'commune'],
  departement: ['departement', 'département'],
  coords: ['coordonnees_finales', 'coordonnees', 'geolocalisation', 'coordonnees_wgs84'],
  insee: ['code_insee', 'insee'],
} as const;

export const museumsImporter: Importer = {
  description: 'Musées de France (";" CSV: ref_musee, nom_du_musee, ville, departement, coordonnees_finales "lat,lon")',
  async prepare({ source, options }: ImportContext): Promise<PreparedImport> {
    const file = source.name;
    const table = readCsvTable(source, { delimiters: [';', ',', '\t'], expected: 'a ";" header with ref_musee, nom_du_musee, ville, departement, coordonnees_finales' });
    const lower = table.header.map((h) => h.toLowerCase());
    const col = (aliases: readonly string[], required: boolean): number => {
      const i = lower.findIndex((h) => aliases.includes(h));
      if (i < 0 && required) {
        throw new InputError(`${where(file, 1)}: no ${aliases[0]} column in header ${show(table.header.join(table.delimiter), 100)} (expected one of: ${aliases.join(', ')})`);
      }
      return i;
    };
    const ri = col(COLUMNS.ref, true);
    const ni = col(COLUMNS.name, true);
    const ci = col(COLUMNS.coords, true);
    const vi = col(COLUMNS.ville, false);
    const di = col(COLUMNS.departement, false);
    const ii = col(COLUMNS.insee, false);
    if (table.records.length === 0) throw new InputError(`${file}: header only, no museum rows`);
    const rows: SiteRow[] = [];
    const issues: ImportIssue[] = [];
    const seen = new Map<string, number>();
    const field = table.header[ci];
    for (const rec of table.records) {
      const f = (i: number) => (i >= 0 ? (rec.fields[i] ?? '').trim() : '');
      const ref = f(ri);
      if (!ref) {
        issues.push(issue(file, rec.line, 'no_reference', `empty ${table.header[ri]}; row skipped`, { field: table.header[ri], kept: false }));
        continue;
      }
      if (seen.has(ref)) {
        issues.push(issue(file, rec.line, 'duplicate_reference', `${ref} already given on line ${seen.get(ref)}; row skipped`, { recordId: ref, field: table.header[ri], value: ref, kept: false }));
        continue;
      }
      seen.set(ref, rec.line);
      const raw = f(ci);
      const flag = (reason: string, text: string) =>
        issues.push(issue(file, rec.line, reason, `${show(raw)} ${text}`, { recordId: ref, field, value: raw, kept: true }));
      const ll = parseLatLon(raw);
      let pos: { x: number; y: number } | null = null;
      let status: SiteRow['position_status'] = 'ok';
      if (ll.kind === 'empty') {
        status = 'missing';
        flag('no_coordinates', 'is empty; museum kept without a position');
      } else if (ll.kind === 'invalid') {
        throw new InputError(`${where(file, rec.line, field)}: ${show(raw)} is not "lat,lon" (expected two decimal numbers, e.g. "47.40,-2.06") for museum ${ref}`);
      } else if (ll.kind === 'placeholder') {
        status = 'placeholder';
        flag('placeholder_coordinates', `is ${ll.why}; museum kept without a position`);
      } else if (inFrance(ll.lon, ll.lat)) {
        const [x, y] = toLambert93(ll.lon, ll.lat);
        pos = { x, y };
      } else if (inFrance(ll.lat, ll.lon)) {
        const [x, y] = toLambert93(ll.lat, ll.lon);
        pos = { x, y };
        status = 'swapped';
        flag('swapped_coordinates', 'is "lon,lat", not "lat,lon"; placed after swapping');
      } else {
        status = 'outside_france';
        flag('outside_france', `lies outside France (lat ${ll.lat}, lon ${ll.lon}); museum kept without a position`);
      }
      rows.push({
        site_id: ref,
        site_kind: 'museum',
        name: f(ni) || null,
        type: 'musée',
        periode: null,
        insee: ii >= 0 ? f(ii) || null : null,
        x: pos?.x ?? null,
        y: pos?.y ?? null,
        bbox: pos ? { minx: pos.x, miny: pos.y, maxx: pos.x, maxy: pos.y } : null,
        geometry: null,
        attrs: { ville: f(vi) || undefined, departement: f(di) || undefined, coordonnees: raw || undefined },
        position_status: status,
      });
    }
    const layer = layerName(options as LayerImportOptions, source.path);
    return {
      layer,
      rowsRead: table.records.length,
      kept: rows.length,
      issues,
      crs: 'EPSG:4326',
      licence: OPEN_LICENCE,
      write: (store, catalogueId) => replaceSites(store, layer, rows, catalogueId),
    };
  },
};
