/**
 * POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me, and the administrators' user
 * management (GET/POST /api/users, PATCH /api/users/:username).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Sessions } from '../../auth/sessions.ts';
import type { Store } from '../../store/store.ts';
import { createUser, listUsers, updateUser } from '../../auth/users.ts';
import { needRole, needSession, sessionCookie } from '../access.ts';
import { parseInput } from '../validate.ts';

const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });
const newUserBody = z.strictObject({ username: z.string().max(64), password: z.string().max(1024), roles: z.array(z.string().max(40)).max(8) });
const patchUserBody = z.strictObject({ password: z.string().max(1024).optional(), roles: z.array(z.string().max(40)).max(8).optional(), disabled: z.boolean().optional() });

export function registerAuthRoutes(app: FastifyInstance, store: Store, sessions: Sessions): void {
  app.post('/api/auth/login', async (req, reply) => {
    const body = parseInput(loginBody, req.body);
    const { id, session } = await sessions.login(body.username, body.password, req.ip);
    void reply.header('Set-Cookie', sessionCookie(req, id, null));
    return { user: { username: session.username, roles: session.roles }, csrfToken: session.csrfToken };
  });

  app.post('/api/auth/logout', { preHandler: needSession }, async (req, reply) => {
    await sessions.logout(req.session!);
    return reply.header('Set-Cookie', sessionCookie(req, '', 0)).status(204).send();
  });

  app.get('/api/auth/me', async (req) => {
    const s = req.session;
    return { user: s ? { username: s.username, roles: s.roles } : null, csrfToken: s?.csrfToken ?? null };
  });

  const admin = { preHandler: needRole('administrateur') };
  app.get('/api/users', admin, async () => ({ items: await listUsers(store) }));

  app.post('/api/users', admin, async (req, reply) => {
    const body = parseInput(newUserBody, req.body);
    const user = await createUser(store, req.session!.username, body);
    return reply.status(201).send({ user });
  });

  app.patch<{ Params: { username: string } }>('/api/users/:username', admin, async (req) => {
    const body = parseInput(patchUserBody, req.body);
    const user = await updateUser(store, req.session!.username, req.params.username, body);
    sessions.forgetUser(user.username);
    return { user };
  });
}
