import type { Command } from '../main.ts';
import { defaultDbPath, Store } from '../../store/store.ts';

export const scoreCommand: Command = {
  summary: 'cross heritage sites with hazard layers and store explainable scores (4 scenarios)',
  usage:
    'vigie score [--config config/risk.json] [--kind monument|archaeo|museum] [--scenario ref|+2.0|+2.7|+4.0] [--json] [--db FILE]\n' +
    '  All four scenarios are always scored (they are compared side by side); --scenario picks the one summarised.',
  options: { config: { type: 'string' }, kind: { type: 'string' }, scenario: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }) {
    const { scoreAll } = await import('../../risk/score.ts');
    const { loadRiskConfig, SITE_KINDS, LEVELS, NO_DATA } = await import('../../risk/config.ts');
    const { checkScenario } = await import('../../risk/queries.ts');
    const { InputError } = await import('../../errors.ts');
    const config = loadRiskConfig((values.config as string | undefined) ?? undefined);
    const kind = values.kind as string | undefined;
    if (kind && !(SITE_KINDS as readonly string[]).includes(kind)) {
      throw new InputError(`--kind ${JSON.stringify(kind)}: expected one of ${SITE_KINDS.join(', ')}`);
    }
    const scenario = checkScenario((values.scenario as string | undefined) ?? 'ref');
    const store = await Store.open((values.db as string | undefined) ?? defaultDbPath());
    try {
      const runs = await scoreAll(store, { config, kinds: kind ? [kind as never] : undefined });
      if (values.json) {
        console.log(JSON.stringify({ config: config.path, config_hash: config.hash, runs }, null, 2));
        return 0;
      }
      console.log(`settings ${config.path} (sha256 ${config.hash.slice(0, 12)})`);
      for (const r of runs) {
        const c = r.by_level[scenario];
        console.log(
          `${r.site_kind.padEnd(9)} run ${r.run_id}: ${r.n_sites} sites scored (${r.n_unplaced} without position, not scored) in ${r.seconds.toFixed(1)} s; ` +
            `${r.n_no_data_terms} of ${r.n_terms} terms are « ${NO_DATA} »`,
        );
        console.log(`          ${scenario}, highest level per site: ` + LEVELS.map((l, i) => `${l} ${c[i]}`).join(', ') + `, ${NO_DATA} partout ${c[4]}`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
