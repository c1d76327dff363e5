/**
 * All of France from the real published files (`../shared/realdata`, see its README):
 *
 *   vigie run --real ../shared/realdata [--db real.duckdb] [--port 8080]
 *       imports what changed (communes of the 101 départements, département outlines as the map
 *       background, the 45,285 Mérimée monuments in
 *       legacy POP codes placed at their commune, Muséofile museums, the Alsace condition
 *       surveys, the DRIAS reference grid), scores every site, serves the app.
 *   npx tsx pipelines/real/national.ts build <realdata> <db>     the same, without serving
 *   npx tsx pipelines/real/national.ts report <realdata>         every real heritage file imported
 *       in turn (in memory, communes first) with rows read / kept / positioned / flagged.
 *
 * Each step is one `vigie import` (the command is printed); a step whose importer refuses the
 * file is reported and the run goes on.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatReport, importLayer, type ImportOptions, type ImportReport } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import { Store } from '../../engine/store/store.ts';

export interface RealStep {
  kind: string;
  /** path relative to the realdata folder */
  file: string;
  options?: ImportOptions & Record<string, unknown>;
  /** the national database holds this file (the report imports every step) */
  national: boolean;
}

/** The real files, in import order (communes before what is placed in them). */
export function realSteps(dir: string): RealStep[] {
  const conditions = existsSync(join(dir, 'condition'))
    ? readdirSync(join(dir, 'condition')).filter((f) => f.endsWith('.csv')).sort()
    : [];
  return [
    { kind: 'communes', file: 'admin/communes-by-departement', national: true },
    // The map's land and department outlines (the départements of metropolitan France); the
    // map opens on their extent.
    { kind: 'basemap-land', file: 'admin/departements-version-simplifiee.geojson', national: true },
    // Reported, then replaced by the national file (one Mérimée table).
    { kind: 'merimee', file: 'merimee/opendata-labels-67-2022.csv', national: false },
    { kind: 'merimee', file: 'merimee/pop-codes-67.csv', national: false },
    { kind: 'merimee', file: 'merimee/pop-codes-national-2022.zip', national: true },
    { kind: 'museums', file: 'museums/liste-et-localisation-des-musees-de-france-2024.csv', options: { layer: 'museums' }, national: false },
    { kind: 'museums', file: 'museums/musees-de-france-base-museofile-2023.csv', options: { layer: 'museums' }, national: true },
    ...conditions.map((f) => ({ kind: 'condition', file: `condition/${f}`, national: true })),
    { kind: 'drias', file: 'drias/DRIAS_2020_REFERENCE_annuel.txt', options: { warming: 'ref' }, national: true },
  ].filter((s) => existsSync(join(dir, s.file)));
}

export function commandOf(dir: string, s: RealStep, db?: string): string {
  const opts = Object.entries(s.options ?? {}).map(([k, v]) => ` --${k} ${v}`).join('');
  return `vigie import ${s.kind} ${JSON.stringify(join(dir, s.file))}${opts}${db ? ` --db ${db}` : ''}`;
}

export interface StepResult {
  step: RealStep;
  command: string;
  report?: ImportReport;
  error?: string;
  skipped?: boolean;
  seconds: number;
}

/** Imports each step (national ones only unless `all`), skipping files already imported unchanged. */
export async function importReal(
  store: Store,
  dir: string,
  opts: { all?: boolean; db?: string; log?: (line: string) => void } = {},
): Promise<StepResult[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const out: StepResult[] = [];
  for (const step of realSteps(dir)) {
    if (!opts.all && !step.national) continue;
    const path = join(dir, step.file);
    const command = commandOf(dir, step, opts.db);
    const checksum = checksumOf(path);
    const last = await store.one<{ checksum: string }>(
      'SELECT checksum FROM catalogue WHERE kind = $1 AND source_file = $2 ORDER BY id DESC LIMIT 1',
      [step.kind, path],
    );
    if (!opts.all && last?.checksum === checksum) {
      out.push({ step, command, skipped: true, seconds: 0 });
      log(`= ${command}  (already imported, unchanged)`);
      continue;
    }
    const t0 = performance.now();
    try {
      const report = await importLayer(store, step.kind, path, step.options ?? {});
      const seconds = (performance.now() - t0) / 1000;
      out.push({ step, command, report, seconds });
      log(`$ ${command}\n${formatReport(report, 3)}`);
    } catch (err) {
      const seconds = (performance.now() - t0) / 1000;
      out.push({ step, command, error: (err as Error).message, seconds });
      log(`$ ${command}\n  refused: ${(err as Error).message}`);
    }
  }
  return out;
}

/** One line per file: rows read / kept / positioned / flagged (rows with a flag) / rejected. */
export function summaryTable(results: readonly StepResult[]): string {
  const n = (v: number | undefined) => (v === undefined ? '—' : v.toLocaleString('en-US'));
  const lines = ['| file | kind | rows read | kept | positioned | flagged rows | rejected | seconds |', '|---|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of results) {
    if (r.skipped) continue;
    if (r.error) {
      lines.push(`| ${r.step.file} | ${r.step.kind} | refused: ${r.error.replace(/\|/g, '\\|').slice(0, 160)} | | | | | ${r.seconds.toFixed(1)} |`);
      continue;
    }
    const rep = r.report!;
    const flaggedRows = new Set(rep.issues.filter((i) => i.kept).map((i) => i.line ?? i.recordId)).size;
    lines.push(
      `| ${r.step.file} | ${r.step.kind} | ${n(rep.rowsRead)} | ${n(rep.kept)} | ${n(rep.positioned)} | ${n(flaggedRows)} | ${n(rep.rejected)} | ${r.seconds.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

function checksumOf(path: string): string {
  const h = createHash('sha256');
  if (statSync(path).isDirectory()) {
    for (const f of readdirSync(path).sort()) h.update(f).update(readFileSync(join(path, f)));
  } else h.update(readFileSync(path));
  return h.digest('hex');
}

/** `vigie run --real`: imports what changed, scores when anything did, serves. */
export async function runRealJob(opts: { dir: string; db: string; server: import('../../engine/server/listen.ts').ServerSettings }): Promise<string> {
  const { assertPortFree, listen } = await import('../../engine/server/listen.ts');
  const { ensureWebBuild } = await import('../web-build.ts');
  await assertPortFree(opts.server);
  const store = await Store.open(opts.db);
  try {
    const t0 = performance.now();
    const results = await importReal(store, opts.dir, { db: opts.db });
    console.log(summaryTable(results));
    const changed = results.some((r) => r.report);
    const scored = Number(await store.value('SELECT count(*) FROM score_runs'));
    if (changed || scored === 0) {
      const { scoreAll } = await import('../../engine/risk/score.ts');
      const t1 = performance.now();
      const runs = await scoreAll(store, { log: (l) => console.log(`  ${l}`) });
      console.log(`scored ${runs.map((r) => `${r.site_kind} ${r.n_sites}`).join(', ')} in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }
    await store.checkpoint();
    await ensureWebBuild();
    const url = await listen(store, opts.server);
    console.log(`real national database ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${url}`);
    return url;
  } catch (err) {
    store.close();
    throw err;
  }
}

async function main(argv: string[]): Promise<number> {
  const [mode, dir, db] = argv;
  if ((mode !== 'build' && mode !== 'report') || !dir || (mode === 'build' && !db)) {
    console.error('usage: npx tsx pipelines/real/national.ts build <realdata> <db> | report <realdata>');
    return 2;
  }
  const store = await Store.open(mode === 'report' ? ':memory:' : db);
  try {
    const t0 = performance.now();
    const results = await importReal(store, dir, { all: mode === 'report', db: mode === 'build' ? db : undefined });
    if (mode === 'build') {
      const { scoreAll } = await import('../../engine/risk/score.ts');
      const t1 = performance.now();
      const runs = await scoreAll(store, { log: (l) => console.log(`  ${l}`) });
      console.log(`scored ${runs.map((r) => `${r.site_kind} ${r.n_sites}`).join(', ')} in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      await store.checkpoint();
    }
    console.log(`\n${summaryTable(results)}\n\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return results.some((r) => r.error && r.step.kind !== 'drias') ? 1 : 0;
  } finally {
    store.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    console.error(err);
    process.exit(1);
  });
}
