/** A scored store for the export tests: the hand-checked risk fixture plus a few detections. */
import { execFileSync } from 'node:child_process';
import { Store } from '../../engine/store/store.ts';
import { loadRiskConfig } from '../../engine/risk/config.ts';
import { scoreAll } from '../../engine/risk/score.ts';
import { buildFixture } from '../golden/risk/fixture.ts';

export const DETECTIONS = [
  { id: 'm1:t1:0', cls: 'mound', score: 0.91, conf: 0.88, level: 'very_probable', x: 102000, y: 6802000, status: 'oui' },
  { id: 'm1:t1:1', cls: 'mound', score: 0.55, conf: 0.5, level: 'possible', x: 103000, y: 6803000, status: null },
  { id: 'm1:t1:2', cls: 'kiln', score: 0.7, conf: 0.66, level: 'probable', x: 104000, y: 6804000, status: 'non' },
  { id: 'm1:t2:0', cls: 'pit', score: 0.3, conf: 0.2, level: 'doubtful', x: 115000, y: 6805000, status: null },
];

export async function scoredStore(withDetections = true): Promise<Store> {
  const store = await Store.open(':memory:');
  await buildFixture(store);
  await scoreAll(store, { config: loadRiskConfig() });
  if (withDetections) {
    for (const d of DETECTIONS) {
      await store.run(
        `INSERT INTO detections (detection_id, tile, class, score, confidence, level, diameter_m, x, y, novelty, model_hash, review_status)
         VALUES ($1, 't1', $2, $3, $4, $5, 12.5, $6, $7, 'nouveau', 'm1', $8)`,
        [d.id, d.cls, d.score, d.conf, d.level, d.x, d.y, d.status],
      );
    }
  }
  return store;
}

export const hasTool = (cmd: string): boolean => {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** `ogrinfo -so -al` summary: layer name, geometry, feature count, EPSG code, field names. */
export function ogrSummary(path: string): { layers: { name: string; geometry: string; count: number; epsg: string | null; fields: string[] }[] } {
  const out = execFileSync('ogrinfo', ['-so', '-al', path], { encoding: 'utf8' });
  const layers = out.split(/\nLayer name: /).slice(1).map((block) => {
    const name = block.split('\n')[0].trim();
    const geometry = /Geometry: (.+)/.exec(block)?.[1].trim() ?? '';
    const count = Number(/Feature Count: (\d+)/.exec(block)?.[1]);
    const ids = [...block.matchAll(/ID\["EPSG",(\d+)\]\]\s*$/gm)].map((m) => m[1]);
    const epsg = ids.length ? ids[ids.length - 1] : null;
    const fields = [...block.matchAll(/^(\w+): (String|Real|Integer|Integer64|Date)/gm)].map((m) => m[1]);
    return { name, geometry, count, epsg, fields };
  });
  return { layers };
}
