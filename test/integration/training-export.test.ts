/**
 * `vigie export training`: hand-made verdicts recorded through the review code path on two
 * hand-written 0.5 m tiles side by side; the examples per label, the provenance, the audit-trail
 * check, and the 1 m elevations compared with the tiles' pixels read by geotiff.js directly.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../engine/cli/main.ts';
import { createUser } from '../../engine/auth/users.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { reviewDetection } from '../../engine/review/detections.ts';
import { exportTrainingExamples } from '../../engine/review/training-export.ts';
import { Store } from '../../engine/store/store.ts';

const NODATA = -9999;
// tiles A (west) and B (east), each 200 m × 200 m at 0.5 m; B has a 10 m × 10 m hole of nodata
const TILES = [
  { name: 'A', x0: 200_000, y1: 6_801_000 },
  { name: 'B', x0: 200_200, y1: 6_801_000 },
];
const HOLE = { x0: 200_250, x1: 200_260, y0: 6_800_890, y1: 6_800_900 };
const elev = (x: number, y: number) => 120 + 0.013 * (x - 200_000) - 0.021 * (y - 6_800_800) + 0.4 * Math.sin(x / 7.3) * Math.cos(y / 5.1);

// id, class, position; verdicts below
const DETS = [
  { id: 'mh:A:1', tile: 'A', cls: 'mound', x: 200_190, y: 6_800_900 }, // window reaches into B
  { id: 'mh:A:2', tile: 'A', cls: 'kiln', x: 200_030, y: 6_800_950 }, // window reaches west of any tile
  { id: 'mh:A:3', tile: 'A', cls: 'mound', x: 200_120, y: 6_800_850 },
  { id: 'mh:B:1', tile: 'B', cls: 'pit', x: 200_300, y: 6_800_900 },
  { id: 'mh:B:2', tile: 'B', cls: 'mound', x: 200_350, y: 6_800_850 },
  { id: 'mh:B:3', tile: 'B', cls: 'pit', x: 200_380, y: 6_800_820 }, // never reviewed
  { id: 'mh:B:4', tile: 'B', cls: 'pit', x: 200_260, y: 6_800_950 }, // verdict without audit row
];
const T0 = Date.parse('2025-03-04T10:00:00Z');

let dir: string;
let dbPath: string;
let tifs: Record<string, ArrayBuffer>;

async function pixels05(name: string): Promise<{ data: Float32Array; width: number }> {
  const img = await (await fromArrayBuffer(tifs[name])).getImage();
  const [band] = (await img.readRasters()) as unknown as Float32Array[];
  return { data: band, width: img.getWidth() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-training-export-'));
  mkdirSync(join(dir, 'tiles'));
  tifs = {};
  for (const t of TILES) {
    const data = new Float32Array(400 * 400);
    for (let r = 0; r < 400; r++) {
      for (let c = 0; c < 400; c++) {
        const x = t.x0 + (c + 0.5) * 0.5, y = t.y1 - (r + 0.5) * 0.5;
        data[r * 400 + c] = x > HOLE.x0 && x < HOLE.x1 && y > HOLE.y0 && y < HOLE.y1 ? NODATA : elev(x, y);
      }
    }
    const buf = writeGeoTiff(data, { originX: t.x0, originY: t.y1, resX: 0.5, resY: 0.5, width: 400, height: 400, crs: 'EPSG:2154' }, { nodata: NODATA });
    writeFileSync(join(dir, 'tiles', `${t.name}.tif`), buf);
    tifs[t.name] = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  }
  dbPath = join(dir, 'v.duckdb');
  const store = await Store.open(dbPath);
  try {
    for (const t of TILES) {
      await store.run(`INSERT INTO detection_tiles (tile, model_hash, source_file, minx, miny, maxx, maxy, detections, crs)
                       VALUES ($1, 'mh', $2, $3, $4, $5, $6, 3, 'EPSG:2154')`, [t.name, join(dir, 'tiles', `${t.name}.tif`), t.x0, t.y1 - 200, t.x0 + 200, t.y1]);
    }
    for (const d of DETS) {
      await store.run(`INSERT INTO detections (detection_id, tile, class, score, confidence, level, diameter_m, x, y, novelty, model_hash)
                       VALUES ($1, $2, $3, 0.7, 0.66, 'probable', 14, $4, $5, 'nouveau', 'mh')`, [d.id, d.tile, d.cls, d.x, d.y]);
    }
    await createUser(store, 'test', { username: 'alice', password: 'correct-horse-battery', roles: ['relecteur_detections'] });
    await createUser(store, 'test', { username: 'bob', password: 'correct-horse-battery', roles: ['administrateur'] });
    await reviewDetection(store, 'alice', 'mh:A:1', { decision: 'oui', version: 0 }, T0);
    await reviewDetection(store, 'alice', 'mh:A:2', { decision: 'oui', corrected_class: 'pit', version: 0 }, T0 + 1000);
    await reviewDetection(store, 'alice', 'mh:A:3', { decision: 'non', version: 0 }, T0 + 2000);
    await reviewDetection(store, 'bob', 'mh:B:1', { decision: 'peut_etre', note: 'à revoir sur le terrain', version: 0 }, T0 + 3000);
    // changed mind: non, then oui as an enclosure — the latest verdict counts, the history is kept
    await reviewDetection(store, 'alice', 'mh:B:2', { decision: 'non', version: 0 }, T0 + 4000);
    await reviewDetection(store, 'bob', 'mh:B:2', { decision: 'oui', corrected_class: 'enclosure', version: 1 }, T0 + 5000);
    // a verdict written behind the review code's back: no audit row, not exported
    await store.run(`INSERT INTO detection_review (detection_id, decision, corrected_class, note, version, reviewed_by) VALUES ('mh:B:4', 'oui', NULL, NULL, 1, 'alice')`);
  } finally {
    store.close();
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readMeta = (out: string, ex: string) => JSON.parse(readFileSync(join(out, ex, 'meta.json'), 'utf8'));
const readZ = (out: string, ex: string) => new Float32Array(readFileSync(join(out, ex, 'z.f32')).buffer.slice(0));
const readValid = (out: string, ex: string) => new Uint8Array(readFileSync(join(out, ex, 'valid.u8')));

describe('vigie export training', () => {
  let out: string;
  let manifest: { counts: Record<string, unknown>; examples: Record<string, unknown>[]; skipped: { detection_id: string; reason: string }[] };
  const ex = (id: string) => manifest.examples.find((e) => e.detection_id === id)!.example as string;

  beforeAll(async () => {
    out = join(dir, 'out');
    const logs: string[] = [];
    const log = console.log;
    console.log = (s: string) => logs.push(s);
    try {
      expect(await main(['export', 'training', '--out', out, '--db', dbPath])).toBe(0);
    } finally {
      console.log = log;
    }
    expect(logs[0]).toMatch(/: 5 \(3 oui .*, 1 non, 1 peut-être\)/);
    manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  });

  it('writes one example per reviewed detection, labelled from its latest verdict', () => {
    expect(readdirSync(join(out, 'examples')).length).toBe(5);
    expect(manifest.counts).toEqual({ examples: 5, positive: 3, negative: 1, uncertain: 1, classes: { mound: 1, pit: 1, enclosure: 1 } });
    const byId = Object.fromEntries(manifest.examples.map((e) => [e.detection_id, e]));
    expect(Object.keys(byId).sort()).toEqual(['mh:A:1', 'mh:A:2', 'mh:A:3', 'mh:B:1', 'mh:B:2']);
    expect([byId['mh:A:1'].label, byId['mh:A:1'].label_class]).toEqual(['positive', 'mound']);
    expect([byId['mh:A:2'].label, byId['mh:A:2'].label_class, byId['mh:A:2'].detected_class]).toEqual(['positive', 'pit', 'kiln']);
    expect([byId['mh:A:3'].label, byId['mh:A:3'].label_class]).toEqual(['negative', null]);
    expect([byId['mh:B:1'].label, byId['mh:B:1'].label_class]).toEqual(['uncertain', 'pit']);
    expect([byId['mh:B:2'].label, byId['mh:B:2'].label_class, byId['mh:B:2'].history]).toEqual(['positive', 'enclosure', ['non', 'oui']]);
  });

  it('keeps the provenance: model, reviewer, roles, date, version', () => {
    const e = manifest.examples.find((x) => x.detection_id === 'mh:B:2')!;
    expect(e).toMatchObject({ model_hash: 'mh', tile: 'B', reviewed_by: 'bob', reviewer_roles: ['administrateur'], reviewed_at: '2025-03-04T10:00:05.000Z', version: 2, decision: 'oui', corrected_class: 'enclosure' });
    const p = manifest.examples.find((x) => x.detection_id === 'mh:B:1')!;
    expect(p).toMatchObject({ reviewed_by: 'bob', note: 'à revoir sur le terrain', decision: 'peut_etre' });
    expect(manifest.skipped).toHaveLength(1);
    expect(manifest.skipped[0].detection_id).toBe('mh:B:4');
    expect(manifest.skipped[0].reason).toMatch(/audit trail/);
  });

  it('writes 1 m elevations equal to the 2×2 means of the tiles\' pixels, across the tile seam', async () => {
    const e = ex('mh:A:1');
    const meta = readMeta(out, e);
    expect([meta.width, meta.height, meta.pixel, meta.left, meta.top]).toEqual([192, 192, 1, 200_094, 6_800_996]);
    const z = readZ(out, e);
    const A = await pixels05('A'), B = await pixels05('B');
    const mean = (t: { data: Float32Array; width: number }, c: number, r: number) =>
      (t.data[2 * r * t.width + 2 * c] + t.data[2 * r * t.width + 2 * c + 1] + t.data[(2 * r + 1) * t.width + 2 * c] + t.data[(2 * r + 1) * t.width + 2 * c + 1]) / 4;
    // window column k ↔ x = 200094 + k; tile A 1 m column = x - 200000, tile B = x - 200200; row ↔ 6800996 - y, tile row = 6801000 - y
    for (const [col, row] of [[0, 0], [105, 50], [106, 50], [150, 100], [191, 191]]) {
      const x = 200_094 + col, yTop = 6_800_996 - row;
      const tr = 6_801_000 - yTop;
      const want = x < 200_200 ? mean(A, x - 200_000, tr) : mean(B, x - 200_200, tr);
      expect(z[row * 192 + col]).toBeCloseTo(want, 4);
    }
    // the pixel at x 200105.5, y 6800945.5 from the formula, independently of any file
    expect(z[50 * 192 + 11]).toBeCloseTo(elev(200_105.25, 6_800_945.75) / 4 + elev(200_105.75, 6_800_945.75) / 4 + elev(200_105.25, 6_800_945.25) / 4 + elev(200_105.75, 6_800_945.25) / 4, 3);
    // the other reviewed detections inside the window travel with it, with their labels
    expect(meta.reviewed.map((r: { detection_id: string; label: string }) => `${r.detection_id}:${r.label}`).sort()).toEqual(['mh:A:1:positive', 'mh:A:3:negative']);
    expect(meta.features).toEqual([{ class: 'mound', diameter_m: 14, variant: 'verdict', x: 200_190, y: 6_800_900, col: 96, row: 96 }]);
  });

  it('marks pixels without data: the nodata hole of B and the ground beyond every tile', () => {
    const b1 = ex('mh:B:1');
    const meta = readMeta(out, b1);
    expect([meta.left, meta.top]).toEqual([200_204, 6_800_996]);
    const v = readValid(out, b1);
    // hole x 200250–200260, y 6800890–6800900 → window cols 46–55, rows 96–105
    expect(v[100 * 192 + 50]).toBe(0);
    expect(v[100 * 192 + 45]).toBe(1);
    expect(v[95 * 192 + 50]).toBe(1);
    let holes = 0;
    for (const x of v) holes += x ? 0 : 1;
    expect(holes).toBe(100);
    const a2 = ex('mh:A:2');
    const m2 = readMeta(out, a2);
    expect([m2.left, m2.top]).toEqual([199_934, 6_801_046]); // 66 columns west of tile A, 46 rows north of it
    const v2 = readValid(out, a2);
    const z2 = readZ(out, a2);
    expect(v2[100 * 192 + 65]).toBe(0);
    expect(v2[100 * 192 + 66]).toBe(1);
    expect(v2[45 * 192 + 100]).toBe(0);
    expect(v2[46 * 192 + 100]).toBe(1);
    expect(z2[100 * 192 + 0]).toBe(z2[100 * 192 + 66]); // edge-extended, as inference fills
  });

  it('refuses a folder that is not empty, and options of the layer export', async () => {
    const err: string[] = [];
    const e = console.error;
    console.error = (s: string) => err.push(s);
    try {
      expect(await main(['export', 'training', '--out', out, '--db', dbPath])).toBe(2);
      expect(await main(['export', 'training', '--out', join(dir, 'o2'), '--db', dbPath, '--format', 'csv'])).toBe(2);
      expect(await main(['export', 'training', '--out', join(dir, 'o3'), '--db', dbPath, '--window', '100'])).toBe(2);
      expect(await main(['export', 'training', '--out', join(dir, 'o4'), '--db', join(dir, 'nope.duckdb')])).toBe(3);
    } finally {
      console.error = e;
    }
    expect(err[0]).toMatch(/--out .*folder is not empty/);
    expect(err[1]).toMatch(/--format does not apply/);
    expect(err[2]).toMatch(/--window: "100" .*multiple of 8/);
    expect(err[3]).toMatch(/database not found/);
  });

  it('exports only the given model, and reports a source tile that is gone', async () => {
    const store = await Store.open(dbPath, { readOnly: true });
    try {
      const r = await exportTrainingExamples(store, { out: join(dir, 'o5'), modelHash: 'other' });
      expect(r.examples).toBe(0);
      rmSync(join(dir, 'tiles', 'A.tif'));
      await expect(exportTrainingExamples(store, { out: join(dir, 'o6') })).rejects.toThrow(/A\.tif: source tile of detection mh:A:1 not found/);
    } finally {
      store.close();
      writeFileSync(join(dir, 'tiles', 'A.tif'), Buffer.from(tifs.A));
    }
  });
});
