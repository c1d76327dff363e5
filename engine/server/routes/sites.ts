/**
 * Ranked sites, one site's record with its scores and terms, monument review (PUT with version,
 * re-scored in the same transaction), audit, and the compact binary map layer.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError, show } from '../../errors.ts';
import { HAZARDS, SCENARIOS, SITE_KINDS, type Scenario } from '../../risk/config.ts';
import { checkScenario, siteScores } from '../../risk/queries.ts';
import { listAudit } from '../../review/audit.ts';
import { ETATS, STATUTS, getSiteReview, reviewSite } from '../../review/sites.ts';
import type { Store } from '../../store/store.ts';
import { needPublicOr, needRole, needSession, type PublicPart } from '../access.ts';
import type { SiteIndex } from '../site-index.ts';
import { parseInput } from '../validate.ts';

export const scenarioParam = z.string().max(20).transform((s, ctx) => {
  try { return checkScenario(s); } catch {
    ctx.addIssue({ code: 'invalid_value', values: [...SCENARIOS], input: s, message: '' });
    return z.NEVER;
  }
});

export const bboxParam = z.string().max(100).transform((s, ctx) => {
  const v = s.split(',').map(Number);
  if (v.length !== 4 || v.some((x) => !Number.isFinite(x)) || v[0] > v[2] || v[1] > v[3] || v[1] < -90 || v[3] > 90) {
    ctx.addIssue({ code: 'invalid_format', format: 'bbox', input: s, message: '' });
    return z.NEVER;
  }
  return v as [number, number, number, number];
});

export const pageParams = {
  limit: z.coerce.number().int().min(1).max(5000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
};

/** A comma-separated list of allowed values, e.g. `level=2,3` (any of them). */
const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.string().max(200).transform((s) => s.split(',').map((v) => v.trim())).pipe(z.array(z.enum(values)).min(1));

const siteQuery = z.strictObject({
  scenario: scenarioParam.default('ref'),
  kind: z.enum(SITE_KINDS).optional(),
  departement: z.string().max(10).optional(),
  insee: z.string().max(10).optional(),
  protection: listOf(['classe', 'inscrit', 'classe_inscrit', 'inconnue']).optional(),
  level: listOf(['0', '1', '2', '3', 'absent']).optional(),
  hazard: z.enum(HAZARDS).optional(),
  q: z.string().max(200).optional(),
  bbox: bboxParam.optional(),
  sort: z.enum(['score', 'name']).default('score'),
  ...pageParams,
});

const reviewBody = z.strictObject({
  etat_conservation: z.enum(ETATS).nullable().optional(),
  mitigation: z.string().max(2000).nullable().optional(),
  statut_revue: z.enum(STATUTS).optional(),
  note: z.string().max(10_000).nullable().optional(),
  version: z.number().int().min(0),
});

const siteId = z.string().min(1).max(200);

export function registerSiteRoutes(app: FastifyInstance, store: Store, index: SiteIndex, publicParts: readonly PublicPart[]): void {
  const risk = { preHandler: needPublicOr(publicParts, 'risk') };
  const layerCache = new Map<string, { at: number; buf: Buffer }>();

  app.get('/api/sites', risk, async (req, reply) => {
    const q = parseInput(siteQuery, req.query, 'paramètres');
    const json = await index.listJson({ ...q, level: q.level?.map((l) => (l === 'absent' ? 'absent' : Number(l))) });
    return reply.type('application/json; charset=utf-8').send(json);
  });

  app.get<{ Params: { id: string } }>('/api/sites/:id', risk, async (req) => {
    const id = parseInput(siteId, req.params.id, 'identifiant');
    const monument = await store.one<Record<string, unknown>>(
      `SELECT * EXCLUDE (catalogue_id) FROM monuments WHERE reference = $1`, [id]);
    const other = monument ? undefined : await store.one<Record<string, unknown>>(
      `SELECT * EXCLUDE (geometry, catalogue_id), attrs::VARCHAR AS attrs FROM heritage_sites WHERE site_id = $1`, [id]);
    const record = monument ? { site_id: id, site_kind: 'monument', ...monument } : other;
    if (!record) throw new NotFoundError(`Site inconnu : ${show(id)}.`);
    if (typeof record.attrs === 'string') record.attrs = JSON.parse(record.attrs);
    const [s] = await siteScores(store, [id], true);
    return { site: record, scores: s?.scores ?? {}, terms: s?.terms ?? [], review: await getSiteReview(store, id) };
  });

  app.put<{ Params: { id: string } }>('/api/sites/:id/review', { preHandler: needRole('relecteur_monuments') }, async (req) => {
    const id = parseInput(siteId, req.params.id, 'identifiant');
    const body = parseInput(reviewBody, req.body);
    const result = await reviewSite(store, req.session!.username, id, body);
    layerCache.clear();
    await index.refreshSite(id);
    return result;
  });

  app.get<{ Params: { id: string } }>('/api/sites/:id/audit', { preHandler: needSession }, async (req) => {
    const id = parseInput(siteId, req.params.id, 'identifiant');
    return { items: await listAudit(store, 'site', id) };
  });

  app.get('/api/monuments/layer.bin', risk, async (req, reply) => {
    const { scenario } = parseInput(z.strictObject({ scenario: scenarioParam.default('ref') }), req.query, 'paramètres');
    let hit = layerCache.get(scenario);
    if (!hit || Date.now() - hit.at > 30_000) {
      hit = { at: Date.now(), buf: await monumentLayer(store, scenario) };
      layerCache.set(scenario, hit);
    }
    return reply.type('application/octet-stream').header('Cache-Control', 'no-cache').send(hit.buf);
  });
}

const PROTECTION_CODE: Record<string, number> = { classe: 0, inscrit: 1, classe_inscrit: 2, inconnue: 3 };

/** layer.bin as documented in docs/api.md (VGM1 header, little-endian, 4-byte aligned arrays). */
export async function monumentLayer(store: Store, scenario: Scenario): Promise<Buffer> {
  const rows = await store.all<{ reference: string; lon: number; lat: number; protection: string; partielle: boolean; max_level: number | null; score: number | null }>(
    `SELECT m.reference, m.lon, m.lat, m.protection, m.partielle, s.max_level, s.score
       FROM monuments m LEFT JOIN scores s ON s.site_id = m.reference AND s.scenario = $1
      WHERE m.lon IS NOT NULL AND m.lat IS NOT NULL ORDER BY m.reference`,
    [scenario],
  );
  const n = rows.length;
  const pad4 = (k: number) => (k + 3) & ~3;
  const refs = Buffer.from(JSON.stringify(rows.map((r) => r.reference)), 'utf8');
  const offLon = 8, offLat = offLon + 4 * n, offProt = offLat + 4 * n, offLevel = offProt + n;
  const offScore = pad4(offLevel + n), offRefLen = offScore + 4 * n, offRefs = offRefLen + 4;
  const buf = Buffer.alloc(offRefs + refs.length);
  buf.write('VGM1', 0, 'ascii');
  buf.writeUInt32LE(n, 4);
  rows.forEach((r, i) => {
    buf.writeFloatLE(r.lon, offLon + 4 * i);
    buf.writeFloatLE(r.lat, offLat + 4 * i);
    buf[offProt + i] = (PROTECTION_CODE[r.protection] ?? 3) + (r.partielle ? 4 : 0);
    buf[offLevel + i] = r.max_level === null || r.max_level === undefined ? 255 : r.max_level;
    buf.writeFloatLE(r.score ?? NaN, offScore + 4 * i);
  });
  buf.writeUInt32LE(refs.length, offRefLen);
  refs.copy(buf, offRefs);
  return buf;
}
