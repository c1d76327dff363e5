import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';
import { defaultDbPath, Store } from '../../store/store.ts';

export const exportCommand: Command = {
  summary: 'export monuments, detections or roll-ups (csv, geojson, fgb, parquet, gpkg)',
  usage:
    'vigie export --layer monuments|detections|rollups --format csv|geojson|fgb|parquet|gpkg --out FILE\n' +
    '             [--scope region|department:XX|commune:XXXXX] [--scenario ref|+2.0|+2.7|+4.0|all] [--json] [--db FILE]\n' +
    '  CSV: « ; », UTF-8 with BOM, decimal comma; GeoJSON and GeoParquet in WGS84; GeoPackage and FlatGeobuf in Lambert-93.\n' +
    'vigie export training --out DIR [--model HASH] [--window 192] [--json] [--db FILE]\n' +
    '  reviewed detections as labelled training examples (oui: positive of the corrected class, non: hard negative,\n' +
    '  peut_etre: uncertain) with a provenance manifest, for pipelines/train/train.py --verdicts DIR (offline only).',
  options: {
    layer: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    scope: { type: 'string' },
    scenario: { type: 'string' },
    json: { type: 'boolean' },
    model: { type: 'string' },
    window: { type: 'string' },
  },
  async run({ values, positionals }) {
    if (positionals[0] === 'training') return (await import('../../review/training-export.ts')).trainingExportCli(values, positionals.slice(1));
    if (positionals.length) throw new InputError(`unknown export target ${JSON.stringify(positionals[0])} (expected nothing or "training")`);
    const { exportLayer } = await import('../../report/export.ts');
    const { layer, format, out } = values as Record<string, string | undefined>;
    if (!layer || !format || !out) throw new InputError('expected --layer, --format and --out (see `vigie export --help`)');
    const store = await Store.open((values.db as string | undefined) ?? defaultDbPath(), { readOnly: true });
    try {
      const r = await exportLayer(store, { layer, format, out, scope: values.scope as string | undefined, scenario: values.scenario as string | undefined });
      console.log(values.json ? JSON.stringify(r) : `${r.layer} → ${r.path}: ${r.features} features, ${r.fields} fields (${r.format}, ${r.scope}) in ${(r.ms / 1000).toFixed(2)} s`);
      return 0;
    } finally {
      store.close();
    }
  },
};
