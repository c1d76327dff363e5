/** French wording of user roles: the contract's (docs/api.md « Access »). */
export { ROLE_LABEL } from '../../../engine/contract/labels.ts';
