import type { Command } from '../main.ts';
import { defaultDbPath, Store } from '../../store/store.ts';

export const sitesCommand: Command = {
  summary: 'list the most exposed sites, roll-ups per commune/département/région, or hotspots of change',
  usage:
    'vigie sites [--top N] [--scenario ref|+2.0|+2.7|+4.0] [--hazard H] [--kind monument|archaeo|museum] [--json] [--db FILE]\n' +
    '       vigie sites --by commune|departement|region [--scenario S] [--kind K] [--json]\n' +
    '       vigie sites --hotspots --from ref --to +4.0 [--hazard H] [--kind K] [--top N] [--json]\n' +
    '       vigie sites --priority [--departement D] [--top N] [--json]   (priorité d\'entretien: état × (niveau réf. + hausse à +2,7 °C))',
  options: {
    top: { type: 'string' },
    scenario: { type: 'string' },
    hazard: { type: 'string' },
    kind: { type: 'string' },
    json: { type: 'boolean' },
    by: { type: 'string' },
    hotspots: { type: 'boolean' },
    priority: { type: 'boolean' },
    departement: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
  async run({ values }) {
    const q = await import('../../risk/queries.ts');
    const { LEVELS, NO_DATA } = await import('../../risk/config.ts');
    const { InputError } = await import('../../errors.ts');
    const n = values.top === undefined ? 20 : Number(values.top);
    if (!Number.isInteger(n) || n <= 0) throw new InputError(`--top ${JSON.stringify(values.top)}: expected a positive integer`);
    const scenario = (values.scenario as string | undefined) ?? 'ref';
    const kind = values.kind as string | undefined;
    const hazard = values.hazard as string | undefined;
    const store = await Store.open((values.db as string | undefined) ?? defaultDbPath(), { readOnly: true });
    try {
      if (values.priority) {
        const { maintenancePriority } = await import('../../risk/priority.ts');
        const r = await maintenancePriority(store, { departement: values.departement as string | undefined, limit: n });
        if (values.json) console.log(JSON.stringify(r, null, 2));
        else {
          console.log(`${'site'.padEnd(14)}${'priorité'.padStart(8)}  ${'état'.padEnd(9)}${'niv. réf'.padStart(8)}${'hausse'.padStart(8)}  ${'aléa en hausse'.padEnd(16)}nom`);
          for (const x of r.items) {
            console.log(`${x.site_id.padEnd(14)}${x.priority.toFixed(1).padStart(8)}  ${(x.etat_conservation ?? 'inconnu').padEnd(9)}${String(x.level_ref).padStart(8)}${String(x.rise).padStart(8)}  ${(x.rise_hazard ?? '-').padEnd(16)}${x.name ?? ''}`);
          }
          console.log(`${r.total} monuments; priorité = état (bon 1, moyen 2, mauvais 3, péril 4, inconnu 1,5) × (niveau max réf. + plus forte hausse d'un aléa à +2,7 °C)`);
        }
        return 0;
      }
      if (values.hotspots) {
        const rows = await q.hotspots(store, (values.from as string) ?? 'ref', (values.to as string) ?? '+4.0', { kind, hazard, n });
        if (values.json) console.log(JSON.stringify(rows, null, 2));
        else {
          console.log(`${'site'.padEnd(14)}${'aléa'.padEnd(17)}${'niveau'.padEnd(28)}score  nom`);
          for (const r of rows) {
            console.log(`${r.site_id.padEnd(14)}${r.hazard.padEnd(17)}${`${r.from_level} → ${r.to_level}`.padEnd(28)}${r.score_from.toFixed(1).padStart(5)}→${r.score_to.toFixed(1).padEnd(6)}${r.name ?? ''}`);
          }
          if (rows.length === 0) console.log('no level rises between these scenarios');
        }
        return 0;
      }
      if (values.by) {
        const rows = await q.rollup(store, values.by as never, scenario, kind);
        if (values.json) console.log(JSON.stringify(rows, null, 2));
        else {
          console.log(`${String(values.by).padEnd(12)}${'sites'.padStart(6)}  ${LEVELS.map((l) => l.padStart(11)).join('')}  ${'absente'.padStart(8)}  max   premiers sites`);
          for (const r of rows) {
            console.log(
              `${String(r.unit ?? '?').padEnd(12)}${String(r.n_sites).padStart(6)}  ${r.levels.map((c) => String(c).padStart(11)).join('')}  ${String(r.n_all_no_data).padStart(8)}  ${r.max_score.toFixed(1).padStart(5)} ${r.top.map((t) => `${t.site_id} (${t.score.toFixed(1)})`).join(', ')}`,
            );
          }
        }
        return 0;
      }
      const rows = await q.topSites(store, { scenario, n, hazard, kind, withTerms: Boolean(values.json) });
      if (values.json) {
        console.log(JSON.stringify(rows, null, 2));
        return 0;
      }
      console.log(`${'site'.padEnd(14)}${'type'.padEnd(10)}${['ref', '+2.0', '+2.7', '+4.0'].map((s) => s.padStart(7)).join('')}  ${'n.d.'.padStart(4)}  nom`);
      for (const r of rows) {
        const s = (k: string) => (r.scores[k] ? r.scores[k].score.toFixed(1) : '-').padStart(7);
        console.log(`${r.site_id.padEnd(14)}${r.site_kind.padEnd(10)}${['ref', '+2.0', '+2.7', '+4.0'].map(s).join('')}  ${String(r.scores[q.checkScenario(scenario)]?.n_no_data ?? '-').padStart(4)}  ${r.name ?? ''}`);
      }
      console.log(`(n.d. = aléas en « ${NO_DATA} » sous ${scenario}; they are not counted as no risk)`);
      return 0;
    } finally {
      store.close();
    }
  },
};
