import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, isPasswordHash, passwordMatches } from '../../../core/devices/password-hash.js';

describe('password hashes', () => {
  it('generates 24 random bytes as base64url', () => {
    const password = generatePassword();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generatePassword()).not.toBe(password);
  });

  it('stores scrypt with its parameters and a fresh salt, never the password', async () => {
    const password = generatePassword();
    const first = await hashPassword(password);
    const second = await hashPassword(password);
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    expect(first).not.toContain(password);
    expect(isPasswordHash(first)).toBe(true);
  });

  it('verifies the password, as a string or as the Buffer a broker hands over', async () => {
    const password = generatePassword();
    const hash = await hashPassword(password);
    expect(await passwordMatches(password, hash)).toBe(true);
    expect(await passwordMatches(Buffer.from(password), hash)).toBe(true);
    expect(await passwordMatches(`${password}x`, hash)).toBe(false);
    expect(await passwordMatches('', hash)).toBe(false);
  });

  it('refuses hashes it did not make, and parameters that would cost too much', async () => {
    expect(isPasswordHash('plain')).toBe(false);
    expect(isPasswordHash('scrypt$16383$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA')).toBe(false);
    await expect(passwordMatches('x', 'scrypt$1048576$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA')).rejects.toThrow('unsupported scrypt parameters N=1048576 r=8 p=1');
    await expect(passwordMatches('x', 'bcrypt$2b$...')).rejects.toThrow('not in the form scrypt$N$r$p$salt$hash');
  });
});
