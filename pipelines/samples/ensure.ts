/**
 * Makes sure the sample data exists: the committed region vectors, and the rasters and LiDAR
 * tiles that are generated into the cache on first run (too big to commit).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { progress } from '../../engine/cli/progress.ts';
import { lidarCacheDir, regionCacheDir, SAMPLE_REGION_DIR, SAMPLE_SEED } from '../paths.ts';

export interface SampleOptions {
  seed?: number;
  outDir?: string;
  cacheDir?: string;
}

/** Regenerates everything (the `vigie samples` command). */
export async function generateSamples(opts: SampleOptions = {}): Promise<void> {
  const { generateRegion } = await import('./region/generate.ts');
  const p = progress('sample region (vectors and rasters)');
  await generateRegion({
    seed: opts.seed ?? SAMPLE_SEED,
    outDir: opts.outDir ?? SAMPLE_REGION_DIR,
    cacheDir: opts.cacheDir ?? regionCacheDir(),
    onProgress: (_step, done, total) => p.update(done, total),
  });
  p.done();
  await ensureLidar(true);
}

/** Generates only what is missing: rasters and LiDAR tiles in the cache. */
export async function ensureSamples(): Promise<{ regionDir: string; rasterDir: string; lidarDir: string }> {
  const { generateRegion, regionRastersPresent } = await import('./region/generate.ts');
  const rasterDir = regionCacheDir();
  const needVectors = !existsSync(join(SAMPLE_REGION_DIR, 'region.json'));
  const needRasters = !regionRastersPresent(rasterDir, SAMPLE_SEED);
  if (needVectors || needRasters) {
    const p = progress(`sample region ${needVectors ? 'vectors and ' : ''}rasters (first run)`);
    await generateRegion({
      seed: SAMPLE_SEED,
      outDir: SAMPLE_REGION_DIR,
      cacheDir: rasterDir,
      vectors: needVectors,
      rasters: needRasters,
      onProgress: (_step, done, total) => p.update(done, total),
    });
    p.done();
  }
  return { regionDir: SAMPLE_REGION_DIR, rasterDir, lidarDir: await ensureLidar(false) };
}

async function ensureLidar(force: boolean): Promise<string> {
  const dir = lidarCacheDir();
  const { lidarMosaicCurrent } = await import('./lidar/writer.ts');
  if (!force && lidarMosaicCurrent(dir)) return dir;
  const { generateLidar, lidarSampleDefaults } = await import('./lidar/generate.ts');
  const p = progress('sample LiDAR tiles (first run)');
  await generateLidar({ ...lidarSampleDefaults, seed: SAMPLE_SEED, outDir: dir, onProgress: (d: number, t: number) => p.update(d, t) });
  p.done();
  return dir;
}
