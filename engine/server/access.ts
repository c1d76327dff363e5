/**
 * Who may call what: the session cookie, the CSRF header on writes, roles, and the parts of the
 * data that are public without a session (VIGIE_PUBLIC). Routes declare their rule with one of
 * the guards below as `preHandler`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { InputError, show } from '../errors.ts';
import { AuthError, ForbiddenError } from '../auth/errors.ts';
import type { Session, Sessions } from '../auth/sessions.ts';
import type { Role } from '../auth/users.ts';

export const PUBLIC_PARTS = ['monuments', 'risk', 'basemap', 'hazards'] as const;
export type PublicPart = (typeof PUBLIC_PARTS)[number];
export const COOKIE = 'vigie_session';

const ROLE_FR: Record<Role, string> = {
  lecteur: 'lecteur', relecteur_monuments: 'relecteur des monuments', relecteur_detections: 'relecteur des détections', administrateur: 'administrateur',
};

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

declare module 'fastify' {
  interface FastifyRequest {
    session: Session | null;
    sessionExpired: boolean;
  }
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

/** Resolves the session of every API request and enforces the CSRF header on writes. */
export function installAccess(app: FastifyInstance, sessions: Sessions): void {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionExpired', false);
  app.addHook('preHandler', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return;
    const found = await sessions.lookup(readCookie(req.headers.cookie, COOKIE));
    req.session = found.state === 'ok' ? found.session : null;
    req.sessionExpired = found.state === 'expired';
    if (found.state === 'expired') void reply.header('Set-Cookie', sessionCookie(req, '', 0));
    if (WRITES.has(req.method) && req.routeOptions.url !== '/api/auth/login') {
      const s = needSessionOf(req);
      const token = req.headers['x-csrf-token'];
      if (typeof token !== 'string' || !sameToken(token, s.csrfToken)) {
        throw new ForbiddenError('Jeton CSRF absent ou invalide (en-tête X-CSRF-Token) : rechargez la page.');
      }
    }
  });
}

function needSessionOf(req: FastifyRequest): Session {
  if (req.session) return req.session;
  if (req.sessionExpired) throw new AuthError('Session expirée, veuillez vous reconnecter.');
  throw new AuthError('Connexion requise : veuillez vous identifier.');
}

export type Guard = preHandlerAsyncHookHandler;

/** Any signed-in user. */
export const needSession: Guard = async (req: FastifyRequest, _reply: FastifyReply) => {
  needSessionOf(req);
};

/** Signed-in users with one of `roles` (administrateur always passes). */
export function needRole(...roles: Role[]): Guard {
  return async (req: FastifyRequest) => {
    const s = needSessionOf(req);
    if (s.roles.includes('administrateur') || roles.some((r) => s.roles.includes(r))) return;
    throw new ForbiddenError(`Droits insuffisants : cette action demande le rôle ${roles.concat('administrateur').map((r) => ROLE_FR[r]).join(' ou ')}.`);
  };
}

/** Public when `part` is in VIGIE_PUBLIC, otherwise any signed-in user. */
export function needPublicOr(publicParts: readonly PublicPart[], part: PublicPart): Guard {
  return async (req: FastifyRequest) => {
    if (publicParts.includes(part) || req.session) return;
    needSessionOf(req);
  };
}
