/**
 * Fuzz corpus, heritage kinds (issue 14; harness and rules in test/fuzz/harness.ts): Mérimée,
 * communes, museums, SPR, archaeology, condition surveys, ArchéologIA GeoPackages, basemap layers.
 * The hazard kinds and `vigie detect` tiles are in hazards.fuzz.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLayer, importerKinds } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import '../../engine/report/archeologia.ts';
import { exportLayer } from '../../engine/report/export.ts';
import { Store } from '../../engine/store/store.ts';
import { buildCorpus, conditionGroup, gpkgMutants, ROOT } from './corpus.ts';
import {
  findingsOf, MEMORY_LIMIT_BYTES, runGroup, state, writeSummary,
} from './harness.ts';

const HERITAGE = new Set(['communes', 'merimee', 'museums', 'spr', 'archaeology', 'basemap-land', 'basemap-rivers']);
const corpus = buildCorpus().filter((g) => HERITAGE.has(g.kind));

beforeAll(() => {
  state.dir = mkdtempSync(join(tmpdir(), 'vigie-fuzz-heritage-'));
});

afterAll(() => {
  writeSummary('heritage');
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
});

describe('fuzz corpus: heritage kinds', () => {
  it('the whole corpus has a group for every registered importer kind and at least 300 inputs', () => {
    const all = buildCorpus();
    const kinds = new Set([...all.map((g) => g.kind), 'archeologia', 'condition']);
    expect(importerKinds().filter((k) => !kinds.has(k))).toEqual([]);
    expect(all.reduce((s, g) => s + g.mutants.length, 0)).toBeGreaterThanOrEqual(300);
  });

  for (const g of corpus) {
    it(`${g.kind} (${g.name}): ${g.mutants.length} malformed inputs end in an import or one clear refusal, nothing half-written`, async () => {
      await runGroup(g);
      expect(findingsOf((f) => f.group === `${g.kind}:${g.name}`)).toEqual([]);
      expect(state.maxRss).toBeLessThan(MEMORY_LIMIT_BYTES);
    }, 120_000);
  }
});

describe('fuzz corpus: ArchéologIA GeoPackages', () => {
  it('archeologia (GeoPackage back from QGIS): malformed files refused, nothing half-written', async () => {
    const seedStore = await Store.open(':memory:');
    const addDetections = async (s: Store) => {
      for (const [i, x] of [330_050, 330_060, 330_070].entries()) {
        await s.run(
          `INSERT INTO detections (detection_id, tile, class, score, confidence, level, diameter_m, x, y, novelty, model_hash)
           VALUES ($1, 't', 'mound', 0.9, 0.9, 'very_probable', 12, $2, 6713950, 'nouveau', 'm1')`,
          [`m1:t:${i}`, x],
        );
      }
    };
    await addDetections(seedStore);
    const out = join(state.dir, 'export', 'validation.gpkg');
    mkdirSync(join(state.dir, 'export'), { recursive: true });
    await exportLayer(seedStore, { layer: 'detections', format: 'archeologia', out });
    seedStore.close();
    const base = new Uint8Array(readFileSync(out));
    await runGroup({ kind: 'archeologia', name: 'validation.gpkg', base, mutants: gpkgMutants(base) }, addDetections);
    expect(findingsOf((f) => f.kind === 'archeologia')).toEqual([]);
  }, 120_000);
});

describe('fuzz corpus: condition surveys (matched to the monuments of the store)', () => {
  it('condition: malformed survey tables end in an import or one clear refusal, nothing half-written', async () => {
    const importMonuments = async (s: Store) => {
      await importLayer(s, 'merimee', join(ROOT, 'test', 'fixtures', 'heritage', 'merimee-pop.csv'));
    };
    const probe = await Store.open(':memory:');
    await importMonuments(probe);
    const monuments = await probe.all<{ reference: string; titre: string | null; lon: number; lat: number }>(
      'SELECT reference, titre, lon, lat FROM monuments WHERE lon IS NOT NULL ORDER BY reference LIMIT 6');
    probe.close();
    expect(monuments.length).toBeGreaterThanOrEqual(3);
    await runGroup(conditionGroup(monuments), importMonuments);
    expect(findingsOf((f) => f.kind === 'condition')).toEqual([]);
  }, 120_000);
});
