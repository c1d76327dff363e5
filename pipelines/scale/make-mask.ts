/**
 * Builds pipelines/scale/france-km-cells.json: the Lambert-93 kilometre cells that touch
 * metropolitan France (land, Corsica included), from IGN's Admin Express départements
 * (simplified, via gregoiredavid/france-geojson, Licence Ouverte) — the footprint of LiDAR HD's
 * 1 km tiles. A cell is kept when its centre is inside a département or a département's boundary
 * crosses it. Stored as runs per row: [y_km, x0_km, x1_km, x0_km, x1_km, …] (x1 inclusive).
 *
 *   npx tsx pipelines/scale/make-mask.ts [../shared/realdata/admin/departements-version-simplifiee.geojson]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toLambert93 } from '../../engine/geo/crs.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const MASK_PATH = join(HERE, 'france-km-cells.json');

type Ring = [number, number][];

function rings(geom: { type: string; coordinates: unknown }): Ring[] {
  if (geom.type === 'Polygon') return geom.coordinates as Ring[];
  if (geom.type === 'MultiPolygon') return (geom.coordinates as Ring[][]).flat();
  return [];
}

export function buildMask(geojsonPath: string): { rows: number[][]; cells: number; departements: number } {
  const fc = JSON.parse(readFileSync(geojsonPath, 'utf8')) as { features: { properties: { code: string }; geometry: { type: string; coordinates: unknown } }[] };
  const cells = new Set<number>();
  const key = (x: number, y: number) => y * 4096 + x; // km; France is within 0..1300 × 6000..7200 km
  const l93Rings: Ring[] = [];
  for (const f of fc.features) for (const r of rings(f.geometry)) l93Rings.push(r.map(([lon, lat]) => toLambert93(lon, lat).map((v) => v / 1000) as [number, number]));
  // cells crossed by a boundary: edges densified every 100 m
  for (const r of l93Rings) {
    for (let i = 0; i + 1 < r.length; i++) {
      const [x0, y0] = r[i];
      const [x1, y1] = r[i + 1];
      const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 0.1));
      for (let k = 0; k <= n; k++) cells.add(key(Math.floor(x0 + ((x1 - x0) * k) / n), Math.floor(y0 + ((y1 - y0) * k) / n)));
    }
  }
  // cells whose centre is inside (even-odd over all rings of all départements, row by row)
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const r of l93Rings) for (const [, y] of r) [ymin, ymax] = [Math.min(ymin, y), Math.max(ymax, y)];
  for (let row = Math.floor(ymin); row <= Math.ceil(ymax); row++) {
    const yc = row + 0.5;
    for (const r of l93Rings) {
      const xs: number[] = [];
      for (let i = 0; i + 1 < r.length; i++) {
        const [x0, y0] = r[i];
        const [x1, y1] = r[i + 1];
        if ((y0 <= yc) !== (y1 <= yc)) xs.push(x0 + ((yc - y0) * (x1 - x0)) / (y1 - y0));
      }
      xs.sort((a, b) => a - b);
      for (let i = 0; i + 1 < xs.length; i += 2) {
        for (let col = Math.ceil(xs[i] - 0.5); col + 0.5 <= xs[i + 1]; col++) cells.add(key(col, row));
      }
    }
  }
  const byRow = new Map<number, number[]>();
  for (const k of cells) {
    const y = Math.floor(k / 4096);
    const x = k % 4096;
    if (!byRow.has(y)) byRow.set(y, []);
    byRow.get(y)!.push(x);
  }
  const rows: number[][] = [];
  for (const y of [...byRow.keys()].sort((a, b) => b - a)) {
    const xs = byRow.get(y)!.sort((a, b) => a - b);
    const row = [y];
    let start = xs[0];
    for (let i = 1; i <= xs.length; i++) {
      if (i === xs.length || xs[i] !== xs[i - 1] + 1) {
        row.push(start, xs[i - 1]);
        start = xs[i];
      }
    }
    rows.push(row);
  }
  return { rows, cells: cells.size, departements: fc.features.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const src = process.argv[2] ?? join(HERE, '..', '..', '..', 'shared', 'realdata', 'admin', 'departements-version-simplifiee.geojson');
  const m = buildMask(src);
  writeFileSync(
    MASK_PATH,
    JSON.stringify({
      about: 'Lambert-93 1 km cells touching metropolitan France (centre inside or boundary crossing), runs per row [y_km, x0_km, x1_km, …], x1 inclusive',
      source: 'IGN Admin Express départements, simplified (gregoiredavid/france-geojson departements-version-simplifiee.geojson), Licence Ouverte',
      generated_by: 'npx tsx pipelines/scale/make-mask.ts',
      departements: m.departements,
      cells: m.cells,
      rows: m.rows,
    }) + '\n',
  );
  console.log(`${m.cells} cells from ${m.departements} départements in ${m.rows.length} rows → ${MASK_PATH}`);
}
