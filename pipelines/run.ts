/**
 * The main job (`vigie run`, `npm start`): sample data if missing → imports (skipped when the
 * same file was already imported) → scores (when an input changed) → LiDAR detection (tiles not
 * yet processed by this model) → web build if stale → serve.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { progress } from '../engine/cli/progress.ts';
import { sampleLayers, type SampleImport } from '../engine/hazards/samples.ts';
import { formatReport, importLayer } from '../engine/importers.ts';
import { assertPortFree, listen, type ServerSettings } from '../engine/server/listen.ts';
import { Store } from '../engine/store/store.ts';
import { ensureSamples } from './samples/ensure.ts';
import { ensureWebBuild } from './web-build.ts';

export async function runMainJob(opts: { db: string; server: ServerSettings }): Promise<string> {
  const t0 = performance.now();
  // Fail fast on a taken port or a locked database, before long preparation steps.
  await assertPortFree(opts.server);
  const store = await Store.open(opts.db);
  try {
    const { regionDir, rasterDir, lidarDir } = await ensureSamples();
    const changed = await importIfChanged(store, [
      // Communes first: the Mérimée importer places monuments in them.
      { kind: 'communes', file: join(regionDir, 'communes.geojson') },
      { kind: 'merimee', file: join(regionDir, 'merimee.csv') },
      { kind: 'basemap-land', file: join(regionDir, 'basemap', 'land.geojson') },
      { kind: 'basemap-rivers', file: join(regionDir, 'basemap', 'rivers.geojson') },
      ...sampleLayers(regionDir, rasterDir),
    ]);
    await scoreIfNeeded(store, changed);
    await detectNewTiles(store, lidarDir);
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

/** Imports each file unless the catalogue already holds it with the same checksum; returns how many were imported. */
async function importIfChanged(store: Store, steps: SampleImport[]): Promise<number> {
  let imported = 0;
  for (const step of steps) {
    const checksum = createHash('sha256').update(await readFile(step.file)).digest('hex');
    const last = await store.one<{ checksum: string }>(
      'SELECT checksum FROM catalogue WHERE kind = $1 AND source_file = $2 ORDER BY id DESC LIMIT 1',
      [step.kind, step.file],
    );
    if (last?.checksum === checksum) continue;
    const p = progress(`import ${step.kind} ${step.file}`);
    const report = await importLayer(store, step.kind, step.file, step.options ?? {});
    p.done(`${report.kept} kept, ${report.rejected} rejected`);
    if (report.issues.length) console.error(formatReport(report, 3));
    imported++;
  }
  return imported;
}

async function scoreIfNeeded(store: Store, importsChanged: number): Promise<void> {
  const { scoreAll } = await import('../engine/risk/score.ts');
  const scored = Number(await store.value('SELECT count(*) FROM score_runs'));
  if (scored > 0 && importsChanged === 0) return;
  const p = progress('scoring every site under the four scenarios');
  const runs = await scoreAll(store);
  p.done(runs.map((r) => `${r.site_kind} ${r.n_sites}`).join(', '));
}

/** Runs the detector on the sample tiles it has not processed yet (keyed by tile × model hash). */
async function detectNewTiles(store: Store, lidarDir: string): Promise<void> {
  const { detectTiles, listTileFiles } = await import('../engine/detect/detections.ts');
  const files = await listTileFiles([lidarDir]);
  const p = progress(`LiDAR detection on ${files.length} tiles`);
  let done = 0;
  const r = await detectTiles(store, [lidarDir], { onTile: () => p.update(++done, files.length) });
  const failed = r.reports.filter((t) => !t.ok);
  p.done(
    r.skipped.length === files.length
      ? 'already done for this model'
      : `${r.detections.length} candidates (model ${r.modelHash})${failed.length ? `, ${failed.length} tiles failed` : ''}`,
  );
}
