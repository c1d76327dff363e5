/**
 * Monument (and other heritage site) review: state of conservation, mitigation, review status
 * and note, with optimistic concurrency on `version` (0 = never reviewed). One write = one
 * transaction holding the change, its audit row and the site's new scores.
 */
import { NotFoundError, show } from '../errors.ts';
import { scoreSites, type ScenarioScore } from '../risk/rescore.ts';
import type { Store } from '../store/store.ts';
import { writeAudit } from './audit.ts';
import { StaleVersionError } from './stale.ts';
import { serialWrite } from './write-lock.ts';

import { ETATS, STATUTS } from '../contract/enums.ts';
export { ETATS, STATUTS };

export interface SiteReview {
  etat_conservation: (typeof ETATS)[number] | null;
  mitigation: string | null;
  statut_revue: (typeof STATUTS)[number] | null;
  note: string | null;
  version: number;
  updated_by: string | null;
  updated_at: string | null;
}

export interface SiteReviewInput {
  etat_conservation?: SiteReview['etat_conservation'];
  mitigation?: string | null;
  statut_revue?: SiteReview['statut_revue'];
  note?: string | null;
  version: number;
}

export async function getSiteReview(store: Store, siteId: string): Promise<SiteReview | null> {
  const r = await store.one<Omit<SiteReview, 'updated_at'> & { updated_at: Date | null }>(
    `SELECT v.etat_conservation, v.mitigation, r.statut_revue, v.note, v.version, v.updated_by, v.updated_at
       FROM site_vulnerability v LEFT JOIN site_review r ON r.site_id = v.site_id WHERE v.site_id = $1`,
    [siteId],
  );
  if (!r) return null;
  return { ...r, version: Number(r.version), updated_at: r.updated_at ? new Date(r.updated_at).toISOString() : null };
}

export async function siteExists(store: Store, siteId: string): Promise<boolean> {
  return Number(await store.value(
    `SELECT (SELECT count(*) FROM monuments WHERE reference = $1) + (SELECT count(*) FROM heritage_sites WHERE site_id = $1)`, [siteId])) > 0;
}

export interface SiteReviewResult {
  review: SiteReview;
  rescored: { scores: Record<string, ScenarioScore> };
}

export async function reviewSite(store: Store, username: string, siteId: string, input: SiteReviewInput, now = Date.now()): Promise<SiteReviewResult> {
  return serialWrite(store, async (tx) => {
    if (!(await siteExists(tx, siteId))) throw new NotFoundError(`Site inconnu : ${show(siteId)}.`);
    const cur = await getSiteReview(tx, siteId);
    const curVersion = cur?.version ?? 0;
    if (input.version !== curVersion) {
      throw new StaleVersionError(
        `Version périmée : ce site a été modifié par ${cur?.updated_by ?? 'un autre utilisateur'} (version ${curVersion}, vous aviez la version ${input.version}). Rechargez la fiche avant d'enregistrer.`,
        cur,
      );
    }
    const pick = <K extends keyof SiteReviewInput>(k: K, fallback: unknown) => (input[k] === undefined ? fallback : input[k] === '' ? null : input[k]);
    const next = {
      etat_conservation: pick('etat_conservation', cur?.etat_conservation ?? null) as SiteReview['etat_conservation'],
      mitigation: pick('mitigation', cur?.mitigation ?? null) as string | null,
      statut_revue: pick('statut_revue', cur?.statut_revue ?? null) as SiteReview['statut_revue'],
      note: pick('note', cur?.note ?? null) as string | null,
    };
    const version = curVersion + 1;
    if (cur) {
      await tx.run(
        `UPDATE site_vulnerability SET etat_conservation = $2, mitigation = $3, note = $4, updated_by = $5, updated_at = epoch_ms($6::BIGINT), version = $7
          WHERE site_id = $1`,
        [siteId, next.etat_conservation, next.mitigation, next.note, username, now, version]);
    } else {
      await tx.run(
        `INSERT INTO site_vulnerability (site_id, etat_conservation, mitigation, note, updated_by, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, epoch_ms($6::BIGINT), $7)`,
        [siteId, next.etat_conservation, next.mitigation, next.note, username, now, version]);
    }
    const hasStatus = Number(await tx.value('SELECT count(*) FROM site_review WHERE site_id = $1', [siteId])) > 0;
    if (hasStatus) await tx.run('UPDATE site_review SET statut_revue = $2 WHERE site_id = $1', [siteId, next.statut_revue ?? 'a_examiner']);
    else if (next.statut_revue) await tx.run('INSERT INTO site_review (site_id, statut_revue) VALUES ($1, $2)', [siteId, next.statut_revue]);
    const review = (await getSiteReview(tx, siteId))!;
    await writeAudit(tx, { username, entity: 'site', entity_id: siteId, action: 'review', before: cur, after: review, at: now });
    const scores = (await scoreSites(tx, [siteId])).get(siteId) ?? {};
    return { review, rescored: { scores } };
  });
}
