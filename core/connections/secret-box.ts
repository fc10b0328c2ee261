import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/**
 * Encrypts connection secrets before they reach the connections file. The desktop shell supplies
 * one backed by Electron's safeStorage (the OS keychain); `serve` derives a key from SW_SECRET_KEY.
 */
export interface SecretBox {
  /** False when secrets cannot be stored; `detail` then says what to do about it. */
  available: boolean;
  detail: string;
  seal(plain: string): string;
  open(sealed: string): string;
}

export const SECRET_KEY_VARIABLE = 'SW_SECRET_KEY';

const FORMAT = 'aes256gcm';
const MIN_PASSPHRASE_LENGTH = 16;

/** A box keyed by a passphrase from the environment, or an unavailable one saying how to set it. */
export function secretBoxFromEnvironment(environment: NodeJS.ProcessEnv = process.env): SecretBox {
  const passphrase = environment[SECRET_KEY_VARIABLE];
  if (!passphrase) return unavailableSecretBox(`set ${SECRET_KEY_VARIABLE} (a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters) to store passwords and keys`);
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) return unavailableSecretBox(`${SECRET_KEY_VARIABLE} is shorter than ${MIN_PASSPHRASE_LENGTH} characters; secrets are not stored with a guessable key`);
  return passphraseSecretBox(passphrase, `encrypted with a key derived from ${SECRET_KEY_VARIABLE}`);
}

export function unavailableSecretBox(detail: string): SecretBox {
  const refuse = (): never => {
    throw new Error(`secrets cannot be stored: ${detail}`);
  };
  return { available: false, detail, seal: refuse, open: refuse };
}

/**
 * AES-256-GCM with a key from scrypt over the passphrase and a per-secret salt, so equal secrets
 * never look equal on disk and a changed passphrase fails loudly (the tag check) rather than
 * yielding garbage.
 */
export function passphraseSecretBox(passphrase: string, detail: string): SecretBox {
  const keys = new Map<string, Buffer>();
  const keyFor = (salt: Buffer): Buffer => {
    const id = salt.toString('base64');
    let key = keys.get(id);
    if (!key) {
      key = scryptSync(passphrase, salt, 32);
      keys.set(id, key);
    }
    return key;
  };
  return {
    available: true,
    detail,
    seal(plain) {
      const salt = randomBytes(16);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keyFor(salt), iv);
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [FORMAT, salt, iv, cipher.getAuthTag(), sealed].map((part) => (typeof part === 'string' ? part : part.toString('base64'))).join(':');
    },
    open(text) {
      const [format, ...parts] = text.split(':');
      if (format !== FORMAT || parts.length !== 4) throw new Error('a stored secret is not in a format this workbench wrote');
      const [salt, iv, tag, sealed] = parts.map((part) => Buffer.from(part, 'base64')) as [Buffer, Buffer, Buffer, Buffer];
      const decipher = createDecipheriv('aes-256-gcm', keyFor(salt), iv);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
      } catch {
        throw new Error(`a stored secret cannot be decrypted: ${SECRET_KEY_VARIABLE} is not the one it was saved with`);
      }
    },
  };
}
