/**
 * The targets for the national plan, checked against `vigie bench scale` output (a
 * whole run, or several partial runs merged): each with its measured value, or null when the
 * step that measures it did not run.
 */
export interface Target {
  target: string;
  measured: number | null;
  ok: boolean | null;
}

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function scaleTargets(r: J): Record<string, Target> {
  const t = (target: string, measured: number | undefined | null, ok: (v: number) => boolean): Target =>
    measured === undefined || measured === null || Number.isNaN(measured) ? { target, measured: null, ok: null } : { target, measured, ok: ok(measured) };
  const kill = r.tiny_real?.sigkill;
  return {
    per_job_overhead_ms: t('≤ 5 (submit, dequeue, write, collect)', r.per_job_overhead_ms, (v) => v <= 5),
    queue_overhead_ms: t('≤ 5 (submit, dequeue; no-op jobs)', r.queue?.overhead_ms_per_job, (v) => v <= 5),
    national_noop_submit_and_drain_one_core_minutes: t('≤ 45', r.queue?.national_one_core_minutes, (v) => v <= 45),
    two_workers_vs_one_km2_per_min: t('≥ 1.8', r.km_tiles?.ratio_2_vs_1, (v) => v >= 1.8),
    sigkill_tiles_lost: t('0', kill?.tiles_lost, (v) => v === 0),
    sigkill_detections_duplicated_or_missing: t('0', kill ? kill.detections_duplicated + kill.detections_missing + kill.detections_extra : null, (v) => v === 0),
    redis_mb_national_manifest: t('≤ 2048', r.queue?.redis?.national_manifest_mb, (v) => v <= 2048),
  };
}
