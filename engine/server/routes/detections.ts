/**
 * LiDAR detections for signed-in users only (never public: unrecorded sites attract looting):
 * lists, per-tile progress, one candidate with its neighbours, review (PUT with version),
 * audit, and relief images of the candidate's surroundings.
 */
import type { FastifyInstance } from 'fastify';
import { InputError, NotFoundError, show } from '../../errors.ts';
import * as contract from '../../contract/api.ts';
import { listAudit } from '../../review/audit.ts';
import { reviewDetection } from '../../review/detections.ts';
import type { Store } from '../../store/store.ts';
import { access } from '../access.ts';
import type { DetectionIndex, DetectionQuery } from '../detection-index.ts';
import { ReliefImages, RELIEF_VIEWS } from '../relief-images.ts';
import { parseInput } from '../validate.ts';

export function registerDetectionRoutes(app: FastifyInstance, store: Store, index: DetectionIndex): void {
  const session = access.session;
  const relief = new ReliefImages(store);

  app.get('/api/detections', { config: { access: session, response: contract.detectionList } }, async (req, reply) => {
    const { limit, offset, ...q } = parseInput(contract.detectionListQuery, req.query, 'paramètres');
    return reply.type('application/json; charset=utf-8').send(await index.listJson(q as DetectionQuery, limit, offset));
  });

  app.get('/api/detections/progress', { config: { access: session, response: contract.progress } }, async () => index.progress());

  app.get('/api/detections/precision', { config: { access: session, response: contract.precisionList } }, async () => index.precision());

  app.get<{ Params: { id: string } }>('/api/detections/:id', { config: { access: session, response: contract.detectionWithNeighbours } }, async (req) => {
    const id = parseInput(contract.detectionId, req.params.id, 'identifiant de détection');
    const q = parseInput(contract.detectionOneQuery, req.query, 'paramètres');
    const item = await index.get(id, q as DetectionQuery);
    if (!item) throw new NotFoundError(`Détection inconnue : ${show(id)}.`);
    return item;
  });

  app.put<{ Params: { id: string } }>('/api/detections/:id/review', { config: { access: access.role('relecteur_detections'), response: contract.detectionReviewResponse } }, async (req) => {
    const id = parseInput(contract.detectionId, req.params.id, 'identifiant de détection');
    const body = parseInput(contract.detectionReviewBody, req.body);
    const review = await reviewDetection(store, req.session!.username, id, body);
    const item = await index.applyReview(id, review);
    return { item };
  });

  app.get<{ Params: { id: string } }>('/api/detections/:id/audit', { config: { access: session, response: contract.auditList } }, async (req) => {
    const id = parseInput(contract.detectionId, req.params.id, 'identifiant de détection');
    return { items: await listAudit(store, 'detection', id) };
  });

  app.get<{ Params: { id: string; file: string } }>('/api/detections/:id/relief/:file', { config: { access: session } }, async (req, reply) => {
    const id = parseInput(contract.detectionId, req.params.id, 'identifiant de détection');
    const m = /^([a-z]+)\.png$/.exec(req.params.file);
    const view = m?.[1];
    if (!view || !(RELIEF_VIEWS as readonly string[]).includes(view)) {
      throw new InputError(`Image de relief inconnue : ${show(req.params.file)} (attendu ${RELIEF_VIEWS.map((v) => v + '.png').join(', ')}).`);
    }
    const { size } = parseInput(contract.reliefQuery, req.query, 'paramètres');
    const png = await relief.render(id, view as (typeof RELIEF_VIEWS)[number], size);
    return reply.type('image/png').header('Cache-Control', 'private, max-age=3600').send(png);
  });
}
