/**
 * The national LiDAR HD tile set for the scale simulation: one 1 km tile per Lambert-93
 * kilometre cell touching metropolitan France (france-km-cells.json, built by make-mask.ts from
 * IGN's départements), plus the overseas départements LiDAR HD covers, on their own UTM
 * kilometre grids. Overseas tiles are a block of as many cells as the département's land area
 * (INSEE, km²) around a point of the island: right in number, indicative in position. Guyane
 * is left out (LiDAR HD does not cover its forest interior).
 *
 * Names follow IGN's pattern: `LHD_FXX_0330_6714_MNT_O_0M50_LAMB93_IGN69` (km of the left and
 * top edges).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MASK_PATH } from './make-mask.ts';
import type { JobSpec } from '../../engine/queue/spec.ts';

export interface Territory {
  code: string;
  name: string;
  crs: string;
  crsLabel: string;
  vertical: string;
  /** land area, km² (INSEE) — the number of tiles */
  areaKm2: number;
  /** lower-left kilometre of the block */
  x0: number;
  y0: number;
}

export const OVERSEAS: Territory[] = [
  { code: 'GLP', name: 'Guadeloupe', crs: 'EPSG:5490', crsLabel: 'RGAF09UTM20', vertical: 'IGN88', areaKm2: 1628, x0: 620, y0: 1760 },
  { code: 'MTQ', name: 'Martinique', crs: 'EPSG:5490', crsLabel: 'RGAF09UTM20', vertical: 'IGN87', areaKm2: 1128, x0: 690, y0: 1595 },
  { code: 'REU', name: 'La Réunion', crs: 'EPSG:2975', crsLabel: 'RGR92UTM40S', vertical: 'REU89', areaKm2: 2504, x0: 315, y0: 7635 },
  { code: 'MYT', name: 'Mayotte', crs: 'EPSG:4471', crsLabel: 'RGM04UTM38S', vertical: 'SHOM1953', areaKm2: 374, x0: 500, y0: 8570 },
];

export interface NationalTile {
  name: string;
  /** left and top edges, km, in the territory's CRS */
  xKm: number;
  yKm: number;
  crs: string;
  territory: string;
}

const pad4 = (v: number) => String(v).padStart(4, '0');

export function metroCells(): { rows: number[][]; cells: number } {
  const m = JSON.parse(readFileSync(MASK_PATH, 'utf8')) as { rows: number[][]; cells: number };
  return { rows: m.rows, cells: m.cells };
}

/** Every national tile, metropolitan first (north to south, west to east), then overseas. */
export function* nationalTiles(): Generator<NationalTile> {
  for (const [y, ...runs] of metroCells().rows) {
    for (let i = 0; i < runs.length; i += 2) {
      for (let x = runs[i]; x <= runs[i + 1]; x++) {
        // a cell [x, x+1) × [y, y+1) km: IGN names the tile by its left and top edges
        yield { name: `LHD_FXX_${pad4(x)}_${pad4(y + 1)}_MNT_O_0M50_LAMB93_IGN69`, xKm: x, yKm: y + 1, crs: 'EPSG:2154', territory: 'FXX' };
      }
    }
  }
  for (const t of OVERSEAS) {
    const side = Math.ceil(Math.sqrt(t.areaKm2));
    for (let k = 0; k < t.areaKm2; k++) {
      const x = t.x0 + (k % side);
      const y = t.y0 + side - Math.floor(k / side);
      yield { name: `LHD_${t.code}_${pad4(x)}_${pad4(y)}_MNT_O_0M50_${t.crsLabel}_${t.vertical}`, xKm: x, yKm: y, crs: t.crs, territory: t.code };
    }
  }
}

export function nationalCounts(): { total: number; metro: number; overseas: Record<string, number> } {
  const metro = metroCells().cells;
  const overseas = Object.fromEntries(OVERSEAS.map((t) => [t.code, t.areaKm2]));
  return { total: metro + OVERSEAS.reduce((a, t) => a + t.areaKm2, 0), metro, overseas };
}

/** Where the simulated jobs say their tiles are: an object store's https URLs. */
export const SIM_BASE_URL = 'https://lidarhd.object-store.example/mnt/';

/**
 * Job specs for the national tiles as `vigie queue plan` would write them: content hashes
 * stand in (sha256 of the name), neighbours are the up-to-8 adjacent tiles that exist.
 */
export function* nationalSpecs(model: string, settings: string, limit = Infinity): Generator<JobSpec> {
  const byKey = new Map<string, string>();
  for (const t of nationalTiles()) byKey.set(`${t.territory}:${t.xKm}:${t.yKm}`, t.name);
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  let n = 0;
  for (const t of nationalTiles()) {
    if (n++ >= limit) return;
    const sha = hash(t.name);
    const nb = [];
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if (!dx && !dy) continue;
        const name = byKey.get(`${t.territory}:${t.xKm + dx}:${t.yKm + dy}`);
        if (name) nb.push({ src: `${SIM_BASE_URL}${name}.tif`, h: hash(name).slice(0, 32) });
      }
    }
    yield {
      id: `${sha.slice(0, 32)}_${model}_${settings}`,
      tile: t.name,
      src: `${SIM_BASE_URL}${t.name}.tif`,
      sha256: sha,
      model,
      settings,
      b: [t.xKm * 1000, (t.yKm - 1) * 1000, (t.xKm + 1) * 1000, t.yKm * 1000],
      c: t.crs,
      nb,
    };
  }
}
