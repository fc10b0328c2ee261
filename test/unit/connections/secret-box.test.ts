import { describe, expect, it } from 'vitest';
import { passphraseSecretBox, secretBoxFromEnvironment } from '../../../core/connections/secret-box.js';

describe('passphraseSecretBox', () => {
  const box = passphraseSecretBox('correct horse battery staple', 'test');

  it('opens what it sealed, and never shows the secret or the same text twice', () => {
    const first = box.seal('hunter2');
    const second = box.seal('hunter2');
    expect(box.open(first)).toBe('hunter2');
    expect(first).not.toContain('hunter2');
    expect(first).not.toBe(second);
  });

  it('fails loudly with another passphrase or a tampered secret', () => {
    const sealed = box.seal('hunter2');
    expect(() => passphraseSecretBox('another passphrase entirely', 'test').open(sealed)).toThrow(/SW_SECRET_KEY is not the one it was saved with/);
    const parts = sealed.split(':');
    parts[4] = Buffer.from('tampered').toString('base64');
    expect(() => box.open(parts.join(':'))).toThrow(/cannot be decrypted/);
    expect(() => box.open('plain text')).toThrow(/not in a format this workbench wrote/);
  });
});

describe('secretBoxFromEnvironment', () => {
  it('says what to set when SW_SECRET_KEY is missing or too short, and refuses to seal', () => {
    const missing = secretBoxFromEnvironment({});
    expect(missing.available).toBe(false);
    expect(missing.detail).toMatch(/set SW_SECRET_KEY/);
    expect(() => missing.seal('x')).toThrow(/secrets cannot be stored: set SW_SECRET_KEY/);
    expect(secretBoxFromEnvironment({ SW_SECRET_KEY: 'short' }).available).toBe(false);
  });

  it('seals with a key derived from SW_SECRET_KEY', () => {
    const box = secretBoxFromEnvironment({ SW_SECRET_KEY: 'a passphrase long enough' });
    expect(box.available).toBe(true);
    expect(box.open(box.seal('pw'))).toBe('pw');
  });
});
