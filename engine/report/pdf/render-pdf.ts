/**
 * Draws a ReportData as an A4 PDF with pdfkit (no browser): title page with the parameters,
 * the « aléa n'est pas risque » notice and the method, a vector map per scenario (sites by
 * level over commune outlines), the most exposed sites with every score term, a hazard-by-hazard
 * summary, hotspots of change, roll-ups, then sources (vintage, licence) and parameters.
 * Fonts are pdfkit's built-in Helvetica (WinAnsi covers French accents), so any machine renders
 * the same file; text is passed through `winAnsi` to replace the few symbols it lacks.
 */
import PDFDocument from 'pdfkit';
import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { VERSION } from '../../version.ts';
import { HAZARDS, HAZARD_LABEL, SCENARIO_LABEL, SCENARIO_SHORT, levelLabel, type Hazard, type Scenario } from '../labels.ts';
import type { ReportData } from './report-data.ts';

type Doc = PDFKit.PDFDocument;

const BLUE = '#000091';
const GREY = '#666666';
const LIGHT = '#EEEEF6';
export const LEVEL_COLOURS = ['#7FB77E', '#F2C94C', '#F08A24', '#CE0500'];
const NO_DATA_COLOUR = '#9A9A9A';
const M = 50;
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const W = PAGE_W - 2 * M;
const BOTTOM = PAGE_H - 60;

/** Replaces characters outside WinAnsi (Helvetica's encoding) with readable equivalents. */
export function winAnsi(s: string): string {
  return s
    .replace(/→/g, '->').replace(/≥/g, '>=').replace(/≤/g, '<=').replace(/Σ/g, 'somme').replace(/[\u2009\u202f]/g, ' ')
    .replace(/[^\u0000-\u00ff€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]/g, '?');
}

const fr = (v: number | null | undefined, d = 2): string =>
  v === null || v === undefined || Number.isNaN(v) ? '–' : v.toLocaleString('fr-FR', { maximumFractionDigits: d, minimumFractionDigits: 0 }).replace(/\u202f|\u00a0/g, ' ');

const frDate = (d: Date) => d.toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric' }) + ' à ' + d.toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' });

export async function renderReportPdf(data: ReportData, path: string, params: Record<string, string>): Promise<void> {
  const doc = new PDFDocument({ size: 'A4', margins: { top: M, bottom: 40, left: M, right: M }, bufferPages: true, autoFirstPage: true,
    info: { Title: winAnsi(`Vigie — exposition du patrimoine aux aléas — ${data.scope.label}`), Author: 'Vigie', Subject: 'Rapport de risques', Creator: `Vigie ${VERSION}` } });
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => { out.on('finish', resolve); out.on('error', reject); doc.on('error', reject); });
  doc.pipe(out);
  const text = (s: string, opts?: PDFKit.Mixins.TextOptions) => doc.text(winAnsi(s), opts);
  const T = { doc, text };

  titlePage(T, data, params);
  doc.addPage();
  if (data.nSites === 0) {
    heading(T, 'Aucun site');
    doc.font('Helvetica').fontSize(11).fillColor('black');
    text(`Aucun site noté dans ce périmètre (${data.scope.label}). Aucun monument ni site n'a de position exploitable ici, ` +
      `ou le calcul des scores (vigie score) n'a pas encore été lancé après l'import des données.`, { width: W });
    if (data.nUnplaced) text(`${data.nUnplaced} monument(s) du périmètre n'ont pas de position utilisable et ne sont pas notés.`, { width: W });
    doc.moveDown();
  } else {
    mapsSection(T, data);
    topSection(T, data);
    hazardSection(T, data);
    hotspotSection(T, data);
    rollupSection(T, data);
  }
  sourcesSection(T, data, params);

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing below the bottom margin would make pdfkit open a new page.
    doc.page.margins.bottom = 0;
    doc.font('Helvetica').fontSize(7.5).fillColor(GREY);
    const footer = winAnsi(`Vigie ${VERSION} — ${data.scope.label} — généré le ${frDate(data.generatedAt)} — aléa n'est pas risque`);
    doc.text(footer, M, PAGE_H - 30, { width: W - 60, lineBreak: false });
    doc.text(`${i + 1} / ${range.count}`, PAGE_W - M - 60, PAGE_H - 30, { width: 60, align: 'right', lineBreak: false });
  }
  doc.end();
  await done;
}

interface T { doc: Doc; text: (s: string, o?: PDFKit.Mixins.TextOptions) => Doc }

function heading({ doc, text }: T, s: string): void {
  if (doc.y > BOTTOM - 120) doc.addPage();
  doc.x = M;
  doc.moveDown(0.6);
  doc.font('Helvetica-Bold').fontSize(15).fillColor(BLUE);
  text(s, { width: W });
  const y = doc.y + 2;
  doc.moveTo(M, y).lineTo(M + 60, y).lineWidth(2).strokeColor('#E1000F').stroke();
  doc.moveDown(0.6);
  doc.font('Helvetica').fontSize(10).fillColor('black');
}

function sub({ doc, text }: T, s: string): void {
  if (doc.y > BOTTOM - 80) doc.addPage();
  doc.x = M;
  doc.moveDown(0.4);
  doc.font('Helvetica-Bold').fontSize(11.5).fillColor(BLUE);
  text(s, { width: W });
  doc.moveDown(0.2);
  doc.font('Helvetica').fontSize(9.5).fillColor('black');
}

function para(t: T, s: string, size = 9.5): void {
  t.doc.x = M;
  t.doc.font('Helvetica').fontSize(size).fillColor('black');
  t.text(s, { width: W, align: 'justify' });
  t.doc.moveDown(0.4);
}

function titlePage(t: T, d: ReportData, params: Record<string, string>): void {
  const { doc, text } = t;
  doc.rect(0, 0, PAGE_W, 150).fill(BLUE);
  doc.rect(M, 40, 8, 70).fill('#E1000F');
  doc.fillColor('white').font('Helvetica-Bold').fontSize(11);
  doc.text(winAnsi('MINISTÈRE DE LA CULTURE'), M + 20, 44);
  doc.font('Helvetica').fontSize(9.5);
  doc.text(winAnsi('Direction régionale des affaires culturelles — Conservation régionale des monuments historiques'), M + 20, 60, { width: W - 40 });
  doc.font('Helvetica-Bold').fontSize(9.5).text('Vigie', M + 20, 92);
  doc.fillColor(BLUE).font('Helvetica-Bold').fontSize(24);
  doc.text(winAnsi('Exposition du patrimoine protégé aux aléas naturels et climatiques'), M, 195, { width: W });
  doc.moveDown(0.5);
  doc.font('Helvetica').fontSize(16).fillColor('black');
  text(d.scope.label, { width: W });
  doc.moveDown(0.3);
  doc.fontSize(11).fillColor(GREY);
  text(d.scenarios.length === 1
    ? `Scénario : ${SCENARIO_LABEL[d.scenarios[0]]}`
    : `Scénarios : ${d.scenarios.map((s) => SCENARIO_LABEL[s]).join(' ; ')} (trajectoire de réchauffement de référence, TRACC)`, { width: W });
  doc.moveDown(1.2);

  // Key figures.
  const y0 = doc.y;
  const boxes: [string, string][] = [
    [fr(d.nSites, 0), 'sites notés'],
    [fr(d.sitesByKind.monument ?? 0, 0), 'monuments historiques'],
    [fr(d.nUnplaced, 0), 'monuments sans position'],
  ];
  const last = d.scenarios[d.scenarios.length - 1];
  const fort = (d.points[last] ?? []).filter((p) => p.level === 3).length;
  boxes.push([fr(fort, 0), `sites au niveau fort (${SCENARIO_SHORT[last]})`]);
  const bw = (W - 3 * 10) / 4;
  boxes.forEach(([v, l], i) => {
    const x = M + i * (bw + 10);
    doc.rect(x, y0, bw, 58).fill(LIGHT);
    doc.fillColor(BLUE).font('Helvetica-Bold').fontSize(18).text(winAnsi(v), x + 8, y0 + 9, { width: bw - 16 });
    doc.fillColor('black').font('Helvetica').fontSize(8.5).text(winAnsi(l), x + 8, y0 + 34, { width: bw - 16 });
  });
  doc.y = y0 + 75;
  notice(t);
  doc.moveDown(0.8);
  sub(t, 'Méthode en bref');
  para(t, `Pour chaque site (monument, entité archéologique, musée) et chaque aléa (inondation, recul du trait de côte, retrait-gonflement des argiles, séisme, ` +
    `chaleur extrême, sécheresse des sols, feux de forêt), Vigie lit la valeur de la couche d'aléa au point et au maximum dans un tampon autour du site, ` +
    `la convertit en niveau (très faible 0, faible 1, moyen 2, fort 3) selon des seuils publiés, ou « donnée absente » quand aucune couche ne couvre le site. ` +
    `Le score est une somme transparente : score = somme des termes (poids de l'aléa × niveau × modificateur de vulnérabilité). ` +
    `Le modificateur vient de la notice (protection, typologie, matériaux, état de conservation, mesures de protection saisies par la DRAC). ` +
    `Une « donnée absente » n'ajoute rien au score et est comptée à part : elle ne signifie jamais « pas de risque ».`);
  para(t, `Scénarios : climat actuel (référence) puis la trajectoire de réchauffement de référence pour l'adaptation au changement climatique (TRACC) : ` +
    `+2,0 °C en 2030, +2,7 °C en 2050, +4,0 °C en 2100 en France métropolitaine (PNACC-3, mesure 44).`);
  doc.font('Helvetica').fontSize(8.5).fillColor(GREY);
  text(`Paramètres : ${Object.entries(params).map(([k, v]) => `${k} = ${v}`).join(' ; ')}. Généré le ${frDate(d.generatedAt)}.`, { width: W });
}

function notice(t: T): void {
  const { doc, text } = t;
  const y = doc.y;
  const h = 84;
  doc.rect(M, y, W, h).fill('#FEF3E7');
  doc.rect(M, y, 4, h).fill('#F08A24');
  doc.fillColor('#8A3F00').font('Helvetica-Bold').fontSize(11).text(winAnsi("Avertissement : « aléa n'est pas risque »"), M + 14, y + 9, { width: W - 24 });
  doc.fillColor('black').font('Helvetica').fontSize(8.8);
  text("Ce rapport mesure l'exposition des sites à des aléas : la probabilité qu'un phénomène d'une intensité donnée survienne à cet endroit. " +
    "Le risque dépend aussi de la vulnérabilité réelle de l'édifice, de son état et des mesures de protection en place, qu'un diagnostic sur place " +
    "est seul à établir. Les niveaux indiqués orientent les priorités d'étude ; ils ne valent ni expertise ni prescription réglementaire.", { width: W - 24 });
  doc.y = y + h;
  doc.x = M;
}

/** Lambert-93 → page transform fitting the communes and points in a box. */
function fitter(d: ReportData, scenario: Scenario, box: { x: number; y: number; w: number; h: number }) {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  const add = (x: number, y: number) => { minx = Math.min(minx, x); maxx = Math.max(maxx, x); miny = Math.min(miny, y); maxy = Math.max(maxy, y); };
  for (const c of d.communes) for (const p of c.polygons) for (const [x, y] of p[0]) add(x, y);
  if (minx === Infinity) for (const p of d.points[scenario] ?? []) add(p.x, p.y);
  if (minx === Infinity) { minx = 0; miny = 0; maxx = 1; maxy = 1; }
  const s = Math.min(box.w / (maxx - minx || 1), box.h / (maxy - miny || 1));
  const ox = box.x + (box.w - (maxx - minx) * s) / 2;
  const oy = box.y + (box.h - (maxy - miny) * s) / 2;
  return { s, f: (x: number, y: number): [number, number] => [ox + (x - minx) * s, oy + (maxy - y) * s] };
}

function drawMap(t: T, d: ReportData, sc: Scenario, box: { x: number; y: number; w: number; h: number }, radius: number): void {
  const { doc } = t;
  doc.save();
  doc.rect(box.x, box.y, box.w, box.h).fill('#F4F7FB');
  const { s, f } = fitter(d, sc, { x: box.x + 8, y: box.y + 8, w: box.w - 16, h: box.h - 16 });
  for (const c of d.communes) {
    for (const poly of c.polygons) {
      for (const ring of poly) {
        ring.forEach(([x, y], i) => { const [px, py] = f(x, y); if (i === 0) doc.moveTo(px, py); else doc.lineTo(px, py); });
        doc.closePath();
      }
      doc.fillColor(c.inScope ? '#FFFFFF' : '#E6E6E6');
      doc.lineWidth(0.4).fillAndStroke(c.inScope ? '#FFFFFF' : '#E6E6E6', '#9AA5B8');
    }
  }
  // Low levels first so the strongest sit on top.
  for (const p of d.points[sc] ?? []) {
    const [px, py] = f(p.x, p.y);
    if (p.level === null) doc.circle(px, py, radius).lineWidth(0.6).strokeColor(NO_DATA_COLOUR).stroke();
    else doc.circle(px, py, radius).fillOpacity(0.9).fillColor(LEVEL_COLOURS[p.level]).fill().fillOpacity(1);
  }
  // Scale bar: a round number of km near a fifth of the width.
  const target = (box.w / 5) / s;
  const km = [0.5, 1, 2, 5, 10, 20, 50, 100, 200].find((k) => k * 1000 >= target) ?? 200;
  const len = km * 1000 * s;
  const sx = box.x + 10, sy = box.y + box.h - 12;
  doc.lineWidth(2).strokeColor('#333333').moveTo(sx, sy).lineTo(sx + len, sy).stroke();
  doc.fillColor('#333333').font('Helvetica').fontSize(7).text(`${fr(km, 1)} km`, sx + len + 4, sy - 4, { lineBreak: false });
  // North arrow.
  const nx = box.x + box.w - 16, ny = box.y + 12;
  doc.moveTo(nx, ny).lineTo(nx - 5, ny + 14).lineTo(nx + 5, ny + 14).closePath().fill('#333333');
  doc.fontSize(7).text('N', nx - 3, ny + 16, { lineBreak: false });
  doc.rect(box.x, box.y, box.w, box.h).lineWidth(0.5).strokeColor('#9AA5B8').stroke();
  doc.restore();
  doc.fillColor('black');
}

function legend(t: T, x: number, y: number): void {
  const { doc } = t;
  const items: [string, string | null][] = [['très faible', LEVEL_COLOURS[0]], ['faible', LEVEL_COLOURS[1]], ['moyen', LEVEL_COLOURS[2]], ['fort', LEVEL_COLOURS[3]], ['donnée absente', null]];
  doc.font('Helvetica').fontSize(8).fillColor('black');
  doc.text(winAnsi('Niveau maximal du site, tous aléas :'), x, y, { lineBreak: false });
  let cx = x + 150;
  for (const [label, c] of items) {
    if (c) doc.circle(cx, y + 3.5, 4).fill(c);
    else doc.circle(cx, y + 3.5, 4).lineWidth(0.8).strokeColor(NO_DATA_COLOUR).stroke();
    doc.fillColor('black').text(winAnsi(label), cx + 7, y, { lineBreak: false });
    cx += 14 + doc.widthOfString(winAnsi(label)) + 10;
  }
}

function mapsSection(t: T, d: ReportData): void {
  const { doc } = t;
  heading(t, 'Carte des sites par niveau d\'exposition');
  para(t, `Chaque point est un site noté, coloré selon son niveau le plus élevé parmi les aléas. Les cercles vides sont les sites dont aucun aléa n'est renseigné. ` +
    `Fond : limites communales${d.scope.kind === 'commune' ? ' (la commune étudiée en blanc, ses voisines en gris)' : ''}.`);
  const y = doc.y;
  if (d.scenarios.length === 1) {
    const h = Math.min(430, BOTTOM - y - 40);
    drawMap(t, d, d.scenarios[0], { x: M, y, w: W, h }, 2.6);
    legend(t, M, y + h + 8);
    doc.y = y + h + 26;
  } else {
    const gw = (W - 10) / 2;
    const gh = Math.min(260, (BOTTOM - y - 60) / 2 - 14);
    d.scenarios.forEach((sc, i) => {
      const bx = M + (i % 2) * (gw + 10);
      const by = y + Math.floor(i / 2) * (gh + 18);
      doc.font('Helvetica-Bold').fontSize(8.5).fillColor(BLUE).text(winAnsi(SCENARIO_LABEL[sc]), bx, by, { lineBreak: false });
      drawMap(t, d, sc, { x: bx, y: by + 11, w: gw, h: gh }, 1.8);
    });
    const ly = y + 2 * (gh + 18) + 2;
    legend(t, M, ly);
    doc.y = ly + 16;
  }
  doc.x = M;
}

interface Col { title: string; width: number; align?: 'left' | 'right' | 'center' }

function table(t: T, cols: Col[], rows: string[][], opts: { size?: number; fills?: (string | null)[][] } = {}): void {
  const { doc } = t;
  const size = opts.size ?? 8;
  const pad = 3;
  const drawHeader = () => {
    doc.font('Helvetica-Bold').fontSize(size);
    const h = Math.max(...cols.map((c) => doc.heightOfString(winAnsi(c.title), { width: c.width - 2 * pad }))) + 2 * pad;
    doc.rect(M, doc.y, cols.reduce((s, c) => s + c.width, 0), h).fill(BLUE);
    let x = M;
    const y = doc.y;
    for (const c of cols) {
      doc.fillColor('white').text(winAnsi(c.title), x + pad, y + pad, { width: c.width - 2 * pad, align: c.align ?? 'left' });
      x += c.width;
    }
    doc.y = y + h;
  };
  drawHeader();
  rows.forEach((r, ri) => {
    doc.font('Helvetica').fontSize(size);
    const h = Math.max(...r.map((v, i) => doc.heightOfString(winAnsi(v), { width: cols[i].width - 2 * pad }))) + 2 * pad;
    if (doc.y + h > BOTTOM) {
      doc.addPage();
      drawHeader();
      doc.font('Helvetica').fontSize(size);
    }
    const y = doc.y;
    const total = cols.reduce((s, c) => s + c.width, 0);
    if (ri % 2 === 1) doc.rect(M, y, total, h).fill('#F6F6F6');
    let x = M;
    r.forEach((v, i) => {
      const fill = opts.fills?.[ri]?.[i];
      if (fill) doc.rect(x + 1, y + 1, cols[i].width - 2, h - 2).fill(fill);
      doc.fillColor('black').text(winAnsi(v), x + pad, y + pad, { width: cols[i].width - 2 * pad, align: cols[i].align ?? 'left' });
      x += cols[i].width;
    });
    doc.y = y + h;
  });
  doc.x = M;
  doc.moveDown(0.6);
}

/** The colour mixed with white (pdfkit takes #RRGGBB only, no alpha). */
function tint(hex: string, amount: number): string {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return '#' + c.map((v) => Math.round(255 - (255 - v) * amount).toString(16).padStart(2, '0')).join('');
}

const levelFill = (l: string): string | null => {
  const i = ['très faible', 'faible', 'moyen', 'fort'].indexOf(l);
  return i >= 0 ? tint(LEVEL_COLOURS[i], 0.45) : null;
};

function topSection(t: T, d: ReportData): void {
  const { doc } = t;
  heading(t, 'Sites les plus exposés et termes de leur score');
  para(t, `Pour chaque scénario, les sites au score le plus élevé. Sous chaque site, chaque terme : valeur lue, niveau, poids, modificateur de vulnérabilité, ` +
    `terme (poids × niveau × modificateur) et source avec son millésime. Les aléas au niveau « très faible » sans terme et les « donnée absente » sont résumés en fin de ligne.`);
  // All four scenarios: the two ends (today and +4 °C) keep the report readable.
  const shown = d.scenarios.length > 2 ? [d.scenarios[0], d.scenarios[d.scenarios.length - 1]] : d.scenarios;
  for (const sc of shown) {
    sub(t, `Scénario ${SCENARIO_LABEL[sc]}`);
    const sites = d.top[sc] ?? [];
    sites.forEach((s, i) => {
      if (doc.y > BOTTOM - 90) doc.addPage();
      doc.x = M;
      doc.font('Helvetica-Bold').fontSize(9).fillColor('black');
      const sco = s.scores[sc];
      t.text(`${i + 1}. ${s.name ?? s.site_id} — ${s.site_id}${s.insee ? ` — commune ${s.insee}` : ''}`, { width: W, continued: false });
      doc.font('Helvetica').fontSize(8).fillColor(GREY);
      t.text(`Score ${fr(sco?.score)} (niveau maximal ${levelLabel(sco?.max_level)}) ; autres scénarios : ` +
        Object.entries(s.scores).filter(([k]) => k !== sc).map(([k, v]) => `${SCENARIO_SHORT[k as Scenario]} ${fr(v.score)}`).join(', '), { width: W });
      doc.fillColor('black');
      const terms = (s.terms ?? []).filter((x) => x.scenario === sc);
      const shown = terms.filter((x) => x.term !== null && x.term > 0);
      const absent = terms.filter((x) => x.level_index === null).map((x) => HAZARD_LABEL[x.hazard as Hazard] ?? x.hazard);
      const low = terms.filter((x) => x.level_index === 0).map((x) => HAZARD_LABEL[x.hazard as Hazard] ?? x.hazard);
      if (shown.length) {
        table(t, [
          { title: 'Aléa', width: 92 }, { title: 'Valeur', width: 58, align: 'right' }, { title: 'Niveau', width: 52 },
          { title: 'Poids', width: 32, align: 'right' }, { title: 'Modif.', width: 36, align: 'right' }, { title: 'Terme', width: 36, align: 'right' },
          { title: 'Source (millésime) et seuil', width: W - 306 },
        ], shown.map((x) => [
          HAZARD_LABEL[x.hazard as Hazard] ?? x.hazard, `${fr(x.value)}${x.unit ? ` ${x.unit}` : ''}`, x.level, fr(x.weight), fr(x.modifier, 3), fr(x.term),
          `${x.source_layer ?? '–'}${x.vintage ? ` (${x.vintage})` : ''}${x.threshold_used ? ` ; ${x.threshold_used}` : ''}`,
        ]), { size: 7.2, fills: shown.map((x) => [null, null, levelFill(x.level)]) });
        doc.moveUp(0.4);
      }
      doc.font('Helvetica').fontSize(7.5).fillColor(GREY);
      const notes = [low.length ? `très faible : ${low.join(', ')}` : '', absent.length ? `donnée absente : ${absent.join(', ')}` : ''].filter(Boolean).join(' — ');
      if (notes) t.text(notes, { width: W });
      doc.fillColor('black').moveDown(0.5);
    });
  }
}

function hazardSection(t: T, d: ReportData): void {
  heading(t, 'Synthèse aléa par aléa');
  para(t, `Nombre de sites par niveau pour chaque aléa et chaque scénario. « Absente » compte les sites qu'aucune couche de cet aléa ne couvre : c'est une lacune de données, pas une absence de risque.`);
  const rows: string[][] = [];
  const fills: (string | null)[][] = [];
  for (const h of HAZARDS) {
    for (const sc of d.scenarios) {
      const c = d.hazardLevels[h][sc];
      rows.push([sc === d.scenarios[0] ? HAZARD_LABEL[h] : '', SCENARIO_SHORT[sc], ...c.map((v) => fr(v, 0))]);
      fills.push([null, null, ...[0, 1, 2, 3].map((k) => (c[k] ? tint(LEVEL_COLOURS[k], 0.35) : null)), null]);
    }
  }
  table(t, [
    { title: 'Aléa', width: 150 }, { title: 'Scénario', width: 60 }, { title: 'Très faible', width: 58, align: 'right' },
    { title: 'Faible', width: 58, align: 'right' }, { title: 'Moyen', width: 58, align: 'right' }, { title: 'Fort', width: 55, align: 'right' },
    { title: 'Donnée absente', width: W - 439, align: 'right' },
  ], rows, { size: 8, fills });
}

function hotspotSection(t: T, d: ReportData): void {
  heading(t, 'Points chauds d\'évolution entre scénarios');
  para(t, `Couples site × aléa dont le niveau monte d'un scénario à l'autre, les plus fortes hausses d'abord. Ce sont les sites pour lesquels l'adaptation est à anticiper.`);
  for (const hs of d.hotspots) {
    sub(t, `De ${SCENARIO_LABEL[hs.from]} à ${SCENARIO_LABEL[hs.to]}`);
    if (hs.items.length === 0) {
      para(t, 'Aucune hausse de niveau dans ce périmètre.');
      continue;
    }
    table(t, [
      { title: 'Site', width: 160 }, { title: 'Aléa', width: 110 }, { title: 'Niveau avant', width: 62 }, { title: 'Niveau après', width: 62 },
      { title: 'Hausse', width: 40, align: 'right' }, { title: 'Score avant / après', width: W - 434, align: 'right' },
    ], hs.items.map((h) => [`${h.name ?? h.site_id} (${h.site_id})`, HAZARD_LABEL[h.hazard as Hazard] ?? h.hazard, h.from_level, h.to_level, `+${h.rise}`, `${fr(h.score_from)} / ${fr(h.score_to)}`]),
    { size: 7.5, fills: hs.items.map((h) => [null, null, levelFill(h.from_level), levelFill(h.to_level)]) });
  }
}

function rollupSection(t: T, d: ReportData): void {
  const names = new Map(d.communes.map((c) => [c.code, c.nom]));
  heading(t, d.rollupBy === 'commune' ? 'Synthèse par commune' : 'Synthèse par département');
  para(t, `Effectifs de sites par niveau maximal, score maximal et sites les plus exposés (jamais une moyenne seule). Les 25 unités au score maximal le plus élevé.`);
  for (const sc of d.scenarios) {
    sub(t, `Scénario ${SCENARIO_LABEL[sc]}`);
    const rows = (d.rollups[sc] ?? []).slice(0, 25);
    table(t, [
      { title: d.rollupBy === 'commune' ? 'Commune' : 'Département', width: 110 }, { title: 'Sites', width: 34, align: 'right' },
      { title: 'T. faible', width: 38, align: 'right' }, { title: 'Faible', width: 34, align: 'right' }, { title: 'Moyen', width: 34, align: 'right' },
      { title: 'Fort', width: 30, align: 'right' }, { title: 'Sans donnée', width: 42, align: 'right' }, { title: 'Score max', width: 40, align: 'right' },
      { title: 'Sites les plus exposés', width: W - 362 },
    ], rows.map((r) => [
      r.unit ? `${names.get(r.unit) ?? (d.rollupBy === 'commune' ? '' : 'Département')} ${r.unit}`.trim() : 'inconnue',
      fr(r.n_sites, 0), ...r.levels.map((v) => fr(v, 0)), fr(r.n_all_no_data, 0), fr(r.max_score),
      r.top.map((x) => `${x.name ?? x.site_id} (${fr(x.score)})`).join(' ; '),
    ]), { size: 7.2 });
  }
}

function sourcesSection(t: T, d: ReportData, params: Record<string, string>): void {
  heading(t, 'Sources des données, millésimes et licences');
  if (d.sources.length) {
    table(t, [
      { title: 'Type', width: 70 }, { title: 'Couche', width: 90 }, { title: 'Fichier', width: 140 }, { title: 'Millésime', width: 62 },
      { title: 'Licence', width: W - 412 }, { title: 'Objets', width: 50, align: 'right' },
    ], d.sources.map((s) => [s.kind, s.layer, basename(s.file), s.vintage ?? 'non renseigné', s.licence ?? 'non renseignée', fr(s.features, 0)]), { size: 7.5 });
  } else para(t, 'Aucune source importée.');
  if (d.hazardLayers.length) {
    sub(t, 'Couches d\'aléa utilisées pour les scores');
    table(t, [
      { title: 'Aléa', width: 130 }, { title: 'Couche', width: 110 }, { title: 'Nature', width: 70 }, { title: 'Millésime', width: 70 }, { title: 'Licence', width: W - 380 },
    ], d.hazardLayers.map((h) => [HAZARD_LABEL[h.hazard as Hazard] ?? h.hazard, h.layer, h.kind, h.vintage ?? 'non renseigné', h.licence ?? 'non renseignée']), { size: 7.5 });
  }
  sub(t, 'Paramètres du rapport et du calcul');
  const rows: string[][] = Object.entries(params).map(([k, v]) => [k, v]);
  rows.push(['Date de génération', frDate(d.generatedAt)]);
  for (const r of d.runs) rows.push([`Calcul des scores (${r.site_kind})`, `run ${r.run_id} du ${r.started_at}, réglages sha256 ${r.config_hash.slice(0, 12)}…`]);
  if (d.weights.length) rows.push(['Poids des aléas', d.weights.map((w) => `${HAZARD_LABEL[w.hazard as Hazard] ?? w.hazard} ${fr(w.weight)}`).join(' ; ')]);
  rows.push(['Niveaux', 'très faible 0, faible 1, moyen 2, fort 3 ; « donnée absente » compté à part, jamais comme très faible']);
  table(t, [{ title: 'Paramètre', width: 150 }, { title: 'Valeur', width: W - 150 }], rows, { size: 8 });
}
