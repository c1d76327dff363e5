/**
 * End-to-end: the review app on the real server (`vigie run` on a temporary database, a user
 * created with `vigie user add … --password-stdin` first), in Debian's Chromium with software
 * WebGL. Logs in, filters (map and ranked table agree with the API), opens a monument and reads
 * its term-by-term breakdown, saves a review through a 409 conflict, reviews three detections
 * with the keyboard only, reloads and finds them persisted, logs out. Screenshots in test/out/.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { OUT, VigieProcess, openApp } from './harness.ts';
import type { Detection, Page as ListPage, SiteDetail, SiteRow } from '../../web/src/lib/api.ts';
import { decodeMonumentLayer } from '../../engine/contract/layer-bin.ts';
import type {} from '../../web/src/lib/probe.ts';

const USER = 'relecteur';
const PASSWORD = 'e2e-mot-de-passe-42';

const vigie = new VigieProcess('review');
let baseUrl: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** A JSON GET from inside the page, so the session cookie goes with it. */
function pageGet<T>(path: string): Promise<{ status: number; body: T }> {
  return page.evaluate(async (path) => {
    const r = await fetch(path, { headers: { accept: 'application/json' } });
    return { status: r.status, body: (await r.json().catch(() => null)) as never };
  }, path) as Promise<{ status: number; body: T }>;
}

async function get<T>(path: string): Promise<T> {
  const r = await fetch(`${baseUrl}${path}`);
  expect(r.status, path).toBe(200);
  return (await r.json()) as T;
}

const shot = (name: string) => page.screenshot({ path: join(OUT, name) });
const digits = (s: string | null) => Number((s ?? '').replace(/\D/g, ''));

beforeAll(async () => {
  vigie.command(['user', 'add', USER, '--role', 'admin', '--password-stdin', '--db', vigie.db], `${PASSWORD}\n`);
  // `vigie run` rebuilds dist/web when the app's sources are newer than the build.
  baseUrl = await vigie.start();
  ({ browser, page } = await openApp(baseUrl, pageErrors));
});

afterAll(async () => {
  await browser?.close();
  await vigie.stop();
});

describe('Vigie review app', () => {
  it('rejects a wrong password, then logs in and shows the roles', async () => {
    await page.click('[data-testid="login-open"]');
    await page.fill('#login-username', USER);
    await page.fill('#login-password', 'pas-le-bon');
    await page.press('#login-password', 'Enter');
    await page.locator('[data-testid="login-error"]').waitFor();
    expect(await page.textContent('[data-testid="login-error"]')).toContain('Identifiant ou mot de passe incorrect');
    await page.fill('#login-password', PASSWORD);
    await shot('review-1-login.png');
    await page.press('#login-password', 'Enter');
    await page.locator('[data-testid="logout"]').waitFor();
    const menu = await page.textContent('[data-testid="user-menu"]');
    expect(menu).toContain(USER);
    expect(menu).toContain('Administrateur');
    expect(await page.locator('[data-testid="mode-detections"]').count()).toBe(1);
  });

  it('colours the map by level and keeps map, table and API in step under filters', async () => {
    const layer = decodeMonumentLayer(await (await fetch(`${baseUrl}/api/monuments/layer.bin?scenario=ref`)).arrayBuffer());
    const all = await get<ListPage<SiteRow>>('/api/sites?scenario=ref&kind=monument&limit=1');
    expect(digits(await page.textContent('[data-testid="sites-total"]'))).toBe(all.total);
    expect(await page.evaluate(() => window.__vigie.monumentsDrawn)).toBe(layer.n);

    // Keep only the most common scored level among monuments.
    const counts = [0, 1, 2, 3].map((l) => layer.level.filter((x) => x === l).length);
    const level = counts.indexOf(Math.max(...counts));
    for (const key of ['3', '2', '1', '0', 'nd']) {
      if (key !== String(level)) await page.click(`[data-testid="level-filter"] [data-level="${key}"]`);
    }
    await page.waitForFunction((n) => window.__vigie.monumentsDrawn === n, counts[level], { timeout: 20_000 });
    const filtered = await get<ListPage<SiteRow>>(`/api/sites?scenario=ref&kind=monument&level=${level}&limit=1`);
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="sites-total"]')?.textContent?.replace(/\D/g, '')) === n,
      filtered.total,
      { timeout: 20_000 },
    );
    // The table may also list scored sites without a map position; never fewer.
    expect(filtered.total).toBeGreaterThanOrEqual(counts[level]);
    const levelCells = await page.locator('[data-testid="sites-table"] tbody tr td:nth-child(2) .level').allTextContents();
    const label = ['Très faible', 'Faible', 'Moyen', 'Fort'][level];
    expect(levelCells.length).toBeGreaterThan(0);
    for (const cell of levelCells) expect(cell.trim()).toBe(label);
    // The URL carries the filter: a shareable link.
    await page.waitForFunction((l) => new URLSearchParams(location.search).get('niveau') === l, String(level), { timeout: 5000 });
    await shot('review-2-filtered.png');
  });

  it('opens a monument from the table and shows its scores and breakdown term by term', async () => {
    const first = page.locator('[data-testid="sites-table"] tbody tr').first();
    const id = await first.getAttribute('data-site');
    expect(id).toBeTruthy();
    await first.locator('button').click();
    await page.locator('[data-testid="breakdown"]').waitFor();
    const detail = await get<SiteDetail>(`/api/sites/${id}`);
    expect(await page.textContent('[data-testid="monument-reference"]')).toBe(id);
    const refTerms = detail.terms.filter((t) => t.scenario === 'ref');
    const rows = page.locator('[data-testid="breakdown"] tbody tr[data-hazard]');
    expect(await rows.count()).toBe(refTerms.length);
    const fr = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });
    for (const t of refTerms) {
      const row = page.locator(`[data-testid="breakdown"] tr[data-hazard="${t.hazard}"]`);
      const cells = await row.locator('td').allTextContents();
      expect(cells[3].trim()).toBe(fr.format(t.weight));
      expect(cells[5].trim()).toBe(t.term === null ? '—' : fr.format(t.term));
    }
    // Four scenarios side by side, and the chart.
    const scoreCells = await page.locator('[data-testid="scenario-scores"] tbody tr:first-child td').allTextContents();
    expect(scoreCells.map((s) => s.trim())).toEqual(
      (['ref', '+2.0', '+2.7', '+4.0'] as const).map((s) => {
        const v = detail.scores[s]?.score;
        return v === null || v === undefined ? '—' : fr.format(v);
      }),
    );
    expect(await page.locator('[data-testid="level-chart"] rect').count()).toBeGreaterThan(4);
    await page.locator('[data-testid="breakdown"] summary').first().click();
    await shot('review-3-monument.png');
  });

  it('saves a review, handles a concurrent change (409) and reapplies', async () => {
    const id = await page.textContent('[data-testid="monument-reference"]');
    await page.click('#tab-revue');
    await page.check('#etat-mauvais', { force: true });
    await page.fill('#review-note', 'Fissures en façade nord.');
    await page.click('[data-testid="review-form"] button[type="submit"]');
    await page.locator('[data-testid="review-saved"]').waitFor();
    const saved = await get<SiteDetail>(`/api/sites/${id}`);
    expect(saved.review?.etat_conservation).toBe('mauvais');
    expect(saved.review?.note).toBe('Fissures en façade nord.');

    // Someone else saves in between (same account, another session).
    const login = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: USER, password: PASSWORD }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const other = await fetch(`${baseUrl}/api/sites/${id}/review`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ etat_conservation: 'bon', note: 'Vu sur place.', version: saved.review!.version }),
    });
    expect(other.status).toBe(200);

    await page.fill('#review-mitigation', 'Drainage des pieds de mur');
    await page.click('[data-testid="review-form"] button[type="submit"]');
    const conflict = page.locator('[data-testid="review-conflict"]');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain(`Cette fiche a été modifiée par ${USER}`);
    expect(await conflict.textContent()).toContain('Vu sur place.');
    await shot('review-4-conflict.png');
    await conflict.getByRole('button', { name: 'Réappliquer mes modifications' }).click();
    await page.locator('[data-testid="review-saved"]').waitFor();
    const final = await get<SiteDetail>(`/api/sites/${id}`);
    expect(final.review?.mitigation).toBe('Drainage des pieds de mur');
    expect(final.review?.etat_conservation).toBe('mauvais');

    await page.click('#tab-historique');
    await page.locator('[data-testid="audit"]').waitFor();
    expect(await page.locator('[data-testid="audit"] > li').count()).toBeGreaterThanOrEqual(3);
  });

  it('reviews three detections with the keyboard only, and finds them after a reload', async () => {
    let corrected = '';
    await page.click('[data-testid="mode-detections"]');
    const candidate = page.locator('[data-testid="candidate"]');
    await candidate.waitFor({ timeout: 20_000 });
    const current = () => candidate.getAttribute('data-id');
    // Beside each candidate: its calibrated precision (the API's confidence), and the class sheet.
    expect(await page.textContent('[data-testid="local-precision"]')).toMatch(/Précision calibrée|précision observée/);
    expect(await page.textContent('[data-testid="class-sheet"] summary')).toMatch(/^Fiche de la classe « .+ »$/);
    const waitNext = (id: string) =>
      page.waitForFunction((id) => document.querySelector('[data-testid="candidate"]')?.getAttribute('data-id') !== id, id, {
        timeout: 20_000,
      });
    // Focus out of any field: shortcuts must not fire while typing.
    await page.locator('#review-title').click();

    const a = (await current())!;
    await page.keyboard.press('o');
    await waitNext(a);
    const b = (await current())!;
    // Correct the class to one the model did not give (1–4: mound, kiln, enclosure, pit).
    const classes = ['mound', 'kiln', 'enclosure', 'pit'];
    const given = (await pageGet<Detection>(`api/detections/${encodeURIComponent(b)}`)).body.class;
    corrected = classes.find((k) => k !== given)!;
    await page.keyboard.press(String(classes.indexOf(corrected) + 1));
    await page.keyboard.press('n');
    await waitNext(b);
    const c = (await current())!;
    await page.keyboard.press('Shift+N');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('detection-note');
    // Typing « o » and « n » in the note must not decide.
    await page.keyboard.type('à voir sur le terrain, non labouré');
    expect(await current()).toBe(c);
    await page.keyboard.press('Escape');
    await page.keyboard.press('p');
    await waitNext(c);
    const d = (await current())!;
    await shot('review-5-detections.png');

    await page.reload();
    await page.waitForFunction(() => window.__vigie?.ready === true, null, { timeout: 90_000 });
    await candidate.waitFor({ timeout: 20_000 });
    // The reload reopens the candidate that was on screen (the URL is written at once).
    expect(await current()).toBe(d);
    const [da, db, dc] = await Promise.all([a, b, c].map((id) => pageGet<Detection>(`api/detections/${encodeURIComponent(id)}`)));
    expect(da.body.decision).toBe('oui');
    expect(db.body.decision).toBe('non');
    expect(db.body.corrected_class).toBe(corrected);
    expect(dc.body.decision).toBe('peut_etre');
    expect(dc.body.note).toBe('à voir sur le terrain, non labouré');

    // Back to the third one with the keyboard: its decision shows.
    await page.locator('#review-title').click();
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((id) => document.querySelector('[data-testid="candidate"]')?.getAttribute('data-id') === id, c, {
      timeout: 20_000,
    });
    // The candidate's id switches first; its stored decision arrives with its details.
    await expect.poll(async () => (await page.textContent('[data-testid="decision"]'))?.trim(), { timeout: 10_000 }).toBe('Peut-être');
    expect(digits((await page.textContent('[data-testid="progress-total"]'))!.split('/')[0])).toBeGreaterThanOrEqual(3);
    await page.keyboard.press('?');
    expect(await page.locator('[data-testid="shortcuts-help"]').isVisible()).toBe(true);
    await shot('review-6-help.png');
    await page.keyboard.press('Escape');
  });

  it('offers the département report and QGIS-ready GeoPackages for the filtered perimeter', async () => {
    await page.click('[data-testid="mode-risques"]');
    await page.selectOption('#filter-dep', '56');
    await page.locator('[data-testid="exports"]').scrollIntoViewIfNeeded();
    expect(await page.textContent('[data-testid="export-scope"]')).toBe('département 56');
    await shot('review-8-exports.png');
    /** Downloads a link's target inside the page (session cookie included): status, type, first bytes. */
    const download = (testid: string) =>
      page.evaluate(async (testid) => {
        const href = document.querySelector(`[data-testid="${testid}"]`)!.getAttribute('href')!;
        const r = await fetch(href);
        const head = new Uint8Array(await r.arrayBuffer()).slice(0, 16);
        return { href, status: r.status, type: r.headers.get('content-type'), head: String.fromCharCode(...head) };
      }, testid);
    const report = await download('export-report');
    expect(report.href).toContain('scope=department%3A56');
    expect(report.status).toBe(200);
    expect(report.type).toContain('application/pdf');
    expect(report.head.startsWith('%PDF')).toBe(true);
    for (const id of ['export-monuments-gpkg', 'export-archeologia']) {
      const gpkg = await download(id);
      expect(gpkg.status, gpkg.href).toBe(200);
      expect(gpkg.head).toBe('SQLite format 3\u0000');
    }
    // A perimeter without LiDAR detections (the sample tiles cover a few km²): the click shows the
    // server's French message instead of a broken download.
    const empty = await page.evaluate(async () => {
      for (const o of document.querySelectorAll<HTMLOptionElement>('#filter-commune option')) {
        if (o.value && (await fetch(`api/exports/detections.csv?scope=commune:${o.value}`)).status === 400) return o.value;
      }
      return null;
    });
    expect(empty, 'a commune of département 56 without detections').toBeTruthy();
    await page.selectOption('#filter-commune', empty!);
    await page.click('[data-testid="export-archeologia"]');
    const alert = page.locator('[data-testid="export-error"]');
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toMatch(/Rien à exporter : la couche detections n'a aucun élément dans le périmètre Commune .+ \(aucune détection LiDAR\)\. Aucun fichier n'a été produit\./);
    await shot('review-9-export-empty.png');
    await page.selectOption('#filter-dep', '');
  });

  it('logs out: detections are gone and the API refuses them', async () => {
    await page.click('[data-testid="logout"]');
    await page.locator('[data-testid="login-open"]').waitFor();
    expect(await page.locator('[data-testid="mode-detections"]').count()).toBe(0);
    expect(await page.locator('[data-testid="detection-review"]').count()).toBe(0);
    expect((await pageGet('api/detections?limit=1')).status).toBe(401);
    await shot('review-7-logged-out.png');
    expect(pageErrors).toEqual([]);
  });
});
