/**
 * Ranked sites, one site's record with its scores and terms, monument review (PUT with version,
 * re-scored in the same transaction), audit, and the compact binary map layer.
 */
import type { FastifyInstance } from 'fastify';
import { NotFoundError, show } from '../../errors.ts';
import * as contract from '../../contract/api.ts';
import type { Scenario } from '../../contract/enums.ts';
import { encodeMonumentLayer, levelByte, monumentFlags } from '../../contract/layer-bin.ts';
import { siteScores } from '../../risk/queries.ts';
import { HORIZON, maintenancePriority } from '../../risk/priority.ts';
import { listAudit } from '../../review/audit.ts';
import { getSiteReview, reviewSite } from '../../review/sites.ts';
import type { Store } from '../../store/store.ts';
import { access } from '../access.ts';
import type { SiteIndex } from '../site-index.ts';
import { parseInput } from '../validate.ts';



/** Registers the routes; returns what forgets the cached map layers (after a review elsewhere changed a site). */
export function registerSiteRoutes(app: FastifyInstance, store: Store, index: SiteIndex): { forgetLayers(): void } {
  const risk = access.part('risk');
  const layerCache = new Map<string, { at: number; buf: Buffer }>();

  app.get('/api/sites', { config: { access: risk, response: contract.siteList } }, async (req, reply) => {
    const q = parseInput(contract.siteQuery, req.query, 'paramètres');
    const json = await index.listJson({ ...q, level: q.level?.map((l) => (l === 'absent' ? 'absent' : Number(l))) });
    return reply.type('application/json; charset=utf-8').send(json);
  });

  app.get<{ Params: { id: string } }>('/api/sites/:id', { config: { access: risk, response: contract.siteDetail } }, async (req) => {
    const id = parseInput(contract.siteId, req.params.id, 'identifiant');
    const monument = await store.one<Record<string, unknown>>(
      `SELECT * EXCLUDE (catalogue_id) FROM monuments WHERE reference = $1`, [id]);
    const other = monument ? undefined : await store.one<Record<string, unknown>>(
      `SELECT * EXCLUDE (geometry, catalogue_id), attrs::VARCHAR AS attrs FROM heritage_sites WHERE site_id = $1`, [id]);
    const record = monument ? { site_id: id, site_kind: 'monument', ...monument } : other;
    if (!record) throw new NotFoundError(`Site inconnu : ${show(id)}.`);
    if (typeof record.attrs === 'string') record.attrs = JSON.parse(record.attrs);
    const [s] = await siteScores(store, [id], true);
    return { site: record, scores: s?.scores ?? {}, terms: s?.terms ?? [], review: await getSiteReview(store, id), related: await relatedSites(store, id, record) };
  });

  app.put<{ Params: { id: string } }>('/api/sites/:id/review', { config: { access: access.role('relecteur_monuments'), response: contract.siteReviewResponse } }, async (req) => {
    const id = parseInput(contract.siteId, req.params.id, 'identifiant');
    const body = parseInput(contract.siteReviewBody, req.body);
    const result = await reviewSite(store, req.session!.username, id, body);
    layerCache.clear();
    await index.refreshSite(id);
    return result;
  });

  app.get<{ Params: { id: string } }>('/api/sites/:id/audit', { config: { access: access.session, response: contract.auditList } }, async (req) => {
    const id = parseInput(contract.siteId, req.params.id, 'identifiant');
    return { items: await listAudit(store, 'site', id) };
  });

  app.get('/api/priorities', { config: { access: risk, response: contract.priorityList } }, async (req) => {
    const q = parseInput(contract.priorityQuery, req.query, 'paramètres');
    const r = await maintenancePriority(store, q);
    return { total: r.total, limit: q.limit, offset: q.offset, horizon: HORIZON, items: r.items };
  });

  app.get('/api/monuments/layer.bin', { config: { access: risk } }, async (req, reply) => {
    const { scenario } = parseInput(contract.layerQuery, req.query, 'paramètres');
    let hit = layerCache.get(scenario);
    if (!hit || Date.now() - hit.at > 30_000) {
      hit = { at: Date.now(), buf: await monumentLayer(store, scenario) };
      layerCache.set(scenario, hit);
    }
    return reply.type('application/octet-stream').header('Cache-Control', 'no-cache').send(hit.buf);
  });
  return { forgetLayers: () => layerCache.clear() };
}

/** Museums housed in a monument, or monuments housing a museum (Muséofile `refmer`, comma-joined PA references). */
async function relatedSites(store: Store, id: string, record: Record<string, unknown>): Promise<contract.SiteDetail['related']> {
  if (record.site_kind === 'monument') {
    const rows = await store.all<{ site_id: string; name: string | null }>(
      `SELECT site_id, name FROM heritage_sites
        WHERE site_kind = 'museum' AND refmer IS NOT NULL AND list_contains(list_transform(string_split(refmer, ','), x -> trim(x)), $1)
        ORDER BY site_id`, [id]);
    return rows.map((r) => ({ ...r, site_kind: 'museum' as const, relation: 'houses' as const }));
  }
  const refs = typeof record.refmer === 'string' ? record.refmer.split(',').map((r) => r.trim()).filter(Boolean) : [];
  if (refs.length === 0) return [];
  const rows = await store.all<{ reference: string; titre: string | null }>(
    `SELECT reference, titre FROM monuments WHERE reference IN (${refs.slice(0, 50).map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY reference`, refs.slice(0, 50));
  return rows.map((r) => ({ site_id: r.reference, site_kind: 'monument' as const, name: r.titre, relation: 'housed_in' as const }));
}

/** layer.bin (engine/contract/layer-bin.ts): every positioned monument, by reference. */
export async function monumentLayer(store: Store, scenario: Scenario): Promise<Buffer> {
  const { rows, columns: c } = await store.readColumns(
    `SELECT m.reference, m.lon, m.lat, m.protection, m.partielle, ${POSITION_SQL} AS position, s.max_level, s.score
       FROM monuments m LEFT JOIN scores s ON s.site_id = m.reference AND s.scenario = $1
      WHERE m.lon IS NOT NULL AND m.lat IS NOT NULL ORDER BY m.reference`,
    [scenario],
  );
  const col = <T>(name: string) => c[name] as unknown as ArrayLike<T>;
  const lon = col<number>('lon'), lat = col<number>('lat'), maxLevel = col<number>('max_level'), score = col<number>('score');
  const protection = col<string>('protection'), partielle = col<unknown>('partielle'), position = col<string | null>('position');
  const layer = {
    references: Array.from(col<string>('reference')),
    lon: Float32Array.from(lon),
    lat: Float32Array.from(lat),
    flags: new Uint8Array(rows),
    level: new Uint8Array(rows),
    score: Float32Array.from(score),
  };
  for (let i = 0; i < rows; i++) {
    layer.flags[i] = monumentFlags(protection[i], partielle[i] === true, position[i]);
    layer.level[i] = levelByte(Number.isNaN(maxLevel[i]) ? null : maxLevel[i]);
  }
  const out = encodeMonumentLayer(layer);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Where a monument's position comes from: its coordinates, or its commune (migration 011). */
export const POSITION_SQL = `CASE WHEN m.lon IS NULL THEN NULL ELSE coalesce(m.position_quality, 'coordinates') END`;
