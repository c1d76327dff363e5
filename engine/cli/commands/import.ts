import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';
import { registerCrs } from '../../geo/crs.ts';
import { defaultDbPath, Store } from '../../store/store.ts';

export const importCommand: Command = {
  summary: 'import a layer file into the database (validation report printed)',
  usage:
    'vigie import <kind> <file> [--crs EPSG:NNNN[=proj4 string]] [--json] [--db FILE]\n' +
    '  kinds: communes, merimee, basemap-land, basemap-rivers, … (`vigie import --help`)',
  options: { crs: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, positionals }) {
    const { importLayer, importerKinds, formatReport } = await import('../../importers.ts');
    const [kind, file] = positionals;
    if (!kind || !file) {
      throw new InputError(`expected <kind> <file>; kinds: ${importerKinds().join(', ')}`);
    }
    let crs: string | undefined;
    if (typeof values.crs === 'string') {
      const [code, def] = values.crs.split(/=(.*)/s);
      crs = def ? registerCrs(code, def) : code;
    }
    const store = await Store.open((values.db as string | undefined) ?? defaultDbPath());
    try {
      const report = await importLayer(store, kind, file, { crs });
      console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
      return 0;
    } finally {
      store.close();
    }
  },
};
