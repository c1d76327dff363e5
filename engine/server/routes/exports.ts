/**
 * GET /api/exports/:layer.:format?scope=&scenario=  → the export file (attachment)
 * GET /api/reports?scope=&scenario=                  → the PDF risk report (application/pdf)
 * Files are built in a private temporary folder, streamed, then removed. Errors are the usual
 * Vigie family (400 bad scope/scenario/format or empty selection, 404 unknown commune/department).
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { InputError, show } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import { exportLayer } from '../../report/export.ts';
import { exportFormat } from '../../report/formats.ts';
import { writeReport } from '../../report/report.ts';

interface Q { scope?: string; scenario?: string }

function sendFile(reply: FastifyReply, dir: string, path: string, type: string, filename: string): FastifyReply {
  const stream = createReadStream(path);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  stream.on('close', cleanup);
  stream.on('error', cleanup);
  return reply
    .header('Content-Type', type)
    .header('Content-Disposition', `attachment; filename="${filename}"`)
    .send(stream);
}

const slug = (s: string) => s.replace(/[^\w.+-]+/g, '-');

export function registerExportRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Params: { file: string }; Querystring: Q }>('/api/exports/:file', async (req, reply) => {
    const m = /^([\w-]+)\.([\w-]+)$/.exec(req.params.file);
    if (!m) {
      throw new InputError(`expected /api/exports/<layer>.<format>, e.g. /api/exports/monuments.gpkg (got ${JSON.stringify(req.params.file)})`, {
        fr: `Export attendu sous la forme /api/exports/<couche>.<format>, par ex. /api/exports/monuments.gpkg (reçu : ${show(req.params.file)}).`,
      });
    }
    const [, layer, formatName] = m;
    const format = exportFormat(formatName);
    const dir = mkdtempSync(join(tmpdir(), 'vigie-export-'));
    try {
      const filename = `vigie-${layer}-${slug(req.query.scope ?? 'region')}${req.query.scenario ? '-' + slug(req.query.scenario) : ''}${format.extension}`;
      const r = await exportLayer(store, { layer, format: formatName, scope: req.query.scope, scenario: req.query.scenario, out: join(dir, filename) });
      return sendFile(reply, dir, r.path, format.contentType, filename);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  });

  app.get<{ Querystring: Q }>('/api/reports', async (req, reply) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-report-'));
    try {
      const filename = `vigie-rapport-${slug(req.query.scope ?? 'region')}-${slug(req.query.scenario ?? 'all')}.pdf`;
      const r = await writeReport(store, { scope: req.query.scope, scenario: req.query.scenario, out: join(dir, filename) });
      return sendFile(reply, dir, r.path, 'application/pdf', filename);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  });
}
