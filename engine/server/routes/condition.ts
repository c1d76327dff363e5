/**
 * « Constats d'état à rapprocher »: the condition surveys the importer matched to a monument only
 * uncertainly (engine/heritage/condition.ts), listed for monument reviewers, and their decision —
 * « c'est ce monument » (the survey becomes that monument's review, as a sure match would) or
 * « aucun ». Condition data is not public: both routes need the monument reviewer role.
 */
import type { FastifyInstance } from 'fastify';
import { InputError } from '../../errors.ts';
import * as contract from '../../contract/api.ts';
import { listConditionMatches, resolveConditionMatch } from '../../heritage/condition.ts';
import type { Store } from '../../store/store.ts';
import { access } from '../access.ts';
import type { SiteIndex } from '../site-index.ts';
import { parseInput } from '../validate.ts';

/** `sites.forgetLayers`: a decision writes a monument review, which changes its level on the map layer. */
export function registerConditionRoutes(app: FastifyInstance, store: Store, index: SiteIndex, sites: { forgetLayers(): void }): void {
  const reviewers = access.role('relecteur_monuments');

  app.get('/api/condition/matches', { config: { access: reviewers, response: contract.conditionMatchList } }, async (req) => {
    const q = parseInput(contract.conditionMatchQuery, req.query, 'paramètres');
    const r = await listConditionMatches(store, q);
    return { total: r.total, limit: q.limit, offset: q.offset, items: r.items };
  });

  app.post<{ Params: { id: string } }>(
    '/api/condition/matches/:id/resolve',
    { config: { access: reviewers, response: contract.conditionResolveResponse } },
    async (req) => {
      const id = parseInput(contract.conditionMatchId, req.params.id, 'identifiant de constat');
      const body = parseInput(contract.conditionResolveBody, req.body);
      if (body.decision === 'monument' && !body.reference) {
        throw new InputError('reference missing', { fr: 'Requête invalide : champ « reference » : la référence du monument choisi est attendue avec « decision »: "monument".' });
      }
      if (body.decision === 'aucun' && body.reference) {
        throw new InputError('reference with aucun', { fr: 'Requête invalide : champ « reference » : à omettre avec « decision »: "aucun".' });
      }
      const result = await resolveConditionMatch(store, req.session!.username, id, body.decision === 'aucun' ? null : body.reference!);
      if (result.item.site_id) {
        sites.forgetLayers();
        await index.refreshSite(result.item.site_id);
      }
      return result;
    },
  );
}
