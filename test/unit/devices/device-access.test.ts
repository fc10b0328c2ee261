import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceAccess, type DeviceAccessSource } from '../../../core/devices/device-access.js';
import type { DeviceAccessRecord } from '../../../core/devices/device-registry.js';
import { hashPassword, passwordMatches } from '../../../core/devices/password-hash.js';

const METER = 'D704206000001';
const THERMOSTAT = 'T-17';
const GATEWAY = 'gateway.1';
const PASSWORD = 'correct-horse-battery-staple';
const FINGERPRINT = 'ab'.repeat(32);

/** A registry in a Map, counting its lookups (the real one is tested against Redis in test/integration/devices). */
class FakeRegistry implements DeviceAccessSource {
  readonly devices = new Map<string, DeviceAccessRecord>();
  lookups = 0;
  failing = false;

  async accessRecord(id: string): Promise<DeviceAccessRecord | null> {
    this.lookups += 1;
    if (this.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    return this.devices.get(id) ?? null;
  }
}

let passwordHash: string;

beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

function passwordDevice(id: string, publish: string[], subscribe: string[] = []): DeviceAccessRecord {
  return { id, auth: 'password', certificateFingerprint: null, publish, subscribe, passwordMatches: (password) => passwordMatches(password, passwordHash) };
}

function certificateDevice(id: string, publish: string[]): DeviceAccessRecord {
  return { id, auth: 'certificate', certificateFingerprint: FINGERPRINT, publish, subscribe: [], passwordMatches: async () => false };
}

function setup(options: { allowAnonymous?: boolean; now?: () => number } = {}) {
  const registry = new FakeRegistry();
  registry.devices.set(METER, passwordDevice(METER, [`meters/${METER}/#`]));
  registry.devices.set(THERMOSTAT, certificateDevice(THERMOSTAT, ['temp_readings', `thermostats/${THERMOSTAT}/#`]));
  registry.devices.set(GATEWAY, passwordDevice(GATEWAY, [], ['commands/+/set', 'status/#']));
  const access = new DeviceAccess(registry, { allowAnonymous: options.allowAnonymous ?? false, cacheTtlMs: 1_000, ...(options.now && { now: options.now }) });
  return { registry, access };
}

describe('authenticate', () => {
  it('accepts a device id with its password, as a string or a Buffer', async () => {
    const { access } = setup();
    expect(await access.authenticate({ username: METER, password: PASSWORD, certificate: null, clientId: 'c1' })).toEqual({ ok: true, deviceId: METER });
    expect(await access.authenticate({ username: METER, password: Buffer.from(PASSWORD), certificate: null, clientId: 'c1' })).toEqual({ ok: true, deviceId: METER });
  });

  it.each([
    [{ username: METER, password: 'wrong' }, 'wrong-password', `wrong password for ${METER}`],
    [{ username: METER }, 'missing-password', `${METER} connected without a password`],
    [{ username: METER, password: '' }, 'missing-password', `${METER} connected without a password`],
    [{ username: 'D999', password: PASSWORD }, 'unknown-device', 'no device D999 is registered'],
    [{ username: 'meters/#', password: PASSWORD }, 'unknown-device', 'username "meters/#" is not a device id'],
    [{ username: THERMOSTAT, password: PASSWORD }, 'wrong-auth-method', `${THERMOSTAT} is registered to authenticate with a client certificate, not a password`],
  ])('refuses %j: %s', async (credentials, code, reason) => {
    const { access } = setup();
    expect(await access.authenticate({ ...credentials, certificate: null, clientId: 'c1' })).toEqual({ ok: false, code, reason });
  });

  it('accepts a client certificate whose CN is a certificate device with that fingerprint, in any spelling', async () => {
    const { access } = setup();
    const colons = FINGERPRINT.toUpperCase().match(/../g)!.join(':');
    expect(await access.authenticate({ certificate: { cn: THERMOSTAT, fingerprint: colons }, clientId: 'c2' })).toEqual({ ok: true, deviceId: THERMOSTAT });
    expect(await access.authenticate({ username: THERMOSTAT, certificate: { cn: THERMOSTAT, fingerprint: FINGERPRINT }, clientId: 'c2' })).toEqual({ ok: true, deviceId: THERMOSTAT });
  });

  it.each([
    [{ cn: THERMOSTAT, fingerprint: 'cd'.repeat(32) }, undefined, 'certificate-mismatch', `the client certificate for ${THERMOSTAT} (SHA-256 cdcdcdcdcdcdcdcd…) is not the one registered`],
    [{ cn: THERMOSTAT, fingerprint: 'not hex' }, undefined, 'invalid-input', "the client certificate's fingerprint is malformed: a certificate fingerprint is a SHA-256 digest: 64 hex digits, colons allowed"],
    [{ cn: METER, fingerprint: FINGERPRINT }, undefined, 'wrong-auth-method', `${METER} is registered to authenticate with a password, not a client certificate`],
    [{ cn: 'T-99', fingerprint: FINGERPRINT }, undefined, 'unknown-device', 'no device T-99 is registered'],
    [{ cn: 'Workbench Demo CA', fingerprint: FINGERPRINT }, undefined, 'unknown-device', `the client certificate's CN "Workbench Demo CA" is not a device id`],
    [{ cn: THERMOSTAT, fingerprint: FINGERPRINT }, METER, 'username-mismatch', `username "${METER}" does not match the client certificate's CN ${THERMOSTAT}`],
  ])('refuses certificate %j (username %s): %s', async (certificate, username, code, reason) => {
    const { access } = setup();
    expect(await access.authenticate({ username, password: PASSWORD, certificate, clientId: 'c2' })).toEqual({ ok: false, code, reason });
  });

  it('lets anonymous clients in only when allowed', async () => {
    expect(await setup({ allowAnonymous: true }).access.authenticate({ certificate: null, clientId: 'emulator' })).toEqual({ ok: true, deviceId: null });
    expect(await setup().access.authenticate({ username: '', certificate: null, clientId: 'emulator' })).toEqual({
      ok: false,
      code: 'anonymous-not-allowed',
      reason: 'anonymous clients are not allowed: connect with a device id and password, or a client certificate',
    });
  });

  it('answers malformed input and a failing registry with a refusal, not an exception', async () => {
    const { access, registry } = setup();
    expect(await access.authenticate({ username: 42, certificate: null, clientId: 'c' } as never)).toEqual({
      ok: false,
      code: 'invalid-input',
      reason: 'malformed connect attempt: username: Invalid input: expected string, received number',
    });
    expect(await access.authenticate(undefined as never)).toMatchObject({ ok: false, code: 'invalid-input' });
    registry.failing = true;
    expect(await access.authenticate({ username: METER, password: PASSWORD, certificate: null, clientId: 'c' })).toEqual({
      ok: false,
      code: 'registry-error',
      reason: 'device registry: connect ECONNREFUSED 127.0.0.1:6379',
    });
  });

  it('refuses nonsensical options when it is made', () => {
    expect(() => new DeviceAccess(new FakeRegistry(), { allowAnonymous: false, cacheTtlMs: -1 })).toThrow('device access options: cacheTtlMs:');
    expect(() => new DeviceAccess(new FakeRegistry(), { allowAnonymous: 'yes' } as never)).toThrow('device access options: allowAnonymous:');
  });

  it('reads the registry on every connection, so a rotated password counts at once', async () => {
    const { access, registry } = setup();
    expect(await access.authenticate({ username: METER, password: PASSWORD, certificate: null, clientId: 'c' })).toMatchObject({ ok: true });
    registry.devices.set(METER, { ...passwordDevice(METER, [`meters/${METER}/#`]), passwordMatches: async () => false });
    expect(await access.authenticate({ username: METER, password: PASSWORD, certificate: null, clientId: 'c' })).toMatchObject({ ok: false, code: 'wrong-password' });
  });
});

describe('authorizePublish', () => {
  it("keeps a meter under meters/<its id>/#", async () => {
    const { access } = setup();
    expect(await access.authorizePublish(METER, `meters/${METER}/energy`)).toEqual({ ok: true });
    expect(await access.authorizePublish(METER, `meters/${METER}`)).toEqual({ ok: true });
    expect(await access.authorizePublish(METER, 'meters/D704206000002/energy')).toEqual({
      ok: false,
      code: 'publish-not-allowed',
      reason: `${METER} may publish only under meters/${METER}/#`,
    });
    expect(await access.authorizePublish(METER, 'temp_readings')).toMatchObject({ ok: false, code: 'publish-not-allowed' });
  });

  it('lets a thermostat publish to temp_readings and its own tree', async () => {
    const { access } = setup();
    expect(await access.authorizePublish(THERMOSTAT, 'temp_readings')).toEqual({ ok: true });
    expect(await access.authorizePublish(THERMOSTAT, `thermostats/${THERMOSTAT}/state`)).toEqual({ ok: true });
    expect(await access.authorizePublish(THERMOSTAT, 'thermostats/T-18/state')).toEqual({
      ok: false,
      code: 'publish-not-allowed',
      reason: `${THERMOSTAT} may publish only under temp_readings, thermostats/${THERMOSTAT}/#`,
    });
  });

  it('refuses topics that are not topic names, and devices with no publish filters', async () => {
    const { access } = setup();
    expect(await access.authorizePublish(METER, `meters/${METER}/+`)).toEqual({
      ok: false,
      code: 'invalid-topic',
      reason: `cannot publish to "meters/${METER}/+": a topic name may not contain the wildcards "+" or "#"`,
    });
    expect(await access.authorizePublish(GATEWAY, 'status/x')).toEqual({ ok: false, code: 'publish-not-allowed', reason: `${GATEWAY} may not publish` });
  });

  it('lets anonymous clients publish anywhere only when anonymous clients are allowed', async () => {
    expect(await setup({ allowAnonymous: true }).access.authorizePublish(null, 'meters/D1/energy')).toEqual({ ok: true });
    expect(await setup().access.authorizePublish(null, 'meters/D1/energy')).toEqual({ ok: false, code: 'anonymous-not-allowed', reason: 'anonymous clients may not publish' });
  });

  it('reads the registry once per device per TTL, not per message, and once for a burst', async () => {
    let now = 0;
    const { access, registry } = setup({ now: () => now });
    const burst = await Promise.all(Array.from({ length: 100 }, () => access.authorizePublish(METER, `meters/${METER}/energy`)));
    expect(burst.every((decision) => decision.ok)).toBe(true);
    expect(registry.lookups).toBe(1);
    now = 999;
    await access.authorizePublish(METER, `meters/${METER}/energy`);
    expect(registry.lookups).toBe(1);
    now = 1_000;
    await access.authorizePublish(METER, `meters/${METER}/energy`);
    expect(registry.lookups).toBe(2);
  });

  it('notices a removed device after the TTL, or at once when told to forget it', async () => {
    let now = 0;
    const { access, registry } = setup({ now: () => now });
    await access.authorizePublish(METER, `meters/${METER}/energy`);
    registry.devices.delete(METER);
    expect(await access.authorizePublish(METER, `meters/${METER}/energy`)).toEqual({ ok: true });
    access.forget(METER);
    expect(await access.authorizePublish(METER, `meters/${METER}/energy`)).toEqual({ ok: false, code: 'unknown-device', reason: `${METER} is no longer registered` });
    registry.devices.set(METER, passwordDevice(METER, [`meters/${METER}/#`]));
    now = 1_000;
    expect(await access.authorizePublish(METER, `meters/${METER}/energy`)).toEqual({ ok: true });
  });

  it('fails closed while the registry fails, and does not cache the failure', async () => {
    const { access, registry } = setup();
    registry.failing = true;
    expect(await access.authorizePublish(METER, `meters/${METER}/energy`)).toMatchObject({ ok: false, code: 'registry-error' });
    registry.failing = false;
    expect(await access.authorizePublish(METER, `meters/${METER}/energy`)).toEqual({ ok: true });
  });

  it('keeps at most maxCachedDevices entries', async () => {
    const registry = new FakeRegistry();
    for (const id of ['A', 'B', 'C']) registry.devices.set(id, passwordDevice(id, [`x/${id}`]));
    const access = new DeviceAccess(registry, { allowAnonymous: false, maxCachedDevices: 2 });
    for (const id of ['A', 'B', 'C']) await access.authorizePublish(id, `x/${id}`);
    expect(registry.lookups).toBe(3);
    await access.authorizePublish('C', 'x/C');
    await access.authorizePublish('B', 'x/B');
    expect(registry.lookups).toBe(3);
    await access.authorizePublish('A', 'x/A');
    expect(registry.lookups).toBe(4);
  });
});

describe('authorizeSubscribe', () => {
  it('allows filters within the device subscribe filters only', async () => {
    const { access } = setup();
    expect(await access.authorizeSubscribe(GATEWAY, 'commands/+/set')).toEqual({ ok: true });
    expect(await access.authorizeSubscribe(GATEWAY, 'commands/valve-1/set')).toEqual({ ok: true });
    expect(await access.authorizeSubscribe(GATEWAY, 'status/+/online')).toEqual({ ok: true });
    expect(await access.authorizeSubscribe(GATEWAY, 'commands/#')).toEqual({
      ok: false,
      code: 'subscribe-not-allowed',
      reason: `${GATEWAY} may subscribe only within commands/+/set, status/#`,
    });
    expect(await access.authorizeSubscribe(GATEWAY, '#')).toMatchObject({ ok: false, code: 'subscribe-not-allowed' });
  });

  it('gives devices without subscribe filters no subscriptions, and refuses invalid filters', async () => {
    const { access } = setup();
    expect(await access.authorizeSubscribe(METER, `meters/${METER}/#`)).toEqual({ ok: false, code: 'subscribe-not-allowed', reason: `${METER} may not subscribe` });
    expect(await access.authorizeSubscribe(GATEWAY, 'status/#/x')).toEqual({
      ok: false,
      code: 'invalid-topic',
      reason: 'cannot subscribe to "status/#/x": "#" may only be the last level',
    });
  });

  it('lets anonymous clients subscribe only when anonymous clients are allowed', async () => {
    expect(await setup({ allowAnonymous: true }).access.authorizeSubscribe(null, '#')).toEqual({ ok: true });
    expect(await setup().access.authorizeSubscribe(null, '#')).toEqual({ ok: false, code: 'anonymous-not-allowed', reason: 'anonymous clients may not subscribe' });
  });
});
