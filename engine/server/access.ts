/**
 * Who may call what, decided on the route. Every route declares its rule where it is registered
 * (`config: { access: ... }`); `installAccess` turns the rule into the route's first onRequest hook
 * and refuses to let the server start when a route has none (fail-closed: a forgotten rule is a
 * startup error, not an open door). Nothing here looks at the raw URL: the router has already
 * chosen the route, whatever spelling the client used.
 *
 * Writes (POST, PUT, PATCH, DELETE) also need the session's CSRF token in X-CSRF-Token, unless
 * the route says `csrf: false` (only login, which has no session yet).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions, onRequestAsyncHookHandler } from 'fastify';
import type { ZodType } from 'zod';
import { InputError, InternalError, show } from '../errors.ts';
import { AuthError, ForbiddenError } from '../auth/errors.ts';
import type { Session, Sessions } from '../auth/sessions.ts';
import { PUBLIC_PARTS, type PublicPart, type Role } from '../contract/enums.ts';
import { ROLE_LABEL, lower } from '../contract/labels.ts';

export { PUBLIC_PARTS, type PublicPart };
export const COOKIE = 'vigie_session';

/** An access rule, as a route declares it. */
export type Access =
  /** anyone, signed in or not (health, config, login, the app shell) */
  | { kind: 'anyone' }
  /** anyone when `part` is in VIGIE_PUBLIC, else a signed-in user */
  | { kind: 'part'; part: PublicPart }
  /** any signed-in user */
  | { kind: 'session' }
  /** a signed-in user with one of `roles` (administrateur always passes) */
  | { kind: 'role'; roles: readonly Role[] };

export const access = {
  anyone: { kind: 'anyone' } as Access,
  session: { kind: 'session' } as Access,
  part: (part: PublicPart): Access => ({ kind: 'part', part }),
  role: (...roles: Role[]): Access => ({ kind: 'role', roles }),
};

/** What a route may declare in its `config`. */
export interface RouteRule {
  access: Access;
  /** false only for login: a write without a session yet */
  csrf?: boolean;
  /** schema of the 2xx JSON response, checked in development and tests */
  response?: ZodType;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    csrf?: boolean;
    response?: ZodType;
  }
  interface FastifyRequest {
    session: Session | null;
    sessionExpired: boolean;
  }
}

/** One registered route and its rule: the table the tests generate their matrix from. */
export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
  csrf: boolean;
}

/** VIGIE_PUBLIC: comma list of parts, or `none`; unset = everything public (open data). */
export function parsePublic(value: string | undefined): PublicPart[] {
  if (value === undefined || value.trim() === '') return [...PUBLIC_PARTS];
  if (value.trim() === 'none') return [];
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of parts) {
    if (!(PUBLIC_PARTS as readonly string[]).includes(p)) {
      throw new InputError(`VIGIE_PUBLIC: ${show(p)} is not one of ${PUBLIC_PARTS.join(', ')} (or none)`);
    }
  }
  return parts as PublicPart[];
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(req: FastifyRequest, value: string, maxAgeS: number | null): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  const age = maxAgeS === null ? '' : `; Max-Age=${maxAgeS}`;
  return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure}${age}`;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function needSessionOf(req: FastifyRequest): Session {
  if (req.session) return req.session;
  if (req.sessionExpired) throw new AuthError('Session expirée, veuillez vous reconnecter.');
  throw new AuthError('Connexion requise : veuillez vous identifier.');
}

/** The check a rule stands for, run before anything else on the route. */
export function guardFor(rule: Access, publicParts: readonly PublicPart[]): (req: FastifyRequest) => void {
  switch (rule.kind) {
    case 'anyone':
      return () => {};
    case 'part':
      return publicParts.includes(rule.part) ? () => {} : (req) => void needSessionOf(req);
    case 'session':
      return (req) => void needSessionOf(req);
    case 'role': {
      const roles = rule.roles;
      const wanted = roles.concat(roles.includes('administrateur') ? [] : ['administrateur']).map((r) => lower(ROLE_LABEL[r]));
      return (req) => {
        const s = needSessionOf(req);
        if (s.roles.includes('administrateur') || roles.some((r) => s.roles.includes(r))) return;
        throw new ForbiddenError(`Droits insuffisants : cette action demande le rôle ${wanted.join(' ou ')}.`);
      };
    }
  }
}

/**
 * Resolves the session of every request, and installs each route's declared rule as its first
 * onRequest hook. Must be called before any route is registered. Returns the live route table.
 */
export function installAccess(app: FastifyInstance, sessions: Sessions, publicParts: readonly PublicPart[]): RouteEntry[] {
  const table: RouteEntry[] = [];
  app.decorateRequest('session', null);
  app.decorateRequest('sessionExpired', false);
  app.addHook('onRequest', async (req, reply) => {
    const found = await sessions.lookup(readCookie(req.headers.cookie, COOKIE));
    req.session = found.state === 'ok' ? found.session : null;
    req.sessionExpired = found.state === 'expired';
    if (found.state === 'expired') void reply.header('Set-Cookie', sessionCookie(req, '', 0));
  });
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = ([] as string[]).concat(route.method);
    const rule = route.config?.access;
    if (!rule) {
      throw new InternalError(`route ${methods.join(',')} ${route.url} declares no access rule (config.access): refusing to start`);
    }
    const csrf = route.config?.csrf !== false;
    for (const method of methods) table.push({ method, url: route.url, access: rule, csrf });
    const check = guardFor(rule, publicParts);
    const guard: onRequestAsyncHookHandler = async (req) => {
      check(req);
      if (csrf && WRITES.has(req.method)) {
        const s = needSessionOf(req);
        const token = req.headers['x-csrf-token'];
        if (typeof token !== 'string' || !sameToken(token, s.csrfToken)) {
          throw new ForbiddenError('Jeton CSRF absent ou invalide (en-tête X-CSRF-Token) : rechargez la page.');
        }
      }
    };
    // A route-level onRequest hook runs after the global one that resolved the session and
    // before the body is even read: a caller without the right costs no parsing.
    const existing = route.onRequest ? ([] as onRequestAsyncHookHandler[]).concat(route.onRequest as onRequestAsyncHookHandler) : [];
    route.onRequest = [guard, ...existing];
  });
  return table;
}
