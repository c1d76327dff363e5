/**
 * Benchmark: milliseconds per 2000² tile for each relief visualisation, on a seeded synthetic
 * tile (same seed → same data, so before/after runs compare). Prints JSON.
 *   npx tsx pipelines/samples/lidar/bench-relief.ts [outDir]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RELIEF_KINDS, computeRelief } from '../../../engine/detect/relief-png.ts';
import { meanFilter } from '../../../engine/detect/relief-filter.ts';
import { openDem } from '../../../engine/geo/dem.ts';
import { generateLidar } from './generate.ts';

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'vigie-bench-relief-'));
const t0 = performance.now();
const { tiles } = await generateLidar({ seed: 42, originX: 330000, originY: 6713000, tilesX: 1, tilesY: 1, style: 'mixed', outDir: dir });
const generateMs = performance.now() - t0;
const dem = await openDem(tiles[0]);
const t1 = performance.now();
const data = await dem.read();
const readMs = performance.now() - t1;
const input = { data, width: dem.grid.width, height: dem.grid.height, pixel: dem.grid.resX, nodata: dem.nodata };
const ms: Record<string, number> = {};
const t2 = performance.now();
meanFilter(data, input.width, input.height, 20);
ms['mean-filter-41x41'] = Math.round(performance.now() - t2);
for (const kind of RELIEF_KINDS) {
  const t = performance.now();
  computeRelief(input, kind);
  ms[kind] = Math.round(performance.now() - t);
}
console.log(JSON.stringify({ tile: `${input.width}x${input.height}`, generateMs: Math.round(generateMs), readMs: Math.round(readMs), ms }, null, 1));
