/**
 * Registers the hazard and extra heritage layer kinds with importLayer. Import this module
 * once (the CLI import command, the main job) before calling importLayer with these kinds.
 */
import { importerKinds, registerImporter, type Importer } from '../importers.ts';
import { rgaCommuneImporter, seismicImporter } from './commune-table.ts';
import { driasImporter } from './drias.ts';
import { rasterImporter } from './raster.ts';
import { archaeologyImporter } from '../heritage/archaeology.ts';
import { museumsImporter } from '../heritage/museums.ts';
import { sprImporter } from '../heritage/spr.ts';
import { pprImporter } from './ppr.ts';
import { coastalErosionImporter, hazardZonesImporter, rgaImporter, triImporter } from './zones.ts';

const KINDS: Record<string, Importer> = {
  'hazard-zones': hazardZonesImporter,
  tri: triImporter,
  rga: rgaImporter,
  ppr: pprImporter,
  'coastal-erosion': coastalErosionImporter,
  seismic: seismicImporter,
  'rga-commune': rgaCommuneImporter,
  drias: driasImporter,
  raster: rasterImporter,
  museums: museumsImporter,
  spr: sprImporter,
  archaeology: archaeologyImporter,
};

const have = new Set(importerKinds());
for (const [kind, importer] of Object.entries(KINDS)) if (!have.has(kind)) registerImporter(kind, importer);
