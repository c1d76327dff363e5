import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';
import { registerCrs } from '../../geo/crs.ts';
import { defaultDbPath, Store } from '../../store/store.ts';

export const detectCommand: Command = {
  summary: 'detect relief anomalies (mounds, kilns, enclosures, pits) in LiDAR terrain tiles',
  usage:
    'vigie detect <tiles or folders…> [--out detections.geojson] [--wgs84] [--db FILE] [--no-db] [--crs EPSG:NNNN …]\n' +
    '             [--model models/detector.onnx] [--workers N] [--force] [--json]\n' +
    '  Tiles: 0.5 m terrain (MNT) GeoTIFF or ESRI ASCII grid in a projected CRS, or classified point clouds\n' +
    '  (.laz, .copc.laz, .las, or folders of them) turned into MNT first (as `vigie dtm`, kept in var/cache/dtm). Each file is checked;\n' +
    '  a bad file is reported and skipped. Exit 0 when at least one tile was processed.\n' +
    '  --workers: inference threads, one model session each (default: one per core, at most 2; 0 = main thread).\n' +
    '  --crs CODE or CODE=proj4: the CRS to read the tiles in. Once: every input. Repeated: one per input\n' +
    '  (file or folder) in the order given; `--crs auto` keeps that input\'s own CRS.\n' +
    '  A tile is skipped as already done when the same bytes were processed by the same model with the same\n' +
    '  settings (and no new neighbour); --out always holds the detections of every tile given.',
  options: {
    out: { type: 'string' },
    wgs84: { type: 'boolean' },
    'no-db': { type: 'boolean' },
    crs: { type: 'string', multiple: true },
    model: { type: 'string' },
    workers: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }) {
    const { detectTiles, writeDetectionsGeoJson } = await import('../../detect/detections.ts');
    if (positionals.length === 0) throw new InputError('expected one or more tile files or folders');
    // one value for every input, or one per input (checked against the inputs by detectTiles)
    const crs = (values.crs as unknown as string[] | undefined)?.map((v) => {
      const [code, def] = v.split(/=(.*)/s);
      if (def) registerCrs(code, def);
      return v;
    });
    const store = await Store.open(values['no-db'] ? ':memory:' : ((values.db as string | undefined) ?? defaultDbPath()));
    try {
      const t0 = performance.now();
      const res = await detectTiles(store, positionals, {
        crs,
        modelPath: values.model as string | undefined,
        workers: workersOption(values.workers),
        force: Boolean(values.force),
        log: (l) => {
          if (!values.json) console.error(`  ${l}`);
        },
        onTile: (r) => {
          if (!values.json) console.error(r.ok ? `  ${r.tile}: ${r.detections} detections` : `  ${r.file}: ERROR ${r.error}`);
        },
      });
      const ok = res.reports.filter((r) => r.ok).length;
      const failed = res.reports.filter((r) => !r.ok);
      if (typeof values.out === 'string') await writeDetectionsGeoJson(values.out, res.detections, { wgs84: Boolean(values.wgs84) });
      const byLevel: Record<string, number> = {};
      for (const d of res.detections) byLevel[d.level] = (byLevel[d.level] ?? 0) + 1;
      const summary = {
        model: res.modelHash,
        tiles_processed: ok,
        tiles_skipped_already_done: res.skipped.length,
        tiles_failed: failed.map((r) => ({ file: r.file, error: r.error })),
        detections: res.detections.length,
        by_level: byLevel,
        connu: res.detections.filter((d) => d.novelty === 'connu').length,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        out: values.out ?? null,
        db: values['no-db'] ? null : store.path,
      };
      if (values.json) console.log(JSON.stringify(summary, null, 2));
      else {
        console.log(
          `${ok} tile(s) processed, ${res.skipped.length} already done, ${failed.length} failed; ${res.detections.length} detections ` +
            `(${Object.entries(byLevel).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}; ${summary.connu} connu) in ${summary.seconds} s — model ${res.modelHash}` +
            (values.out ? `; written to ${values.out}` : ''),
        );
      }
      return ok + res.skipped.length > 0 ? 0 : 1;
    } finally {
      store.close();
    }
  },
};

function workersOption(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InputError(`--workers ${String(v)} is not a whole number >= 0; try --workers 2`);
  return n;
}
