import { randomBytes, timingSafeEqual } from 'node:crypto';

/** The MQTT credentials the workbench's own clients (the emulators) connect with. */
export interface InternalCredentials {
  username: string;
  password: string;
}

/**
 * A fresh identity per launch, known only inside this process and never stored: the emulators
 * publish through the authenticating broker like any client, without a registry entry that
 * someone could copy. The username has a "$", which no device id may contain, so it cannot be
 * registered as a device.
 */
export class InternalIdentity {
  readonly credentials: InternalCredentials = { username: '$sensor-workbench', password: randomBytes(32).toString('base64url') };
  private readonly expected = Buffer.from(this.credentials.password);

  matches(username: string | null | undefined, password: Buffer | string | null | undefined): boolean {
    if (username !== this.credentials.username || password === null || password === undefined) return false;
    const given = Buffer.from(password);
    return given.length === this.expected.length && timingSafeEqual(given, this.expected);
  }
}
