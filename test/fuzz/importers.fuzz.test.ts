/**
 * Fuzz corpus (issue 14), run by `npm test`: malformed inputs made deterministically from the
 * sample files (test/fuzz/corpus.ts) for every importer kind and for `vigie detect` tiles.
 *
 * Each input must end as exit 0 would (imported, with flags) or exit 2 would (an InputError of
 * ONE line naming the file and saying what was expected) — never another error (a stack trace
 * in the CLI), never a changed database after a refusal (a checksum of every table before and
 * after), never longer than 30 s, never more than 1 GB of memory. In-process through importLayer
 * with a fresh store per group (the valid base imported first, so every accepted mutant is a
 * re-import), plus a sample of real CLI runs for the exit codes and stack traces.
 *
 * The totals are printed as one JSON line (`FUZZ_SUMMARY {...}`) and written to
 * test/out/fuzz-summary.json. Reproduce: npx vitest run test/fuzz --maxWorkers=1
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigieError } from '../../engine/errors.ts';
import { importLayer, importerKinds } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import '../../engine/report/archeologia.ts';
import { exportLayer } from '../../engine/report/export.ts';
import { Store } from '../../engine/store/store.ts';
import { buildCorpus, conditionGroup, gpkgMutants, ROOT, SEED, tileMutants, type Group } from './corpus.ts';
import { tableChecksums } from './db-state.ts';
import type { Mutant } from './mutate.ts';

const HANG_MS = 30_000;
const MEMORY_LIMIT = 1024 ** 3;

interface Finding { kind: string; group: string; mutant: string; problem: string; detail: string }
interface Totals { tried: number; imported: number; refused: number; crashes: number; stackTraces: number; badMessages: number; hangs: number; partialImports: number; implausible: number; maxMs: number }

const totals = new Map<string, Totals>();
const findings: Finding[] = [];
let maxRss = 0;
let dir: string;

function tally(kind: string): Totals {
  let t = totals.get(kind);
  if (!t) totals.set(kind, (t = { tried: 0, imported: 0, refused: 0, crashes: 0, stackTraces: 0, badMessages: 0, hangs: 0, partialImports: 0, implausible: 0, maxMs: 0 }));
  return t;
}

/**
 * An accepted import must not store a position nowhere near France: every x/y/bbox column
 * (Lambert-93 metres, or lon/lat) finite and within 50,000 km. Returns what is wrong, if anything.
 */
async function implausibleCoordinates(store: Store): Promise<string | undefined> {
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

function writeMutant(group: string, i: number, name: string, m: Mutant): string {
  const sub = join(dir, group.replace(/\W/g, '_'), String(i));
  mkdirSync(sub, { recursive: true });
  const stem = name.slice(0, name.lastIndexOf('.'));
  const file = join(sub, m.ext === '.zip' ? `${stem}.zip` : m.ext.endsWith('.gz') ? `${name}.gz` : `${stem}${m.ext}`);
  writeFileSync(file, m.bytes);
  return file;
}

async function attempt(store: Store, kind: string, group: string, file: string, mutant: string, options: Record<string, unknown>, before: Record<string, string>): Promise<Record<string, string>> {
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
  maxRss = Math.max(maxRss, process.memoryUsage().rss);
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

async function runGroup(g: Group, setup?: (store: Store) => Promise<void>): Promise<void> {
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

const corpus = buildCorpus();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-fuzz-'));
});

afterAll(() => {
  const byKind = Object.fromEntries([...totals.entries()].sort(([a], [b]) => a.localeCompare(b)));
  const sum = (k: keyof Totals) => [...totals.values()].reduce((s, t) => s + (k === 'maxMs' ? 0 : t[k]), 0);
  const summary = {
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
    maxRssMB: Math.round(maxRss / 1024 ** 2),
    cli: cliTotals,
    byKind,
    findings,
  };
  mkdirSync(join(ROOT, 'test', 'out'), { recursive: true });
  writeFileSync(join(ROOT, 'test', 'out', 'fuzz-summary.json'), JSON.stringify(summary, null, 2));
  console.log(`FUZZ_SUMMARY ${JSON.stringify({ ...summary, findings: findings.length })}`);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cliTotals = { runs: 0, exit0: 0, exit2: 0, otherExit: 0, stackTraces: 0, multiLine: 0 };

describe('fuzz corpus: every importer kind', () => {
  it('has a group for every registered importer kind and at least 300 inputs', () => {
    const kinds = new Set([...corpus.map((g) => g.kind), 'archeologia', 'condition']);
    expect(importerKinds().filter((k) => !kinds.has(k))).toEqual([]);
    const n = corpus.reduce((s, g) => s + g.mutants.length, 0);
    expect(n).toBeGreaterThanOrEqual(300);
  });

  for (const g of corpus) {
    it(`${g.kind} (${g.name}): ${g.mutants.length} malformed inputs end in an import or one clear refusal, nothing half-written`, async () => {
      await runGroup(g);
      const mine = findings.filter((f) => f.group === `${g.kind}:${g.name}`);
      expect(mine.map((f) => `${f.mutant}: ${f.problem}: ${f.detail}`)).toEqual([]);
      expect(maxRss).toBeLessThan(MEMORY_LIMIT);
    }, 120_000);
  }

  it('archeologia (GeoPackage back from QGIS): malformed files refused, nothing half-written', async () => {
    const seedStore = await Store.open(':memory:');
    const addDetections = async (s: Store) => {
      for (const [i, x] of [330_050, 330_060, 330_070].entries()) {
        await s.run(
          `INSERT INTO detections (detection_id, tile, class, score, confidence, level, diameter_m, x, y, novelty, model_hash)
           VALUES ($1, 't', 'mound', 0.9, 0.9, 'very_probable', 12, $2, 6713950, 'nouveau', 'm1')`,
          [`m1:t:${i}`, x],
        );
      }
    };
    await addDetections(seedStore);
    const out = join(dir, 'export', 'validation.gpkg');
    mkdirSync(join(dir, 'export'), { recursive: true });
    await exportLayer(seedStore, { layer: 'detections', format: 'archeologia', out });
    seedStore.close();
    const base = new Uint8Array(readFileSync(out));
    await runGroup({ kind: 'archeologia', name: 'validation.gpkg', base, mutants: gpkgMutants(base) }, addDetections);
    const mine = findings.filter((f) => f.kind === 'archeologia');
    expect(mine.map((f) => `${f.mutant}: ${f.problem}: ${f.detail}`)).toEqual([]);
  }, 120_000);
});

describe('fuzz corpus: condition surveys (matched to the monuments of the store)', () => {
  it('condition: malformed survey tables end in an import or one clear refusal, nothing half-written', async () => {
    const importMonuments = async (s: Store) => {
      await importLayer(s, 'merimee', join(ROOT, 'test', 'fixtures', 'heritage', 'merimee-pop.csv'));
    };
    const probe = await Store.open(':memory:');
    await importMonuments(probe);
    const monuments = await probe.all<{ reference: string; titre: string | null; lon: number; lat: number }>(
      'SELECT reference, titre, lon, lat FROM monuments WHERE lon IS NOT NULL ORDER BY reference LIMIT 6');
    probe.close();
    expect(monuments.length).toBeGreaterThanOrEqual(3);
    await runGroup(conditionGroup(monuments), importMonuments);
    const mine = findings.filter((f) => f.kind === 'condition');
    expect(mine.map((f) => `${f.mutant}: ${f.problem}: ${f.detail}`)).toEqual([]);
  }, 120_000);
});

describe('fuzz corpus: vigie detect tiles', () => {
  it('every malformed tile is reported on one line naming the file, valid tiles still processed, nothing else thrown', async () => {
    const { detectTiles } = await import('../../engine/detect/detections.ts');
    const { loadDetector } = await import('../../engine/detect/infer.ts');
    const detector = await loadDetector({ workers: 0 });
    const { tif, asc, mutants } = tileMutants();
    const t = tally('detect'); // « imported » = every tile processed, « refused » = a tile reported as failed
    const store = await Store.open(':memory:');
    try {
      const tileName = 'LHD_FXX_0330_6714_MNT_O_0M50_LAMB93_IGN69';
      for (const [i, m] of [{ name: 'base-tif', bytes: tif, ext: '.tif' }, { name: 'base-asc', bytes: asc, ext: '.asc' }, ...mutants].entries()) {
        const file = writeMutant('detect', i, `${tileName}${m.ext}`, m);
        t.tried++;
        const t0 = performance.now();
        let before = await tableChecksums(store);
        try {
          // ASCII grids carry no CRS: given as `vigie detect --crs EPSG:2154` would.
          const res = await detectTiles(store, [file], { detector, force: true, crs: m.ext === '.asc' ? 'EPSG:2154' : undefined });
          const failed = res.reports.filter((r) => !r.ok);
          if (failed.length) {
            t.refused++;
            for (const r of failed) {
              // the CLI prints `<file>: ERROR <error>`, one line per failed tile
              const bad = messageProblem(`${r.file}: ERROR ${r.error ?? ''}`, [basename(file)]);
              if (bad) {
                t.badMessages++;
                findings.push({ kind: 'detect', group: 'detect', mutant: m.name, problem: 'bad message', detail: `${bad}: ${r.error}` });
              }
            }
            const after = await tableChecksums(store);
            if (JSON.stringify(after) !== JSON.stringify(before)) {
              t.partialImports++;
              findings.push({ kind: 'detect', group: 'detect', mutant: m.name, problem: 'database changed by a refused tile', detail: '' });
            }
          } else t.imported++;
          if (m.name.startsWith('base')) expect(failed).toEqual([]);
        } catch (err) {
          if (err instanceof VigieError && err.exitCode === 2) {
            t.refused++;
            const bad = messageProblem((err as Error).message, [basename(file)]);
            if (bad) {
              t.badMessages++;
              findings.push({ kind: 'detect', group: 'detect', mutant: m.name, problem: 'bad message', detail: `${bad}: ${(err as Error).message}` });
            }
          } else {
            t.crashes++;
            t.stackTraces++;
            findings.push({ kind: 'detect', group: 'detect', mutant: m.name, problem: 'crash', detail: `${(err as Error).name}: ${(err as Error).message}` });
          }
        }
        const ms = performance.now() - t0;
        t.maxMs = Math.max(t.maxMs, Math.round(ms));
        if (ms > HANG_MS) t.hangs++;
        maxRss = Math.max(maxRss, process.memoryUsage().rss);
        before = await tableChecksums(store);
      }
    } finally {
      store.close();
      await detector.close();
    }
    const mine = findings.filter((f) => f.kind === 'detect');
    expect(mine.map((f) => `${f.mutant}: ${f.problem}: ${f.detail}`)).toEqual([]);
  }, 120_000);
});

describe('fuzz corpus: real CLI runs (exit code, one line, no stack trace)', () => {
  it('a sample of the corpus through `vigie import` exits 0 or 2 with one line and no stack trace', () => {
    const picks: { kind: string; group: Group; mutant: string }[] = [];
    const want = ['truncate@', 'json:coordinates-nested-10000', 'zip-bomb-1000x', 'tiff:png-inside', 'field-1MB', 'cut-last-value'];
    for (const w of want) {
      const g = corpus.find((c) => c.mutants.some((m) => m.name.startsWith(w)));
      if (g) picks.push({ kind: g.kind, group: g, mutant: g.mutants.find((m) => m.name.startsWith(w))!.name });
    }
    const db = join(dir, 'cli.duckdb');
    const problems: string[] = [];
    for (const p of picks) {
      const m = p.group.mutants.find((x) => x.name === p.mutant)!;
      const file = writeMutant(`cli-${p.kind}`, 1, p.group.name, m);
      const args = ['bin/vigie.js', 'import', p.kind, file, '--db', db];
      if (p.group.options?.hazard) args.push('--hazard', String(p.group.options.hazard));
      const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: HANG_MS });
      cliTotals.runs++;
      const stderr = r.stderr.trim();
      if (r.status === 0) cliTotals.exit0++;
      else if (r.status === 2) cliTotals.exit2++;
      else {
        cliTotals.otherExit++;
        problems.push(`${p.kind} ${p.mutant}: exit ${r.status}: ${stderr.slice(0, 300)}`);
      }
      if (/\n\s+at /.test(stderr)) {
        cliTotals.stackTraces++;
        problems.push(`${p.kind} ${p.mutant}: stack trace: ${stderr.slice(0, 300)}`);
      }
      if (r.status === 2 && stderr.split('\n').length !== 1) {
        cliTotals.multiLine++;
        problems.push(`${p.kind} ${p.mutant}: ${stderr.split('\n').length} lines on stderr`);
      }
    }
    expect(picks.length).toBeGreaterThanOrEqual(6);
    expect(problems).toEqual([]);
  }, 120_000);
});
