/** Regenerates the committed sample region (data-samples/region) and its raster cache with seed 42. */
import { DEFAULT_CACHE_DIR, DEFAULT_SEED, generateRegion } from './generate.ts';

const started = performance.now();
const manifest = await generateRegion({
  seed: DEFAULT_SEED,
  outDir: 'data-samples/region',
  cacheDir: DEFAULT_CACHE_DIR,
  onProgress: (step, done, total) => console.log(`[${done}/${total}] ${step}`),
});
console.log(`${manifest.name}: ${JSON.stringify(manifest.counts)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
