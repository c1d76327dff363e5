/**
 * Shared set-up for the review API tests: the hand-checked risk fixture, scored; a 200 m LiDAR
 * tile (GeoTIFF) with a mound under three detections; one account per role.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Store } from '../../engine/store/store.ts';
import { loadRiskConfig } from '../../engine/risk/config.ts';
import { scoreAll } from '../../engine/risk/score.ts';
import { createUser } from '../../engine/auth/users.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { buildFixture } from '../golden/risk/fixture.ts';

export const PASSWORD = 'correct-horse-battery';
export const ROLE_USERS = {
  lecteur: ['lecteur'], monuments: ['relecteur_monuments'], detections: ['relecteur_detections'], admin: ['administrateur'],
} as const;
export type RoleUser = keyof typeof ROLE_USERS;

export const TILE = { x0: 200_000, y1: 6_801_000, px: 0.5, size: 400 };
export const DETECTIONS = [
  { id: 'm1:t1:0', cls: 'mound', score: 0.91, conf: 0.88, level: 'very_probable', x: 200_100, y: 6_800_900 },
  { id: 'm1:t1:1', cls: 'kiln', score: 0.55, conf: 0.5, level: 'possible', x: 200_050, y: 6_800_950 },
  { id: 'm1:t1:2', cls: 'pit', score: 0.7, conf: 0.66, level: 'probable', x: 200_150, y: 6_800_850 },
];

export function writeTile(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const { size, px } = TILE;
  const data = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const x = TILE.x0 + (c + 0.5) * px, y = TILE.y1 - (r + 0.5) * px;
      const d = Math.hypot(x - DETECTIONS[0].x, y - DETECTIONS[0].y);
      data[r * size + c] = 50 + 0.01 * x % 3 + (d < 10 ? 1.5 * Math.cos((d / 10) * (Math.PI / 2)) : 0);
    }
  }
  const path = join(dir, 't1.tif');
  writeFileSync(path, writeGeoTiff(data, { originX: TILE.x0, originY: TILE.y1, resX: px, resY: px, width: size, height: size, crs: 'EPSG:2154' }));
  return path;
}

export async function reviewStore(path: string, tileDir: string): Promise<Store> {
  const store = await Store.open(path);
  await buildFixture(store);
  await scoreAll(store, { config: loadRiskConfig() });
  const tile = writeTile(tileDir);
  for (const d of DETECTIONS) {
    await store.run(
      `INSERT INTO detections (detection_id, tile, class, score, confidence, level, diameter_m, x, y, novelty, model_hash)
       VALUES ($1, 't1', $2, $3, $4, $5, 12.5, $6, $7, 'nouveau', 'm1')`,
      [d.id, d.cls, d.score, d.conf, d.level, d.x, d.y]);
  }
  await store.run(`INSERT INTO detection_tiles (tile, model_hash, source_file, minx, miny, maxx, maxy, detections)
                   VALUES ('t1', 'm1', $1, $2, $3, $4, $5, 3)`, [tile, TILE.x0, TILE.y1 - 200, TILE.x0 + 200, TILE.y1]);
  for (const [name, roles] of Object.entries(ROLE_USERS)) await createUser(store, 'test', { username: name, password: PASSWORD, roles });
  return store;
}

export interface Client { cookie: string; csrf: string }

export async function login(app: FastifyInstance, username: string, password = PASSWORD): Promise<Client> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  return { cookie: String(res.headers['set-cookie']).split(';')[0], csrf: res.json().csrfToken };
}

export function headers(c: Client | null): Record<string, string> {
  return c ? { cookie: c.cookie, 'x-csrf-token': c.csrf } : {};
}
