/**
 * POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me, and the administrators' user
 * management (GET/POST /api/users, PATCH /api/users/:username).
 */
import type { FastifyInstance } from 'fastify';
import * as contract from '../../contract/api.ts';
import type { Sessions } from '../../auth/sessions.ts';
import type { Store } from '../../store/store.ts';
import { createUser, listUsers, updateUser } from '../../auth/users.ts';
import { access, sessionCookie } from '../access.ts';
import { parseInput } from '../validate.ts';

export function registerAuthRoutes(app: FastifyInstance, store: Store, sessions: Sessions): void {
  app.post('/api/auth/login', { config: { access: access.anyone, csrf: false, response: contract.loginResponse } }, async (req, reply) => {
    const body = parseInput(contract.loginBody, req.body);
    const { id, session } = await sessions.login(body.username, body.password, req.ip);
    void reply.header('Set-Cookie', sessionCookie(req, id, null));
    return { user: { username: session.username, roles: session.roles }, csrfToken: session.csrfToken };
  });

  app.post('/api/auth/logout', { config: { access: access.session } }, async (req, reply) => {
    await sessions.logout(req.session!);
    return reply.header('Set-Cookie', sessionCookie(req, '', 0)).status(204).send();
  });

  app.get('/api/auth/me', { config: { access: access.anyone, response: contract.me } }, async (req) => {
    const s = req.session;
    return { user: s ? { username: s.username, roles: s.roles } : null, csrfToken: s?.csrfToken ?? null };
  });

  const admin = access.role('administrateur');
  app.get('/api/users', { config: { access: admin, response: contract.userList } }, async () => ({ items: await listUsers(store) }));

  app.post('/api/users', { config: { access: admin, response: contract.userResponse } }, async (req, reply) => {
    const body = parseInput(contract.newUserBody, req.body);
    const user = await createUser(store, req.session!.username, body);
    return reply.status(201).send({ user });
  });

  app.patch<{ Params: { username: string } }>('/api/users/:username', { config: { access: admin, response: contract.userResponse } }, async (req) => {
    const body = parseInput(contract.patchUserBody, req.body);
    const user = await updateUser(store, req.session!.username, req.params.username, body);
    sessions.forgetUser(user.username);
    return { user };
  });
}
