/**
 * « Priorité d'entretien » (PNACC-3 measure 44, predictive maintenance): which monuments to visit
 * and repair first, from what staff know of their state and what the hazards do to them now and
 * at +2.7 °C (2050, the planning horizon of the TRACC):
 *
 *   priorité = état × (niveau_ref + hausse)
 *
 *   état       bon 1, moyen 2, mauvais 3, péril 4; 1.5 when no survey or review says (unknown is
 *              not « bon », but a known « moyen » ranks above it)
 *   niveau_ref the site's highest hazard level today, 0–3 (« donnée absente » counts 0 and the
 *              row says how many hazards had no data)
 *   hausse     the largest rise of one hazard's level between today and +2.7 °C, 0–3
 *
 * Range 0–24. Ties: higher score at +2.7 °C first, then reference. The formula is in
 * docs/risk-method.md; every factor is returned so that a ranking can be checked by hand.
 */
import { ETATS } from '../contract/enums.ts';
import type { Store } from '../store/store.ts';

export const CONDITION_WEIGHT: Record<(typeof ETATS)[number], number> = { bon: 1, moyen: 2, mauvais: 3, peril: 4 };
export const UNKNOWN_CONDITION_WEIGHT = 1.5;
export const HORIZON = '+2.7';

export interface PriorityRow {
  site_id: string;
  name: string | null;
  commune: string | null;
  departement: string | null;
  etat_conservation: string | null;
  condition_weight: number;
  level_ref: number;
  rise: number;
  rise_hazard: string | null;
  n_no_data: number;
  priority: number;
  score_horizon: number | null;
}

export interface PriorityOptions {
  departement?: string;
  insee?: string;
  limit?: number;
  offset?: number;
}

/** Monuments ranked by maintenance priority, with every factor of the formula. */
export async function maintenancePriority(store: Store, o: PriorityOptions = {}): Promise<{ total: number; items: PriorityRow[] }> {
  const params: (string | number)[] = [HORIZON];
  let where = '';
  if (o.departement) where += ` AND r.departement = $${params.push(o.departement)}`;
  if (o.insee) where += ` AND r.insee = $${params.push(o.insee)}`;
  const weights = Object.entries(CONDITION_WEIGHT).map(([k, w]) => `WHEN '${k}' THEN ${w}`).join(' ');
  const rows = await store.all<PriorityRow & { total: number; score_ref: number | null }>(
    `WITH lv AS (
       SELECT site_id, hazard,
              max(level_index) FILTER (WHERE scenario = 'ref') AS l_ref,
              max(level_index) FILTER (WHERE scenario = $1) AS l_h
         FROM score_terms WHERE site_kind = 'monument' GROUP BY site_id, hazard),
     agg AS (
       SELECT site_id, coalesce(max(l_ref), 0) AS level_ref,
              greatest(0, coalesce(max(coalesce(l_h, 0) - coalesce(l_ref, 0)), 0)) AS rise,
              arg_max(hazard, coalesce(l_h, 0) - coalesce(l_ref, 0)) FILTER (WHERE coalesce(l_h, 0) > coalesce(l_ref, 0)) AS rise_hazard,
              count(*) FILTER (WHERE l_ref IS NULL) AS n_no_data
         FROM lv GROUP BY site_id),
     ranked AS (
       SELECT r.site_id, r.name, m.commune, r.departement, v.etat_conservation,
              CASE v.etat_conservation ${weights} ELSE ${UNKNOWN_CONDITION_WEIGHT} END AS condition_weight,
              a.level_ref, a.rise, a.rise_hazard, a.n_no_data,
              sh.score AS score_horizon, sr.score AS score_ref
         FROM agg a
         JOIN risk_sites r ON r.site_id = a.site_id AND r.site_kind = 'monument'
         LEFT JOIN monuments m ON m.reference = a.site_id
         LEFT JOIN site_vulnerability v ON v.site_id = a.site_id
         LEFT JOIN scores sh ON sh.site_id = a.site_id AND sh.scenario = $1
         LEFT JOIN scores sr ON sr.site_id = a.site_id AND sr.scenario = 'ref'
        WHERE true${where})
     SELECT *, condition_weight * (level_ref + rise) AS priority, count(*) OVER () AS total
       FROM ranked
      ORDER BY priority DESC, score_horizon DESC NULLS LAST, score_ref DESC NULLS LAST, site_id
      LIMIT ${Math.max(1, Math.min(5000, o.limit ?? 100))} OFFSET ${Math.max(0, o.offset ?? 0)}`,
    params,
  );
  const total = rows.length ? Number(rows[0].total) : 0;
  return {
    total,
    items: rows.map(({ total: _t, score_ref: _s, ...r }) => ({
      ...(r as PriorityRow),
      condition_weight: Number(r.condition_weight), level_ref: Number(r.level_ref), rise: Number(r.rise),
      n_no_data: Number(r.n_no_data), priority: Number(r.priority),
    })) as PriorityRow[],
  };
}
