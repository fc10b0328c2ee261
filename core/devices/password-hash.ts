import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Device passwords are generated here, handed out once, and kept only as scrypt hashes in the form
 * `scrypt$N$r$p$<salt>$<hash>` (salt and hash base64url), so the parameters can be raised later
 * without invalidating the hashes already stored.
 */

const PASSWORD_BYTES = 24;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const COST = { N: 16_384, r: 8, p: 1 } as const;
/** Refuses parameters that would make one verification take seconds or a lot of memory (a tampered entry). */
const MAX_MEMORY_BYTES = 64 * 1024 * 1024;
const MAX_PARALLELISM = 4;

const ENCODED = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** A fresh random password: 24 bytes, base64url (32 characters, safe on a command line). */
export function generatePassword(): string {
  return randomBytes(PASSWORD_BYTES).toString('base64url');
}

/** The encoded scrypt hash of `password` with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await deriveKey(password, salt, HASH_BYTES, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Whether `password` hashes to `encoded`; compared in constant time. Throws on an `encoded` that is not ours. */
export async function passwordMatches(password: string | Buffer, encoded: string): Promise<boolean> {
  const { cost, salt, hash } = decode(encoded);
  const candidate = await deriveKey(password, salt, hash.length, cost);
  return timingSafeEqual(candidate, hash);
}

/** Whether `encoded` has the shape hashPassword produces, so a malformed entry is caught when it is read. */
export function isPasswordHash(encoded: string): boolean {
  try {
    decode(encoded);
    return true;
  } catch {
    return false;
  }
}

interface DecodedHash {
  cost: { N: number; r: number; p: number };
  salt: Buffer;
  hash: Buffer;
}

function decode(encoded: string): DecodedHash {
  const match = ENCODED.exec(encoded);
  if (!match) throw new Error('the stored password hash is not in the form scrypt$N$r$p$salt$hash');
  const [, n, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  const powerOfTwo = cost.N > 1 && (cost.N & (cost.N - 1)) === 0;
  if (!powerOfTwo || cost.r < 1 || scryptMemory(cost) > MAX_MEMORY_BYTES || cost.p < 1 || cost.p > MAX_PARALLELISM) {
    throw new Error(`the stored password hash has unsupported scrypt parameters N=${n} r=${r} p=${p}`);
  }
  const hashBytes = Buffer.from(hash, 'base64url');
  if (hashBytes.length < 16) throw new Error('the stored password hash is too short');
  return { cost, salt: Buffer.from(salt, 'base64url'), hash: hashBytes };
}

/** What Node's scrypt allocates for these parameters. */
function scryptMemory({ N, r }: { N: number; r: number }): number {
  return 128 * N * r;
}

function deriveKey(password: string | Buffer, salt: Buffer, length: number, { N, r, p }: { N: number; r: number; p: number }): Promise<Buffer> {
  // Node's default ceiling (32 MiB) would refuse the larger parameters decode accepts.
  const options: ScryptOptions = { N, r, p, maxmem: MAX_MEMORY_BYTES + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));
}
