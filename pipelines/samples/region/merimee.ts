/**
 * ~2,000 historic monuments as a Mérimée export: the POP file (BOM, `|`, 78 columns) and an
 * open-data extract of the same records (`;`, snake_case). The dirt of the real files is planted on
 * purpose and every planted record is listed, so importer tests can check each case.
 */
import { Rng } from '../rng.ts';
import { DEPARTEMENT, DEPARTEMENT_NAME, REGION_NAME, type Commune, type CommuneSet } from './communes.ts';
import type { Geography } from './geography.ts';
import { MERIMEE_POP_COLUMNS, openDataName, type MerimeeColumn } from './merimee-columns.ts';
import { lieuDit, saint } from './names.ts';
import type { PlaceMode, Placer } from './placement.ts';
import { csvText, round } from './writers.ts';

const COUNT = 2000;

export const DIRT_KINDS = [
  'empty_coordinates',
  'placeholder_coordinates',
  'outside_region',
  'multiple_insee',
  'partial_protection',
  'combined_protection',
  'pipe_in_field',
  'quote_in_field',
  'duplicate_reference',
  'multiline_historique',
  'accented_text',
] as const;
export type DirtKind = (typeof DIRT_KINDS)[number];

interface Kind {
  deno: string;
  weight: number;
  place: PlaceMode;
  domaine: string;
  title: (r: Rng, c: Commune) => string;
  siecles: string[];
  materiaux: string[];
  couverture: string[];
  statut: string[];
  /** share of classé among single protections */
  classe: number;
  destination: string;
}

const RELIGIOUS = 'architecture religieuse';
const CIVIL = 'architecture civile';
const MILITARY = 'architecture militaire';
const ARCHEO = 'archéologie';
const COMMUNE_OWNED = ['propriété de la commune'];
const PRIVATE = ['propriété privée', 'propriété privée', 'propriété d\'une personne privée'];
const STATE = ['propriété de l\'Etat'];
const MEGALITH_OWNERS = ['propriété de l\'Etat', 'propriété privée', 'propriété de la commune'];

const KINDS: Kind[] = [
  { deno: 'église', weight: 14, place: 'bourg', domaine: RELIGIOUS, title: (r) => `Église ${saint(r)}`, siecles: ['12e siècle', '15e siècle', '16e siècle', '17e siècle', '19e siècle'], materiaux: ['granite;pierre de taille', 'granite;moellon', 'schiste;moellon', 'pierre de taille'], couverture: ['ardoise'], statut: COMMUNE_OWNED, classe: 0.45, destination: 'église' },
  { deno: 'chapelle', weight: 16, place: 'countryside', domaine: RELIGIOUS, title: (r) => r.chance(0.5) ? `Chapelle ${saint(r)}` : `Chapelle Notre-Dame-de-${lieuDit(r)}`, siecles: ['15e siècle', '16e siècle', '17e siècle', '18e siècle'], materiaux: ['granite;moellon', 'granite;pierre de taille', 'schiste;moellon'], couverture: ['ardoise'], statut: [...COMMUNE_OWNED, ...COMMUNE_OWNED, 'propriété privée', 'propriété d\'une association'], classe: 0.3, destination: 'chapelle' },
  { deno: 'calvaire', weight: 7, place: 'bourg', domaine: RELIGIOUS, title: (r) => r.chance(0.3) ? 'Calvaire du bourg' : `Calvaire de ${lieuDit(r)}`, siecles: ['16e siècle', '17e siècle'], materiaux: ['granite', 'kersanton'], couverture: [], statut: COMMUNE_OWNED, classe: 0.4, destination: 'calvaire' },
  { deno: 'croix', weight: 8, place: 'countryside', domaine: RELIGIOUS, title: (r) => `Croix de ${lieuDit(r)}`, siecles: ['Moyen Age', '16e siècle', '17e siècle'], materiaux: ['granite'], couverture: [], statut: COMMUNE_OWNED, classe: 0.2, destination: 'croix' },
  { deno: 'manoir', weight: 10, place: 'countryside', domaine: CIVIL, title: (r) => `Manoir de ${lieuDit(r)}`, siecles: ['15e siècle', '16e siècle', '17e siècle'], materiaux: ['granite;moellon', 'granite;pierre de taille', 'schiste;moellon;enduit'], couverture: ['ardoise'], statut: PRIVATE, classe: 0.2, destination: 'maison' },
  { deno: 'château', weight: 5, place: 'countryside', domaine: CIVIL, title: (r) => `Château de ${lieuDit(r)}`, siecles: ['15e siècle', '17e siècle', '18e siècle', '19e siècle'], materiaux: ['granite;pierre de taille', 'pierre de taille;moellon'], couverture: ['ardoise'], statut: PRIVATE, classe: 0.4, destination: 'château' },
  { deno: 'menhir', weight: 7, place: 'countryside', domaine: ARCHEO, title: (r) => r.chance(0.7) ? `Menhir de ${lieuDit(r)}` : `Menhir dit « Men-${lieuDit(r).toLowerCase()} »`, siecles: ['Néolithique'], materiaux: ['granite'], couverture: [], statut: MEGALITH_OWNERS, classe: 0.7, destination: '' },
  { deno: 'dolmen', weight: 6, place: 'countryside', domaine: ARCHEO, title: (r) => `Dolmen de ${lieuDit(r)}`, siecles: ['Néolithique'], materiaux: ['granite'], couverture: [], statut: MEGALITH_OWNERS, classe: 0.7, destination: '' },
  { deno: 'allée couverte', weight: 3, place: 'countryside', domaine: ARCHEO, title: (r) => `Allée couverte de ${lieuDit(r)}`, siecles: ['Néolithique'], materiaux: ['granite'], couverture: [], statut: MEGALITH_OWNERS, classe: 0.7, destination: '' },
  { deno: 'tumulus', weight: 2, place: 'countryside', domaine: ARCHEO, title: (r) => `Tumulus de ${lieuDit(r)}`, siecles: ['Néolithique', 'Age du bronze'], materiaux: ['terre;pierre'], couverture: [], statut: MEGALITH_OWNERS, classe: 0.5, destination: '' },
  { deno: 'fontaine', weight: 5, place: 'bourg', domaine: RELIGIOUS, title: (r) => `Fontaine ${saint(r)}`, siecles: ['16e siècle', '17e siècle', '18e siècle'], materiaux: ['granite'], couverture: [], statut: COMMUNE_OWNED, classe: 0.2, destination: 'fontaine' },
  { deno: 'maison', weight: 8, place: 'bourg', domaine: CIVIL, title: (r) => r.chance(0.5) ? `Maison dite « Maison du ${r.pick(['Sénéchal', 'Recteur', 'Gouverneur', 'Notaire', 'Duc'])} »` : 'Maison à pans de bois', siecles: ['15e siècle', '16e siècle', '17e siècle'], materiaux: ['granite;moellon', 'bois;pan de bois', 'schiste;enduit'], couverture: ['ardoise', 'chaume'], statut: PRIVATE, classe: 0.15, destination: 'maison' },
  { deno: 'moulin', weight: 4, place: 'river', domaine: CIVIL, title: (r) => `Moulin de ${lieuDit(r)}`, siecles: ['16e siècle', '18e siècle', '19e siècle'], materiaux: ['granite;moellon', 'schiste;moellon'], couverture: ['ardoise'], statut: PRIVATE, classe: 0.15, destination: 'moulin' },
  { deno: 'moulin à marée', weight: 2, place: 'coast', domaine: CIVIL, title: (r) => `Moulin à marée de ${lieuDit(r)}`, siecles: ['17e siècle', '18e siècle'], materiaux: ['granite;moellon'], couverture: ['ardoise'], statut: [...PRIVATE, ...COMMUNE_OWNED], classe: 0.3, destination: 'moulin' },
  { deno: 'phare', weight: 2, place: 'coast', domaine: MILITARY, title: (r) => `Phare de la pointe de ${lieuDit(r)}`, siecles: ['19e siècle'], materiaux: ['granite;pierre de taille'], couverture: [], statut: STATE, classe: 0.3, destination: 'phare' },
  { deno: 'fort', weight: 2, place: 'coast', domaine: MILITARY, title: (r) => r.chance(0.5) ? `Fort de ${lieuDit(r)}` : `Batterie de la pointe de ${lieuDit(r)}`, siecles: ['17e siècle', '18e siècle', '19e siècle'], materiaux: ['granite;moellon', 'granite;pierre de taille'], couverture: [], statut: [...STATE, 'propriété de la commune', 'propriété du Conservatoire du littoral'], classe: 0.4, destination: 'fort' },
  { deno: 'pont', weight: 2, place: 'river', domaine: CIVIL, title: (r) => r.chance(0.4) ? 'Vieux pont' : `Pont de ${lieuDit(r)}`, siecles: ['Moyen Age', '16e siècle', '18e siècle'], materiaux: ['granite;moellon'], couverture: [], statut: COMMUNE_OWNED, classe: 0.4, destination: 'pont' },
  { deno: 'ossuaire', weight: 2, place: 'bourg', domaine: RELIGIOUS, title: () => 'Ossuaire', siecles: ['16e siècle', '17e siècle'], materiaux: ['granite;pierre de taille'], couverture: ['ardoise'], statut: COMMUNE_OWNED, classe: 0.5, destination: 'ossuaire' },
  { deno: 'enclos paroissial', weight: 1, place: 'bourg', domaine: RELIGIOUS, title: () => 'Enclos paroissial', siecles: ['16e siècle', '17e siècle'], materiaux: ['granite;pierre de taille'], couverture: ['ardoise'], statut: COMMUNE_OWNED, classe: 0.6, destination: 'église;cimetière' },
  { deno: 'halle', weight: 1, place: 'bourg', domaine: CIVIL, title: () => 'Halles', siecles: ['16e siècle', '17e siècle'], materiaux: ['bois;granite'], couverture: ['ardoise'], statut: COMMUNE_OWNED, classe: 0.5, destination: 'halle' },
];

const STREETS = ['Place de l\'Église', 'Rue du Port', 'Rue de la Fontaine', 'Rue du Four', 'Place du Marché', 'Rue des Halles', 'Rue du Calvaire', 'Rue de la Mairie', 'Quai des Thoniers', 'Rue Saint-Yves'];
const PARTS = ['Façades et toitures', 'Le porche sud', 'Le clocher', 'La tour', 'Les façades et toitures du logis', 'La chapelle et le pigeonnier', 'Le décor intérieur', 'L\'enceinte et les douves'];
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

export interface MerimeeResult {
  readonly popCsv: string;
  readonly openDataCsv: string;
  readonly count: number;
  readonly dirt: Record<DirtKind, string[]>;
}

export function buildMerimee(seed: number, geo: Geography, set: CommuneSet, placer: Placer): MerimeeResult {
  const rng = new Rng(seed).fork('merimee');
  const communes = set.communes;
  const weights = communes.map((c) => c.importance ** 1.5);
  const coastal = communes.filter((c) => c.coastal);
  const riverside = communes.filter((c) => c.nearRiver);
  const rows: Record<MerimeeColumn, string>[] = [];
  const dirt = Object.fromEntries(DIRT_KINDS.map((k) => [k, [] as string[]])) as Record<DirtKind, string[]>;

  for (let n = 1; n <= COUNT; n++) {
    const kind = rng.weighted(KINDS, KINDS.map((k) => k.weight));
    const pool = kind.place === 'coast' ? coastal : kind.place === 'river' ? riverside : communes;
    const commune = kind.place === 'coast' || kind.place === 'river' ? rng.pick(pool) : rng.weighted(communes, weights);
    const at = placer.place(rng, commune, kind.place);
    const ref = `PA${DEPARTEMENT}${String(n).padStart(6, '0')}`;
    const row = Object.fromEntries(MERIMEE_POP_COLUMNS.map((c) => [c, ''])) as Record<MerimeeColumn, string>;
    const title = kind.title(rng, commune);
    const lieu = lieuDit(rng);
    const siecle = rng.pick(kind.siecles);
    const protection = protectionFor(rng, kind);
    Object.assign(row, {
      Reference: ref,
      Cadre_de_l_etude: rng.chance(0.3) ? 'recensement immeubles MH' : '',
      Titre_editorial_de_la_notice: title,
      Denomination_de_l_edifice: kind.deno,
      Typologie_de_la_protection: protection.typologie,
      Date_et_typologie_de_la_protection: protection.dates,
      Precision_de_la_protection: protection.precision,
      Nature_de_la_protection: kind.domaine === ARCHEO ? 'Site archéologique' : 'Edifice',
      Statut_juridique_de_l_edifice: rng.pick(kind.statut),
      Region: REGION_NAME,
      Departement_format_numerique: DEPARTEMENT,
      Departement_en_lettres: DEPARTEMENT_NAME,
      Commune_forme_editoriale: commune.name,
      Commune_forme_index: commune.name.toLowerCase(),
      COG_Insee_lors_de_la_protection: commune.code,
      Adresse_forme_editoriale: kind.place === 'bourg' ? (rng.chance(0.5) ? rng.pick(STREETS) : `${rng.int(1, 40)} ${rng.pick(STREETS).toLowerCase()}`) : rng.chance(0.6) ? `lieu-dit ${lieu}` : '',
      Lieudit: kind.place === 'bourg' ? '' : lieu,
      Cadastre: rng.chance(0.6) ? `${rng.pick(['1983', '2012', '2019'])} ${rng.pick(['A', 'B', 'C', 'AB', 'ZK', 'ZD'])} ${rng.int(1, 900)}` : '',
      Nom_du_cours_d_eau_traversant_ou_bordant_l_edifice: kind.place === 'river' ? (commune.nearRiver ?? '') : '',
      Siecle_de_la_campagne_principale_de_construction: siecle,
      Siecle_de_campagne_secondaire_de_construction: siecle !== 'Néolithique' && rng.chance(0.3) ? rng.pick(['18e siècle', '19e siècle', '20e siècle']) : '',
      Datation_de_l_edifice: siecle !== 'Néolithique' && rng.chance(0.25) ? String(rng.int(1450, 1890)) : '',
      Auteur_de_l_edifice: kind.domaine === RELIGIOUS && rng.chance(0.15) ? rng.pick(['Beaumanoir Jean (architecte)', 'Le Guerrannic (maître d\'oeuvre)', 'Bigot Joseph (architecte)']) : '',
      Materiaux_du_gros_oeuvre: rng.pick(kind.materiaux),
      Materiaux_de_la_couverture: kind.couverture.length ? rng.pick(kind.couverture) : '',
      Type_de_couverture: kind.couverture.length && rng.chance(0.5) ? rng.pick(['toit à longs pans', 'flèche en pierre', 'toit en pavillon']) : '',
      Typologie_de_plan: kind.deno === 'église' || kind.deno === 'chapelle' ? rng.pick(['plan en croix latine', 'plan rectangulaire', 'plan en T']) : '',
      Etat_de_conservation: rng.chance(0.25) ? rng.pick(['restauré', 'bon état', 'mauvais état', 'vestiges', 'menacé']) : '',
      Domaine: kind.domaine,
      Typologie_du_dossier: 'dossier individuel',
      Historique: historique(rng, kind, siecle, commune),
      Description_de_l_edifice: rng.chance(0.3) ? `${capital(kind.deno)} en ${rng.pick(kind.materiaux).split(';')[0]}.` : '',
      Destination_actuelle_de_l_edifice: kind.destination,
      'Vocable_-_pour_les_edifices_cultuels': kind.domaine === RELIGIOUS && /Saint|Notre/.test(title) ? title.replace(/^\S+ /, '') : '',
      Redacteur_de_la_notice: rng.chance(0.4) ? 'Service régional de l\'inventaire de Bretagne' : '',
      Copyright_de_la_notice: '(c) Monuments historiques',
      Contact: 'pop.perimetre@culture.gouv.fr',
      Date_de_creation_de_la_notice: protection.year > 1993 ? protection.lastDate : '1993/03/29',
      Date_de_la_derniere_mise_a_jour: `${rng.int(2012, 2024)}/${pad2(rng.int(1, 12))}/${pad2(rng.int(1, 28))}`,
      coordonnees_au_format_WGS84: `${at.lonLat[1]},${at.lonLat[0]}`,
    } satisfies Partial<Record<MerimeeColumn, string>>);
    if (protection.typologie.includes(';')) dirt.combined_protection.push(ref);
    else if (protection.typologie.includes('partiellement')) dirt.partial_protection.push(ref);
    if (/[^\x00-\x7f]/.test(title)) dirt.accented_text.push(ref);
    rows.push(row);
  }

  plantDirt(rng, rows, communes, dirt);
  const out: Record<MerimeeColumn, string>[] = [];
  const duplicates = new Set(pickIndices(rng, rows.length, 5, () => true));
  rows.forEach((r, i) => {
    out.push(r);
    // Real exports carry the odd record twice, once with a later update date.
    if (duplicates.has(i)) {
      out.push({ ...r, Date_de_la_derniere_mise_a_jour: '2024/11/05' });
      dirt.duplicate_reference.push(r.Reference);
    }
  });
  for (const k of DIRT_KINDS) dirt[k].sort();

  const popCsv = csvText(MERIMEE_POP_COLUMNS, out.map((r) => MERIMEE_POP_COLUMNS.map((c) => r[c])), '|', true);
  const extract = rows.filter((_, i) => i % 13 === 0);
  const openDataCsv = csvText(
    MERIMEE_POP_COLUMNS.map(openDataName),
    extract.map((r) => MERIMEE_POP_COLUMNS.map((c) => (c === 'Date_de_creation_de_la_notice' ? r[c].replace(/\//g, '-') : r[c]))),
    ';',
  );
  return { popCsv, openDataCsv, count: out.length, dirt };
}

function protectionFor(rng: Rng, kind: Kind): { typologie: string; dates: string; precision: string; year: number; lastDate: string } {
  const date = (from: number, to: number) => {
    const y = rng.int(from, to);
    return { y, s: `${y}/${pad2(rng.int(1, 12))}/${pad2(rng.int(1, 28))}` };
  };
  const part = () => rng.pick(PARTS);
  const u = rng.next();
  // About 60 % inscrit, 35 % classé, the rest both; classé shares vary by kind around 35 %.
  const classe = u < 0.95 * kind.classe * 0.9 + 0.02;
  const combined = u > 0.95;
  if (combined) {
    const a = date(1926, 1975);
    const b = date(a.y + 1, 2022);
    const typologie = rng.pick(['inscrit MH;classé MH partiellement', 'classé MH;inscrit MH', 'classé MH partiellement;inscrit MH partiellement', 'inscrit MH partiellement;classé MH']);
    const [t1, t2] = typologie.split(';');
    return {
      typologie,
      dates: `${a.s} : ${t1};${b.s} : ${t2}`,
      precision: `${part()} : ${t1.startsWith('classé') ? 'classement' : 'inscription'} par arrêté du ${frenchDate(a.s)} ; ${part().toLowerCase()} : ${t2.startsWith('classé') ? 'classement' : 'inscription'} par arrêté du ${frenchDate(b.s)}`,
      year: b.y,
      lastDate: b.s,
    };
  }
  const partial = rng.chance(0.15);
  const typologie = `${classe ? 'classé MH' : 'inscrit MH'}${partial ? ' partiellement' : ''}`;
  const d = classe ? (kind.domaine === ARCHEO ? date(1883, 1935) : date(1840, 1990)) : date(1926, 2023);
  let dates = `${d.s} : ${typologie}`;
  if (classe && d.y > 1930 && rng.chance(0.15)) dates = `${date(1926, d.y - 1).s} : inscrit MH;${dates}`;
  const precision = partial ? `${part()} : ${classe ? 'classement' : 'inscription'} par arrêté du ${frenchDate(d.s)}` : rng.chance(0.5) ? `${capital(kind.deno)} : ${classe ? 'classement' : 'inscription'} par arrêté du ${frenchDate(d.s)}` : '';
  return { typologie, dates, precision, year: d.y, lastDate: d.s };
}

function historique(rng: Rng, kind: Kind, siecle: string, commune: Commune): string {
  const sentences =
    siecle === 'Néolithique'
      ? [`Monument mégalithique fouillé au 19e siècle par la Société polymathique.`, `Mobilier déposé au musée de ${commune.name}.`, `Redressé en ${rng.int(1880, 1960)}.`]
      : [`${capital(kind.deno)} construit${kind.deno.endsWith('e') && kind.deno !== 'pont' ? 'e' : ''} au ${siecle}.`, `Remanié en ${rng.int(1600, 1900)}.`, rng.chance(0.5) ? `Restauration en ${rng.int(1950, 2020)} après les tempêtes.` : `Les archives paroissiales mentionnent un édifice antérieur.`];
  return rng.chance(0.5) ? sentences.slice(0, rng.int(1, 3)).join(' ') : '';
}

/** Plants the published files' irregularities on chosen records and lists them. */
function plantDirt(rng: Rng, rows: Record<MerimeeColumn, string>[], communes: readonly Commune[], dirt: Record<DirtKind, string[]>): void {
  const taken = new Set<number>();
  const take = (n: number, ok: (r: Record<MerimeeColumn, string>) => boolean = () => true) => {
    const idx = pickIndices(rng, rows.length, n, (i) => !taken.has(i) && ok(rows[i]));
    idx.forEach((i) => taken.add(i));
    return idx.map((i) => rows[i]);
  };
  for (const r of take(Math.round(rows.length * 0.05))) {
    r.coordonnees_au_format_WGS84 = '';
    dirt.empty_coordinates.push(r.Reference);
  }
  const placeholders = ['0,0', '-1,-1', '48.0,2.0'];
  take(12).forEach((r, i) => {
    r.coordonnees_au_format_WGS84 = placeholders[i % 3];
    dirt.placeholder_coordinates.push(r.Reference);
  });
  for (const r of take(5)) {
    // A slipped digit puts the monument a degree north, in another département.
    const [lat, lon] = r.coordonnees_au_format_WGS84.split(',').map(Number);
    r.coordonnees_au_format_WGS84 = `${round(lat + 1, 6)},${lon}`;
    dirt.outside_region.push(r.Reference);
  }
  // Boundary structures (bridges, crosses) listed under two communes; coordinates stay valid.
  for (const r of take(12, (r) => ['pont', 'croix', 'calvaire', 'moulin'].includes(r.Denomination_de_l_edifice))) {
    const own = communes.find((c) => c.code === r.COG_Insee_lors_de_la_protection)!;
    const other = nearestOther(communes, own);
    r.COG_Insee_lors_de_la_protection = `${own.code};${other.code}`;
    r.Commune_forme_editoriale = `${own.name};${other.name}`;
    r.Commune_forme_index = `${own.name.toLowerCase()};${other.name.toLowerCase()}`;
    dirt.multiple_insee.push(r.Reference);
  }
  for (const r of take(4)) {
    r.Observations = `Voir aussi la notice ${r.Reference.slice(0, 4)}${String(rng.int(1, 999999)).padStart(6, '0')} | dossier de protection incomplet`;
    dirt.pipe_in_field.push(r.Reference);
  }
  for (const r of take(4)) {
    r.Autre_appellation_de_l_edifice = `dit "${rng.pick(['le Grand', 'du Roi', 'des Anglais', 'Ty Coz'])}"`;
    dirt.quote_in_field.push(r.Reference);
  }
  for (const r of take(Math.round(rows.length * 0.04))) {
    r.Historique = `${capital(r.Denomination_de_l_edifice)} mentionné${r.Denomination_de_l_edifice.endsWith('e') ? 'e' : ''} dès ${rng.int(1200, 1500)}.\nReconstruit${r.Denomination_de_l_edifice.endsWith('e') ? 'e' : ''} au ${rng.pick(['16e', '17e', '18e'])} siècle ; « campagne » principale.\nRestauré${r.Denomination_de_l_edifice.endsWith('e') ? 'e' : ''} en ${rng.int(1950, 2020)}.`;
    dirt.multiline_historique.push(r.Reference);
  }
}

function nearestOther(communes: readonly Commune[], c: Commune): Commune {
  let best = communes[0] === c ? communes[1] : communes[0];
  for (const o of communes) {
    if (o === c) continue;
    const d = (o.bourg[0] - c.bourg[0]) ** 2 + (o.bourg[1] - c.bourg[1]) ** 2;
    if (d < (best.bourg[0] - c.bourg[0]) ** 2 + (best.bourg[1] - c.bourg[1]) ** 2) best = o;
  }
  return best;
}

/** `n` distinct indices in [0, length) satisfying `ok`, in increasing order. */
function pickIndices(rng: Rng, length: number, n: number, ok: (i: number) => boolean): number[] {
  const chosen = new Set<number>();
  for (let attempt = 0; chosen.size < n && attempt < n * 200; attempt++) {
    const i = rng.int(0, length - 1);
    if (ok(i)) chosen.add(i);
  }
  return [...chosen].sort((a, b) => a - b);
}

const pad2 = (v: number) => String(v).padStart(2, '0');
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
function frenchDate(s: string): string {
  const [y, m, d] = s.split('/').map(Number);
  return `${d === 1 ? '1er' : d} ${MONTHS[m - 1]} ${y}`;
}
