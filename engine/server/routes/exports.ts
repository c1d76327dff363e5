/**
 * GET /api/exports/:layer.:format?scope=&scenario=  → the export file (attachment)
 * GET /api/reports?scope=&scenario=                  → the PDF risk report (application/pdf)
 * Files are built in a private temporary folder, streamed, then removed. Errors are the usual
 * Vigie family (400 bad scope/scenario/format or empty selection, 404 unknown commune/department).
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InputError, show } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import { exportLayer } from '../../report/export.ts';
import { exportFormat } from '../../report/formats.ts';
import { writeReport } from '../../report/report.ts';
import * as contract from '../../contract/api.ts';
import { PRIVATE_EXPORT_LAYERS } from '../../contract/enums.ts';
import { access, guardFor } from '../access.ts';
import { parseInput } from '../validate.ts';

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

/**
 * The detections layer (any format, ArchéologIA included) needs a session: its own route says so. The
 * generic route serves the public layers only and answers exactly as the private routes do for
 * a private layer reached by any other spelling, so no path to the detections skips the rule.
 */
export function registerExportRoutes(app: FastifyInstance, store: Store): void {
  const exportFile = async (req: FastifyRequest<{ Params: { file: string } }>, reply: FastifyReply) => {
    const m = /^([\w-]+)\.([\w-]+)$/.exec(req.params.file);
    if (!m) {
      throw new InputError(`expected /api/exports/<layer>.<format>, e.g. /api/exports/monuments.gpkg (got ${JSON.stringify(req.params.file)})`, {
        fr: `Export attendu sous la forme /api/exports/<couche>.<format>, par ex. /api/exports/monuments.gpkg (reçu : ${show(req.params.file)}).`,
      });
    }
    const [, layer, formatName] = m;
    const q = parseInput(contract.exportQuery, req.query, 'paramètres');
    const format = exportFormat(formatName);
    const dir = mkdtempSync(join(tmpdir(), 'vigie-export-'));
    try {
      const filename = `vigie-${layer}-${slug(q.scope ?? 'region')}${q.scenario ? '-' + slug(q.scenario) : ''}${format.extension}`;
      const r = await exportLayer(store, { layer, format: formatName, scope: q.scope, scenario: q.scenario, out: join(dir, filename) });
      return sendFile(reply, dir, r.path, format.contentType, filename);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  };
  const needSession = guardFor(access.session, []);
  for (const layer of PRIVATE_EXPORT_LAYERS) {
    app.get<{ Params: { format: string } }>(`/api/exports/${layer}.:format`, { config: { access: access.session } }, (req, reply) =>
      exportFile(Object.assign(req, { params: { file: `${layer}.${req.params.format}` } }) as never, reply));
  }
  app.get<{ Params: { file: string } }>('/api/exports/:file', { config: { access: access.part('risk') } }, async (req, reply) => {
    const layer = req.params.file.split('.')[0].toLowerCase();
    if ((PRIVATE_EXPORT_LAYERS as readonly string[]).includes(layer)) needSession(req);
    return exportFile(req, reply);
  });

  app.get('/api/reports', { config: { access: access.part('risk') } }, async (req, reply) => {
    const q = parseInput(contract.exportQuery, req.query, 'paramètres');
    const dir = mkdtempSync(join(tmpdir(), 'vigie-report-'));
    try {
      const filename = `vigie-rapport-${slug(q.scope ?? 'region')}-${slug(q.scenario ?? 'all')}.pdf`;
      const r = await writeReport(store, { scope: q.scope, scenario: q.scenario, out: join(dir, filename) });
      return sendFile(reply, dir, r.path, 'application/pdf', filename);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  });
}
