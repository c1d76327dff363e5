import { describe, expect, it } from 'vitest';
import { runRiskBench } from '../../pipelines/bench/risk.ts';

describe('vigie bench risk --quick (smoke: JSON shape and value identity, not times)', () => {
  it('scores every synthetic site and samples the same values as GDAL', async () => {
    const r = (await runRiskBench({ quick: true })) as any;
    expect(r.bench).toBe('risk');
    expect(r.scoring.monument_sites).toBe(r.sizes.monuments);
    expect(r.scoring.archaeo_sites).toBe(r.sizes.archaeo);
    // One term per site × scenario × hazard of the method (config/risk.json, 8 hazards: the seven
    // of the ministry's list and land movement).
    expect(r.sizes.terms).toBe((r.sizes.monuments + r.sizes.archaeo) * 4 * 8);
    for (const k of ['monuments_s', 'archaeo_s', 'all_sites_s']) expect(typeof r.scoring[k]).toBe('number');
    expect(r.memory.peak_rss_mib).toBeGreaterThan(0);
    expect(r.sampling.gdal_available).toBe(true);
    expect(r.sampling.identical).toBe(true);
    expect(r.sampling.mismatches).toBe(0);
    expect(typeof r.sampling.ratio).toBe('number');
  }, 120_000);
});
