/**
 * Two builds of the web app side by side: cold first map renders alternated between them on the
 * same database and server code, with the CPU time Chromium spent (all its processes, from /proc)
 * until each first frame. The way to judge a change to the first screen on a noisy machine: the
 * peer is measured in the same run, so a busy neighbour slows both. Prints JSON.
 *
 *   npx vite build --outDir ../dist/web-before    # on the commit to compare with
 *   npx tsx pipelines/bench/web-compare.ts --db var/real.duckdb dist/web-before dist/web [--runs 5]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from '../chromium.ts';
import { WARM_UP_URLS, createServer } from '../../engine/server/server.ts';
import { Store } from '../../engine/store/store.ts';

/** CPU seconds (user + system) of every Chromium process alive now (Linux). */
function chromiumCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!/chrom/i.test(name)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { db: { type: 'string' }, runs: { type: 'string', default: '5' } },
});
if (!values.db || positionals.length < 2) {
  console.error('usage: web-compare.ts --db FILE.duckdb WEBROOT_A WEBROOT_B [--runs N]');
  process.exit(2);
}
const runs = Number(values.runs);
const store = await Store.open(resolve(values.db));
const builds = await Promise.all(
  positionals.map(async (root) => {
    const app = await createServer({ store, webRoot: resolve(root), checkResponses: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/`;
    for (const u of WARM_UP_URLS) await fetch(new URL(u, base)).then((r) => r.arrayBuffer());
    return { root, app, base, firstRenderMs: [] as number[], chromiumCpuS: [] as number[] };
  }),
);
const load = [loadavg()[0]];
try {
  for (let i = 0; i < runs; i++) {
    for (const b of builds) {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
        const cpu0 = chromiumCpuSeconds();
        await page.goto(b.base);
        await page.waitForFunction(() => window.__vigie?.ready === true, null, { timeout: 120_000 });
        b.chromiumCpuS.push(Math.round((chromiumCpuSeconds() - cpu0) * 100) / 100);
        b.firstRenderMs.push((await page.evaluate('window.__vigie.firstRenderMs')) as number);
      } finally {
        await browser.close();
      }
    }
  }
  load.push(loadavg()[0]);
  console.log(
    JSON.stringify(
      {
        bench: 'web-compare',
        database: values.db,
        runs,
        loadavg_1m: load.map((l) => Math.round(l * 100) / 100),
        builds: builds.map((b) => ({
          webRoot: b.root,
          firstRenderMs: { median: median(b.firstRenderMs), all: b.firstRenderMs },
          chromiumCpuS: { median: median(b.chromiumCpuS), all: b.chromiumCpuS },
        })),
      },
      null,
      2,
    ),
  );
} finally {
  for (const b of builds) await b.app.close();
  store.close();
}
