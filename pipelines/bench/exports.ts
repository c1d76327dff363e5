/**
 * Export and report benchmark on seeded synthetic data (pipelines/bench/synthetic.ts), printed
 * as JSON. Targets: a department report with 2,000 monuments ≤ 5 s; exporting 46,760 monuments
 * with every scenario and term (109 fields) ≤ 10 s per format.
 *   npx tsx pipelines/bench/exports.ts [--quick]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRiskConfig } from '../../engine/risk/config.ts';
import { scoreAll } from '../../engine/risk/score.ts';
import { Store } from '../../engine/store/store.ts';
import { exportLayer } from '../../engine/report/export.ts';
import { exportFormatNames } from '../../engine/report/formats.ts';
import { writeReport } from '../../engine/report/report.ts';
import { fillStore } from './synthetic.ts';

const secs = (t0: number) => Math.round(performance.now() - t0) / 1000;

export async function runExportsBench(o: { quick?: boolean; log?: (s: string) => void } = {}): Promise<Record<string, unknown>> {
  const log = o.log ?? ((s: string) => console.error(s));
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-exports-'));
  const config = loadRiskConfig();
  try {
    // 1. One department (100 communes of 10 km) holding 2,000 monuments: the PDF report.
    let t = performance.now();
    const dep = await Store.open(join(dir, 'dep.duckdb'));
    await fillStore(dep, dir, { monuments: 2_000, archaeo: 0, rasterPx: 1_024, polygons: 300, communeKm: 100 }, 7);
    await scoreAll(dep, { config, kinds: ['monument'] });
    const depPrep = secs(t);
    log(`department store scored in ${depPrep} s`);
    t = performance.now();
    const rep = await writeReport(dep, { scope: 'department:D0-0', scenario: 'all', out: join(dir, 'dep.pdf') });
    const reportS = secs(t);
    const rep1T = performance.now();
    await writeReport(dep, { scope: 'department:D0-0', scenario: '+4.0', out: join(dir, 'dep1.pdf') });
    const report1S = secs(rep1T);
    dep.close();
    log(`department report (${rep.sites} sites, 4 scenarios) in ${reportS} s`);

    // 2. National: 46,760 monuments, every format.
    const n = o.quick ? 5_000 : 46_760;
    t = performance.now();
    const nat = await Store.open(join(dir, 'nat.duckdb'));
    await fillStore(nat, dir, { monuments: n, archaeo: 0, rasterPx: 1_536, polygons: 1_500, communeKm: 20 }, 42);
    await scoreAll(nat, { config, kinds: ['monument'] });
    const natPrep = secs(t);
    log(`national store (${n} monuments) scored in ${natPrep} s`);
    const formats: Record<string, { seconds: number; mib: number; features: number; fields: number }> = {};
    for (const f of exportFormatNames().filter((x) => x !== 'archeologia')) {
      t = performance.now();
      const r = await exportLayer(nat, { layer: 'monuments', format: f, out: join(dir, `monuments.${f}`) });
      formats[f] = { seconds: secs(t), mib: Math.round(statSync(r.path).size / 2 ** 17) / 8, features: r.features, fields: r.fields };
      log(`monuments → ${f}: ${formats[f].seconds} s, ${formats[f].mib} MiB`);
    }
    nat.close();
    const worst = Math.max(...Object.values(formats).map((v) => v.seconds));
    return {
      bench: 'exports',
      department_report: { sites: rep.sites, scenarios: 4, seconds: reportS, one_scenario_seconds: report1S, target_s: 5, ok: reportS <= 5, prepare_s: depPrep },
      national_export: { monuments: n, formats, worst_s: worst, target_s: 10, ok: worst <= 10, prepare_s: natPrep },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runExportsBench({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(r, null, 2));
}
