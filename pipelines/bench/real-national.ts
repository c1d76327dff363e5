/**
 * `vigie bench real`: all of France from the real published files (../shared/realdata, or
 * VIGIE_REALDATA): the national import (communes of 101 départements, 45,285 Mérimée monuments
 * placed by commune, Muséofile, condition surveys, DRIAS reference grid), the national scoring
 * (target ≤ 10 s, the same floor as the synthetic `risk` bench), the map layer checked monument by
 * monument against /api/sites, and the first map render in headless Chromium (target ≤ 3 s) on
 * the real server. Skipped, saying why, where the real files are absent (a fresh clone).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeMonumentLayer, NO_LEVEL } from '../../engine/contract/layer-bin.ts';
import { scoreAll } from '../../engine/risk/score.ts';
import { createServer } from '../../engine/server/server.ts';
import { Store } from '../../engine/store/store.ts';
import { importReal, summaryTable } from '../real/national.ts';
import { runWebBench } from './web.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export function realDataDir(): string {
  return resolve(process.env.VIGIE_REALDATA ?? join(ROOT, '../shared/realdata'));
}

export async function runRealNationalBench(o: { quick?: boolean; keep?: boolean; log?: (s: string) => void } = {}): Promise<Record<string, unknown>> {
  const log = o.log ?? ((s: string) => console.error(s));
  const dir = realDataDir();
  if (!existsSync(join(dir, 'merimee/pop-codes-national-2022.zip'))) {
    return { bench: 'real', skipped: `no real published files at ${dir} (set VIGIE_REALDATA)` };
  }
  const tmp = mkdtempSync(join(tmpdir(), 'vigie-bench-real-'));
  const db = join(tmp, 'real.duckdb');
  const store = await Store.open(db);
  try {
    const t0 = performance.now();
    const results = await importReal(store, dir, { log: () => {} });
    const importS = (performance.now() - t0) / 1000;
    log(summaryTable(results));
    const t1 = performance.now();
    const runs = await scoreAll(store, {});
    const scoreS = (performance.now() - t1) / 1000;
    const sites = Object.fromEntries(runs.map((r) => [r.site_kind, r.n_sites]));
    log(`imported in ${importS.toFixed(1)} s, scored ${JSON.stringify(sites)} in ${scoreS.toFixed(1)} s`);

    // The map layer against the table, monument by monument, on the real server.
    const app = await createServer({ store, checkResponses: false });
    let layerCheck: Record<string, number>;
    try {
      const res = await app.inject({ url: '/api/monuments/layer.bin?scenario=ref' });
      const bytes = res.rawPayload;
      const layer = decodeMonumentLayer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      const api = new Map<string, number | null>();
      for (let offset = 0; ; offset += 5000) {
        const page = (await app.inject({ url: `/api/sites?kind=monument&scenario=ref&limit=5000&offset=${offset}` })).json() as { total: number; items: { site_id: string; max_level: number | null }[] };
        for (const s of page.items) api.set(s.site_id, s.max_level);
        if (offset + 5000 >= page.total) break;
      }
      let differ = 0, absent = 0;
      layer.references.forEach((ref, i) => {
        const level = layer.level[i] === NO_LEVEL ? null : layer.level[i];
        if (level === null) absent++;
        if ((api.get(ref) ?? null) !== level) differ++;
      });
      layerCheck = { monuments_on_map: layer.n, compared_with_api: api.size, differ, donnee_absente: absent };
    } finally {
      await app.close();
    }
    await store.checkpoint();
    store.close();

    const web = o.quick ? { skipped: '--quick' } : await runWebBench({ db, log });
    return {
      bench: 'real',
      realdata: dir,
      import_s: round(importS),
      scoring: { sites, seconds: round(scoreS), target_s: 10, within_target: scoreS <= 10 },
      layer_check: layerCheck,
      web,
      files: results.map((r) => ({ file: r.step.file, kind: r.step.kind, rows_read: r.report?.rowsRead, kept: r.report?.kept, positioned: r.report?.positioned, rejected: r.report?.rejected, error: r.error })),
      env: { node: process.version, cpus: cpus().length, loadavg_1m: loadavg()[0] },
    };
  } finally {
    try { store.close(); } catch { /* closed above */ }
    if (!o.keep) rmSync(tmp, { recursive: true, force: true });
  }
}

const round = (v: number) => Math.round(v * 100) / 100;
