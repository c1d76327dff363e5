/**
 * The harness of the fuzz corpus (issue 14), run by `npm test` through heritage.fuzz.test.ts and
 * hazards.fuzz.test.ts (two files, so vitest runs them side by side): malformed inputs made deterministically from the
 * sample files (test/fuzz/corpus.ts) for every importer kind and for `vigie detect` tiles.
 *
 * Each input must end as exit 0 would (imported, with flags) or exit 2 would (an InputError of
 * ONE line naming the file and saying what was expected) — never another error (a stack trace
 * in the CLI), never a changed database after a refusal (a checksum of every table before and
 * after), never longer than 30 s, never more than 1 GB of memory. In-process through importLayer
 * with a fresh store per group (the valid base imported first, so every accepted mutant is a
 * re-import), plus a sample of real CLI runs for the exit codes and stack traces.
 *
 * Each file prints its totals as one JSON line (`FUZZ_SUMMARY <part> {...}`) and writes them to
 * test/out/fuzz-summary-<part>.json. Reproduce: npx vitest run test/fuzz
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { VigieError } from '../../engine/errors.ts';
import { importLayer } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import '../../engine/report/archeologia.ts';
import { Store } from '../../engine/store/store.ts';
import { ROOT, SEED, type Group } from './corpus.ts';
import { tableChecksums } from './db-state.ts';
import type { Mutant } from './mutate.ts';

export const HANG_MS = 30_000;
export const MEMORY_LIMIT = 1024 ** 3;

export interface Finding { kind: string; group: string; mutant: string; problem: string; detail: string }
export interface Totals { tried: number; imported: number; refused: number; crashes: number; stackTraces: number; badMessages: number; hangs: number; partialImports: number; implausible: number; maxMs: number }

export const totals = new Map<string, Totals>();
export const findings: Finding[] = [];
/** shared state of one test file (each file runs in its own worker) */
export const state = { maxRss: 0, dir: '' };

export function tally(kind: string): Totals {
  let t = totals.get(kind);
  if (!t) totals.set(kind, (t = { tried: 0, imported: 0, refused: 0, crashes: 0, stackTraces: 0, badMessages: 0, hangs: 0, partialImports: 0, implausible: 0, maxMs: 0 }));
  return t;
}

/**
 * An accepted import must not store a position nowhere near France: every x/y/bbox column
 * (Lambert-93 metres, or lon/lat) finite and within 50,000 km. Returns what is wrong, if anything.
 */
export async function implausibleCoordinates(store: Store): Promise<string | undefined> {
  const cols = await store.all<{ t: string; c: string }>(
    `SELECT table_name AS t, column_name AS c FROM duckdb_columns()
     WHERE schema_name = 'main' AND NOT internal AND data_type = 'DOUBLE' AND column_name IN ('x', 'y', 'minx', 'miny', 'maxx', 'maxy', 'lon', 'lat')`,
  );
  if (cols.length === 0) return undefined;
  const sql = cols
    .map(({ t, c }) => `SELECT '${t}.${c}' AS col, max(abs("${c}")) AS m, count(*) FILTER (WHERE isnan("${c}") OR isinf("${c}")) AS bad FROM "${t}"`)
    .join(' UNION ALL ');
  const wild = (await store.all<{ col: string; m: number | null; bad: number }>(sql)).filter((r) => Number(r.bad) > 0 || (r.m ?? 0) > 5e7);
  return wild.length ? wild.map((r) => `${r.col}: max |v| ${r.m}, ${r.bad} non-finite`).join('; ') : undefined;
}

/** What an input error must look like: one line, the file named, what was expected said. */
export function messageProblem(message: string, fileNames: string[]): string | undefined {
  if (message.includes('\n')) return 'more than one line';
  if (!fileNames.some((n) => message.includes(n))) return `does not name the file (${fileNames.join(' or ')})`;
  // « expected … », or the fix named outright (« give it with --crs EPSG:2154 », the limits it broke).
  if (!/expected|expects|give it with|give the|pass --|limits:/i.test(message)) return 'does not say what was expected';
  if (message.length > 2000) return `${message.length} characters long`;
  return undefined;
}

export function writeMutant(group: string, i: number, name: string, m: Mutant): string {
  const sub = join(state.dir, group.replace(/\W/g, '_'), String(i));
  mkdirSync(sub, { recursive: true });
  const stem = name.slice(0, name.lastIndexOf('.'));
  const file = join(sub, m.ext === '.zip' ? `${stem}.zip` : m.ext.endsWith('.gz') ? `${name}.gz` : `${stem}${m.ext}`);
  writeFileSync(file, m.bytes);
  return file;
}

export async function attempt(store: Store, kind: string, group: string, file: string, mutant: string, options: Record<string, unknown>, before: Record<string, string>): Promise<Record<string, string>> {
  const t = tally(kind);
  t.tried++;
  const t0 = performance.now();
  let refusedWith: Error | undefined;
  try {
    await importLayer(store, kind, file, options);
    t.imported++;
    const wild = await implausibleCoordinates(store);
    if (wild) {
      t.implausible++;
      findings.push({ kind, group, mutant, problem: 'implausible coordinates stored', detail: wild });
    }
  } catch (err) {
    refusedWith = err as Error;
  }
  const ms = performance.now() - t0;
  t.maxMs = Math.max(t.maxMs, Math.round(ms));
  state.maxRss = Math.max(state.maxRss, process.memoryUsage().rss);
  const note = (problem: string, detail: string) => findings.push({ kind, group, mutant, problem, detail: detail.slice(0, 400) });
  if (ms > HANG_MS) {
    t.hangs++;
    note('hang', `${Math.round(ms)} ms`);
  }
  const after = await tableChecksums(store);
  if (refusedWith) {
    if (refusedWith instanceof VigieError && refusedWith.exitCode === 2) {
      t.refused++;
      const bad = messageProblem(refusedWith.message, [basename(file), basename(file).replace(/\.(zip|gz)$/, '')]);
      if (bad) {
        t.badMessages++;
        note('bad message', `${bad}: ${refusedWith.message}`);
      }
    } else {
      t.crashes++;
      t.stackTraces++; // the CLI prints a stack for anything but a VigieError of exit 2–5
      note('crash', `${refusedWith.name}: ${refusedWith.message}\n${refusedWith.stack?.split('\n').slice(1, 4).join('\n')}`);
    }
    const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
    if (changed.length) {
      t.partialImports++;
      note('database changed by a refused import', changed.join(', '));
    }
  }
  return after;
}

export async function runGroup(g: Group, setup?: (store: Store) => Promise<void>): Promise<void> {
  const store = await Store.open(':memory:');
  try {
    if (setup) await setup(store);
    for (const s of g.setup ?? []) await importLayer(store, s.kind, s.file);
    const baseFile = writeMutant(`${g.kind}-${g.name}`, 0, g.name, { name: 'base', bytes: g.base, ext: g.name.slice(g.name.lastIndexOf('.')) });
    await importLayer(store, g.kind, baseFile, g.options ?? {}); // the valid base must import
    let state = await tableChecksums(store);
    for (let i = 0; i < g.mutants.length; i++) {
      const m = g.mutants[i];
      const file = writeMutant(`${g.kind}-${g.name}`, i + 1, g.name, m);
      state = await attempt(store, g.kind, `${g.kind}:${g.name}`, file, m.name, g.options ?? {}, state);
      rmSync(file, { force: true });
    }
  } finally {
    store.close();
  }
}

export const cliTotals = { runs: 0, exit0: 0, exit2: 0, otherExit: 0, stackTraces: 0, multiLine: 0 };

/** Totals of this file's inputs: printed as one line and written to test/out/fuzz-summary-<part>.json. */
export function writeSummary(part: string): void {
  const byKind = Object.fromEntries([...totals.entries()].sort(([a], [b]) => a.localeCompare(b)));
  const sum = (k: keyof Totals) => [...totals.values()].reduce((s, t) => s + (k === 'maxMs' ? 0 : t[k]), 0);
  const summary = {
    part,
    seed: SEED,
    inputs: sum('tried'),
    imported: sum('imported'),
    refused: sum('refused'),
    crashes: sum('crashes'),
    stackTraces: sum('stackTraces'),
    badMessages: sum('badMessages'),
    hangs: sum('hangs'),
    partialImports: sum('partialImports'),
    implausibleCoordinates: sum('implausible'),
    maxMsPerInput: Math.max(0, ...[...totals.values()].map((t) => t.maxMs)),
    maxRssMB: Math.round(state.maxRss / 1024 ** 2),
    cli: cliTotals,
    byKind,
    findings,
  };
  mkdirSync(join(ROOT, 'test', 'out'), { recursive: true });
  writeFileSync(join(ROOT, 'test', 'out', `fuzz-summary-${part}.json`), JSON.stringify(summary, null, 2));
  console.log(`FUZZ_SUMMARY ${part} ${JSON.stringify({ ...summary, findings: findings.length })}`);
}

/** The findings of one group or kind, as lines a failing assertion prints. */
export function findingsOf(pred: (f: Finding) => boolean): string[] {
  return findings.filter(pred).map((f) => `${f.mutant}: ${f.problem}: ${f.detail}`);
}

export { MEMORY_LIMIT as MEMORY_LIMIT_BYTES };
