/**
 * Places sites that have no usable coordinates at their commune: a point inside the commune's
 * polygon (its centroid when that lies inside, else turf's pointOnFeature), stored per commune
 * in `commune_points` when communes are imported, and marked `position_quality = 'commune'`
 * on the site (« position approchée : commune »).
 *
 * INSEE codes are resolved against the imported communes in this order: the code itself; the
 * commune of a municipal arrondissement (Paris 751xx → 75056, Lyon 6938x → 69123, Marseille
 * 132xx → 13055); another code of the same record; the commune that took in a commune merged
 * since (the INSEE geographic code's history, commune-history.ts: nearest successor among the
 * imported communes, else the one imported commune among the codes that successor took in, or
 * among several the one that bore the successor's present name); the commune nouvelle that held
 * a commune restored since (commune-history.ts RESTORED_COMMUNES); the chef-lieu of an overseas
 * collectivity the commune files do not cover (OVERSEAS_COLLECTIVITY_TOWNS); the commune's name
 * in the same department, with or without its article (a commune whose code changed under the
 * same name, a code mistyped). What stays unresolved is flagged by the importer.
 */
import { booleanPointInPolygon, pointOnFeature } from '@turf/turf';
import { LAMBERT93, WGS84, transformer } from '../geo/crs.ts';
import type { Store } from '../store/store.ts';
import { appendNamed } from './append-named.ts';
import { currentNameOf, formerMembersOf, heldBeforeRestoration, successorsOf } from './commune-history.ts';
import { polygonsOf, type Polygonal, type PolygonCoords } from './polygonal.ts';

export interface CommunePlace {
  code: string;
  nom: string;
  departement: string;
  /** Lambert-93 point inside the commune */
  x: number;
  y: number;
}

export type PlaceHow = 'insee' | 'arrondissement' | 'other_insee' | 'merged' | 'restored' | 'name' | 'town';

/**
 * The communes of Saint-Pierre-et-Miquelon, Saint-Barthélemy and Saint-Martin, which the
 * départements' commune files (ADMIN EXPRESS) do not cover: their chef-lieu (Saint-Pierre,
 * Miquelon, Gustavia, Marigot), WGS84 rounded to 0.01° (about 1 km), entered by hand. Used only
 * when the imported communes lack the code; a communes file that has it takes precedence.
 */
export const OVERSEAS_COLLECTIVITY_TOWNS: ReadonlyArray<{ code: string; nom: string; departement: string; lon: number; lat: number }> = [
  { code: '97501', nom: 'Miquelon-Langlade', departement: '975', lon: -56.38, lat: 47.1 },
  { code: '97502', nom: 'Saint-Pierre', departement: '975', lon: -56.18, lat: 46.78 },
  { code: '97701', nom: 'Saint-Barthélemy', departement: '977', lon: -62.85, lat: 17.9 },
  { code: '97801', nom: 'Saint-Martin', departement: '978', lon: -63.08, lat: 18.07 },
];

export interface Placed {
  place: CommunePlace;
  how: PlaceHow;
}

/** A point inside `g` (Lambert-93 in, Lambert-93 out): its largest polygon's centroid when inside, else pointOnFeature. */
export function interiorPoint(g: Polygonal): [number, number] {
  const polygons = polygonsOf(g);
  let best: PolygonCoords = polygons[0];
  let bestArea = -1;
  for (const p of polygons) {
    const a = Math.abs(ringArea(p[0]));
    if (a > bestArea) {
      bestArea = a;
      best = p;
    }
  }
  const c = ringCentroid(best[0]);
  const poly = { type: 'Polygon' as const, coordinates: best };
  if (c && booleanPointInPolygon(c, poly)) return c;
  const p = pointOnFeature(poly as never).geometry.coordinates;
  return [p[0], p[1]];
}

function ringArea(r: [number, number][]): number {
  let s = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) s += (r[j][0] - r[i][0]) * (r[j][1] + r[i][1]);
  return s / 2;
}

function ringCentroid(r: [number, number][]): [number, number] | undefined {
  let a = 0;
  let cx = 0;
  let cy = 0;
  // Relative to the first vertex: Lambert-93 coordinates are large, products lose precision.
  const [ox, oy] = r[0];
  for (let i = 0; i < r.length - 1; i++) {
    const x0 = r[i][0] - ox;
    const y0 = r[i][1] - oy;
    const x1 = r[i + 1][0] - ox;
    const y1 = r[i + 1][1] - oy;
    const f = x0 * y1 - x1 * y0;
    a += f;
    cx += (x0 + x1) * f;
    cy += (y0 + y1) * f;
  }
  if (a === 0) return undefined;
  return [ox + cx / (3 * a), oy + cy / (3 * a)];
}

/** Folds a commune name for matching: accents, case, punctuation; « Raincy (Le) » = « Le Raincy ». */
export function foldCommuneName(name: string): string {
  const m = /^(.*?)\s*\((le|la|les|l')\)\s*$/i.exec(name.trim());
  const n = m ? `${m[2]} ${m[1]}` : name;
  return n
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\bst\b/g, 'saint')
    .replace(/\bste\b/g, 'sainte')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** A folded name without its leading article: some files write « Conquet » for « Le Conquet ». */
function bare(folded: string): string {
  return folded.replace(/^(le|la|les|l) /, '');
}

/** The commune of a municipal arrondissement code, if it is one. */
export function arrondissementCommune(code: string): string | undefined {
  if (/^751(0[1-9]|1\d|20)$/.test(code)) return '75056';
  if (/^6938[1-9]$/.test(code)) return '69123';
  if (/^132(0[1-9]|1[0-6])$/.test(code)) return '13055';
  return undefined;
}

export class CommunePlaces {
  private readonly byName = new Map<string, CommunePlace[]>();
  private readonly byBareName = new Map<string, CommunePlace[]>();
  /** OVERSEAS_COLLECTIVITY_TOWNS whose code the imported communes lack */
  private readonly towns = new Map<string, CommunePlace>();
  private readonly toWgs84 = transformer(LAMBERT93, WGS84);

  /** From communes about to be imported (the communes importer plans re-placements with it). */
  static of(places: Iterable<CommunePlace>): CommunePlaces {
    return new CommunePlaces(new Map([...places].map((p) => [p.code, p])));
  }

  private constructor(private readonly byCode: Map<string, CommunePlace>) {
    const toLambert = transformer(WGS84, LAMBERT93);
    for (const t of OVERSEAS_COLLECTIVITY_TOWNS) {
      if (byCode.size === 0 || byCode.has(t.code)) continue;
      const [x, y] = toLambert(t.lon, t.lat);
      this.towns.set(t.code, { code: t.code, nom: t.nom, departement: t.departement, x, y });
    }
    const index = (into: Map<string, CommunePlace[]>, key: string, p: CommunePlace) => {
      const list = into.get(key) ?? [];
      list.push(p);
      into.set(key, list);
    };
    for (const p of [...byCode.values(), ...this.towns.values()]) {
      const folded = foldCommuneName(p.nom);
      index(this.byName, `${p.departement}|${folded}`, p);
      index(this.byBareName, `${p.departement}|${bare(folded)}`, p);
    }
  }

  get size(): number {
    return this.byCode.size;
  }

  /** The communes of the store with their interior points; undefined when none were imported. */
  static async load(store: Store): Promise<CommunePlaces | undefined> {
    const rows = await store.all<{ code_insee: string; nom: string; departement: string; x: number | null; y: number | null; geometry: string | null }>(
      `SELECT c.code_insee, c.nom, c.departement, p.x, p.y, CASE WHEN p.x IS NULL THEN c.geometry::VARCHAR END AS geometry
         FROM communes c LEFT JOIN commune_points p ON p.code_insee = c.code_insee`,
    );
    if (rows.length === 0) return undefined;
    const byCode = new Map<string, CommunePlace>();
    for (const r of rows) {
      let x = r.x;
      let y = r.y;
      if (x === null || y === null) [x, y] = interiorPoint(JSON.parse(r.geometry!) as Polygonal);
      byCode.set(r.code_insee, { code: r.code_insee, nom: r.nom, departement: r.departement, x, y });
    }
    return new CommunePlaces(byCode);
  }

  get(code: string): CommunePlace | undefined {
    return this.byCode.get(code);
  }

  /** Resolves a record's INSEE codes (first one first) and commune name; see the module comment. */
  resolve(codes: readonly string[], commune: string | null, departement: string | null): Placed | undefined {
    for (const [i, code] of codes.entries()) {
      const direct = this.byCode.get(code);
      if (direct) return { place: direct, how: i === 0 ? 'insee' : 'other_insee' };
      const arr = arrondissementCommune(code);
      const viaArr = arr ? this.byCode.get(arr) : undefined;
      if (viaArr) return { place: viaArr, how: 'arrondissement' };
    }
    for (const code of codes) {
      const chain = successorsOf(code);
      for (const successor of chain) {
        const place = this.byCode.get(successor);
        if (place) return { place, how: 'merged' };
      }
      // The commune that took it in is known here under another of its codes (its chef-lieu
      // changed): placed when exactly one of the codes it took in is among the communes.
      const known = new Set<string>();
      for (const c of [code, ...chain]) for (const member of formerMembersOf(c)) if (this.byCode.has(member)) known.add(member);
      if (known.size === 1) return { place: this.byCode.get([...known][0])!, how: 'merged' };
      // Several: the one that already bore the name the commune bears today (Liergues, 69114, is
      // in Porte des Pierres Dorées, 69114 today; the 2018 file has that commune as 69159 beside
      // Jarnioux, 69101, which joined it in 2019).
      const today = currentNameOf(chain.at(-1) ?? code);
      if (known.size > 1 && today) {
        const named = [...known].map((k) => this.byCode.get(k)!).filter((p) => foldCommuneName(p.nom) === foldCommuneName(today));
        if (named.length === 1) return { place: named[0], how: 'merged' };
      }
    }
    for (const code of codes) {
      const held = heldBeforeRestoration(code);
      const place = held ? this.byCode.get(held.code) : undefined;
      if (place) return { place, how: 'restored' };
    }
    for (const code of codes) {
      const town = this.towns.get(code);
      if (town) return { place: town, how: 'town' };
    }
    if (commune) {
      const deps = new Set<string>();
      for (const c of codes) deps.add(c.startsWith('97') ? c.slice(0, 3) : c.slice(0, 2));
      if (departement) for (const d of departement.split(/\s*[;,]\s*/)) if (d) deps.add(d.padStart(2, '0'));
      const name = foldCommuneName(commune);
      for (const [index, key] of [
        [this.byName, name],
        [this.byBareName, bare(name)],
      ] as const) {
        for (const d of deps) {
          const hits = index.get(`${d}|${key}`);
          if (hits?.length === 1) return { place: hits[0], how: 'name' };
        }
      }
    }
    return undefined;
  }

  lonLat(p: { x: number; y: number }): [number, number] {
    return this.toWgs84(p.x, p.y);
  }
}

/** Replaces the commune_points table from imported communes (inside the communes import transaction). */
export async function writeCommunePoints(store: Store, points: readonly { code_insee: string; x: number; y: number }[]): Promise<void> {
  await store.run('DELETE FROM commune_points');
  await appendNamed(store, 'commune_points', points, [
    { name: 'code_insee', type: 'varchar', get: (r) => r.code_insee },
    { name: 'x', type: 'double', get: (r) => r.x },
    { name: 'y', type: 'double', get: (r) => r.y },
  ]);
}

interface PlacementUpdate {
  id: string;
  x: number | null;
  y: number | null;
  lon: number | null;
  lat: number | null;
  q: string | null;
  insee_position: string | null;
}

export interface CommunePlacementPlan {
  monuments: PlacementUpdate[];
  sites: PlacementUpdate[];
  /** monuments and sites that get a commune position */
  placed: { monuments: number; sites: number };
  /** monuments and sites whose commune position goes (their commune is no longer imported) */
  unplaced: { monuments: number; sites: number };
}

/**
 * When communes are (re)imported: monuments and heritage sites without a position, or with a
 * commune position, are (re)placed at the point of their commune among `places` (or lose their
 * commune position when their commune is gone). Read-only: applyCommunePlacement writes it.
 */
export async function planCommunePlacement(store: Store, places: CommunePlaces): Promise<CommunePlacementPlan> {
  const plan: CommunePlacementPlan = { monuments: [], sites: [], placed: { monuments: 0, sites: 0 }, unplaced: { monuments: 0, sites: 0 } };
  const monuments = await store.all<{ reference: string; insee_all: string | null; commune: string | null; departement: string | null; q: string | null }>(
    `SELECT reference, insee_all, commune, departement, position_quality AS q FROM monuments
      WHERE position_quality = 'commune' OR (x IS NULL AND (insee_all IS NOT NULL OR commune IS NOT NULL))`,
  );
  const sites = await store.all<{ site_id: string; insee: string | null; q: string | null }>(
    `SELECT site_id, insee, position_quality AS q FROM heritage_sites WHERE position_quality = 'commune' OR (x IS NULL AND insee IS NOT NULL)`,
  );
  const none = (id: string): PlacementUpdate => ({ id, x: null, y: null, lon: null, lat: null, q: null, insee_position: null });
  for (const m of monuments) {
    const codes = m.insee_all ? m.insee_all.split(',') : [];
    const hit = places.resolve(codes, m.commune, m.departement);
    if (hit) {
      const [lon, lat] = places.lonLat(hit.place);
      plan.monuments.push({ id: m.reference, x: hit.place.x, y: hit.place.y, lon, lat, q: 'commune', insee_position: hit.place.code === codes[0] ? null : hit.place.code });
      plan.placed.monuments++;
    } else if (m.q === 'commune') {
      plan.monuments.push(none(m.reference));
      plan.unplaced.monuments++;
    }
  }
  for (const s of sites) {
    const hit = s.insee ? places.resolve([s.insee], null, null) : undefined;
    if (hit) {
      plan.sites.push({ id: s.site_id, x: hit.place.x, y: hit.place.y, lon: null, lat: null, q: 'commune', insee_position: null });
      plan.placed.sites++;
    } else if (s.q === 'commune') {
      plan.sites.push(none(s.site_id));
      plan.unplaced.sites++;
    }
  }
  return plan;
}

export async function applyCommunePlacement(store: Store, plan: CommunePlacementPlan): Promise<void> {
  const cols = [
    { name: 'id', type: 'varchar', get: (r: PlacementUpdate) => r.id },
    { name: 'x', type: 'double', get: (r: PlacementUpdate) => r.x },
    { name: 'y', type: 'double', get: (r: PlacementUpdate) => r.y },
    { name: 'lon', type: 'double', get: (r: PlacementUpdate) => r.lon },
    { name: 'lat', type: 'double', get: (r: PlacementUpdate) => r.lat },
    { name: 'q', type: 'varchar', get: (r: PlacementUpdate) => r.q },
    { name: 'insee_position', type: 'varchar', get: (r: PlacementUpdate) => r.insee_position },
  ] as const;
  if (plan.monuments.length) {
    await withStage(store, 'monument_places', plan.monuments, cols, async (stage) => {
      await store.run(
        `UPDATE monuments SET x = s.x, y = s.y, lon = s.lon, lat = s.lat, position_quality = s.q, insee_position = s.insee_position
           FROM ${stage} s WHERE monuments.reference = s.id`,
      );
    });
  }
  if (plan.sites.length) {
    await withStage(store, 'site_places', plan.sites, cols, async (stage) => {
      await store.run(
        `UPDATE heritage_sites SET x = s.x, y = s.y, minx = s.x, miny = s.y, maxx = s.x, maxy = s.y, position_quality = s.q
           FROM ${stage} s WHERE heritage_sites.site_id = s.id`,
      );
    });
  }
}

async function withStage<R>(
  store: Store,
  name: string,
  rows: readonly R[],
  columns: readonly { name: string; type: string; get: (r: R) => unknown }[],
  fn: (stage: string) => Promise<void>,
): Promise<void> {
  const stage = `stage_${name}`;
  const sqlType = (t: string) => (t === 'double' ? 'DOUBLE' : t === 'integer' ? 'INTEGER' : t === 'boolean' ? 'BOOLEAN' : 'VARCHAR');
  await store.run(`CREATE OR REPLACE TEMP TABLE ${stage} (${columns.map((c) => `${c.name} ${sqlType(c.type)}`).join(', ')})`);
  try {
    await store.append(stage, rows, columns as never);
    await fn(stage);
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${stage}`);
  }
}
