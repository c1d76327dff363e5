/**
 * Development-only synthetic API (VIGIE_FIXTURES=1 npx vite): answers the same routes
 * as engine/server with a tiny deterministic region on the south Brittany coast, so the
 * app can be worked on without the engine. Never bundled into the app.
 *
 * Scores, detections and reviews are synthetic but follow docs/api.md: sessions with a
 * CSRF token (users « relecteur » / « lecteur », password « vigie »), versioned reviews
 * with 409 on a stale version, an audit trail, relief PNGs. State lives in memory.
 * VIGIE_FIXTURE_MONUMENTS / VIGIE_FIXTURE_DETECTIONS set the sizes (bench: 46760 / 100000).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Plugin } from 'vite';
import type { Feature, FeatureCollection, Polygon } from 'geojson';
import { PNG } from 'pngjs';
import { encodeMonumentLayer } from '../src/lib/layerBin.ts';

type Position = [number, number];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEST = -3.3;
const EAST = -2.5;
const NORTH = 47.8;

/** Latitude of the coastline at a longitude: a gentle wave with a bay. */
function coastLat(lon: number): number {
  const u = (lon - WEST) / (EAST - WEST);
  return 47.52 + 0.04 * Math.sin(u * 9) - 0.06 * Math.exp(-((u - 0.55) ** 2) / 0.004) * -1;
}

function land(): FeatureCollection {
  const ring: Position[] = [];
  for (let i = 0; i <= 80; i++) {
    const lon = WEST + ((EAST - WEST) * i) / 80;
    ring.push([lon, coastLat(lon)]);
  }
  ring.push([EAST, NORTH + 0.1], [WEST, NORTH + 0.1], ring[0]);
  const island: Position[] = [];
  for (let i = 0; i <= 24; i++) {
    const a = (i / 24) * Math.PI * 2;
    island.push([-3.12 + 0.05 * Math.cos(a), 47.43 + 0.02 * Math.sin(a)]);
  }
  return {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } },
      { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [island] } },
    ],
  };
}

const COMMUNE_NAMES = [
  'Kerlouan-sur-Mer', 'Plouvigner', 'Saint-Armel', 'Locmaria', 'Pont-Aven-le-Bas', 'Quiberon-Nord',
  'Landévant', 'Erdeven', 'Belz', 'Étel', 'Carnac-Ville', 'Plouharnel',
];

function communes(): FeatureCollection {
  const features: Feature[] = [];
  const cols = 4;
  const rows = 3;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const w = WEST + ((EAST - WEST) * c) / cols;
      const e = WEST + ((EAST - WEST) * (c + 1)) / cols;
      const s = r === 0 ? 47.46 : 47.46 + (r * (NORTH - 47.46)) / rows;
      const n = 47.46 + ((r + 1) * (NORTH - 47.46)) / rows;
      const i = r * cols + c;
      features.push({
        type: 'Feature',
        properties: { code_insee: String(56001 + i * 3), nom: COMMUNE_NAMES[i], departement: '56' },
        geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] },
      });
    }
  }
  return { type: 'FeatureCollection', features };
}

function rivers(): FeatureCollection {
  const line = (lon0: number, nom: string, seed: number): Feature => {
    const rand = rng(seed);
    const coords: Position[] = [];
    let lon = lon0;
    for (let lat = NORTH + 0.05; lat > coastLat(lon) - 0.01; lat -= 0.01) {
      lon += (rand() - 0.5) * 0.012;
      coords.push([lon, lat]);
    }
    return { type: 'Feature', properties: { nom }, geometry: { type: 'LineString', coordinates: coords } };
  };
  return { type: 'FeatureCollection', features: [line(-3.05, 'Le Blavet', 7), line(-2.72, 'La Rivière d’Étel', 11)] };
}

const PROTECTIONS = ['classe', 'inscrit', 'inscrit', 'classe_inscrit', 'inconnue'] as const;
const DENOMINATIONS = ['église', 'chapelle', 'manoir', 'menhir', 'dolmen', 'calvaire', 'croix', 'fontaine', 'moulin', 'château'];
const CENTURIES = ['12e siècle', '15e siècle', '16e siècle', '17e siècle', '18e siècle', '19e siècle', null];

/** VIGIE_FIXTURE_MONUMENTS=46760 gives the national count, for load-time measurements. */
const MONUMENT_COUNT = Number(process.env.VIGIE_FIXTURE_MONUMENTS ?? 400);

function monuments() {
  const rand = rng(42);
  const cs = communes().features;
  const items = [];
  for (let i = 0; i < MONUMENT_COUNT; i++) {
    const den = DENOMINATIONS[Math.floor(rand() * DENOMINATIONS.length)];
    let lon: number | null = WEST + 0.02 + rand() * (EAST - WEST - 0.04);
    let lat: number | null = coastLat(lon) + 0.01 + rand() * (NORTH - coastLat(lon) - 0.02);
    const commune = cs.find((f) => {
      const ring = (f.geometry as Polygon).coordinates[0];
      return lon! >= ring[0][0] && lon! <= ring[1][0] && lat! >= ring[0][1] && lat! <= ring[2][1];
    });
    if (i % 25 === 24) {
      lon = null;
      lat = null;
    }
    items.push({
      reference: `PA${String(56000000 + i * 7).padStart(8, '0')}`,
      titre: `${den[0].toUpperCase()}${den.slice(1)} ${i % 3 === 0 ? 'Saint-Cado' : i % 3 === 1 ? 'de Kerguéhennec' : 'Notre-Dame'}`,
      denomination: den,
      commune: (commune?.properties?.nom as string) ?? null,
      insee: (commune?.properties?.code_insee as string) ?? null,
      departement: '56',
      protection: PROTECTIONS[Math.floor(rand() * PROTECTIONS.length)],
      partielle: rand() < 0.3,
      siecle: CENTURIES[Math.floor(rand() * CENTURIES.length)],
      lon: lon === null ? null : Math.round(lon * 1e6) / 1e6,
      lat: lat === null ? null : Math.round(lat * 1e6) / 1e6,
    });
  }
  return { count: items.length, items };
}

const cached = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};
const allMonuments = cached(monuments);

// ---------------------------------------------------------------------------------------
// Risk: hazard zones, per-monument terms for the four scenarios, scores.

const SCENARIOS = ['ref', '+2.0', '+2.7', '+4.0'] as const;
type Scenario = (typeof SCENARIOS)[number];
const HAZARDS = ['flood', 'coastal_retreat', 'clay', 'seismic', 'heat', 'drought', 'wildfire'] as const;
const WEIGHTS: Record<string, number> = { flood: 3, coastal_retreat: 3, clay: 1, seismic: 2, heat: 1, drought: 1, wildfire: 2 };
const LEVEL_FR = ['très faible', 'faible', 'moyen', 'fort'];
const PROT_FACTOR: Record<string, number> = { classe: 1.2, classe_inscrit: 1.2, inscrit: 1.0, inconnue: 1.0 };
const ETAT_FACTOR: Record<string, number> = { bon: 0.9, moyen: 1.0, mauvais: 1.2, peril: 1.4 };

function blob(cx: number, cy: number, rx: number, ry: number, seed: number): Position[] {
  const rand = rng(seed);
  const ring: Position[] = [];
  for (let i = 0; i < 28; i++) {
    const a = (i / 28) * Math.PI * 2;
    const k = 0.75 + rand() * 0.4;
    ring.push([cx + rx * k * Math.cos(a), cy + ry * k * Math.sin(a)]);
  }
  ring.push(ring[0]);
  return ring;
}

/** TRI flood envelopes: a strip along the coast, wider for rarer scenarios. */
const floodZones = cached((): FeatureCollection => {
  const features: Feature[] = [];
  const widths: Array<[string, number, number]> = [['01For', 0.012, 3], ['02Moy', 0.025, 2], ['04Fai', 0.045, 1]];
  for (const [code, w, level] of widths.reverse()) {
    const top: Position[] = [];
    const bottom: Position[] = [];
    for (let i = 0; i <= 60; i++) {
      const lon = WEST + ((EAST - WEST) * i) / 60;
      top.push([lon, coastLat(lon) + w]);
      bottom.push([lon, coastLat(lon) - 0.005]);
    }
    features.push({
      type: 'Feature',
      properties: { scenario: code, level, label: `TRI ${code}` },
      geometry: { type: 'Polygon', coordinates: [[...top, ...bottom.reverse(), top[0]]] },
    });
  }
  return { type: 'FeatureCollection', features };
});

const clayZones = cached((): FeatureCollection => ({
  type: 'FeatureCollection',
  features: [
    [-3.1, 47.68, 0.09, 0.05, 3],
    [-2.85, 47.72, 0.12, 0.05, 2],
    [-2.65, 47.62, 0.08, 0.06, 1],
    [-3.2, 47.6, 0.06, 0.04, 2],
  ].map(([cx, cy, rx, ry, level], i) => ({
    type: 'Feature',
    properties: { NIVEAU: level, level },
    geometry: { type: 'Polygon', coordinates: [blob(cx, cy, rx, ry, 100 + i)] },
  })),
}));

function inside(ring: Position[], [x, y]: Position): boolean {
  let c = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

interface Review {
  etat_conservation: string | null;
  mitigation: string | null;
  statut_revue: string | null;
  note: string | null;
  version: number;
  updated_by: string | null;
  updated_at: string | null;
}
interface AuditRow {
  at: string;
  username: string;
  action: string;
  before: unknown;
  after: unknown;
}

const siteReviews = new Map<string, Review>();
const siteAudit = new Map<string, AuditRow[]>();

type Mon = ReturnType<typeof monuments>['items'][number];

function termsOf(m: Mon) {
  const rand = rng(Number(m.reference.slice(2)));
  const review = siteReviews.get(m.reference);
  const noData = Number(m.reference.slice(2)) % 37 === 0;
  const terms = [];
  for (const [si, scenario] of SCENARIOS.entries()) {
    for (const hazard of HAZARDS) {
      let value: number | null = null;
      let unit = '';
      let level: number | null = null;
      let source = '';
      let vintage = '';
      let threshold: unknown = null;
      const p: Position = [m.lon!, m.lat!];
      if (hazard === 'flood') {
        const codes = ['02Moy', '03Mcc', '03Mcc', '04Fai'];
        const z = floodZones().features.find((f) => (f.properties!.scenario as string) <= codes[si] && inside((f.geometry as Polygon).coordinates[0] as Position[], p));
        level = z ? (z.properties!.level as number) : 0;
        value = z ? 1 : 0;
        unit = 'dans l’enveloppe TRI';
        source = 'TRI Golfe du Morbihan';
        vintage = '2020';
        threshold = { fréquent: 'fort', scénario: 'moyen' };
      } else if (hazard === 'clay') {
        const z = clayZones().features.find((f) => inside((f.geometry as Polygon).coordinates[0] as Position[], p));
        level = z ? (z.properties!.level as number) : 0;
        value = z ? (z.properties!.NIVEAU as number) : 0;
        unit = 'NIVEAU';
        source = 'BRGM RGA';
        vintage = '2019';
        threshold = 'codes 1 faible, 2 moyen, 3 fort';
      } else if (hazard === 'seismic') {
        value = 2;
        unit = 'zone';
        level = 1;
        source = 'Zonage sismique';
        vintage = '2011';
        threshold = 'zone 1 très faible … 4-5 fort';
      } else if (hazard === 'coastal_retreat') {
        const margin = (m.lat! - coastLat(m.lon!)) * 111000 - 0.6 * [0, 5, 25, 75][si];
        value = Math.round(margin);
        unit = 'm de marge';
        level = margin <= 0 ? 3 : margin <= 50 ? 2 : margin <= 200 ? 1 : 0;
        source = 'Cerema indicateur national';
        vintage = '2018';
        threshold = [0, 50, 200];
      } else {
        const base = hazard === 'heat' ? 1.5 : hazard === 'drought' ? 12 : 2;
        value = Math.round((base * (1 + si * 0.9) + rand() * base) * 10) / 10;
        unit = 'jours/an';
        const t = hazard === 'heat' ? [1, 5, 20] : hazard === 'drought' ? [10, 30, 60] : [1, 10, 30];
        level = value >= t[2] ? 3 : value >= t[1] ? 2 : value >= t[0] ? 1 : 0;
        source = 'DRIAS 2020';
        vintage = '2020';
        threshold = t;
      }
      if (noData || (hazard === 'heat' && rand() < 0.08) || m.lon === null) {
        value = null;
        level = null;
      }
      let modifier = PROT_FACTOR[m.protection];
      const detail = [`protection ×${PROT_FACTOR[m.protection]}`];
      if (review?.etat_conservation) {
        modifier *= ETAT_FACTOR[review.etat_conservation];
        detail.push(`état ${review.etat_conservation} ×${ETAT_FACTOR[review.etat_conservation]}`);
      }
      if (review?.mitigation) {
        modifier *= 0.85;
        detail.push('mesures d’atténuation ×0,85');
      }
      modifier = Math.round(modifier * 1000) / 1000;
      terms.push({
        scenario,
        hazard,
        value,
        unit,
        level: level === null ? 'donnée absente' : LEVEL_FR[level],
        level_index: level,
        weight: WEIGHTS[hazard],
        modifier,
        modifier_detail: detail.join(' · '),
        term: level === null ? null : Math.round(WEIGHTS[hazard] * level * modifier * 100) / 100,
        source_layer: source,
        vintage,
        threshold_used: threshold,
      });
    }
  }
  return terms;
}

function scoresOf(m: Mon) {
  const terms = termsOf(m);
  const scores: Record<string, { score: number | null; max_level: number | null; n_no_data: number }> = {};
  for (const s of SCENARIOS) {
    const ts = terms.filter((t) => t.scenario === s);
    const known = ts.filter((t) => t.level_index !== null);
    scores[s] = {
      score: known.length ? Math.round(known.reduce((a, t) => a + t.term!, 0) * 100) / 100 : null,
      max_level: known.length ? Math.max(...known.map((t) => t.level_index!)) : null,
      n_no_data: ts.length - known.length,
    };
  }
  return scores;
}

const scoreCache = new Map<string, ReturnType<typeof scoresOf>>();
const scoresFor = (m: Mon) => {
  let s = scoreCache.get(m.reference);
  if (!s) scoreCache.set(m.reference, (s = scoresOf(m)));
  return s;
};

const PROT_CODE: Record<string, number> = { classe: 0, inscrit: 1, classe_inscrit: 2, inconnue: 3 };

function layerBin(scenario: Scenario): Uint8Array {
  const items = allMonuments().items.filter((m) => m.lon !== null);
  const n = items.length;
  const lon = new Float32Array(n);
  const lat = new Float32Array(n);
  const protection = new Uint8Array(n);
  const level = new Uint8Array(n);
  const score = new Float32Array(n);
  items.forEach((m, i) => {
    const s = scoresFor(m)[scenario];
    lon[i] = m.lon!;
    lat[i] = m.lat!;
    protection[i] = PROT_CODE[m.protection] + (m.partielle ? 4 : 0);
    level[i] = s.max_level ?? 255;
    score[i] = s.score ?? NaN;
  });
  return encodeMonumentLayer({ lon, lat, protection, level, score, references: items.map((m) => m.reference) });
}

function siteRow(m: Mon, scenario: Scenario) {
  const s = scoresFor(m)[scenario];
  return {
    site_id: m.reference,
    site_kind: 'monument',
    name: m.titre,
    commune: m.commune,
    insee: m.insee,
    departement: m.departement,
    protection: m.protection,
    lon: m.lon,
    lat: m.lat,
    score: s.score,
    max_level: s.max_level,
    level_label: s.max_level === null ? 'donnée absente' : LEVEL_FR[s.max_level],
    n_no_data: s.n_no_data,
    review_status: siteReviews.get(m.reference)?.statut_revue ?? null,
  };
}

const archaeoSites = cached(() => {
  const rand = rng(7);
  return Array.from({ length: 60 }, (_, i) => {
    const lon = WEST + 0.03 + rand() * (EAST - WEST - 0.06);
    const lat = coastLat(lon) + 0.02 + rand() * (NORTH - coastLat(lon) - 0.04);
    return {
      site_id: `EA-56-${String(1000 + i)}`,
      site_kind: 'archaeo',
      name: ['Tumulus', 'Enceinte', 'Habitat', 'Nécropole'][i % 4] + ` de Ker${['ven', 'lann', 'gal', 'roch'][i % 4]}`,
      commune: null,
      insee: null,
      departement: '56',
      protection: null,
      lon: Math.round(lon * 1e6) / 1e6,
      lat: Math.round(lat * 1e6) / 1e6,
      score: null,
      max_level: null,
      level_label: null,
      n_no_data: 0,
      review_status: null,
    };
  });
});

function listSites(q: URLSearchParams) {
  const scenario = (q.get('scenario') ?? 'ref') as Scenario;
  const limit = Math.min(Number(q.get('limit') ?? 100), 5000);
  const offset = Number(q.get('offset') ?? 0);
  const bbox = q.get('bbox')?.split(',').map(Number);
  const inBox = (r: { lon: number | null; lat: number | null }) =>
    !bbox || (r.lon !== null && r.lat !== null && r.lon >= bbox[0] && r.lat >= bbox[1] && r.lon <= bbox[2] && r.lat <= bbox[3]);
  if (q.get('kind') === 'archaeo') {
    const items = archaeoSites().filter(inBox);
    return { total: items.length, limit, offset, items: items.slice(offset, offset + limit) };
  }
  const dep = q.get('departement');
  const insee = q.get('insee');
  // As the server: one protection, one level ('absent' = donnée absente); with a hazard,
  // the level and the ranking are that hazard's.
  const prot = q.get('protection')?.split(',');
  const levels = q.get('level')?.split(',').map((l) => (l === 'absent' ? 'nd' : l));
  const hazard = q.get('hazard');
  const text = q.get('q')?.toLowerCase();
  let rows = allMonuments()
    .items.filter((m) => m.lon !== null)
    .filter((m) => (!dep || m.departement === dep) && (!insee || m.insee === insee) && (!prot || prot.includes(m.protection)))
    .filter((m) => !text || `${m.titre} ${m.reference} ${m.commune}`.toLowerCase().includes(text))
    .map((m) => {
      const row = siteRow(m, scenario);
      if (!hazard) return { row, level: row.max_level, rank: row.score };
      const t = termsOf(m).find((x) => x.scenario === scenario && x.hazard === hazard);
      return { row, level: t?.level_index ?? null, rank: t?.term ?? null };
    })
    .filter(({ row }) => inBox(row))
    .filter(({ level }) => !levels || levels.includes(level === null ? 'nd' : String(level)))
    .sort((a, b) => (b.rank ?? -1) - (a.rank ?? -1))
    .map(({ row }) => row);
  rows = q.get('sort') === 'name'
    ? rows.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '', 'fr'))
    : rows;
  return { total: rows.length, limit, offset, items: rows.slice(offset, offset + limit) };
}

// ---------------------------------------------------------------------------------------
// Detections.

const DETECTION_COUNT = Number(process.env.VIGIE_FIXTURE_DETECTIONS ?? 240);
const CLASS_NAMES = ['mound', 'kiln', 'enclosure', 'pit'] as const;
const TILES = ['0250_6750', '0251_6750', '0252_6751', '0253_6751', '0254_6752', '0255_6752'];

interface Det {
  detection_id: string;
  tile: string;
  class: string;
  score: number;
  confidence: number;
  level: number;
  diameter_m: number;
  lon: number;
  lat: number;
  novelty: string;
  known_site_id: string | null;
  decision: string | null;
  corrected_class: string | null;
  note: string | null;
  version: number;
}

const detections = cached((): Det[] => {
  const rand = rng(99);
  const out: Det[] = [];
  for (let i = 0; i < DETECTION_COUNT; i++) {
    const t = i % TILES.length;
    const lon = WEST + 0.05 + ((EAST - WEST - 0.1) * (t + rand())) / TILES.length;
    const lat = coastLat(lon) + 0.03 + rand() * (NORTH - coastLat(lon) - 0.06);
    const score = Math.round(rand() * 1000) / 1000;
    out.push({
      detection_id: `d${String(i + 1).padStart(6, '0')}`,
      tile: TILES[t],
      class: CLASS_NAMES[Math.floor(rand() * 4)],
      score,
      confidence: score,
      level: score > 0.85 ? 3 : score > 0.6 ? 2 : score > 0.35 ? 1 : 0,
      diameter_m: Math.round((8 + rand() * 30) * 10) / 10,
      lon: Math.round(lon * 1e6) / 1e6,
      lat: Math.round(lat * 1e6) / 1e6,
      novelty: rand() < 0.2 ? 'connu' : 'nouveau',
      known_site_id: null,
      decision: null,
      corrected_class: null,
      note: null,
      version: 0,
    });
  }
  return out;
});
const detectionAudit = new Map<string, AuditRow[]>();

function orderedDetections(order: string): Det[] {
  const items = [...detections()];
  return order === 'area'
    ? items.sort((a, b) => a.tile.localeCompare(b.tile) || b.score - a.score || a.detection_id.localeCompare(b.detection_id))
    : items.sort((a, b) => b.score - a.score || a.detection_id.localeCompare(b.detection_id));
}

/** A synthetic relief around a candidate: a bump or ring, the candidate outlined in red. */
function reliefPng(d: Det, kind: string, size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  const rand = rng(Number(d.detection_id.slice(1)) * 13 + kind.length);
  const waves = [rand() * 6, rand() * 6, rand() * 6];
  const r0 = size * 0.12 * (0.6 + (d.diameter_m / 40));
  const c = size / 2;
  const z = (x: number, y: number) => {
    const r = Math.hypot(x - c, y - c);
    const base = 6 * Math.sin(x / 23 + waves[0]) + 4 * Math.cos(y / 31 + waves[1]) + 2 * Math.sin((x + y) / 11 + waves[2]);
    const f = d.class === 'enclosure' ? 4 * Math.exp(-(((r - r0) / 4) ** 2)) : d.class === 'pit' ? -6 * Math.exp(-((r / r0) ** 2)) : 6 * Math.exp(-((r / r0) ** 2));
    return base + f;
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = z(x + 1, y) - z(x - 1, y);
      const dy = z(x, y + 1) - z(x, y - 1);
      let v: number;
      if (kind === 'slope') v = 255 - Math.min(255, Math.hypot(dx, dy) * 90);
      else if (kind === 'lrm') v = 128 + (z(x, y) - (6 * Math.sin(x / 23 + waves[0]) + 4 * Math.cos(y / 31 + waves[1]))) * 14;
      else if (kind === 'svf') v = 200 - Math.abs(dx + dy) * 40 - Math.max(0, -(z(x, y) % 3)) * 10;
      else v = 140 + (-dx + dy) * 60;
      v = Math.max(0, Math.min(255, v));
      const o = (y * size + x) * 4;
      png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
      png.data[o + 3] = 255;
      const r = Math.hypot(x - c, y - c);
      if (Math.abs(r - r0 * 1.6) < 1.2) {
        png.data[o] = 230;
        png.data[o + 1] = 20;
        png.data[o + 2] = 20;
      }
    }
  }
  return PNG.sync.write(png);
}

// ---------------------------------------------------------------------------------------
// Sessions.

const USERS: Record<string, { password: string; roles: string[] }> = {
  relecteur: { password: 'vigie', roles: ['administrateur'] },
  monuments: { password: 'vigie', roles: ['relecteur_monuments'] },
  lecteur: { password: 'vigie', roles: ['lecteur'] },
};
const sessions = new Map<string, { username: string; csrf: string }>();

function sessionOf(req: IncomingMessage) {
  const m = /(?:^|;\s*)vigie_session=([^;]+)/.exec(req.headers.cookie ?? '');
  return m ? (sessions.get(m[1]) ?? null) : null;
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function requireSession(req: IncomingMessage, roles?: string[]) {
  const s = sessionOf(req);
  if (!s) throw new HttpError(401, 'Authentification requise.');
  if (req.method !== 'GET' && req.headers['x-csrf-token'] !== s.csrf) throw new HttpError(403, 'Jeton CSRF manquant ou invalide.');
  if (roles && !USERS[s.username].roles.some((r) => r === 'administrateur' || roles.includes(r))) {
    throw new HttpError(403, 'Droits insuffisants.');
  }
  return s;
}

function monumentById(id: string): Mon {
  const m = allMonuments().items.find((x) => x.reference === id);
  if (!m) throw new HttpError(404, `Site inconnu : ${id}`);
  return m;
}

function detectionById(id: string): Det {
  const d = detections().find((x) => x.detection_id === id);
  if (!d) throw new HttpError(404, `Détection inconnue : ${id}`);
  return d;
}

const EMPTY_REVIEW: Review = { etat_conservation: null, mitigation: null, statut_revue: null, note: null, version: 0, updated_by: null, updated_at: null };

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => unknown;

const routes: Array<[string, RegExp, Handler]> = [
  ['GET', /^\/api\/health$/, () => ({
    status: 'ok',
    version: '0.0.0-fixtures',
    schemaVersion: 1,
    counts: { monuments: MONUMENT_COUNT, monuments_positioned: MONUMENT_COUNT - Math.floor(MONUMENT_COUNT / 25), communes: 12 },
  })],
  ['GET', /^\/api\/config$/, () => ({
    title: 'Vigie (données de démonstration)',
    styleUrl: null,
    bbox: null,
    public: ['monuments', 'risk', 'basemap', 'hazards'],
    scenarios: SCENARIOS,
    hazards: [...HAZARDS],
  })],
  ['GET', /^\/api\/basemap\/land$/, land],
  ['GET', /^\/api\/basemap\/communes$/, communes],
  ['GET', /^\/api\/basemap\/rivers$/, rivers],
  ['GET', /^\/api\/monuments$/, allMonuments],
  ['GET', /^\/api\/monuments\/layer\.bin$/, (_req, res, url) => {
    const scenario = (url.searchParams.get('scenario') ?? 'ref') as Scenario;
    if (!SCENARIOS.includes(scenario)) throw new HttpError(400, `Scénario inconnu : ${scenario}`);
    res.setHeader('content-type', 'application/octet-stream');
    return Buffer.from(layerBin(scenario));
  }],
  ['GET', /^\/api\/hazards\/flood$/, floodZones],
  ['GET', /^\/api\/hazards\/clay$/, clayZones],

  ['GET', /^\/api\/auth\/me$/, (req) => {
    const s = sessionOf(req);
    return s ? { user: { username: s.username, roles: USERS[s.username].roles }, csrfToken: s.csrf } : { user: null, csrfToken: null };
  }],
  ['POST', /^\/api\/auth\/login$/, async (req, res) => {
    const { username, password } = (await bodyOf(req)) as { username?: string; password?: string };
    const u = username ? USERS[username] : undefined;
    if (!u || u.password !== password) throw new HttpError(401, 'Identifiant ou mot de passe incorrect.');
    const token = randomBytes(16).toString('hex');
    const csrf = randomBytes(16).toString('hex');
    sessions.set(token, { username: username!, csrf });
    res.setHeader('set-cookie', `vigie_session=${token}; HttpOnly; SameSite=Strict; Path=/`);
    return { user: { username, roles: u.roles }, csrfToken: csrf };
  }],
  ['POST', /^\/api\/auth\/logout$/, (req, res) => {
    const m = /(?:^|;\s*)vigie_session=([^;]+)/.exec(req.headers.cookie ?? '');
    if (m) sessions.delete(m[1]);
    res.setHeader('set-cookie', 'vigie_session=; Max-Age=0; Path=/');
    res.statusCode = 204;
    return null;
  }],

  ['GET', /^\/api\/sites$/, (_req, _res, url) => listSites(url.searchParams)],
  ['GET', /^\/api\/sites\/([^/]+)$/, (_req, _res, _url, [id]) => {
    const m = monumentById(id);
    return { site: m, scores: scoresFor(m), terms: termsOf(m), review: siteReviews.get(id) ?? null };
  }],
  ['PUT', /^\/api\/sites\/([^/]+)\/review$/, async (req, _res, _url, [id]) => {
    const s = requireSession(req, ['relecteur_monuments']);
    const m = monumentById(id);
    const body = await bodyOf(req);
    const previous = siteReviews.get(id) ?? null;
    const current = previous ?? EMPTY_REVIEW;
    if (body.version !== current.version) {
      throw new HttpError(409, `Cette fiche a été modifiée par ${current.updated_by ?? 'un autre utilisateur'}.`, { current });
    }
    const next: Review = {
      etat_conservation: (body.etat_conservation as string | null) ?? null,
      mitigation: (body.mitigation as string) || null,
      statut_revue: (body.statut_revue as string) ?? 'a_examiner',
      note: (body.note as string) || null,
      version: current.version + 1,
      updated_by: s.username,
      updated_at: new Date().toISOString(),
    };
    siteReviews.set(id, next);
    scoreCache.delete(id);
    siteAudit.set(id, [...(siteAudit.get(id) ?? []), { at: next.updated_at!, username: s.username, action: 'review', before: previous, after: next }]);
    return { review: next, rescored: { scores: scoresFor(m) } };
  }],
  ['GET', /^\/api\/sites\/([^/]+)\/audit$/, (req, _res, _url, [id]) => {
    requireSession(req);
    return { items: [...(siteAudit.get(id) ?? [])].reverse() };
  }],

  ['GET', /^\/api\/detections$/, (req, _res, url) => {
    requireSession(req);
    const q = url.searchParams;
    const status = q.get('status') ?? 'pending';
    const bbox = q.get('bbox')?.split(',').map(Number);
    const limit = Math.min(Number(q.get('limit') ?? 100), 5000);
    const offset = Number(q.get('offset') ?? 0);
    const items = orderedDetections(q.get('order') ?? 'reliability').filter(
      (d) =>
        (status === 'all' || (status === 'pending') === (d.decision === null)) &&
        (!q.get('tile') || d.tile === q.get('tile')) &&
        (!q.get('class') || d.class === q.get('class')) &&
        (!bbox || (d.lon >= bbox[0] && d.lat >= bbox[1] && d.lon <= bbox[2] && d.lat <= bbox[3])),
    );
    return { total: items.length, limit, offset, items: items.slice(offset, offset + limit) };
  }],
  ['GET', /^\/api\/detections\/progress$/, (req) => {
    requireSession(req);
    return {
      zones: TILES.map((tile) => {
        const ds = detections().filter((d) => d.tile === tile);
        const n = (dec: string) => ds.filter((d) => d.decision === dec).length;
        return { tile, total: ds.length, reviewed: ds.filter((d) => d.decision).length, oui: n('oui'), non: n('non'), peut_etre: n('peut_etre') };
      }),
    };
  }],
  ['GET', /^\/api\/detections\/([^/]+)$/, (req, _res, url, [id]) => {
    requireSession(req);
    const d = detectionById(id);
    const list = orderedDetections(url.searchParams.get('order') ?? 'reliability');
    const i = list.indexOf(d);
    return { ...d, neighbours: { previous: list[i - 1]?.detection_id ?? null, next: list[i + 1]?.detection_id ?? null } };
  }],
  ['PUT', /^\/api\/detections\/([^/]+)\/review$/, async (req, _res, _url, [id]) => {
    const s = requireSession(req, ['relecteur_detections']);
    const d = detectionById(id);
    const body = await bodyOf(req);
    if (!['oui', 'non', 'peut_etre'].includes(body.decision as string)) throw new HttpError(400, 'Décision invalide.');
    if (body.version !== d.version) throw new HttpError(409, 'Cette détection a été modifiée entre-temps.', { current: d });
    const before = { ...d };
    Object.assign(d, {
      decision: body.decision,
      corrected_class: (body.corrected_class as string | null) ?? null,
      note: (body.note as string) || null,
      version: d.version + 1,
    });
    detectionAudit.set(id, [...(detectionAudit.get(id) ?? []), { at: new Date().toISOString(), username: s.username, action: 'review', before, after: { ...d } }]);
    return { item: d };
  }],
  ['GET', /^\/api\/detections\/([^/]+)\/relief\/([a-z]+)\.png$/, (req, res, url, [id, kind]) => {
    requireSession(req);
    if (!['hillshade', 'lrm', 'svf', 'slope'].includes(kind)) throw new HttpError(400, `Visualisation inconnue : ${kind}`);
    const size = Math.min(Math.max(Number(url.searchParams.get('size') ?? 256), 32), 512);
    res.setHeader('content-type', 'image/png');
    return reliefPng(detectionById(id), kind, size);
  }],
  ['GET', /^\/api\/detections\/([^/]+)\/audit$/, (req, _res, _url, [id]) => {
    requireSession(req);
    return { items: [...(detectionAudit.get(id) ?? [])].reverse() };
  }],
];

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

const answer: Middleware = (req, res, next) => {
  const url = new URL(req.url ?? '/', 'http://fixture');
  if (!url.pathname.startsWith('/api/')) return next();
  const found = routes.find(([method, re]) => method === req.method && re.test(url.pathname));
  const send = (status: number, body: unknown) => {
    res.statusCode = status;
    if (Buffer.isBuffer(body)) return res.end(body);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(body === null ? undefined : JSON.stringify(body));
  };
  if (!found) return send(404, { error: `Ressource inconnue : ${req.method} ${url.pathname}` });
  const params = found[1].exec(url.pathname)!.slice(1).map(decodeURIComponent);
  Promise.resolve()
    .then(() => found[2](req, res, url, params))
    .then(
      (body) => send(res.statusCode === 200 || !res.statusCode ? 200 : res.statusCode, body),
      (error: unknown) =>
        error instanceof HttpError
          ? send(error.status, { error: error.message, ...error.extra })
          : send(500, { error: String(error) }),
    );
};

/** Serves the fixture API from `vite` (dev) and `vite preview` (built app). */
export function fixtureApi(): Plugin {
  return {
    name: 'vigie-fixture-api',
    configureServer(server) {
      server.middlewares.use(answer);
    },
    configurePreviewServer(server) {
      server.middlewares.use(answer);
    },
  };
}
