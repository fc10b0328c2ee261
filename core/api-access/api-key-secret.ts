import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_ID_PATTERN } from '../api/api-keys.js';

/**
 * What a client sends: `<keyId>.<secret>`. The id names the key's hash in Redis, so a request costs
 * one lookup; the secret is 192 random bits, so a plain SHA-256 of it is as good as a slow password
 * hash would be, and cheap enough to check on every request.
 */
const SEPARATOR = '.';
const SECRET_BYTES = 24;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{32}$/;
/** Compared against when the id is unknown, so an unknown id costs the same as a wrong secret. */
const UNKNOWN_KEY_HASH = hashSecret('no key has this secret');

export interface IssuedKey {
  keyId: string;
  /** The whole string the client sends; shown once. */
  key: string;
  secretHash: string;
}

export function issueKey(): IssuedKey {
  const keyId = `key_${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { keyId, key: `${keyId}${SEPARATOR}${secret}`, secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface PresentedKey {
  keyId: string;
  secret: string;
}

/** The parts of a presented key, or null when it cannot be one of ours. */
export function parsePresentedKey(presented: string): PresentedKey | null {
  const separator = presented.indexOf(SEPARATOR);
  if (separator < 0) return null;
  const keyId = presented.slice(0, separator);
  const secret = presented.slice(separator + 1);
  return API_KEY_ID_PATTERN.test(keyId) && SECRET_PATTERN.test(secret) ? { keyId, secret } : null;
}

/** Constant-time comparison of the secret's hash with the stored one (or with a decoy when the key is unknown). */
export function secretMatches(secret: string, storedHash: string | null): boolean {
  const offered = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(storedHash ?? UNKNOWN_KEY_HASH, 'hex');
  return offered.length === expected.length && timingSafeEqual(offered, expected) && storedHash !== null;
}
