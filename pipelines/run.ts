/**
 * The main job (`vigie run`, `npm start`): sample data if missing → imports (skipped when the
 * same file was already imported) → web build if stale → serve.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { progress } from '../engine/cli/progress.ts';
import { assertPortFree, listen, type ServerSettings } from '../engine/server/listen.ts';
import { Store } from '../engine/store/store.ts';
import { ensureSamples } from './samples/ensure.ts';
import { ensureWebBuild } from './web-build.ts';

interface ImportStep {
  kind: string;
  layer: string;
  file: string;
}

export async function runMainJob(opts: { db: string; server: ServerSettings }): Promise<string> {
  const t0 = performance.now();
  // Check the port and the database lock before spending time on samples and builds.
  await assertPortFree(opts.server);
  const store = await Store.open(opts.db);
  try {
    const { regionDir } = await ensureSamples();
    await importIfChanged(store, [
      { kind: 'communes', layer: 'communes', file: join(regionDir, 'communes.geojson') },
      { kind: 'merimee', layer: 'monuments', file: join(regionDir, 'merimee.csv') },
      { kind: 'basemap-land', layer: 'basemap:land', file: join(regionDir, 'basemap', 'land.geojson') },
      { kind: 'basemap-rivers', layer: 'basemap:rivers', file: join(regionDir, 'basemap', 'rivers.geojson') },
    ]);
    await store.checkpoint();
    await ensureWebBuild();
    const url = await listen(store, opts.server);
    console.log(`ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return url;
  } catch (err) {
    store.close();
    throw err;
  }
}

async function importIfChanged(store: Store, steps: ImportStep[]): Promise<void> {
  const { importLayer, formatReport } = await import('../engine/importers.ts');
  for (const step of steps) {
    const checksum = createHash('sha256').update(await readFile(step.file)).digest('hex');
    const last = await store.one<{ checksum: string }>(
      'SELECT checksum FROM catalogue WHERE layer = $1 ORDER BY id DESC LIMIT 1',
      [step.layer],
    );
    if (last?.checksum === checksum) continue;
    const p = progress(`import ${step.kind} ${step.file}`);
    const report = await importLayer(store, step.kind, step.file);
    p.done(`${report.kept} kept, ${report.rejected} rejected`);
    if (report.issues.length) console.error(formatReport(report, 5));
  }
}
