/**
 * A national-size database from the project's own seeded generator (pipelines/bench/synthetic.ts):
 * monuments positioned and scored under the four scenarios, LiDAR detections, a land outline for
 * the map and a reviewer account. The API and web benchmarks serve it with the real server, and
 * web developers point `vite` at it:
 *
 *   npx tsx pipelines/bench/seed.ts --db var/national.duckdb [--monuments 46760] [--detections 100000]
 *   npx vigie serve --db var/national.duckdb      # then `npx vite` in another terminal
 */


import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createUser } from '../../engine/auth/users.ts';
import { toWgs84 } from '../../engine/geo/crs.ts';
import { loadRiskConfig } from '../../engine/risk/config.ts';
import { scoreAll } from '../../engine/risk/score.ts';
import { Store } from '../../engine/store/store.ts';
import { SIDE, X0, Y0, fillStore, mulberry32, type Sizes } from './synthetic.ts';

export interface SeedOptions {
  monuments?: number;
  detections?: number;
  seed?: number;
  /** folder for the generated rasters (must outlive the store when it is served) */
  dir: string;
  /** a small, coarse world (100 km communes, 256² raster, 32 km climate grid) for tests */
  coarse?: boolean;
  log?: (line: string) => void;
}

export const SEED_USER = { username: 'relecteur', password: 'vigie-relecteur', roles: ['relecteur_monuments', 'relecteur_detections'] as const };

export async function seedNational(store: Store, o: SeedOptions): Promise<{ monuments: number; detections: number }> {
  const log = o.log ?? (() => {});
  const nMon = o.monuments ?? 46_760, nDet = o.detections ?? 100_000, seed = o.seed ?? 42;
  const sizes: Sizes = o.coarse
    ? { monuments: nMon, archaeo: 0, rasterPx: 256, polygons: 200, communeKm: 100 }
    : { monuments: nMon, archaeo: 0, rasterPx: 1536, polygons: Math.max(50, Math.min(1500, Math.round(nMon / 30))), communeKm: 20 };
  mkdirSync(o.dir, { recursive: true });
  log(`generating ${nMon} monuments and ${nDet} detections (seed ${seed})…`);
  await fillStore(store, o.dir, sizes, seed);
  // WGS84 positions, as an import of the real files gives them.
  const { columns } = await store.readColumns('SELECT reference, x, y FROM monuments');
  const refs = columns.reference as string[], xs = columns.x as Float64Array, ys = columns.y as Float64Array;
  const lon = new Float64Array(refs.length), lat = new Float64Array(refs.length);
  refs.forEach((_, i) => ([lon[i], lat[i]] = toWgs84(xs[i], ys[i])));
  await store.run('CREATE TEMP TABLE seed_pos (reference VARCHAR, lon DOUBLE, lat DOUBLE)');
  await store.appendColumns('seed_pos', { reference: refs, lon, lat });
  await store.run('UPDATE monuments SET lon = p.lon, lat = p.lat FROM seed_pos p WHERE p.reference = monuments.reference');
  await store.run('DROP TABLE seed_pos');
  log('scoring…');
  await scoreAll(store, { config: loadRiskConfig(), kinds: ['monument'] });

  const rnd = mulberry32(seed + 7);
  const classes = ['mound', 'kiln', 'enclosure', 'pit'], levels = ['doubtful', 'possible', 'probable', 'very_probable'];
  const dets = Array.from({ length: nDet }, (_, k) => {
    const x = X0 + 1000 + rnd() * (SIDE - 2000), y = Y0 + 1000 + rnd() * (SIDE - 2000);
    const tile = `LHD_FXX_${String(Math.floor(x / 1000)).padStart(4, '0')}_${Math.ceil(y / 1000)}`;
    const score = rnd();
    return { id: `bench:${tile}:${k}`, tile, cls: classes[k % 4], score, level: levels[Math.min(3, Math.floor(score * 4))], x, y };
  });
  await store.append('detections', dets, [
    { type: 'varchar', get: (d) => d.id }, { type: 'varchar', get: (d) => d.tile }, { type: 'varchar', get: (d) => d.cls },
    { type: 'double', get: (d) => d.score }, { type: 'double', get: (d) => d.score * 0.9 }, { type: 'varchar', get: (d) => d.level },
    { type: 'double', get: () => 12 }, { type: 'double', get: (d) => d.x }, { type: 'double', get: (d) => d.y },
    { type: 'varchar', get: () => 'nouveau' }, { type: 'varchar', get: () => null }, { type: 'varchar', get: () => 'bench' },
    { type: 'varchar', get: () => new Date().toISOString() }, { type: 'varchar', get: () => null },
  ]);

  // The land outline: the generator's square, for the offline basemap and the initial view.
  const corners = [[X0, Y0], [X0 + SIDE, Y0], [X0 + SIDE, Y0 + SIDE], [X0, Y0 + SIDE], [X0, Y0]].map(([x, y]) => toWgs84(x, y));
  const land = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [corners] } }] };
  const lons = corners.map((c) => c[0]), lats = corners.map((c) => c[1]);
  await store.run(
    `INSERT OR REPLACE INTO basemap_layers VALUES ('land', $1, 1, $2, $3, $4, $5, 1)`,
    [JSON.stringify(land), Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
  );
  await createUser(store, 'seed', { username: SEED_USER.username, password: SEED_USER.password, roles: [...SEED_USER.roles] });
  return { monuments: nMon, detections: nDet };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { db: { type: 'string' }, monuments: { type: 'string' }, detections: { type: 'string' }, seed: { type: 'string' } } });
  if (!values.db) {
    console.error('usage: npx tsx pipelines/bench/seed.ts --db FILE [--monuments N] [--detections N] [--seed S]');
    process.exit(2);
  }
  const db = resolve(values.db);
  const dir = join(db + '.rasters');
  const store = await Store.open(db);
  const t0 = performance.now();
  const r = await seedNational(store, {
    dir, log: (l) => console.error(l),
    monuments: values.monuments ? Number(values.monuments) : undefined,
    detections: values.detections ? Number(values.detections) : undefined,
    seed: values.seed ? Number(values.seed) : undefined,
  });
  await store.checkpoint();
  store.close();
  console.error(`${db}: ${r.monuments} monuments, ${r.detections} detections in ${((performance.now() - t0) / 1000).toFixed(1)} s; reviewer ${SEED_USER.username} / ${SEED_USER.password}`);
}
