/**
 * Relief visualisation benchmark: each visualisation on one generated 2000² LiDAR tile
 * (seeded, so before/after runs compare), with GDAL's gdaldem measured on the same tile in the
 * same run as the peer for hillshade and slope. Prints JSON.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeRelief, RELIEF_KINDS } from '../../engine/detect/relief-png.ts';
import { meanFilter } from '../../engine/detect/relief-filter.ts';
import { openDem } from '../../engine/geo/dem.ts';
import { generateLidar } from '../samples/lidar/generate.ts';

function gdaldemMs(args: string[]): number | null {
  try {
    const t = performance.now();
    execFileSync('gdaldem', args, { stdio: 'ignore' });
    return Math.round(performance.now() - t);
  } catch {
    return null; // gdal-bin not installed: the peer is reported as missing, not invented
  }
}

export async function runReliefBench(o: { log?: (s: string) => void } = {}): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-relief-'));
  try {
    const { tiles } = await generateLidar({ seed: 42, originX: 330000, originY: 6713000, tilesX: 1, tilesY: 1, style: 'mixed', outDir: dir });
    const dem = await openDem(tiles[0]);
    const t1 = performance.now();
    const data = await dem.read();
    const readMs = Math.round(performance.now() - t1);
    const input = { data, width: dem.grid.width, height: dem.grid.height, pixel: dem.grid.resX, nodata: dem.nodata };
    const ms: Record<string, number> = {};
    let t = performance.now();
    meanFilter(data, input.width, input.height, 20);
    ms['mean-filter-41x41'] = Math.round(performance.now() - t);
    for (const kind of RELIEF_KINDS) {
      t = performance.now();
      computeRelief(input, kind);
      ms[kind] = Math.round(performance.now() - t);
      o.log?.(`${kind}: ${ms[kind]} ms`);
    }
    // gdaldem includes its own read and write of the tile; ours above excludes the read (readMs).
    const peer = {
      'gdaldem hillshade': gdaldemMs(['hillshade', '-q', tiles[0], join(dir, 'hs.tif')]),
      'gdaldem slope': gdaldemMs(['slope', '-q', tiles[0], join(dir, 'slope.tif')]),
    };
    const ratio = (ours: string, theirs: keyof typeof peer) =>
      peer[theirs] ? Math.round(((ms[ours] + readMs) / peer[theirs]!) * 100) / 100 : null;
    return {
      bench: 'relief',
      tile: `${input.width}x${input.height} float32, ${input.pixel} m`,
      read_ms: readMs,
      ms,
      peer_ms: peer,
      ratio_vs_gdaldem_including_read: { hillshade: ratio('hillshade', 'gdaldem hillshade'), slope: ratio('slope', 'gdaldem slope') },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
