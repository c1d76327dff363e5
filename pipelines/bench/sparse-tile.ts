/**
 * Sparse-tile bench: a tile that is mostly nodata (a coast, the edge of a survey) run through the
 * detector over its data only (the default, `dataWindow` in engine/detect/infer.ts) and over the
 * whole tile (`cropToData: false`, the peer), alternated three times each in the same run after a
 * warm-up run of each. Prints JSON: seconds per run, the time split, and whether all runs gave the same
 * detections.
 *
 *   npx tsx pipelines/bench/sparse-tile.ts [FILE …]   (default: a generated 1 km tile, 0.5 m, with
 *                                                      data on a 250 × 250 m corner only)
 *   vigie bench sparse                                 (the generated tile)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectFiles, loadDetector, type Detection } from '../../engine/detect/infer.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { grid } from '../../engine/geo/grid.ts';
import { Rng } from '../samples/rng.ts';

const N = 2000;
const DATA = 500; // pixels of data along each side of the corner

/** A 1 km Lambert-93 tile: rolling ground with a few mounds in its north-west corner, nodata elsewhere. */
function sparseTile(path: string): void {
  const rng = new Rng(17);
  const mounds = Array.from({ length: 6 }, () => ({ x: rng.range(40, 210), y: rng.range(40, 210), r: rng.range(5, 15), h: rng.range(0.4, 1.2) }));
  const z = new Float32Array(N * N).fill(-99999);
  for (let r = 0; r < DATA; r++) {
    for (let c = 0; c < DATA; c++) {
      const x = (c + 0.5) * 0.5;
      const y = (r + 0.5) * 0.5;
      let v = 80 + 0.03 * x + 2 * Math.sin(x / 37) * Math.cos(y / 53);
      for (const m of mounds) {
        const s = Math.hypot(x - m.x, y - m.y) / m.r;
        if (s < 1) v += m.h * (1 - s * s);
      }
      z[r * N + c] = v;
    }
  }
  writeFileSync(path, writeGeoTiff(z, grid({ originX: 700000, originY: 6600000, resX: 0.5, resY: 0.5, width: N, height: N, crs: 'EPSG:2154' }), { nodata: -99999 }));
}

const key = (d: Detection) => `${d.cls} ${d.x.toFixed(1)} ${d.y.toFixed(1)} ${d.score.toFixed(3)}`;

/** Runs the bench over `files` (default: the generated sparse tile). */
export async function runSparseTileBench(o: { files?: string[]; log?: (s: string) => void } = {}): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-sparse-'));
  const given = o.files ?? [];
  const files = given.length ? given : [join(dir, 'sparse-corner.tif')];
  if (!given.length) sparseTile(files[0]);
  const det = await loadDetector();
  try {
    const out: Record<string, unknown>[] = [];
    for (const file of files) {
      o.log?.(`sparse tile: ${file}`);
      const runs: { crop: boolean; s: number; ms: Record<string, number>; keys: string[] }[] = [];
      // warm-up, both ways (worker start, first session runs at each size): not counted
      await detectFiles(det, [file], { cropToData: false });
      await detectFiles(det, [file]);
      for (const crop of [false, true, false, true, false, true]) {
        const timings = { decode: 0, prep: 0, inference: 0, post: 0 };
        const t0 = performance.now();
        const r = await detectFiles(det, [file], { cropToData: crop, timings });
        const bad = r.reports.filter((x) => !x.ok);
        if (bad.length) throw new Error(`${file}: ${bad.map((x) => x.error).join('; ')}`);
        runs.push({ crop, s: (performance.now() - t0) / 1000, ms: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])), keys: r.detections.map(key) });
      }
      const side = (crop: boolean) => runs.filter((r) => r.crop === crop);
      out.push({
        file: given.length ? file : `generated 1 km tile, data on ${DATA / 2} × ${DATA / 2} m of it`,
        whole_tile_s: side(false).map((r) => +r.s.toFixed(2)),
        data_only_s: side(true).map((r) => +r.s.toFixed(2)),
        ratio: +(side(true).reduce((a, r) => a + r.s, 0) / side(false).reduce((a, r) => a + r.s, 0)).toFixed(3),
        whole_tile_ms: side(false)[0].ms,
        data_only_ms: side(true)[0].ms,
        detections: side(true)[0].keys.length,
        same_detections: runs.every((r) => JSON.stringify(r.keys) === JSON.stringify(runs[0].keys)),
      });
    }
    return { model_hash: det.hash, tiles: out };
  } finally {
    await det.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runSparseTileBench({ files: process.argv.slice(2), log: (l) => console.error(l) }), null, 2));
}
