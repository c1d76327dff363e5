/**
 * Development-only synthetic API (VIGIE_FIXTURES=1 npx vite): answers the same routes
 * as engine/server with a tiny deterministic region on the south Brittany coast, so the
 * app can be worked on without the engine. Never bundled into the app.
 */
import type { Plugin } from 'vite';
import type { Feature, FeatureCollection, Polygon } from 'geojson';

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

const routes: Record<string, () => unknown> = {
  '/api/health': () => ({
    status: 'ok',
    version: '0.0.0-fixtures',
    schemaVersion: 1,
    counts: { monuments: MONUMENT_COUNT, monuments_positioned: MONUMENT_COUNT - Math.floor(MONUMENT_COUNT / 25), communes: 12 },
  }),
  '/api/config': () => ({ title: 'Vigie (données de démonstration)', styleUrl: null, bbox: null }),
  '/api/basemap/land': land,
  '/api/basemap/communes': communes,
  '/api/basemap/rivers': rivers,
  '/api/monuments': cached(monuments),
};

type Middleware = (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void) => void;

const answer: Middleware = (req, res, next) => {
  const path = (req.url ?? '').split('?')[0];
  if (!path.startsWith('/api/')) return next();
  const route = routes[path];
  res.setHeader('content-type', 'application/json; charset=utf-8');
  if (!route) {
    res.statusCode = 404;
    res.end(JSON.stringify({ error: `no fixture for ${path}` }));
    return;
  }
  res.end(JSON.stringify(route()));
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
