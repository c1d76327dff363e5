import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';
import { registerCrs } from '../../geo/crs.ts';
import { defaultDbPath, Store } from '../../store/store.ts';

export const importCommand: Command = {
  summary: 'import a layer file into the database (validation report printed)',
  usage:
    'vigie import <kind> <file> [--crs EPSG:NNNN[=proj4 string]] [--hazard H] [--layer NAME] [--warming ref|+2.0|+2.7|+4.0]\n' +
    '                            [--vintage YYYY-MM-DD] [--member NAME] [--keep-unplaced] [--no-rescore] [--json] [--db FILE]\n' +
    '  .zip and .gz files are read directly (--member NAME picks a file inside a zip).\n' +
    '  drias: --level-map RCP4.5/H3=+2.7,… maps scenario/horizon rows to TRACC levels (default: climate.level_map\n' +
    '  of config/risk.json, or of --config FILE).\n' +
    '  Importing a layer again replaces it in one transaction and reports the records added, removed and\n' +
    '  changed; reviews stay attached by record id. Scores the change makes stale are recomputed after the\n' +
    '  commit (--no-rescore: only marked stale, for a later `vigie score`).\n' +
    '  kinds: communes, merimee, museums, spr, archaeology, tri, rga, ppr, hazard-zones, coastal-erosion,\n' +
    '         seismic, rga-commune, drias, raster, basemap-land, basemap-rivers, archeologia',
  options: {
    crs: { type: 'string' },
    json: { type: 'boolean' },
    hazard: { type: 'string' },
    layer: { type: 'string' },
    warming: { type: 'string' },
    vintage: { type: 'string' },
    member: { type: 'string' },
    'keep-unplaced': { type: 'boolean' },
    'no-rescore': { type: 'boolean' },
    'level-map': { type: 'string' },
    config: { type: 'string' },
  },
  async run({ values, positionals }) {
    const { importLayer, importerKinds, formatReport } = await import('../../importers.ts');
    // Kinds registered outside engine/importers.ts (they import it, so it cannot import them).
    await import('../../hazards/register.ts');
    await import('../../report/archeologia.ts');
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
      const report = await importLayer(store, kind, file, {
        crs,
        hazard: values.hazard as string | undefined,
        layer: values.layer as string | undefined,
        warming: values.warming as string | undefined,
        vintage: values.vintage as string | undefined,
        member: values.member as string | undefined,
        keepUnplaced: values['keep-unplaced'] === true,
        rescore: values['no-rescore'] !== true,
        levelMap: values['level-map'] as string | undefined,
        config: values.config as string | undefined,
      } as import('../../hazards/common.ts').LayerImportOptions);
      console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
      return 0;
    } finally {
      store.close();
    }
  },
};
