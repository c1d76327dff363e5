/**
 * The reduce: the jobs' Parquet files → detection_tiles and detections, by one DuckDB query
 * over the files (read_parquet of the folder's `*.parquet`), applied with the same statements as
 * `vigie detect` (applyRuns). Idempotent: a run already current for its tile name is left as
 * it is, so collecting twice, or a tile done twice (one file, same name), never doubles a row.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { applyRuns } from '../detect/detections.ts';
import type { Store } from '../store/store.ts';

export interface CollectResult {
  files: number;
  /** runs written to the database now (new or replacing an older survey of the same tile name) */
  applied: number;
  /** tile rows and detection rows in the files */
  tiles: number;
  detections: number;
}

export async function collectOutputs(store: Store, dir: string): Promise<CollectResult> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => f.endsWith('.parquet'));
  } catch (err) {
    throw new InputError(`${dir}: cannot read the output folder (${(err as Error).message})`);
  }
  if (names.length === 0) return { files: 0, applied: 0, tiles: 0, detections: 0 };
  const glob = `'${join(dir, '*.parquet').replace(/'/g, "''")}'`;
  let tiles = 0;
  let detections = 0;
  const applied = await applyRuns(store, async (t) => {
    // many small files: one thread reads them with ~6× less CPU than DuckDB's default pool
    const threads = String(await store.value(`SELECT current_setting('threads')`));
    await store.run('SET threads = 1');
    try {
      await store.run(`CREATE TEMP TABLE ${t.tiles}_src AS SELECT * FROM read_parquet(${glob})`);
    } finally {
      await store.run(`SET threads = ${Number(threads) || 1}`);
    }
    try {
      await store.run(
        `INSERT INTO ${t.tiles} SELECT run_key, tile, model_hash, content_hash, settings_hash, context, source_file, minx, miny, maxx, maxy, crs,
                detections, CAST(processed_at AS TIMESTAMP) FROM ${t.tiles}_src WHERE n IS NULL`,
      );
      await store.run(`INSERT INTO ${t.detections} SELECT run_key, n, class, score, confidence, level, diameter_m, x, y FROM ${t.tiles}_src WHERE n IS NOT NULL`);
      tiles = Number(await store.value(`SELECT count(*) FROM ${t.tiles}`));
      detections = Number(await store.value(`SELECT count(*) FROM ${t.detections}`));
    } finally {
      await store.run(`DROP TABLE IF EXISTS ${t.tiles}_src`);
    }
  });
  return { files: names.length, applied: applied.length, tiles, detections };
}
