/**
 * The `vigie` command as a user runs it: exit codes, messages that name the file, line and
 * column, a database left exactly as it was after a failed import, and a clear word when the
 * database or the port is held by another process.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_REGION_DIR } from '../../pipelines/paths.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vigie.js');
const dir = mkdtempSync(join(tmpdir(), 'vigie-cli-'));
const db = join(dir, 'vigie.duckdb');

async function vigie(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, VIGIE_DB: db } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function snapshot(): Promise<string> {
  const r = await vigie('import', '--help');
  expect(r.code).toBe(0);
  // Read the database through DuckDB directly, from a separate process, as a user would.
  const { Store } = await import('../../engine/store/store.ts');
  const store = await Store.open(db, { readOnly: true });
  try {
    const counts = await store.counts(['monuments', 'communes', 'catalogue', 'import_issues']);
    const digest = await store.value<string>(`SELECT md5(string_agg(reference || coalesce(titre,'') || coalesce(x::VARCHAR,''), ',' ORDER BY reference)) FROM monuments`);
    return JSON.stringify({ counts, digest });
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  expect((await vigie('import', 'communes', join(SAMPLE_REGION_DIR, 'communes.geojson'))).code).toBe(0);
  const ok = await vigie('import', 'merimee', join(SAMPLE_REGION_DIR, 'merimee.csv'));
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/2,000 kept/);
});

describe('vigie CLI', () => {
  it('--help lists the commands', async () => {
    const r = await vigie('--help');
    expect(r.code).toBe(0);
    for (const c of ['run', 'serve', 'samples', 'import']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  const good = readFileSync(join(SAMPLE_REGION_DIR, 'merimee.csv'), 'utf8');
  const cases: Array<[string, string, RegExp]> = [
    // Tab, comma and semicolon re-saves are read (spreadsheets write them); '#' is no CSV delimiter.
    ['wrong delimiter', good.replaceAll('|', '#'), /merimee-bad\.csv line 1.*(delimiter|separat|column)/i],
    ['missing Reference column', good.replace('Reference|', 'Ref|'), /merimee-bad\.csv line 1.*Reference/],
    ['truncated file', good.slice(0, Math.floor(good.length / 2)) + '|"unterminated', /merimee-bad\.csv line \d+/],
    ['binary garbage', '\u0000\u0001\u0002PK\u0003\u0004garbage', /merimee-bad\.csv.*binary/i],
  ];
  for (const [label, content, message] of cases) {
    it(`rejects a merimee file with ${label}, exit ≠ 0, database unchanged`, async () => {
      const before = await snapshot();
      const bad = join(dir, 'merimee-bad.csv');
      writeFileSync(bad, content);
      const r = await vigie('import', 'merimee', bad);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(await snapshot()).toBe(before);
    });
  }

  describe('while a server holds the database', () => {
    let server: ChildProcess;
    let port = 0;
    beforeAll(async () => {
      port = await freePort();
      server = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
      await new Promise<void>((ok, fail) => {
        let out = '';
        server.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('serving at')) ok();
        });
        server.once('exit', (code) => fail(new Error(`server exited ${code}`)));
      });
    });
    afterAll(() => {
      server?.kill('SIGKILL');
    });

    it('an import says the database is locked and by whom', async () => {
      const r = await vigie('import', 'merimee', join(SAMPLE_REGION_DIR, 'merimee.csv'));
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/locked by .*PID \d+|locked by another process/);
    });

    it('`vigie run` on the same port says the port is in use', async () => {
      const r = await vigie('run', '--port', String(port), '--db', join(dir, 'other.duckdb'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`port ${port} .*already in use`));
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}
