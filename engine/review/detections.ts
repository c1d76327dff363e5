/**
 * Detection review: an archaeologist's decision (oui / non / peut_etre), an optional corrected
 * class and a note, with optimistic concurrency on `version` (0 = never reviewed).
 * detections.review_status mirrors the decision. Change + audit row commit together.
 */
import { NotFoundError, show } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { writeAudit } from './audit.ts';
import { StaleVersionError } from './stale.ts';
import { serialWrite } from './write-lock.ts';

import { DECISIONS, DETECTION_CLASSES as CLASSES } from '../contract/enums.ts';
export { DECISIONS, CLASSES };

export interface DetectionItem {
  detection_id: string;
  tile: string;
  class: string;
  score: number;
  confidence: number | null;
  level: string;
  diameter_m: number | null;
  lon: number;
  lat: number;
  novelty: string;
  known_site_id: string | null;
  decision: (typeof DECISIONS)[number] | null;
  corrected_class: (typeof CLASSES)[number] | null;
  note: string | null;
  version: number;
  /** 10 km square of the Lambert-93 grid (review/local-precision.ts) */
  zone: string;
}

export interface DetectionReview {
  decision: (typeof DECISIONS)[number];
  corrected_class: (typeof CLASSES)[number] | null;
  note: string | null;
  version: number;
  reviewed_by: string;
  reviewed_at: string;
}

export interface DetectionReviewInput {
  decision: (typeof DECISIONS)[number];
  corrected_class?: (typeof CLASSES)[number] | null;
  note?: string | null;
  version: number;
}

export async function getDetectionReview(store: Store, id: string): Promise<DetectionReview | null> {
  const r = await store.one<Omit<DetectionReview, 'reviewed_at'> & { reviewed_at: Date }>(
    'SELECT decision, corrected_class, note, version, reviewed_by, reviewed_at FROM detection_review WHERE detection_id = $1', [id]);
  return r ? { ...r, version: Number(r.version), reviewed_at: new Date(r.reviewed_at).toISOString() } : null;
}

/** Writes the review; returns the new review state. `onCommitted` callers refresh their caches. */
export async function reviewDetection(store: Store, username: string, id: string, input: DetectionReviewInput, now = Date.now()): Promise<DetectionReview> {
  return serialWrite(store, async (tx) => {
    const exists = Number(await tx.value('SELECT count(*) FROM detections WHERE detection_id = $1', [id])) > 0;
    if (!exists) throw new NotFoundError(`Détection inconnue : ${show(id)}.`);
    const cur = await getDetectionReview(tx, id);
    const curVersion = cur?.version ?? 0;
    if (input.version !== curVersion) {
      throw new StaleVersionError(
        `Version périmée : cette détection a été revue par ${cur?.reviewed_by ?? 'un autre utilisateur'} (version ${curVersion}, vous aviez la version ${input.version}). Rechargez avant d'enregistrer.`,
        cur,
      );
    }
    const next = {
      decision: input.decision,
      corrected_class: input.corrected_class === undefined ? (cur?.corrected_class ?? null) : input.corrected_class,
      note: input.note === undefined ? (cur?.note ?? null) : input.note === '' ? null : input.note,
      version: curVersion + 1,
    };
    if (cur) {
      await tx.run(
        `UPDATE detection_review SET decision = $2, corrected_class = $3, note = $4, version = $5, reviewed_by = $6, reviewed_at = epoch_ms($7::BIGINT)
          WHERE detection_id = $1`,
        [id, next.decision, next.corrected_class, next.note, next.version, username, now]);
    } else {
      await tx.run(
        `INSERT INTO detection_review (detection_id, decision, corrected_class, note, version, reviewed_by, reviewed_at)
         VALUES ($1, $2, $3, $4, $5, $6, epoch_ms($7::BIGINT))`,
        [id, next.decision, next.corrected_class, next.note, next.version, username, now]);
    }
    await tx.run('UPDATE detections SET review_status = $2 WHERE detection_id = $1', [id, next.decision]);
    const review = (await getDetectionReview(tx, id))!;
    await writeAudit(tx, { username, entity: 'detection', entity_id: id, action: 'review', before: cur, after: review, at: now });
    return review;
  });
}
