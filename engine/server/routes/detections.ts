/**
 * LiDAR detections for signed-in users only (never public: unrecorded sites attract looting):
 * lists, per-tile progress, one candidate with its neighbours, review (PUT with version),
 * audit, and relief images of the candidate's surroundings.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { InputError, NotFoundError, show } from '../../errors.ts';
import { listAudit } from '../../review/audit.ts';
import { CLASSES, DECISIONS, reviewDetection } from '../../review/detections.ts';
import type { Store } from '../../store/store.ts';
import { needRole, needSession } from '../access.ts';
import type { DetectionIndex, DetectionQuery } from '../detection-index.ts';
import { ReliefImages, RELIEF_VIEWS } from '../relief-images.ts';
import { parseInput } from '../validate.ts';
import { bboxParam, pageParams } from './sites.ts';

const filters = {
  order: z.enum(['reliability', 'area']).default('reliability'),
  status: z.enum(['pending', 'reviewed', 'all']).default('all'),
  tile: z.string().max(200).optional(),
  class: z.enum(CLASSES).optional(),
  level: z.enum(['doubtful', 'possible', 'probable', 'very_probable']).optional(),
  bbox: bboxParam.optional(),
};
const listQuery = z.strictObject({ ...filters, ...pageParams });
const oneQuery = z.strictObject(filters);

const reviewBody = z.strictObject({
  decision: z.enum(DECISIONS),
  corrected_class: z.enum(CLASSES).nullable().optional(),
  note: z.string().max(10_000).nullable().optional(),
  version: z.number().int().min(0),
});

/** Detection ids are `<model hash>:<tile>:<n>`: a whitelist of characters, no `..`, no slash. */
export const detectionId = z.string().min(1).max(200).regex(/^[A-Za-z0-9_:.-]+$/).refine((s) => !s.includes('..'));

export function registerDetectionRoutes(app: FastifyInstance, store: Store, index: DetectionIndex): void {
  const session = { preHandler: needSession };
  const relief = new ReliefImages(store);

  app.get('/api/detections', session, async (req, reply) => {
    const { limit, offset, ...q } = parseInput(listQuery, req.query, 'paramètres');
    return reply.type('application/json; charset=utf-8').send(await index.listJson(q as DetectionQuery, limit, offset));
  });

  app.get('/api/detections/progress', session, async () => index.progress());

  app.get<{ Params: { id: string } }>('/api/detections/:id', session, async (req) => {
    const id = parseInput(detectionId, req.params.id, 'identifiant de détection');
    const q = parseInput(oneQuery, req.query, 'paramètres');
    const item = await index.get(id, q as DetectionQuery);
    if (!item) throw new NotFoundError(`Détection inconnue : ${show(id)}.`);
    return item;
  });

  app.put<{ Params: { id: string } }>('/api/detections/:id/review', { preHandler: needRole('relecteur_detections') }, async (req) => {
    const id = parseInput(detectionId, req.params.id, 'identifiant de détection');
    const body = parseInput(reviewBody, req.body);
    const review = await reviewDetection(store, req.session!.username, id, body);
    const item = await index.applyReview(id, review);
    return { item };
  });

  app.get<{ Params: { id: string } }>('/api/detections/:id/audit', session, async (req) => {
    const id = parseInput(detectionId, req.params.id, 'identifiant de détection');
    return { items: await listAudit(store, 'detection', id) };
  });

  app.get<{ Params: { id: string; file: string } }>('/api/detections/:id/relief/:file', session, async (req, reply) => {
    const id = parseInput(detectionId, req.params.id, 'identifiant de détection');
    const m = /^([a-z]+)\.png$/.exec(req.params.file);
    const view = m?.[1];
    if (!view || !(RELIEF_VIEWS as readonly string[]).includes(view)) {
      throw new InputError(`Image de relief inconnue : ${show(req.params.file)} (attendu ${RELIEF_VIEWS.map((v) => v + '.png').join(', ')}).`);
    }
    const { size } = parseInput(z.strictObject({ size: z.coerce.number().int().min(32).max(1024).default(256) }), req.query, 'paramètres');
    const png = await relief.render(id, view as (typeof RELIEF_VIEWS)[number], size);
    return reply.type('image/png').header('Cache-Control', 'private, max-age=3600').send(png);
  });
}
