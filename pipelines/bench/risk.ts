/**
 * `vigie bench risk`: national-scale risk scoring and raster point sampling on seeded synthetic
 * data generated into a temp dir, printed as JSON. Targets: monuments ≤ 10 s, all sites ≤ 60 s,
 * peak RSS ≤ 4 GB, point sampling ≤ 1.0× GDAL's gdallocationinfo measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplePoints } from '../../engine/geo/sample-points.ts';
import { loadRiskConfig } from '../../engine/risk/config.ts';
import { scoreAll } from '../../engine/risk/score.ts';
import { Store } from '../../engine/store/store.ts';
import { FULL, QUICK, SIDE, X0, Y0, fillStore, mulberry32 } from './synthetic.ts';

export interface RiskBenchOptions {
  quick?: boolean;
  keep?: boolean;
  log?: (line: string) => void;
}

const secs = (t0: number) => Math.round((performance.now() - t0)) / 1000;
/** CPU seconds (user + system) of this process, DuckDB and worker threads included. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const cpuSince = (c0: number) => Math.round((cpuNow() - c0) * 1000) / 1000;
const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
/** Peak resident set of this process so far (ru_maxrss, KiB on Linux). */
const peakMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

export async function runRiskBench(o: RiskBenchOptions = {}): Promise<Record<string, unknown>> {
  const sizes = o.quick ? QUICK : FULL;
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-risk-'));
  try {
    let t = performance.now();
    const store = await Store.open(join(dir, 'bench.duckdb'));
    const { rasterPath } = await fillStore(store, dir, sizes);
    const generate_s = secs(t);
    log(`data generated in ${generate_s} s`);

    // Point sampling: 45,000 points, ours (default threads: 2, or 1 on a busy machine) against
    // gdallocationinfo (one thread), same points.
    const nPts = o.quick ? 5_000 : 45_000;
    const rnd = mulberry32(99);
    const xs = new Float64Array(nPts);
    const ys = new Float64Array(nPts);
    for (let i = 0; i < nPts; i++) {
      xs[i] = X0 + rnd() * SIDE;
      ys[i] = Y0 + rnd() * SIDE;
    }
    t = performance.now();
    let c = cpuNow();
    const samplingLoad = Math.round(loadavg()[0] * 10) / 10;
    const ours = await samplePoints(rasterPath, xs, ys);
    const ours_s = secs(t);
    const ours_cpu = cpuSince(c);
    const input = Array.from(xs, (x, i) => `${x} ${ys[i]}`).join('\n') + '\n';
    t = performance.now();
    // GNU time reports the child's own CPU on stderr; the values come on stdout as usual.
    const gdal = spawnSync('/usr/bin/time', ['-f', '%U %S', 'gdallocationinfo', '-valonly', '-geoloc', rasterPath], { input, maxBuffer: 1 << 28 });
    const gdal_s = secs(t);
    const times = /([\d.]+) ([\d.]+)\s*$/.exec(gdal.stderr.toString());
    const gdal_cpu = times ? Math.round((Number(times[1]) + Number(times[2])) * 1000) / 1000 : null;
    let mismatches = -1;
    if (gdal.status === 0) {
      // stdout holds only the values; GNU time wrote to stderr.
      const vals = gdal.stdout.toString().trim().split('\n').map(Number);
      mismatches = vals.length === nPts ? 0 : Math.abs(vals.length - nPts);
      vals.forEach((v, i) => {
        const mine = Number.isNaN(ours.point[i]) ? -9999 : ours.point[i];
        if (mine !== Math.fround(v)) mismatches++;
      });
    }
    log(`sampling: ours ${ours_s} s, gdal ${gdal_s} s, mismatches ${mismatches}`);

    const config = loadRiskConfig();
    t = performance.now();
    c = cpuNow();
    const [mon] = await scoreAll(store, { config, kinds: ['monument'] });
    const monuments_s = secs(t);
    const monuments_cpu = cpuSince(c);
    const rssAfterMonuments = peakMiB();
    log(`monuments scored in ${monuments_s} s`);
    t = performance.now();
    c = cpuNow();
    const [arch] = await scoreAll(store, { config, kinds: ['archaeo'] });
    const archaeo_s = secs(t);
    const archaeo_cpu = cpuSince(c);
    log(`archaeological sites scored in ${archaeo_s} s`);
    const terms = Number(await store.value('SELECT count(*) FROM score_terms_raw'));
    store.close();
    return {
      bench: 'risk',
      quick: Boolean(o.quick),
      sizes: { ...sizes, sample_points: nPts, hazard_polygons: sizes.polygons, terms },
      generate_s,
      scoring: {
        monuments_s,
        monuments_target_s: 10,
        all_sites_s: Math.round((monuments_s + archaeo_s) * 1000) / 1000,
        all_sites_target_s: 60,
        archaeo_s,
        cpu_s: { monuments: monuments_cpu, archaeo: archaeo_cpu, all_sites: Math.round((monuments_cpu + archaeo_cpu) * 1000) / 1000 },
        load_average: loadavg().map((v) => Math.round(v * 10) / 10),
        monument_sites: mon?.n_sites,
        archaeo_sites: arch?.n_sites,
        no_data_terms: (mon?.n_no_data_terms ?? 0) + (arch?.n_no_data_terms ?? 0),
      },
      memory: { peak_rss_mib: peakMiB(), peak_rss_after_monuments_mib: rssAfterMonuments, rss_now_mib: rssMiB(), target_mib: 4096 },
      sampling: {
        points: nPts,
        vigie_s: ours_s,
        gdal_s,
        ratio: gdal_s > 0 ? Math.round((ours_s / gdal_s) * 100) / 100 : null,
        ratio_target: 1.0,
        vigie_cpu_s: ours_cpu,
        gdal_cpu_s: gdal_cpu,
        cpu_ratio: gdal_cpu ? Math.round((ours_cpu / gdal_cpu) * 100) / 100 : null,
        identical: mismatches === 0,
        mismatches,
        blocks_read: ours.blocksRead,
        threads: ours.threads,
        load_average_1min: samplingLoad,
        gdal_available: gdal.status === 0,
      },
      peers: { 'gdallocationinfo (DESIGN.md)': 0.9, 'rasterio (DESIGN.md)': 1.2, 'geotiff.js grouped, pure-JS inflate (DESIGN.md)': 5 },
    };
  } finally {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}
