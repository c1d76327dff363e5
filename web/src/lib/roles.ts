/** French wording of user roles (docs/api.md « Access »). */
import type { Role } from './api.ts';

export const ROLE_LABEL: Record<Role, string> = {
  lecteur: 'Lecteur',
  relecteur_monuments: 'Relecteur monuments',
  relecteur_detections: 'Relecteur détections',
  administrateur: 'Administrateur',
};
