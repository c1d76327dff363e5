/**
 * What the end-to-end tests share: the real `vigie` command on a temporary database and cache,
 * started on a free port (it builds the web app itself when dist/web is stale), and stopped.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../pipelines/chromium.ts';
// Brings the type of window.__vigie.
import type {} from '../../web/src/lib/probe.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const OUT = join(ROOT, 'test/out');

export class VigieProcess {
  readonly workDir: string;
  readonly db: string;
  url = '';
  log = '';
  private child: ChildProcess | undefined;

  constructor(label: string) {
    mkdirSync(OUT, { recursive: true });
    this.workDir = mkdtempSync(join(tmpdir(), `vigie-e2e-${label}-`));
    this.db = join(this.workDir, 'vigie.duckdb');
  }

  private get env() {
    return { ...process.env, VIGIE_CACHE: join(this.workDir, 'cache') };
  }

  /** Runs a `vigie` command to completion (e.g. `user add`), returning its stdout. */
  command(args: string[], input?: string): string {
    return execFileSync(process.execPath, ['bin/vigie.js', ...args], { cwd: ROOT, input, env: this.env, encoding: 'utf8' });
  }

  /**
   * `vigie run` on port 0 (or `vigie serve`: the database as prepared with `command`, no sample
   * imports); resolves with the URL once /api/health answers.
   */
  async start(mode: 'run' | 'serve' = 'run'): Promise<string> {
    const child = spawn(process.execPath, ['bin/vigie.js', mode, '--port', '0', '--host', '127.0.0.1', '--db', this.db], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const url = await new Promise<string>((done, fail) => {
      const onData = (chunk: Buffer) => {
        this.log += chunk.toString();
        const match = /serving at (http:\/\/\S+)/.exec(this.log);
        if (match) done(match[1]);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => fail(new Error(`vigie run exited with ${code} before serving:\n${this.log}`)));
    });
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${url}/api/health`).catch(() => null);
      if (res?.ok) return (this.url = url);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${url}/api/health never answered:\n${this.log}`);
  }

  /** SIGTERM (SIGKILL after 5 s), then removes the temporary folder. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/**
 * A fresh Chromium on the app at `url`, once the map shows the monuments; page errors are
 * collected into `pageErrors` for the test to check at the end.
 */
export async function openApp(url: string, pageErrors: string[]): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.__vigie?.ready === true, null, { timeout: 90_000 });
  return { browser, page };
}
