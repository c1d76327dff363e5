/**
 * Musées de France (`museums`), in every real spelling, through one alias table:
 * - « Liste et localisation des musées de France » (`identifiant_museofile;…;commune;
 *   nom_officiel_du_musee;…;code_postal;…;latitude;longitude;…;geolocalisation;…`);
 * - the Muséofile base (`ref;latitude;longitude;…;cp_m;…;dpt;…;nomoff;…;refmer;region;…;ville_m;…`),
 *   whose `refmer` names the Mérimée record(s) of the building housing the museum
 *   ("PA00084643;IA67009579"): the PA references are stored in heritage_sites.refmer;
 * - the older `ref_musee;nom_du_musee;ville;departement;coordonnees_finales ("lat,lon")`.
 * Positions: Latitude/Longitude columns, else a "lat,lon" column. Bad positions are flagged,
 * never placed: empty → missing, placeholders (0,0 / whole degrees) → placeholder, outside
 * France → outside_france; a "lon,lat" pair that lands in France once swapped is placed and
 * flagged. A museum without a usable position is placed at its commune (by INSEE code, else by
 * name in the department of its postal code) when communes are imported: position_quality
 * 'commune'.
 */
import { InputError, show, where } from '../errors.ts';
import { toLambert93 } from '../geo/crs.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { readCsvTable } from '../io/csv-table.ts';
import { looksLikeJson, readJsonTable } from '../io/json-table.ts';
import { RecordIds } from '../io/record-rules.ts';
import { inFrance, issue, OPEN_LICENCE, type LayerImportOptions } from '../hazards/common.ts';
import { heritageLayerName } from './layer-name.ts';
import { replaceSites, type SiteRow } from './archaeology.ts';
import { CommunePlaces } from './commune-places.ts';
import { parseLatLon, type LatLon } from './lat-lon.ts';
import { fold } from './merimee-fields.ts';

/** Canonical field → header names (compared folded: case, accents, punctuation), most specific first. */
export const MUSEUM_FIELDS = {
  ref: ['identifiant_museofile', 'ref_musee', 'ref_museofile', 'ref', 'identifiant', 'museofile'],
  name: ['nom_officiel_du_musee', 'nomoff', 'nom_du_musee', 'nom_officiel', 'nom', 'autnom'],
  ville: ['commune', 'ville_m', 'ville'],
  departement: ['departement', 'dpt'],
  region: ['region_administrative', 'region'],
  code_postal: ['code_postal', 'cp_m', 'cp'],
  latitude: ['latitude', 'lat'],
  longitude: ['longitude', 'lon', 'lng'],
  coords: ['coordonnees_finales', 'geolocalisation', 'geolocalisation_latlong', 'coordonnees', 'coordonnees_wgs84'],
  insee: ['code_insee', 'insee'],
  refmer: ['refmer'],
  adresse: ['adresse', 'adrl1_m'],
} as const;
type MuseumField = keyof typeof MUSEUM_FIELDS;

const EXPECTED =
  'a ";" header with identifiant_museofile, nom_officiel_du_musee, commune, latitude, longitude (Liste et localisation des musées de France), ' +
  'or ref, nomoff, ville_m, latitude, longitude, refmer (Muséofile), or ref_musee, nom_du_musee, ville, departement, coordonnees_finales';

const PA = /\bPA(\d{8}|2[AB]\d{6})\b/g;

export const museumsImporter: Importer = {
  description: 'Musées de France (";" CSV: Liste et localisation des musées de France, Muséofile with refmer, or ref_musee … coordonnees_finales; or the portal\'s GeoJSON / JSON export; or an .xlsx / .ods workbook)',
  async prepare({ store, source, options }: ImportContext): Promise<PreparedImport> {
    const file = source.name;
    // The open-data portal also exports GeoJSON and JSON: the same fields, read into the same table.
    const table = looksLikeJson(source.text) ? readJsonTable(source, EXPECTED) : readCsvTable(source, { delimiters: [';', ',', '\t', '|'], expected: EXPECTED });
    const folded = table.header.map(fold);
    const index = {} as Record<MuseumField, number>;
    for (const [field, names] of Object.entries(MUSEUM_FIELDS) as [MuseumField, readonly string[]][]) {
      index[field] = -1;
      for (const n of names) {
        const i = folded.indexOf(fold(n));
        if (i >= 0) {
          index[field] = i;
          break;
        }
      }
    }
    const found = `header ${show(table.header.join(table.delimiter), 160)}`;
    if (index.ref < 0) throw new InputError(`${where(file, 1)}: no museum identifier column in ${found} (expected ${EXPECTED})`);
    if (index.name < 0) throw new InputError(`${where(file, 1)}: no museum name column in ${found} (expected one of: ${MUSEUM_FIELDS.name.join(', ')})`);
    const pair = index.latitude >= 0 && index.longitude >= 0;
    if (!pair && index.coords < 0) {
      throw new InputError(
        `${where(file, 1)}: no coordonnees_finales column (nor latitude and longitude, nor ${MUSEUM_FIELDS.coords.slice(1).join(', ')}) in ${found}`,
      );
    }
    if (table.records.length === 0) throw new InputError(`${file}: header only, no museum rows (expected one row per museum after the header)`);
    const places = await CommunePlaces.load(store);
    const rows: SiteRow[] = [];
    const issues: ImportIssue[] = [];
    const seen = new RecordIds(file, table.header[index.ref]);
    let byCommune = 0;
    let linked = 0;
    for (const rec of table.records) {
      const f = (i: number) => (i >= 0 ? (rec.fields[i] ?? '').trim() : '');
      const ref = f(index.ref);
      const refField = table.header[index.ref];
      if (!ref) {
        issues.push(issue(file, rec.line, 'no_reference', `empty ${refField}; row skipped`, { field: refField, kept: false }));
        continue;
      }
      const duplicate = seen.seen(ref, rec.line);
      if (duplicate) {
        issues.push(duplicate);
        continue;
      }
      // Separate columns first: they are the museum's own position in both real lists.
      const usePair = pair && (f(index.latitude) !== '' || f(index.longitude) !== '' || index.coords < 0);
      const field = usePair ? `${table.header[index.latitude]}, ${table.header[index.longitude]}` : table.header[index.coords];
      const raw = usePair ? `${f(index.latitude)},${f(index.longitude)}` : f(index.coords);
      const flag = (reason: string, text: string) =>
        issues.push(issue(file, rec.line, reason, `${show(raw)} ${text}`, { recordId: ref, field, value: raw, kept: true }));
      const ll: LatLon = usePair ? pairLatLon(f(index.latitude), f(index.longitude)) : parseLatLon(raw);
      let pos: { x: number; y: number } | null = null;
      let status: SiteRow['position_status'] = 'ok';
      const near = places ? 'museum placed at its commune when it is known' : 'museum kept without a position';
      if (ll.kind === 'empty') {
        status = 'missing';
        flag('no_coordinates', `is empty; ${near}`);
      } else if (ll.kind === 'invalid') {
        throw new InputError(`${where(file, rec.line, field)}: ${show(raw)} is not "lat,lon" (expected two decimal numbers, e.g. "47.40,-2.06") for museum ${ref}`);
      } else if (ll.kind === 'placeholder') {
        status = 'placeholder';
        flag('placeholder_coordinates', `is ${ll.why}; ${near}`);
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
        flag('outside_france', `lies outside France (lat ${ll.lat}, lon ${ll.lon}); ${near}`);
      }
      const insee = f(index.insee) || null;
      const ville = f(index.ville) || null;
      const cp = f(index.code_postal);
      let quality: SiteRow['position_quality'] = pos ? 'coordinates' : null;
      let communeCode: string | null = insee;
      if (!pos && places && (insee || ville)) {
        const hit = places.resolve(insee ? [insee] : [], ville, departementOfPostcode(cp));
        if (hit) {
          pos = { x: hit.place.x, y: hit.place.y };
          quality = 'commune';
          communeCode = hit.place.code;
          byCommune++;
        } else {
          issues.push(issue(file, rec.line, 'unknown_commune', `${show(ville ?? insee ?? '')} is not among the imported communes; museum kept without a position`, { recordId: ref, field: table.header[index.ville >= 0 ? index.ville : index.insee], value: ville ?? insee ?? '', kept: true }));
        }
      }
      const refmerRaw = f(index.refmer);
      const refmer = refmerRaw ? [...new Set(refmerRaw.match(PA) ?? [])].join(',') || null : null;
      if (refmer) linked++;
      rows.push({
        site_id: ref,
        site_kind: 'museum',
        name: f(index.name) || null,
        type: 'musée',
        periode: null,
        insee: communeCode,
        x: pos?.x ?? null,
        y: pos?.y ?? null,
        bbox: pos ? { minx: pos.x, miny: pos.y, maxx: pos.x, maxy: pos.y } : null,
        geometry: null,
        attrs: {
          ville: ville ?? undefined,
          departement: f(index.departement) || undefined,
          region: f(index.region) || undefined,
          code_postal: cp || undefined,
          adresse: f(index.adresse) || undefined,
          coordonnees: raw.replace(/^,$/, '') || undefined,
          refmer: refmerRaw || undefined,
        },
        position_status: status,
        position_quality: quality,
        refmer,
      });
    }
    const layer = heritageLayerName(options as LayerImportOptions, source.path);
    const positioned = rows.filter((r) => r.x !== null).length;
    const notes = [
      `positions: ${positioned - byCommune} from the file's coordinates, ${byCommune} at their commune (position_quality = commune), ${rows.length - positioned} unplaced`,
    ];
    if (index.refmer >= 0) notes.push(`refmer: ${linked} museums linked to the Mérimée record of their building (heritage_sites.refmer)`);
    return {
      layer,
      rowsRead: table.records.length,
      kept: rows.length,
      positioned,
      issues,
      notes,
      crs: 'EPSG:4326',
      licence: OPEN_LICENCE,
      write: (store, catalogueId) => replaceSites(store, layer, rows, catalogueId),
    };
  },
};

function pairLatLon(lat: string, lon: string): LatLon {
  if (lat === '' && lon === '') return { kind: 'empty' };
  const num = (s: string) => (/^[+-]?\d+([.,]\d+)?$/.test(s) ? Number(s.replace(',', '.')) : NaN);
  const a = num(lat);
  const b = num(lon);
  if (Number.isNaN(a) || Number.isNaN(b)) return { kind: 'invalid' };
  return parseLatLon(`${a},${b}`);
}

/** Department of a French postal code (20xxx: Corse, both départements tried by name later; 97x overseas). */
function departementOfPostcode(cp: string): string | null {
  if (!/^\d{5}$/.test(cp)) return null;
  if (cp.startsWith('97')) return cp.slice(0, 3);
  if (cp.startsWith('20')) return Number(cp) < 20200 ? '2A' : '2B';
  return cp.slice(0, 2);
}
