/**
 * End-to-end: the real server (`vigie run` on a temporary database) serving the built web
 * app, driven in Debian's Chromium with software WebGL (SwiftShader). Checks that the map
 * draws the monuments in their protection colours, where they are even at street zoom, that picking and a click open
 * the right record, that search filters, and that nothing is requested from outside.
 * Screenshots go to test/out/ for a person to look at.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from '../../pipelines/chromium.ts';
import { chromium } from 'playwright-core';
import { OUT, VigieProcess } from './harness.ts';
import { PNG } from 'pngjs';
import type { Health, Monument, MonumentList } from '../../web/src/lib/api.ts';
import { PROTECTION_STYLE, PROTECTIONS, type Rgb } from '../../web/src/lib/protection.ts';
import { LEVEL_COLOR, levelKey } from '../../web/src/lib/risk.ts';
// Brings the type of window.__vigie.
import type {} from '../../web/src/lib/probe.ts';

const VIEWPORT = { width: 1440, height: 900 };

const vigie = new VigieProcess('map');
let baseUrl: string;
let browser: Browser;
let page: Page;
let monuments: Monument[];
let health: Health;
const requested: string[] = [];
/** content-encoding of each response for the app's main chunk */
const appScript: string[] = [];
const pageErrors: string[] = [];

function isLocal(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
}

/** The map container's pixels, from a real screenshot (both canvases composited). */
async function mapPixels(name: string): Promise<PNG> {
  const rect = await page.evaluate(() => window.__vigie.mapRect()!);
  const buffer = await page.screenshot({
    path: join(OUT, name),
    clip: { x: rect.left, y: rect.top, width: rect.width, height: rect.height },
  });
  return PNG.sync.read(buffer);
}

function countNear(png: PNG, [r, g, b]: Rgb, tolerance = 24): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (
      Math.abs(png.data[i] - r) <= tolerance &&
      Math.abs(png.data[i + 1] - g) <= tolerance &&
      Math.abs(png.data[i + 2] - b) <= tolerance
    ) {
      n++;
    }
  }
  return n;
}

/**
 * A drawn monument with no other drawn monument within `gap` CSS pixels on screen, away
 * from the map edges and controls, with its screen position; null if there is none.
 */
async function isolatedMonument(gap: number) {
  return page.evaluate((gap) => {
    const v = window.__vigie;
    const rect = v.mapRect()!;
    const cells = new Map<string, number>();
    const onScreen: Array<{ m: Monument; x: number; y: number }> = [];
    for (const m of v.drawn()) {
      const p = v.project(m.lon!, m.lat!)!;
      if (p.x < 80 || p.y < 80 || p.x > rect.width - 80 || p.y > rect.height - 80) continue;
      onScreen.push({ m, x: p.x, y: p.y });
      const key = `${Math.floor(p.x / gap)}:${Math.floor(p.y / gap)}`;
      cells.set(key, (cells.get(key) ?? 0) + 1);
    }
    for (const s of onScreen) {
      if (!s.m.titre) continue;
      const cx = Math.floor(s.x / gap);
      const cy = Math.floor(s.y / gap);
      let neighbours = 0;
      for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) neighbours += cells.get(`${cx + dx}:${cy + dy}`) ?? 0;
      if (neighbours === 1) return { monument: s.m, x: s.x, y: s.y, left: rect.left, top: rect.top };
    }
    return null;
  }, gap);
}

beforeAll(async () => {
  // `vigie run` rebuilds dist/web when the app's sources are newer than the build.
  baseUrl = await vigie.start();
  health = (await (await fetch(`${baseUrl}/api/health`)).json()) as Health;
  monuments = ((await (await fetch(`${baseUrl}/api/monuments`)).json()) as MonumentList).items;

  browser = await launchChromium();
  page = await browser.newPage({ viewport: VIEWPORT });
  page.on('request', (r) => requested.push(r.url()));
  page.on('response', (r) => {
    if (/\/assets\/App-[\w-]+\.js$/.test(new URL(r.url()).pathname)) appScript.push(r.headers()['content-encoding'] ?? 'identity');
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Protection colouring (the app opens on risk levels): this test checks protection colours.
  await page.goto(`${baseUrl}/?couleur=protection`);
  await page.waitForFunction(() => window.__vigie?.ready === true, null, { timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await vigie.stop();
});

describe('Vigie web app', () => {
  it('draws every positioned monument and counts the others', async () => {
    const positioned = monuments.filter((m) => m.lon !== null && m.lat !== null);
    expect(positioned.length).toBeGreaterThan(0);
    expect(health.counts.monuments).toBe(monuments.length);
    const probe = await page.evaluate(() => ({
      drawn: window.__vigie.monumentsDrawn,
      firstRenderMs: window.__vigie.firstRenderMs,
    }));
    expect(probe.drawn).toBe(positioned.length);
    // Reported, not asserted: a timing depends on the machine.
    writeFileSync(
      join(OUT, 'timings.json'),
      JSON.stringify({ monuments: monuments.length, drawn: probe.drawn, firstRenderMs: probe.firstRenderMs }, null, 2),
    );
    const digits = (s: string | null) => Number((s ?? '').replace(/\D/g, ''));
    expect(digits(await page.textContent('[data-testid="shown-count"]'))).toBe(positioned.length);
    expect(digits(await page.textContent('[data-testid="unpositioned-count"]'))).toBe(monuments.length - positioned.length);
    expect(await page.locator('.fr-header__service-title').textContent()).toContain('Vigie — patrimoine et risques');
    expect(await page.locator('.fr-logo').innerText()).toMatch(/République\s+Française/i);
  });

  it('paints the basemap and each protection in its colour', async () => {
    const png = await mapPixels('map-initial.png');
    await page.screenshot({ path: join(OUT, 'page-initial.png') });
    // Protections with enough fully protected monuments to be visible at this scale.
    const expected = PROTECTIONS.filter(
      (p) => monuments.filter((m) => m.protection === p && !m.partielle && m.lon !== null).length >= 20,
    );
    expect(expected.length).toBeGreaterThan(1);
    for (const p of expected) {
      expect(countNear(png, PROTECTION_STYLE[p].color), `pixels of « ${PROTECTION_STYLE[p].label} »`).toBeGreaterThan(20);
    }
    expect(countNear(png, [0xf5, 0xf3, 0xee], 3), 'land pixels').toBeGreaterThan(1000);
  });

  it('picks a monument at its projected position and shows it in the panel on click', async () => {
    // Zoom on a dense area until some monument stands alone on screen.
    const sorted = monuments.filter((m) => m.lon !== null).sort((a, b) => a.lon! - b.lon!);
    const middle = sorted[Math.floor(sorted.length / 2)];
    let target = await isolatedMonument(24);
    for (let zoom = 12; !target && zoom <= 16; zoom += 2) {
      await page.evaluate(([lon, lat, z]) => window.__vigie.view(lon, lat, z), [middle.lon!, middle.lat!, zoom] as const);
      target = await isolatedMonument(24);
    }
    expect(target, 'an isolated monument on screen').not.toBeNull();
    const { monument, x, y, left, top } = target!;

    const picked = await page.evaluate(([x, y]) => window.__vigie.pick(x, y), [x, y] as const);
    expect(picked?.reference).toBe(monument.reference);
    // 12 px aside is off the target's disc, and the isolation keeps others farther away.
    const beside = await page.evaluate(([x, y]) => window.__vigie.pick(x + 12, y), [x, y] as const);
    expect(beside).toBeNull();

    await page.mouse.click(left + x, top + y);
    const panel = page.locator('[data-testid="monument-panel"]');
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await panel.locator('[data-testid="monument-reference"]').textContent()).toBe(monument.reference);
    expect(await panel.locator('#monument-title').textContent()).toBe(monument.titre);
    const protection = PROTECTION_STYLE[monument.protection].status;
    expect(await panel.textContent()).toContain(protection);
    await page.mouse.move(1, 1);
    await page.screenshot({ path: join(OUT, 'page-selected.png') });
  });

  it('draws a monument where it is at building zoom (no float32 drift)', async () => {
    // Float32 Web Mercator alone is up to ~30 px off at zoom 20: the disc would miss its own centre.
    const m = monuments.find((x) => x.lon !== null && x.position !== 'commune' && x.protection === 'classe' && !x.partielle)!;
    // The view centred a quarter of the map's width away from it (a point at the centre would
    // cancel the error out).
    const rect = await page.evaluate(() => window.__vigie.mapRect()!);
    const d = ((rect.width / 4) * 360) / (512 * 2 ** 20);
    await page.evaluate(([lon, lat]) => window.__vigie.view(lon, lat, 20), [m.lon! + d, m.lat! - d / 2] as const);
    const p = (await page.evaluate(([lon, lat]) => window.__vigie.project(lon, lat), [m.lon!, m.lat!] as const))!;
    expect(p.x > 20 && p.y > 20 && p.x < rect.width - 20 && p.y < rect.height - 20, `on screen at ${p.x}, ${p.y}`).toBe(true);
    const style = (await page.evaluate((ref) => window.__vigie.drawnStyle(ref), m.reference))!;
    const png = PNG.sync.read(await page.screenshot({ path: join(OUT, 'map-zoom20.png'), clip: { x: rect.left, y: rect.top, width: rect.width, height: rect.height } }));
    const at = (dx: number, dy: number) => {
      const i = 4 * (Math.round(p.y + dy) * png.width + Math.round(p.x + dx));
      return [png.data[i], png.data[i + 1], png.data[i + 2]];
    };
    const fill = style.fill.slice(0, 3);
    // The disc's centre, and a pixel either side of it, in the monument's colour (235/255 opaque).
    for (const [dx, dy] of [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]]) {
      const px = at(dx, dy);
      expect(px.some((c, k) => Math.abs(c - fill[k]) > 40), `pixel (${dx}, ${dy}) ${px} vs ${fill}`).toBe(false);
    }
    // 12 px away (marker radius 5 at this zoom) the basemap shows again.
    expect(at(12, 0).some((c, k) => Math.abs(c - fill[k]) > 40)).toBe(true);
  });

  it('filters by reference in the search box', async () => {
    const sample = monuments.find((m) => m.lon !== null)!;
    await page.fill('#monument-search', sample.reference);
    await page.waitForFunction(() => window.__vigie.monumentsDrawn === 1, null, { timeout: 10_000 });
    expect(await page.textContent('[data-testid="shown-count"]')).toBe('1');
    await page.screenshot({ path: join(OUT, 'page-search.png') });
    await page.fill('#monument-search', '');
    await page.waitForFunction((n) => window.__vigie.monumentsDrawn === n, monuments.filter((m) => m.lon !== null).length);
  });

  it('colours monuments by the level the API gives them: the page\'s layer and its pixels', async () => {
    // The app opens on risk levels, scenario « référence »; no overlay drawn above the monuments.
    await page.goto(`${baseUrl}/?couches=`);
    await page.waitForFunction(() => window.__vigie?.ready === true, null, { timeout: 60_000 });
    // The screenshot, the panels' boxes and the picks below must see the same page: wait for the
    // monument list (it makes the points pickable), the fonts (they size the legend) and the
    // frames that draw them.
    await page.waitForFunction(() => window.__vigie.drawn().length > 0, null, { timeout: 60_000 });
    await page.evaluate(() => document.fonts.ready.then(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(done))))));
    const api = new Map<string, number | null>();
    for (let offset = 0; ; offset += 5000) {
      const r = (await (await fetch(`${baseUrl}/api/sites?kind=monument&scenario=ref&limit=5000&offset=${offset}`)).json()) as { total: number; items: { site_id: string; max_level: number | null }[] };
      for (const s of r.items) api.set(s.site_id, s.max_level);
      if (offset + 5000 >= r.total) break;
    }
    // Every 20th positioned monument by reference, and every one without data.
    const positioned = monuments.filter((m) => m.lon !== null).sort((a, b) => (a.reference < b.reference ? -1 : 1));
    const sample = positioned.filter((m, k) => k % 20 === 0 || (api.get(m.reference) ?? null) === null);
    expect(sample.length).toBeGreaterThanOrEqual(50);
    const rect = await page.evaluate(() => window.__vigie.mapRect()!);
    const png = PNG.sync.read(await page.screenshot({ path: join(OUT, 'map-risk.png'), clip: { x: rect.left, y: rect.top, width: rect.width, height: rect.height } }));
    // Boxes of the page's own panels over the map (the whole legend, its title included, and the
    // map's controls), as laid out in the screenshot: no monument shows there.
    const covers = await page.evaluate(() => [...document.querySelectorAll('[data-testid="map-legend"], .maplibregl-ctrl')].map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
    const covered = (x: number, y: number) => covers.some((b) => x + rect.left >= b.left - 8 && x + rect.left <= b.right + 8 && y + rect.top >= b.top - 8 && y + rect.top <= b.bottom + 8);
    let pixelChecked = 0;
    const wrong: string[] = [];
    for (const m of sample) {
      const level = api.get(m.reference) ?? null;
      const style = await page.evaluate((ref) => window.__vigie.drawnStyle(ref), m.reference);
      const colour = LEVEL_COLOR[levelKey(level)];
      if (!style || style.level !== (level ?? 255) || style.fill.slice(0, 3).join() !== colour.join()) {
        wrong.push(`${m.reference}: API ${level}, drawn ${JSON.stringify(style)}`);
        continue;
      }
      // Where this monument is the one on top, the screen shows its colour at its centre
      // (commune-placed monuments are drawn pale on purpose: their colour is checked above).
      if (m.position === 'commune') continue;
      const p = await page.evaluate(([lon, lat]) => window.__vigie.project(lon, lat), [m.lon!, m.lat!] as const);
      if (!p || p.x < 2 || p.y < 2 || p.x > rect.width - 3 || p.y > rect.height - 3 || covered(p.x, p.y)) continue;
      const top = await page.evaluate(([x, y]) => window.__vigie.pick(x, y), [p.x, p.y] as const);
      if (top?.reference !== m.reference) continue;
      const i = 4 * (Math.round(p.y) * png.width + Math.round(p.x));
      const px = [png.data[i], png.data[i + 1], png.data[i + 2]];
      pixelChecked++;
      if (px.some((c, k) => Math.abs(c - colour[k]) > 40)) wrong.push(`${m.reference}: API ${level}, pixel ${px.join(',')} vs ${colour.join(',')} at ${Math.round(p.x)}, ${Math.round(p.y)}`);
    }
    expect(wrong).toEqual([]);
    expect(pixelChecked).toBeGreaterThanOrEqual(20);
    writeFileSync(join(OUT, 'risk-colours.json'), JSON.stringify({ sampled: sample.length, pixelChecked }, null, 2));
  });

  it('draws the first screen from the risk layer before the monument list, in the API\'s colours', async () => {
    const api = new Map<string, number | null>();
    for (let offset = 0; ; offset += 5000) {
      const r = (await (await fetch(`${baseUrl}/api/sites?kind=monument&scenario=ref&limit=5000&offset=${offset}`)).json()) as { total: number; items: { site_id: string; max_level: number | null }[] };
      for (const s of r.items) api.set(s.site_id, s.max_level);
      if (offset + 5000 >= r.total) break;
    }
    const second = await browser.newPage({ viewport: VIEWPORT });
    const errors: string[] = [];
    second.on('pageerror', (e) => errors.push(e.message));
    // Hold the monument list until the test has looked at the first screen.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let asked!: (state: string) => void;
    const readyWhenAsked = new Promise<string>((r) => (asked = r));
    await second.route(/\/api\/monuments(\?|$)/, async (route) => {
      asked(await second.evaluate(() => `${window.__vigie.ready} at ${Math.round(performance.now())} ms, marks ${JSON.stringify(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)]))}`));
      await held;
      await route.continue();
    });
    try {
      await second.goto(`${baseUrl}/?couches=`);
      await second.waitForFunction(() => window.__vigie?.ready === true, null, { timeout: 60_000 });
      // The list was asked for only once the map had shown the monuments (and is still held).
      expect(await readyWhenAsked).toMatch(/^true/);
      expect(await second.evaluate(() => window.__vigie.drawn().length)).toBe(0);
      const positioned = monuments.filter((m) => m.lon !== null && m.lat !== null);
      expect(await second.evaluate(() => window.__vigie.monumentsDrawn)).toBe(positioned.length);
      // The panel counts what is drawn and says the list is on its way (no « 0 sans position »).
      expect(Number((await second.textContent('[data-testid="shown-count"]'))?.replace(/\D/g, ''))).toBe(positioned.length);
      expect(await second.textContent('[data-testid="counts"]')).toContain('Liste des monuments en cours de chargement');
      const wrong: string[] = [];
      for (const m of positioned.filter((_, k) => k % 10 === 0)) {
        const level = api.get(m.reference) ?? null;
        const style = await second.evaluate((ref) => window.__vigie.drawnStyle(ref), m.reference);
        const [r, g, b] = LEVEL_COLOR[levelKey(level)];
        const alpha = m.position === 'commune' ? 110 : 235;
        if (!style || style.level !== (level ?? 255) || style.fill.join() !== [r, g, b, alpha].join()) wrong.push(`${m.reference}: API ${level}, drawn ${JSON.stringify(style)}`);
      }
      expect(wrong).toEqual([]);
      // Then the list arrives and the same monuments stay drawn, now pickable.
      release();
      await second.waitForFunction(() => window.__vigie.drawn().length > 0, null, { timeout: 60_000 });
      expect(await second.evaluate(() => window.__vigie.drawn().length)).toBe(positioned.length);
      expect(errors).toEqual([]);
    } finally {
      release();
      await second.close();
    }
  });

  it('without WebGL, says the map cannot show and still loads the list and the ranked table', async () => {
    const noGl = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--disable-3d-apis'] });
    try {
      const p = await noGl.newPage({ viewport: VIEWPORT });
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(e.message));
      await p.goto(baseUrl);
      await p.getByRole('alert').filter({ hasText: 'La carte ne peut pas s\'afficher dans ce navigateur' }).waitFor({ timeout: 30_000 });
      // The list does not wait for a map that will never draw (it would wait 10 s at most).
      await p.waitForFunction(() => document.querySelector('[data-testid="unpositioned-count"]') !== null, null, { timeout: 5_000 });
      const positioned = monuments.filter((m) => m.lon !== null && m.lat !== null);
      expect(Number((await p.textContent('[data-testid="shown-count"]'))?.replace(/\D/g, ''))).toBe(positioned.length);
      expect(errors).toEqual([]);
    } finally {
      await noGl.close();
    }
  });

  it('names each département in the filter as the official geographic code does', async () => {
    const cog = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@etalab/decoupage-administratif/data/departements.json'), 'utf8')) as { code: string; nom: string }[];
    const options = await page.$$eval('#filter-dep option', (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]));
    const codes = [...new Set(monuments.map((m) => m.departement).filter((d): d is string => !!d))].sort();
    expect(options).toEqual([['', 'Tous'], ...codes.map((c) => [c, `${c} – ${cog.find((d) => d.code === c)!.nom}`])]);
  });

  it('gets the app\'s code as the build\'s Brotli copy', () => {
    expect(appScript.length).toBeGreaterThan(0);
    expect(new Set(appScript)).toEqual(new Set(['br']));
  });

  it('requests nothing outside the local server and throws no page error', () => {
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((url) => !isLocal(url))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
