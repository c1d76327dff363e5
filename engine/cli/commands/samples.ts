import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';

export const samplesCommand: Command = {
  summary: 'generate the deterministic sample region (vectors, rasters) or LiDAR tiles',
  usage:
    'vigie samples [--seed 42] [--out data-samples/region] [--cache var/cache/samples/region]\n' +
    '       vigie samples lidar --seed S --km N [--style mixed] --out DIR [--format tif|asc]',
  options: {
    seed: { type: 'string' },
    out: { type: 'string' },
    cache: { type: 'string' },
    km: { type: 'string' },
    style: { type: 'string' },
    format: { type: 'string' },
  },
  async run({ values, positionals }) {
    if (positionals[0] === 'lidar') {
      const { runLidarSamples } = await import('../../../pipelines/samples/lidar/generate.ts');
      const argv: string[] = [];
      for (const k of ['seed', 'km', 'style', 'out', 'format'] as const) {
        if (values[k] !== undefined) argv.push(`--${k}`, String(values[k]));
      }
      await runLidarSamples(argv);
      return 0;
    }
    if (positionals.length) throw new InputError(`unknown samples target ${JSON.stringify(positionals[0])} (expected nothing or "lidar")`);
    const { generateSamples } = await import('../../../pipelines/samples/ensure.ts');
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && !Number.isInteger(seed)) throw new InputError(`--seed: ${JSON.stringify(values.seed)} is not an integer`);
    await generateSamples({ seed, outDir: values.out as string | undefined, cacheDir: values.cache as string | undefined });
    return 0;
  },
};
