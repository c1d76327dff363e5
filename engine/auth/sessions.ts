/**
 * Login, sessions and throttling. The cookie carries 32 random bytes (hex); the database keeps
 * their sha256, the user, a CSRF token bound to the session and an idle expiry. Sessions are
 * cached in memory so reads cost no database write; `last_seen` is written back at most once a
 * minute per session.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';
import { serialWrite } from '../review/write-lock.ts';
import { AuthError, ThrottledError } from './errors.ts';
import { DUMMY_HASH, verifyPassword } from './password.ts';
import { getUser, type Role } from './users.ts';

export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
const TOUCH_EVERY_MS = 60_000;

export interface Session {
  idHash: string;
  username: string;
  roles: Role[];
  csrfToken: string;
  expiresAt: number;
  lastWrite: number;
}

export type Lookup = { state: 'none' } | { state: 'expired' } | { state: 'ok'; session: Session };

export interface SessionOptions {
  /** idle lifetime in hours (VIGIE_SESSION_HOURS, default 8) */
  hours?: number;
  /** clock in ms (tests move it forward) */
  now?: () => number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class Sessions {
  private readonly idleMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, Session>();

  constructor(private readonly store: Store, o: SessionOptions = {}) {
    const envHours = Number(process.env.VIGIE_SESSION_HOURS);
    const hours = o.hours ?? (envHours > 0 ? envHours : 8);
    this.idleMs = hours * 3_600_000;
    this.now = o.now ?? Date.now;
  }

  /** Checks the password (throttled per username + IP) and opens a session. */
  async login(username: string, password: string, ip: string): Promise<{ id: string; session: Session }> {
    const now = this.now();
    const fails = await this.store.one<{ n: number; first: Date | null }>(
      `SELECT count(*) AS n, min("at") AS first FROM login_attempts
        WHERE username = $1 AND ip = $2 AND NOT success AND "at" > epoch_ms($3::BIGINT)`,
      [username, ip, now - FAILURE_WINDOW_MS],
    );
    if (fails && Number(fails.n) >= MAX_FAILURES && fails.first) {
      const retry = Math.max(1, Math.ceil((new Date(fails.first).getTime() + FAILURE_WINDOW_MS - now) / 1000));
      throw new ThrottledError(`Trop de tentatives de connexion échouées : réessayez dans ${Math.ceil(retry / 60)} min.`, retry);
    }
    const user = await getUser(this.store, username);
    const ok = user ? await verifyPassword(password, user.password_hash) : (await verifyPassword(password, await DUMMY_HASH), false);
    if (!user || !ok || user.disabled) {
      await serialWrite(this.store, (tx) =>
        tx.run('INSERT INTO login_attempts (username, ip, "at", success) VALUES ($1, $2, epoch_ms($3::BIGINT), false)', [username, ip, now]));
      throw new AuthError('Identifiant ou mot de passe incorrect.');
    }
    const id = randomBytes(32).toString('hex');
    const session: Session = {
      idHash: sha256(id), username, roles: user.roles, csrfToken: randomBytes(32).toString('hex'),
      expiresAt: now + this.idleMs, lastWrite: now,
    };
    await serialWrite(this.store, async (tx) => {
      await tx.run('DELETE FROM login_attempts WHERE username = $1 AND ip = $2', [username, ip]);
      await tx.run('INSERT INTO login_attempts (username, ip, "at", success) VALUES ($1, $2, epoch_ms($3::BIGINT), true)', [username, ip, now]);
      await tx.run(
        `INSERT INTO sessions (id_hash, username, csrf_token, created_at, last_seen, expires_at)
         VALUES ($1, $2, $3, epoch_ms($4::BIGINT), epoch_ms($4::BIGINT), epoch_ms($5::BIGINT))`,
        [session.idHash, username, session.csrfToken, now, session.expiresAt],
      );
    });
    this.cache.set(session.idHash, session);
    return { id, session };
  }

  /** Finds the session of a cookie value; an idle one past its expiry is deleted. */
  async lookup(id: string | undefined): Promise<Lookup> {
    if (!id || !/^[0-9a-f]{64}$/.test(id)) return { state: 'none' };
    const idHash = sha256(id);
    let s = this.cache.get(idHash);
    if (!s) {
      const row = await this.store.one<{ username: string; csrf_token: string; expires_at: Date; last_seen: Date }>(
        'SELECT username, csrf_token, expires_at, last_seen FROM sessions WHERE id_hash = $1', [idHash]);
      if (!row) return { state: 'none' };
      const user = await getUser(this.store, row.username);
      if (!user || user.disabled) return { state: 'none' };
      s = { idHash, username: row.username, roles: user.roles, csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at).getTime(), lastWrite: new Date(row.last_seen).getTime() };
      this.cache.set(idHash, s);
    }
    const now = this.now();
    if (now >= s.expiresAt) {
      this.cache.delete(idHash);
      await serialWrite(this.store, (tx) => tx.run('DELETE FROM sessions WHERE id_hash = $1', [idHash]));
      return { state: 'expired' };
    }
    s.expiresAt = now + this.idleMs;
    if (now - s.lastWrite >= TOUCH_EVERY_MS) {
      s.lastWrite = now;
      await serialWrite(this.store, (tx) =>
        tx.run('UPDATE sessions SET last_seen = epoch_ms($2::BIGINT), expires_at = epoch_ms($3::BIGINT) WHERE id_hash = $1', [idHash, now, s!.expiresAt]));
    }
    return { state: 'ok', session: s };
  }

  async logout(s: Session): Promise<void> {
    this.cache.delete(s.idHash);
    await serialWrite(this.store, (tx) => tx.run('DELETE FROM sessions WHERE id_hash = $1', [s.idHash]));
  }

  /** Drops cached sessions of a user whose roles, password or status changed (rows are deleted by updateUser). */
  forgetUser(username: string): void {
    for (const [k, s] of this.cache) if (s.username === username) this.cache.delete(k);
  }
}
