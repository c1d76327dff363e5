/**
 * Seeded synthetic national-scale inputs for the risk benchmark, so before/after runs compare
 * like with like: sites spread over metropolitan France (Lambert-93), square communes, a flood
 * depth COG, clay and TRI polygons, an eroding coast, seismic zoning by commune, a DRIAS grid.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { grid, type Grid } from '../../engine/geo/grid.ts';
import type { AppendColumn, Store } from '../../engine/store/store.ts';

/** mulberry32: tiny, fast, good enough for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Sizes {
  monuments: number;
  archaeo: number;
  rasterPx: number;
  polygons: number;
  communeKm: number;
}
export const FULL: Sizes = { monuments: 46_760, archaeo: 550_000, rasterPx: 10_000, polygons: 50_000, communeKm: 5 };
export const QUICK: Sizes = { monuments: 1_500, archaeo: 4_000, rasterPx: 1_536, polygons: 1_500, communeKm: 40 };

// A 1,000 km square over metropolitan France, Lambert-93.
export const X0 = 150_000;
export const Y0 = 6_100_000;
export const SIDE = 1_000_000;

export function rasterGrid(px: number): Grid {
  return grid({ originX: X0, originY: Y0 + SIDE, resX: SIDE / px, resY: SIDE / px, width: px, height: px, crs: 'EPSG:2154' });
}

/** Flood depth: smooth basins, 0 most places, nodata along the western edge (outside the model). */
export function writeFloodCog(dir: string, px: number): string {
  const g = rasterGrid(px);
  const data = new Float32Array(px * px);
  for (let r = 0; r < px; r++) {
    const v = r / px;
    const sv = Math.sin(v * 37.0) * 0.6;
    for (let c = 0; c < px; c++) {
      const u = c / px;
      if (u < 0.01) {
        data[r * px + c] = -9999;
        continue;
      }
      const d = Math.sin(u * 53.0 + sv) * Math.cos(v * 29.0 - u * 7.0) * 3 - 1.8;
      data[r * px + c] = d > 0 ? Math.round(d * 100) / 100 : 0;
    }
  }
  const path = join(dir, 'flood_depth_cog.tif');
  writeFileSync(path, writeGeoTiff(data, g, { cog: true, tileSize: 512, nodata: -9999 }));
  return path;
}

type Named<R> = AppendColumn<R> & { name: string };
const SQL_TYPE = { varchar: 'VARCHAR', json: 'JSON', double: 'DOUBLE', integer: 'INTEGER', bigint: 'BIGINT', boolean: 'BOOLEAN' } as const;

/** Appends by column name through a staging table, so tables that gain columns keep working. */
async function appendNamed<R>(store: Store, table: string, rows: Iterable<R>, cols: Named<R>[]): Promise<void> {
  const stage = `bench_stage_${table}`;
  const names = cols.map((c) => c.name).join(', ');
  await store.run(`CREATE OR REPLACE TABLE ${stage} (${cols.map((c) => `${c.name} ${SQL_TYPE[c.type]}`).join(', ')})`);
  await store.append(stage, rows, cols);
  await store.run(`INSERT INTO ${table} (${names}) SELECT ${names} FROM ${stage}`);
  await store.run(`DROP TABLE ${stage}`);
}

const TYPES = ['église', 'chapelle', 'château', 'maison', 'menhir', 'moulin', 'pont', 'croix', 'hôtel', 'abbaye'];
const MATS = ['calcaire', 'granite', 'pan de bois', 'brique', 'torchis', 'grès', null];
const PROT = ['classe', 'inscrit', 'inscrit', 'classe_inscrit'];

export async function fillStore(store: Store, dir: string, sizes: Sizes, seed = 42): Promise<{ rasterPath: string }> {
  const rnd = mulberry32(seed);
  const cells = Math.round(SIDE / (sizes.communeKm * 1000));
  const cw = SIDE / cells;
  const communeOf = (x: number, y: number) => {
    const i = Math.min(cells - 1, Math.floor((x - X0) / cw));
    const j = Math.min(cells - 1, Math.floor((y - Y0) / cw));
    return { code: String(10000 + j * cells + i).padStart(5, '0'), i, j };
  };
  const communes = Array.from({ length: cells * cells }, (_, k) => {
    const i = k % cells, j = Math.floor(k / cells);
    const x0 = X0 + i * cw, y0 = Y0 + j * cw;
    return { code: String(10000 + k).padStart(5, '0'), dep: `D${Math.floor(i / 10)}-${Math.floor(j / 10)}`, reg: `R${Math.floor(i / 40)}-${Math.floor(j / 40)}`, x0, y0, x1: x0 + cw, y1: y0 + cw };
  });
  await store.append('communes', communes, [
    { type: 'varchar', get: (c) => c.code }, { type: 'varchar', get: (c) => `Commune ${c.code}` },
    { type: 'varchar', get: (c) => c.dep }, { type: 'varchar', get: (c) => c.reg },
    { type: 'double', get: (c) => c.x0 }, { type: 'double', get: (c) => c.y0 }, { type: 'double', get: (c) => c.x1 }, { type: 'double', get: (c) => c.y1 },
    { type: 'double', get: () => cw * cw },
    { type: 'json', get: (c) => ({ type: 'Polygon', coordinates: [[[c.x0, c.y0], [c.x1, c.y0], [c.x1, c.y1], [c.x0, c.y1], [c.x0, c.y0]]] }) },
    { type: 'integer', get: () => 1 },
  ]);

  const pt = () => [X0 + 1000 + rnd() * (SIDE - 2000), Y0 + 1000 + rnd() * (SIDE - 2000)];
  const monuments = Array.from({ length: sizes.monuments }, (_, k) => {
    const [x, y] = pt();
    return { ref: `PA${String(k).padStart(8, '0')}`, x, y, t: TYPES[k % TYPES.length], m: MATS[Math.floor(rnd() * MATS.length)], p: PROT[k % 4], insee: communeOf(x, y).code };
  });
  await appendNamed(store, 'monuments', monuments, [
    { name: 'reference', type: 'varchar', get: (m) => m.ref }, { name: 'titre', type: 'varchar', get: (m) => `${m.t} ${m.ref}` },
    { name: 'denomination', type: 'varchar', get: (m) => m.t }, { name: 'protection', type: 'varchar', get: (m) => m.p },
    { name: 'partielle', type: 'boolean', get: () => false }, { name: 'insee', type: 'varchar', get: (m) => m.insee },
    { name: 'materiaux', type: 'varchar', get: (m) => m.m }, { name: 'x', type: 'double', get: (m) => m.x },
    { name: 'y', type: 'double', get: (m) => m.y }, { name: 'position_status', type: 'varchar', get: () => 'ok' },
    { name: 'catalogue_id', type: 'integer', get: () => 1 },
  ]);
  const archaeo = Array.from({ length: sizes.archaeo }, (_, k) => {
    const [x, y] = pt();
    return { id: `EA-${k}`, x, y, insee: communeOf(x, y).code };
  });
  await appendNamed(store, 'heritage_sites', archaeo, [
    { name: 'site_id', type: 'varchar', get: (a) => a.id }, { name: 'site_kind', type: 'varchar', get: () => 'archaeo' },
    { name: 'name', type: 'varchar', get: (a) => `Entité ${a.id}` },
    { name: 'type', type: 'varchar', get: (a) => (a.x % 3 < 1 ? 'tumulus' : 'habitat') }, { name: 'periode', type: 'varchar', get: () => 'Néolithique' },
    { name: 'insee', type: 'varchar', get: (a) => a.insee }, { name: 'x', type: 'double', get: (a) => a.x }, { name: 'y', type: 'double', get: (a) => a.y },
    { name: 'position_status', type: 'varchar', get: () => 'ok' },
  ]);

  const rasterPath = writeFloodCog(dir, sizes.rasterPx);

  // Polygons: 90 % clay (RGA NIVEAU 1–3, 5 % placeholders), 10 % TRI envelopes (nested per scenario).
  const zones: { layer: string; hazard: string; scenario: string | null; level: number | null; value: number | null; b: number[]; g: unknown }[] = [];
  const ring = (cx: number, cy: number, r: number) => {
    const pts: number[][] = [];
    for (let a = 0; a < 12; a++) {
      const rr = r * (0.7 + 0.3 * rnd());
      pts.push([cx + rr * Math.cos((a * Math.PI) / 6), cy + rr * Math.sin((a * Math.PI) / 6)]);
    }
    pts.push(pts[0]);
    return pts;
  };
  const nTri = Math.round(sizes.polygons / 10 / 4);
  for (let k = 0; k < sizes.polygons - nTri * 4; k++) {
    const [cx, cy] = pt();
    const r = 300 + rnd() * 2700;
    const lv = rnd() < 0.05 ? null : 1 + Math.floor(rnd() * 3);
    zones.push({ layer: 'rga', hazard: 'clay', scenario: null, level: lv, value: null, b: [cx - r, cy - r, cx + r, cy + r], g: { type: 'Polygon', coordinates: [ring(cx, cy, r)] } });
  }
  for (let k = 0; k < nTri; k++) {
    const [cx, cy] = pt();
    const base = 200 + rnd() * 1500;
    [['01For', 0.5], ['02Moy', 1], ['03Mcc', 1.3], ['04Fai', 1.8]].forEach(([sc, f]) => {
      const r = base * (f as number);
      zones.push({ layer: 'tri', hazard: 'flood', scenario: sc as string, level: 1, value: null, b: [cx - r, cy - r, cx + r, cy + r], g: { type: 'Polygon', coordinates: [ring(cx, cy, r)] } });
    });
  }
  // Coast: a wavy line down the western edge, 10 km stretches, 3 % placeholder rates.
  for (let y = Y0; y < Y0 + SIDE; y += 10_000) {
    const xs = [0, 2500, 5000, 7500, 10_000].map((d) => [X0 + 20_000 + 3000 * Math.sin((y + d) / 40_000), y + d]);
    const taux = rnd() < 0.03 ? null : -Math.round(rnd() * 300) / 100;
    zones.push({ layer: 'cote', hazard: 'coastal_retreat', scenario: null, level: null, value: taux, b: [Math.min(...xs.map((p) => p[0])), y, Math.max(...xs.map((p) => p[0])), y + 10_000], g: { type: 'LineString', coordinates: xs } });
  }
  await store.append('hazard_zones', zones, [
    { type: 'varchar', get: (z) => z.layer }, { type: 'varchar', get: () => null }, { type: 'varchar', get: (z) => z.hazard },
    { type: 'varchar', get: (z) => z.scenario }, { type: 'integer', get: (z) => z.level }, { type: 'double', get: (z) => z.value },
    { type: 'json', get: () => null },
    { type: 'double', get: (z) => z.b[0] }, { type: 'double', get: (z) => z.b[1] }, { type: 'double', get: (z) => z.b[2] }, { type: 'double', get: (z) => z.b[3] },
    { type: 'json', get: (z) => z.g },
  ]);
  await store.append('hazard_by_commune', communes, [
    { type: 'varchar', get: () => 'seisme' }, { type: 'varchar', get: () => 'seismic' }, { type: 'varchar', get: (c) => c.code },
    { type: 'integer', get: (c) => 1 + (Math.floor(c.x0 / 97_000 + c.y0 / 131_000) % 5) }, { type: 'double', get: () => null }, { type: 'json', get: () => null },
  ]);
  // DRIAS: 8 km grid, three indicators, four warming levels.
  // Coarse grids (QUICK, small test seeds) get a coarse climate grid too.
  const step = sizes.communeKm >= 40 ? 32_000 : 8_000;
  const climate: { w: string; p: string; x: number; y: number; ind: string; v: number }[] = [];
  const warm: Record<string, number> = { ref: 1, '+2.0': 1.6, '+2.7': 2.2, '+4.0': 3.5 };
  for (let x = X0; x <= X0 + SIDE; x += step) {
    for (let y = Y0; y <= Y0 + SIDE; y += step) {
      const south = 1 - (y - Y0) / SIDE;
      for (const [w, f] of Object.entries(warm)) {
        climate.push({ w, p: `${x}_${y}`, x, y, ind: 'NORTX35D_yr', v: south * 8 * f });
        climate.push({ w, p: `${x}_${y}`, x, y, ind: 'NORSWI04_yr', v: south * 25 * f });
        climate.push({ w, p: `${x}_${y}`, x, y, ind: 'NORIFM40_yr', v: south * 12 * f });
      }
    }
  }
  await store.append('climate_points', climate, [
    { type: 'varchar', get: () => 'drias' }, { type: 'varchar', get: (c) => c.w }, { type: 'varchar', get: (c) => c.p },
    { type: 'double', get: () => null }, { type: 'double', get: () => null },
    { type: 'double', get: (c) => c.x }, { type: 'double', get: (c) => c.y }, { type: 'varchar', get: (c) => c.ind }, { type: 'double', get: (c) => c.v },
  ]);
  const layers: [string, string, string, string | null][] = [
    ['rga', 'clay', 'zones', null], ['tri', 'flood', 'zones', null], ['cote', 'coastal_retreat', 'lines', null],
    ['seisme', 'seismic', 'commune_table', null], ['drias_heat', 'heat', 'climate_grid', null],
    ['drias_drought', 'drought', 'climate_grid', null], ['drias_fire', 'wildfire', 'climate_grid', null],
    ['flood_depth', 'flood', 'raster', rasterPath],
  ];
  for (const [layer, hazard, kind, path] of layers) {
    await store.run(
      `INSERT INTO hazard_layers (layer, hazard, kind, raster_path, crs, vintage, catalogue_id, minx, miny, maxx, maxy) VALUES ($1, $2, $3, $4, 'EPSG:2154', 'synthétique', 1, $5, $6, $7, $8)`,
      [layer, hazard, kind, path, X0, Y0, X0 + SIDE, Y0 + SIDE],
    );
  }
  // The three DRIAS layers share one grid: copy the points under each layer name.
  for (const l of ['drias_heat', 'drias_drought', 'drias_fire']) await store.run(`INSERT INTO climate_points SELECT '${l}', warming, point, lon, lat, x, y, indicator, value FROM climate_points WHERE layer = 'drias'`);
  await store.run(`DELETE FROM climate_points WHERE layer = 'drias'`);
  return { rasterPath };
}
