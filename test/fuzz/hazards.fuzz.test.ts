/**
 * Fuzz corpus, hazard kinds and `vigie detect` tiles (issue 14; harness and rules in
 * test/fuzz/harness.ts), plus a sample of real CLI runs. Heritage kinds: heritage.fuzz.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigieError } from '../../engine/errors.ts';
import '../../engine/hazards/register.ts';
import '../../engine/report/archeologia.ts';
import { Store } from '../../engine/store/store.ts';
import { buildCorpus, ROOT, tileMutants, type Group } from './corpus.ts';
import { tableChecksums } from './db-state.ts';
import {
  cliTotals, findings, findingsOf, HANG_MS, MEMORY_LIMIT_BYTES, messageProblem, runGroup, state, tally, writeMutant, writeSummary,
} from './harness.ts';

const HERITAGE = new Set(['communes', 'merimee', 'museums', 'spr', 'archaeology', 'basemap-land', 'basemap-rivers']);
const corpus = buildCorpus().filter((g) => !HERITAGE.has(g.kind));

beforeAll(() => {
  state.dir = mkdtempSync(join(tmpdir(), 'vigie-fuzz-hazards-'));
});

afterAll(() => {
  writeSummary('hazards');
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
});

describe('fuzz corpus: hazard kinds', () => {

  for (const g of corpus) {
    it(`${g.kind} (${g.name}): ${g.mutants.length} malformed inputs end in an import or one clear refusal, nothing half-written`, async () => {
      await runGroup(g);
      expect(findingsOf((f) => f.group === `${g.kind}:${g.name}`)).toEqual([]);
      expect(state.maxRss).toBeLessThan(MEMORY_LIMIT_BYTES);
    }, 120_000);
  }
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
        state.maxRss = Math.max(state.maxRss, process.memoryUsage().rss);
        before = await tableChecksums(store);
      }
    } finally {
      store.close();
      await detector.close();
    }
    expect(findingsOf((f) => f.kind === 'detect')).toEqual([]);
  }, 120_000);
});

describe('fuzz corpus: real CLI runs (exit code, one line, no stack trace)', () => {
  it('a sample of the corpus through `vigie import` exits 0 or 2 with one line and no stack trace', () => {
    const picks: { kind: string; group: Group; mutant: string }[] = [];
    const want = ['json:coordinates-nested-10000', 'zip-bomb-1000x', 'tiff:png-inside', 'cut-last-value'];
    for (const w of want) {
      const g = buildCorpus().find((c) => c.mutants.some((m) => m.name.startsWith(w)));
      if (g) picks.push({ kind: g.kind, group: g, mutant: g.mutants.find((m) => m.name.startsWith(w))!.name });
    }
    const db = join(state.dir, 'cli.duckdb');
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
    expect(picks.length).toBe(4);
    expect(problems).toEqual([]);
  }, 240_000); // four process starts: ~3 s each on an idle 2-core machine
});
