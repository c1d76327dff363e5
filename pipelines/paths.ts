/**
 * Where things live. Sample vectors ship with the package (data-samples/, committed);
 * generated rasters and tiles go to a git-ignored cache (VIGIE_CACHE, default var/cache).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SAMPLE_REGION_DIR = join(PACKAGE_ROOT, 'data-samples', 'region');
export const SAMPLE_SEED = 42;

export function cacheDir(): string {
  return resolve(process.env.VIGIE_CACHE ?? 'var/cache');
}
export function regionCacheDir(): string {
  return join(cacheDir(), 'samples', 'region');
}
export function lidarCacheDir(): string {
  return join(cacheDir(), 'samples', 'lidar');
}
