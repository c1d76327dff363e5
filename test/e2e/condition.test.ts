/**
 * End-to-end: « Constats d'état à rapprocher » in the app, in Debian's Chromium. The database is
 * prepared with the real `vigie import` commands (Bas-Rhin communes, the real Mérimée open-data
 * extract, the real-format condition surveys of test/fixtures/real/condition/) and served with
 * `vigie serve`. A monument reviewer does not see the panel before logging in; after logging in,
 * sees the one uncertain survey (T00003 « Chapelle », README of the fixture) with its candidates,
 * picks PA00085243 « Chapelle Saint-Pierre-et-Paul », and the survey leaves the list at once; the
 * API then shows the decision and the monument's review written by that reviewer.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '../../pipelines/web-build.ts';
import { OUT, ROOT, VigieProcess, openApp } from './harness.ts';
import type { AuditEntry, ConditionMatch, Page as ListPage } from '../../web/src/lib/api.ts';
import type {} from '../../web/src/lib/probe.ts';

const USER = 'relectrice';
const PASSWORD = 'e2e-mot-de-passe-43';
const REAL = join(ROOT, 'test/fixtures/real');

const vigie = new VigieProcess('condition');
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

function pageGet<T>(path: string): Promise<{ status: number; body: T }> {
  return page.evaluate(async (path) => {
    const r = await fetch(path, { headers: { accept: 'application/json' } });
    return { status: r.status, body: (await r.json().catch(() => null)) as never };
  }, path) as Promise<{ status: number; body: T }>;
}

beforeAll(async () => {
  vigie.command(['import', 'communes', join(REAL, 'admin/communes-67-bas-rhin.geojson'), '--db', vigie.db]);
  vigie.command(['import', 'merimee', join(REAL, 'merimee/opendata-labels-67-2022-extract.csv'), '--db', vigie.db]);
  vigie.command(['import', 'condition', join(REAL, 'condition/constats-format-reel.csv'), '--db', vigie.db]);
  vigie.command(['user', 'add', USER, '--role', 'relecteur_monuments', '--password-stdin', '--db', vigie.db], `${PASSWORD}\n`);
  await ensureWebBuild();
  const url = await vigie.start('serve');
  ({ browser, page } = await openApp(url, pageErrors));
});

afterAll(async () => {
  await browser?.close();
  await vigie.stop();
});

describe('condition surveys to match, in the app', () => {
  it('a reviewer sees the uncertain survey with its candidates and matches it to a monument', async () => {
    expect(await page.locator('[data-testid="condition-panel"]').count()).toBe(0);
    expect((await pageGet('/api/condition/matches')).status).toBe(401);

    await page.click('[data-testid="login-open"]');
    await page.fill('#login-username', USER);
    await page.fill('#login-password', PASSWORD);
    await page.press('#login-password', 'Enter');
    await page.locator('[data-testid="logout"]').waitFor();

    const panel = page.locator('[data-testid="condition-panel"]');
    await panel.waitFor();
    await panel.locator('summary').click();
    const item = panel.locator('[data-testid="condition-item"][data-survey="T00003"]');
    await item.waitFor();
    expect(await panel.locator('[data-testid="condition-item"]').count()).toBe(1);
    expect(await panel.locator('[data-testid="condition-total"]').textContent()).toContain('1 constat à rapprocher');
    const text = (await item.textContent()) ?? '';
    expect(text).toContain('Chapelle');
    expect(text).toContain('état mauvais');
    expect(text).toContain('dommages 40 %');
    expect(text).toContain('constat du 31/12/2018');
    expect(text).toContain('constats-format-reel.csv, ligne 4');
    // PA00085243, 200 m away (python, equirectangular), name similarity 0.4 (by hand: 2·1/(1+4)).
    const chapelle = item.locator('li', { has: page.locator('[data-reference="PA00085243"]') });
    const line = (await chapelle.textContent()) ?? '';
    expect(line).toContain('Chapelle Saint-Pierre-et-Paul');
    expect(line).toContain('Wissembourg');
    expect(line).toMatch(/à (199|200|201) m/);
    expect(line).toMatch(/nom semblable à 40\s?%/);
    expect(await item.locator('[data-testid="condition-pick"]').count()).toBe(3);
    await page.screenshot({ path: join(OUT, 'condition-1-list.png') });

    await item.locator('[data-testid="condition-pick"][data-reference="PA00085243"]').click();
    const status = panel.locator('[data-testid="condition-status"]');
    await status.waitFor();
    expect(await status.textContent()).toContain('Constat T00003 rapproché de Chapelle Saint-Pierre-et-Paul (PA00085243)');
    expect(await panel.locator('[data-testid="condition-item"]').count()).toBe(0);
    expect(await panel.locator('[data-testid="condition-total"]').textContent()).toContain('0 constat à rapprocher');
    await page.screenshot({ path: join(OUT, 'condition-2-resolved.png') });

    const matched = await pageGet<ListPage<ConditionMatch>>('/api/condition/matches?state=matched');
    expect(matched.body.items.map((i) => [i.survey_id, i.site_id, i.resolved_by])).toEqual([['T00003', 'PA00085243', USER]]);
    expect((await pageGet<ListPage<ConditionMatch>>('/api/condition/matches')).body.total).toBe(0);
    const audit = await pageGet<{ items: AuditEntry[] }>('/api/sites/PA00085243/audit');
    expect(audit.body.items.map((a) => [a.username, (a.after as { note: string }).note])).toEqual([
      [USER, "Constat d'état du 2018-12-31 (constats-format-reel.csv, relevé T00003) : mauvais, dommages 40 %"],
    ]);
    expect(pageErrors).toEqual([]);
  });
});
