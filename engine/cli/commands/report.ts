import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';
import { defaultDbPath, Store } from '../../store/store.ts';

export const reportCommand: Command = {
  summary: 'write a PDF risk report for a commune, a department or the region',
  usage: 'vigie report --scope region|department:XX|commune:XXXXX --scenario ref|+2.0|+2.7|+4.0|all --out FILE.pdf [--json] [--db FILE]',
  options: { scope: { type: 'string' }, scenario: { type: 'string' }, out: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
  async run({ values }) {
    const { writeReport } = await import('../../report/report.ts');
    const out = values.out as string | undefined;
    if (!out) throw new InputError('expected --out FILE.pdf (see `vigie report --help`)');
    const db = (values.db as string | undefined) ?? defaultDbPath();
    const store = await Store.open(db, { readOnly: true });
    try {
      const r = await writeReport(store, { scope: values.scope as string | undefined, scenario: values.scenario as string | undefined, out, database: db });
      console.log(values.json ? JSON.stringify(r) : `report → ${r.path}: ${r.sites} sites, ${r.scope}, scenarios ${r.scenarios.join(', ')} in ${(r.ms / 1000).toFixed(2)} s`);
      return 0;
    } finally {
      store.close();
    }
  },
};
