/**
 * Accounts: create, list, change password, roles or disabled flag. Every change writes an audit
 * row (entity 'user', never the password hash) in the same transaction.
 */
import { ConflictError, InputError, NotFoundError, show } from '../errors.ts';
import { writeAudit } from '../review/audit.ts';
import { serialWrite } from '../review/write-lock.ts';
import type { Store } from '../store/store.ts';
import { hashPassword } from './password.ts';

import { ROLES, type Role } from '../contract/enums.ts';
export { ROLES, type Role };

export interface User {
  username: string;
  roles: Role[];
  created_at: string;
  disabled: boolean;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;

export function checkUsername(name: string): string {
  if (!USERNAME.test(name)) {
    throw new InputError(`Identifiant ${show(name)} invalide : 2 à 64 caractères parmi lettres, chiffres, « . », « _ », « @ », « - ».`);
  }
  return name;
}

/** `admin` is accepted as an alias of `administrateur`. */
export function checkRoles(roles: readonly string[]): Role[] {
  if (roles.length === 0) throw new InputError(`Au moins un rôle attendu parmi : ${ROLES.join(', ')}.`);
  const out = new Set<Role>();
  for (const r of roles) {
    const role = r === 'admin' ? 'administrateur' : r;
    if (!(ROLES as readonly string[]).includes(role)) throw new InputError(`Rôle ${show(r)} inconnu : attendu ${ROLES.join(', ')} (ou admin).`);
    out.add(role as Role);
  }
  return ROLES.filter((r) => out.has(r));
}

interface UserRow { username: string; roles: string[]; created_at: Date | string; disabled: boolean; password_hash?: string }

function toUser(r: UserRow): User {
  return { username: r.username, roles: checkRoles(r.roles ?? []), created_at: new Date(r.created_at).toISOString(), disabled: Boolean(r.disabled) };
}

export async function listUsers(store: Store): Promise<User[]> {
  const rows = await store.all<UserRow>('SELECT username, roles, created_at, disabled FROM users ORDER BY username');
  return rows.map(toUser);
}

export async function getUser(store: Store, username: string): Promise<(User & { password_hash: string }) | undefined> {
  const r = await store.one<UserRow & { password_hash: string }>(
    'SELECT username, password_hash, roles, created_at, disabled FROM users WHERE username = $1', [username]);
  return r ? { ...toUser(r), password_hash: r.password_hash } : undefined;
}

export async function createUser(store: Store, by: string, input: { username: string; password: string; roles: readonly string[] }): Promise<User> {
  const username = checkUsername(input.username);
  const roles = checkRoles(input.roles);
  const hash = await hashPassword(input.password);
  return serialWrite(store, async (tx) => {
    if (await getUser(tx, username)) throw new ConflictError(`L'utilisateur ${show(username)} existe déjà.`);
    await tx.run('INSERT INTO users (username, password_hash, roles) VALUES ($1, $2, $3::VARCHAR[])', [username, hash, JSON.stringify(roles)]);
    const user = (await getUser(tx, username))!;
    const { password_hash: _, ...pub } = user;
    await writeAudit(tx, { username: by, entity: 'user', entity_id: username, action: 'create', before: null, after: { roles, disabled: false } });
    return pub;
  });
}

export interface UserPatch { password?: string; roles?: readonly string[]; disabled?: boolean }

export async function updateUser(store: Store, by: string, username: string, patch: UserPatch): Promise<User> {
  const roles = patch.roles === undefined ? undefined : checkRoles(patch.roles);
  const hash = patch.password === undefined ? undefined : await hashPassword(patch.password);
  return serialWrite(store, async (tx) => {
    const cur = await getUser(tx, username);
    if (!cur) throw new NotFoundError(`Utilisateur inconnu : ${show(username)}.`);
    const next = { roles: roles ?? cur.roles, disabled: patch.disabled ?? cur.disabled };
    await tx.run('UPDATE users SET password_hash = $2, roles = $3::VARCHAR[], disabled = $4 WHERE username = $1',
      [username, hash ?? cur.password_hash, JSON.stringify(next.roles), next.disabled]);
    // A password change, a role change or a disabled account ends the user's open sessions.
    await tx.run('DELETE FROM sessions WHERE username = $1', [username]);
    await writeAudit(tx, {
      username: by, entity: 'user', entity_id: username, action: hash ? 'update_password' : 'update',
      before: { roles: cur.roles, disabled: cur.disabled }, after: next,
    });
    return { username, roles: next.roles, created_at: cur.created_at, disabled: next.disabled };
  });
}
