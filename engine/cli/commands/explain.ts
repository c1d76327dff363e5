import type { Command } from '../main.ts';
import { defaultDbPath, Store } from '../../store/store.ts';

export const explainCommand: Command = {
  summary: "explain a site's scores term by term (hazard, value, level, threshold, weight, modifier, source)",
  usage: 'vigie explain <reference|site_id> [--json] [--db FILE]',
  options: { json: { type: 'boolean' } },
  async run({ values, positionals }) {
    const { explainSite } = await import('../../risk/queries.ts');
    const { InputError } = await import('../../errors.ts');
    const id = positionals[0];
    if (!id) throw new InputError('expected a monument reference (PA + 8 digits) or a heritage site id');
    const store = await Store.open((values.db as string | undefined) ?? defaultDbPath(), { readOnly: true });
    try {
      const s = await explainSite(store, id);
      if (values.json) {
        console.log(JSON.stringify(s, null, 2));
        return 0;
      }
      console.log(`${s.site_id} — ${s.name ?? ''} (${s.site_kind}, commune ${s.insee ?? '?'})`);
      console.log('score = Σ poids × niveau (0–3) × modificateur ; « donnée absente » n\'ajoute rien et est compté à part');
      for (const [scenario, total] of Object.entries(s.scores)) {
        console.log(`\n[${scenario}] score ${total.score.toFixed(2)}, niveau max ${total.max_level ?? '-'}, ${total.n_no_data} aléa(s) en donnée absente`);
        for (const t of s.terms!.filter((t) => t.scenario === scenario)) {
          const v = t.value === null ? '-' : `${Number(t.value.toPrecision(4))} ${t.unit ?? ''}`.trim();
          const term = t.term === null ? 'n.d.' : `${t.weight} × ${t.level_index} × ${t.modifier} = ${Number(t.term.toFixed(3))}`;
          console.log(
            `  ${t.hazard.padEnd(16)} ${v.padEnd(16)} ${t.level.padEnd(15)} ${term.padEnd(26)} ${t.source_layer ?? '-'}${t.vintage ? ` (${t.vintage})` : ''}`,
          );
          console.log(`  ${''.padEnd(16)} seuils : ${t.threshold_used ?? '-'} ; modificateur : ${t.modifier_detail}`);
        }
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
