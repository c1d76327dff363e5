/**
 * An acknowledged review survives a SIGKILL: the real server (`vigie serve`) runs as a child
 * process on a prepared database; concurrent review chains (increasing versions on distinct
 * sites) are cut by SIGKILL mid-burst; after a restart every review answered 200 is there,
 * with its content and its audit row.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reviewStore, PASSWORD } from './review-fixture.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SITES = 60;
let dir: string;
let db: string;
let child: ChildProcess | null = null;

function serve(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/vigie.js'), 'serve', '--port', '0', '--db', db], {
    cwd: ROOT, env: { ...process.env, VIGIE_WEB_ROOT: join(dir, 'no-web') }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`server did not start: ${out}`)), 60_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /serving at (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); ok({ proc, url: m[1] }); }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => { clearTimeout(timer); fail(new Error(`server exited (${code}): ${out}`)); });
  });
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => proc.once('exit', () => r()));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-durable-'));
  db = join(dir, 'vigie.duckdb');
  const store = await reviewStore(db, dir);
  // extra monuments to review (unplaced: reviews work without a score)
  for (let i = 0; i < SITES; i++) {
    await store.run(`INSERT INTO monuments (reference, titre, protection, partielle, position_status, catalogue_id)
                     VALUES ($1, $2, 'inscrit', false, 'missing', 1)`, [`PA1${String(i).padStart(7, '0')}`, `Monument ${i}`]);
  }
  await store.checkpoint();
  store.close();
});

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('every acknowledged review survives SIGKILL of the server', async () => {
  let { proc, url } = await serve();
  child = proc;
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'monuments', password: PASSWORD }) });
  expect(login.status).toBe(200);
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const h = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };

  const acked = new Map<string, { version: number; note: string }>();
  const sent = new Map<string, string[]>();
  let nAcked = 0;
  let killed = false;
  const killAt = SITES * 3;
  const chain = async (i: number) => {
    const id = `PA1${String(i).padStart(7, '0')}`;
    for (let v = 0; !killed; v++) {
      const note = `site ${i} version ${v + 1} — é`;
      (sent.get(id) ?? sent.set(id, []).get(id)!).push(note);
      let res: Response;
      try {
        res = await fetch(`${url}/api/sites/${id}/review`, { method: 'PUT', headers: h, body: JSON.stringify({ note, statut_revue: 'examine', version: v }) });
      } catch {
        return; // connection cut by the kill
      }
      if (res.status !== 200) return;
      const body = (await res.json()) as { review: { version: number; note: string } };
      expect(body.review).toMatchObject({ version: v + 1, note });
      acked.set(id, { version: v + 1, note });
      if (++nAcked === killAt) {
        killed = true;
        proc.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: SITES }, (_, i) => chain(i)));
  await exited(proc);
  expect(nAcked).toBeGreaterThanOrEqual(killAt);

  ({ proc, url } = await serve());
  child = proc;
  // the session survived too (stored hashed in the database)
  for (const [id, a] of acked) {
    const res = await fetch(`${url}/api/sites/${id}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const { review } = (await res.json()) as { review: { version: number; note: string } };
    // the write in flight at the kill may or may not have committed, never half of it
    expect(review.version === a.version || review.version === a.version + 1).toBe(true);
    expect(review.note).toBe(sent.get(id)![review.version - 1]);
    const audit = (await (await fetch(`${url}/api/sites/${id}/audit`, { headers: { cookie } })).json()) as { items: { after: { version: number } }[] };
    expect(audit.items.map((x) => x.after.version)).toEqual(Array.from({ length: review.version }, (_, k) => k + 1));
  }
  proc.kill('SIGKILL');
}, 120_000);
