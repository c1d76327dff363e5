/**
 * Password hashing with scrypt (node:crypto): `scrypt$N$r$p$salt$hash`, salt 16 random bytes,
 * parameters stored with the hash so they can be raised later without invalidating accounts.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { InputError } from '../errors.ts';

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEYLEN = 32;
export const MIN_PASSWORD_LENGTH = 8;

function derive(password: string, salt: Buffer, o: ScryptOptions, keylen: number): Promise<Buffer> {
  return new Promise((ok, fail) => scrypt(password.normalize('NFC'), salt, keylen, { ...o, maxmem: 64 << 20 }, (err, key) => (err ? fail(err) : ok(key))));
}

export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new InputError(`Mot de passe trop court : au moins ${MIN_PASSWORD_LENGTH} caractères attendus.`);
  }
  if (password.length > 1024) throw new InputError('Mot de passe trop long : 1024 caractères au plus.');
}

export async function hashPassword(password: string): Promise<string> {
  checkPasswordStrength(password);
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS, KEYLEN);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time comparison; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  if (!(N > 1 && r > 0 && p > 0) || expected.length < 16 || password.length > 1024) return false;
  const key = await derive(password, salt, { N, r, p }, expected.length);
  return timingSafeEqual(key, expected);
}

/** A valid hash of a random password, verified against when the username is unknown (same timing). */
export const DUMMY_HASH = hashPassword(randomBytes(18).toString('base64'));
