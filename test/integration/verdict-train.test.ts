/**
 * pipelines/train/train.py --verdicts: a hand-written example folder (the format of
 * `vigie export training`) read by train.py's loader, and patches cut from it by its sampler:
 * loss only inside the disks of « oui » / « non » verdicts, never around a « peut-être », the
 * positive's heat peak where the reviewer put it. Skipped where Debian's python3-torch is absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const PY = '/usr/bin/python3';
const hasTorch = spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'vigie-verdict-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pixels of a size × size 1 m grid whose centres lie within r of (cx, cy). */
function disk(size: number, cx: number, cy: number, r: number): Set<number> {
  const s = new Set<number>();
  for (let row = 0; row < size; row++) for (let col = 0; col < size; col++) if ((col + 0.5 - cx) ** 2 + (row + 0.5 - cy) ** 2 <= r * r) s.add(row * size + col);
  return s;
}

function writeExample(name: string, meta: Record<string, unknown>): void {
  const d = join(dir, 'examples', name);
  mkdirSync(d, { recursive: true });
  const z = new Float32Array(192 * 192);
  for (let i = 0; i < z.length; i++) z[i] = 100 + (i % 192) * 0.01;
  writeFileSync(join(d, 'z.f32'), Buffer.from(z.buffer));
  writeFileSync(join(d, 'valid.u8'), new Uint8Array(192 * 192).fill(1));
  writeFileSync(join(d, 'meta.json'), JSON.stringify({ split: 'verdict', name: `verdict-${name}`, width: 192, height: 192, pixel: 1, left: 0, top: 192, ...meta }));
}

describe.skipIf(!hasTorch)('train.py --verdicts', () => {
  // example 1: a « oui » mound at the centre, a « non » 40 m east, a « peut-être » overlapping the « non »
  writeExample('00001', {
    centre: { detection_id: 'a', col: 96, row: 96, label: 'positive', class: 'mound' },
    features: [{ class: 'mound', diameter_m: 14, variant: 'verdict', x: 96, y: 96, col: 96, row: 96 }],
    reviewed: [
      { detection_id: 'a', label: 'positive', class: 'mound', col: 96, row: 96, r: 14.5 },
      { detection_id: 'b', label: 'negative', class: null, col: 136, row: 96, r: 12 },
      { detection_id: 'c', label: 'uncertain', class: 'pit', col: 150, row: 96, r: 12 },
    ],
  });
  // example 2: a « non » alone
  writeExample('00002', {
    centre: { detection_id: 'd', col: 96, row: 96, label: 'negative', class: null },
    features: [],
    reviewed: [{ detection_id: 'd', label: 'negative', class: null, col: 96, row: 96, r: 12 }],
  });

  it('reads the known-label mask, the positives and the hard negatives', () => {
    const out = execFileSync(PY, ['-c', `
import json, sys
sys.path.insert(0, 'pipelines/train')
import train
ms = train.load_verdicts(${JSON.stringify(dir)}, 160)
print(json.dumps([{ 'name': m[0], 'label': m.label, 'known': [int(i) for i in m.known.flatten().nonzero()[0]], 'feats': m[2].tolist(), 'negs': m[3].tolist() } for m in ms]))
`], { encoding: 'utf8' });
    const ms = JSON.parse(out) as { name: string; label: string; known: number[]; feats: number[][]; negs: number[][] }[];
    expect(ms.map((m) => [m.name, m.label])).toEqual([['verdict-00001', 'positive'], ['verdict-00002', 'negative']]);
    const want1 = new Set([...disk(192, 96, 96, 14.5), ...disk(192, 136, 96, 12)]);
    for (const k of disk(192, 150, 96, 12)) want1.delete(k); // « peut-être » wins over the « non »
    expect(new Set(ms[0].known)).toEqual(want1);
    expect(ms[1].known.length).toBe(disk(192, 96, 96, 12).size);
    expect(ms[0].feats).toEqual([[96, 96, 0, 14]]); // col, row, class index (mound = 0), diameter
    expect(ms[0].negs).toEqual([[136, 96]]);
    expect(ms[1].feats).toEqual([]);
  });

  it('cuts verdict patches whose loss stays near reviewed detections', () => {
    const out = execFileSync(PY, ['-c', `
import json, sys
import numpy as np
sys.path.insert(0, 'pipelines/train')
import train
ms = train.load_verdicts(${JSON.stringify(dir)}, 160)
s = train.Sampler(ms, 160, np.random.default_rng(1), verdict_share=1.0)
res = []
for _ in range(40):
    patch, heat, reg, ind, ok = s.sample()
    res.append({ 'ok': float(ok.sum()), 'peak': float(heat.max()), 'ind': float(ind.sum()), 'shape': list(patch.shape) })
print(json.dumps(res))
`], { encoding: 'utf8' });
    const res = JSON.parse(out) as { ok: number; peak: number; ind: number; shape: number[] }[];
    // 40 × 40 output cells of 4 m; a 12–14.5 m disk covers at most ~50 cells, two of them ~100
    for (const r of res) {
      expect(r.shape).toEqual([1, 160, 160]);
      expect(r.ok).toBeGreaterThan(0);
      expect(r.ok).toBeLessThan(110);
    }
    // both examples drawn (positives and negatives half each): some patches with the mound's peak, some without
    expect(res.some((r) => r.peak === 1 && r.ind === 1)).toBe(true);
    expect(res.some((r) => r.peak === 0 && r.ind === 0)).toBe(true);
  });
});
