/**
 * `writeReport(store, { scope, scenario, out })`: the PDF risk report for a commune, a
 * département or the whole region, one scenario or all four, written atomically. An empty
 * selection still gives a PDF (saying « aucun site »); a bad scope or scenario is an error
 * before anything is written.
 */
import type { Store } from '../store/store.ts';
import { SCENARIOS } from './labels.ts';
import { parseScenarioOption } from './layers.ts';
import { gatherReport } from './pdf/report-data.ts';
import { renderReportPdf } from './pdf/render-pdf.ts';
import { checkWritable, writeAtomically } from './safe-write.ts';
import { resolveScope } from './scope.ts';

export interface ReportRequest {
  scope?: string;
  /** ref | +2.0 | +2.7 | +4.0 | all (default all) */
  scenario?: string;
  out: string;
  /** shown in the parameters table (e.g. the database path) */
  database?: string;
}

export interface ReportResult { path: string; scope: string; scenarios: string[]; sites: number; ms: number }

export async function writeReport(store: Store, req: ReportRequest): Promise<ReportResult> {
  const t0 = performance.now();
  const one = parseScenarioOption(req.scenario);
  const scenarios = one ? [one] : [...SCENARIOS];
  checkWritable(req.out);
  const scope = await resolveScope(store, req.scope);
  const data = await gatherReport(store, scope, scenarios);
  const params: Record<string, string> = {
    'Périmètre': `${scope.label} (${scope.text})`,
    'Scénario(s)': one ?? 'all (les quatre)',
  };
  if (req.database) params['Base de données'] = req.database;
  const path = await writeAtomically(req.out, (tmp) => renderReportPdf(data, tmp, params));
  return { path, scope: scope.text, scenarios, sites: data.nSites, ms: Math.round(performance.now() - t0) };
}
