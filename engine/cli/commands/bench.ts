import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';

export const benchCommand: Command = {
  summary: 'run a benchmark on seeded synthetic data and print JSON (risk)',
  usage: 'vigie bench risk [--quick] [--keep]\n  --quick: small sizes (smoke test); --keep: leave the temp dir',
  options: { quick: { type: 'boolean' }, keep: { type: 'boolean' } },
  async run({ values, positionals }) {
    const which = positionals[0] ?? 'risk';
    if (which !== 'risk') throw new InputError(`unknown benchmark ${JSON.stringify(which)}: expected risk`);
    const { runRiskBench } = await import('../../../pipelines/bench/risk.ts');
    const result = await runRiskBench({ quick: Boolean(values.quick), keep: Boolean(values.keep), log: (l) => console.error(l) });
    console.log(JSON.stringify(result, null, 2));
    return 0;
  },
};
