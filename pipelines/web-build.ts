/**
 * Builds the web app with Vite when dist/web is missing or older than its sources, so a fresh
 * clone needs only `npm ci && npm start` and a warm start skips the build.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { progress } from '../engine/cli/progress.ts';
import { PACKAGE_ROOT } from './paths.ts';

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const f of readdirSync(path)) t = Math.max(t, newestMtime(join(path, f)));
  return t;
}

export function webBuildIsFresh(): boolean {
  const index = join(PACKAGE_ROOT, 'dist', 'web', 'index.html');
  if (!existsSync(index)) return false;
  const sources = [join(PACKAGE_ROOT, 'web'), join(PACKAGE_ROOT, 'vite.config.ts')].filter(existsSync);
  return Math.max(...sources.map(newestMtime)) <= statSync(index).mtimeMs;
}

export async function ensureWebBuild(): Promise<void> {
  if (webBuildIsFresh()) return;
  const p = progress('building the web app (first run)');
  const { build } = await import('vite');
  await build({ configFile: join(PACKAGE_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  p.done();
}
