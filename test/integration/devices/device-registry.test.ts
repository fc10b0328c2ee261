import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeviceAccess } from '../../../core/devices/device-access.js';
import { DeviceRegistry, DeviceRegistryError } from '../../../core/devices/device-registry.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { meterWrites } from '../../../core/model/meter-persist.js';
import type { MeterTransport } from '../../../core/model/meter-reading.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';

const keys = createKeySchema({ keyPrefix: '' });
const METER = 'D704206000001';
const THERMOSTAT = 'T-17';
const FINGERPRINT = '3f'.repeat(32);
const REGISTERED_AT = 1_763_700_000_000;

let server: TestRedis;
let redis: Redis;
let registry: DeviceRegistry;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
  registry = new DeviceRegistry(redis, keys, () => REGISTERED_AT);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await redis.flushall();
});

/** One reading of METER written as the meter pipeline writes it, at `nowMs`. */
async function writeMeterReading(transport: MeterTransport, nowMs: number): Promise<void> {
  const reading = { deviceId: METER, timestamp: 1_763_700_000, transport, json: `{"deviceId":"${METER}"}`, receivedAt: 0 };
  for (const [name, ...args] of meterWrites([reading], keys, 86_400, nowMs)) await redis.call(name, ...args);
}

/** Every key with every byte of its content: what someone reading the Redis (or its dump file) could see. */
async function everythingInRedis(): Promise<string> {
  const contents: string[] = [];
  for (const key of await redis.keys('*')) {
    contents.push(key, JSON.stringify(await redis.hgetall(key).catch(() => null)), (await redis.dumpBuffer(key))!.toString('latin1'));
  }
  return contents.join('\n');
}

describe('DeviceRegistry', () => {
  it('registers a password meter: the password is returned once and only its scrypt hash is stored', async () => {
    const { device, password } = await registry.register({ id: METER, kind: 'meter', auth: 'password' });
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(device).toEqual({
      id: METER,
      kind: 'meter',
      auth: 'password',
      hasPassword: true,
      certificateFingerprint: null,
      publish: [`meters/${METER}/#`],
      subscribe: [],
      registered: REGISTERED_AT,
      lastSeen: null,
      lastAddress: null,
    });
    const stored = await redis.hgetall(`backend:dev:devices:${METER}`);
    expect(stored.credential).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(await redis.smembers('backend:dev:registered-devices')).toEqual([METER]);
    expect(await everythingInRedis()).not.toContain(password);
    expect(JSON.stringify(device)).not.toContain(stored.credential);
    expect(JSON.stringify(await registry.get(METER))).not.toContain('scrypt');
    expect(JSON.stringify(await registry.list())).not.toContain('scrypt');
    expect(JSON.stringify(await registry.accessRecord(METER))).not.toContain('scrypt');
  });

  it('verifies the password it handed out and no other', async () => {
    const { password } = await registry.register({ id: METER, kind: 'meter', auth: 'password' });
    const record = (await registry.accessRecord(METER))!;
    expect(await record.passwordMatches(password!)).toBe(true);
    expect(await record.passwordMatches(Buffer.from(password!))).toBe(true);
    expect(await record.passwordMatches(`${password}!`)).toBe(false);
    expect(await record.passwordMatches('')).toBe(false);
  });

  it('registers a certificate thermostat with its normalised fingerprint and the thermostat topics', async () => {
    const colons = FINGERPRINT.toUpperCase().match(/../g)!.join(':');
    const registration = await registry.register({ id: THERMOSTAT, kind: 'thermostat', auth: 'certificate', certificateFingerprint: colons });
    expect(registration).toEqual({
      device: expect.objectContaining({ auth: 'certificate', hasPassword: false, certificateFingerprint: FINGERPRINT, publish: ['temp_readings', `thermostats/${THERMOSTAT}/#`] }),
    });
    expect('password' in registration).toBe(false);
    const record = (await registry.accessRecord(THERMOSTAT))!;
    expect(record.certificateFingerprint).toBe(FINGERPRINT);
    expect(await record.passwordMatches('anything')).toBe(false);
    expect(await redis.hget(`backend:dev:devices:${THERMOSTAT}`, 'credential')).toBeNull();
  });

  it('keeps the topic filters given, without duplicates', async () => {
    const { device } = await registry.register({ id: 'gw', kind: 'other', auth: 'password', publish: ['status/gw', 'status/gw'], subscribe: ['commands/gw/+'] });
    expect(device).toMatchObject({ kind: 'other', publish: ['status/gw'], subscribe: ['commands/gw/+'] });
    expect((await registry.register({ id: 'quiet', kind: 'other', auth: 'password' })).device).toMatchObject({ publish: [], subscribe: [] });
  });

  it.each([
    [{ id: 'a/b', kind: 'meter', auth: 'password' }, 'invalid registration: id: a device id is 1 to 64 letters, digits, "_", "." or "-"'],
    [{ id: 'x'.repeat(65), kind: 'meter', auth: 'password' }, 'invalid registration: id: a device id is 1 to 64 letters, digits, "_", "." or "-"'],
    [{ id: 'D1', kind: 'toaster', auth: 'password' }, 'invalid registration: kind:'],
    [{ id: 'D1', kind: 'meter', auth: 'psk' }, 'invalid registration: auth:'],
    [{ id: 'D1', kind: 'meter', auth: 'certificate' }, 'invalid registration: certificateFingerprint:'],
    [{ id: 'D1', kind: 'meter', auth: 'certificate', certificateFingerprint: 'abc' }, 'invalid registration: certificateFingerprint: a certificate fingerprint is a SHA-256 digest'],
    [{ id: 'D1', kind: 'meter', auth: 'password', certificateFingerprint: FINGERPRINT }, 'invalid registration: Unrecognized key: "certificateFingerprint"'],
    [{ id: 'D1', kind: 'meter', auth: 'password', publish: ['meters/#/x'] }, 'invalid registration: publish.0: "meters/#/x": "#" may only be the last level'],
    [{ id: 'D1', kind: 'meter', auth: 'password', subscribe: ['a+'] }, 'invalid registration: subscribe.0: "a+": "+" must occupy a whole level'],
  ])('refuses %j', async (input, message) => {
    const attempt = registry.register(input as never);
    await expect(attempt).rejects.toThrow(DeviceRegistryError);
    await expect(attempt).rejects.toThrow(message);
    expect(await redis.dbsize()).toBe(0);
  });

  it('refuses to register an id twice, leaving the first registration as it was', async () => {
    const { password } = await registry.register({ id: METER, kind: 'meter', auth: 'password' });
    await expect(registry.register({ id: METER, kind: 'thermostat', auth: 'certificate', certificateFingerprint: FINGERPRINT })).rejects.toThrow(
      `device ${METER} is already registered`,
    );
    const record = (await registry.accessRecord(METER))!;
    expect(record.auth).toBe('password');
    expect(await record.passwordMatches(password!)).toBe(true);
  });

  it('refuses an id whose key holds something else, and does not list it', async () => {
    await redis.set(`backend:dev:devices:${METER}`, 'not a hash');
    await expect(registry.register({ id: METER, kind: 'meter', auth: 'password' })).rejects.toThrow(`cannot register ${METER} in backend:dev:devices:${METER}: WRONGTYPE`);
    expect(await redis.exists('backend:dev:registered-devices')).toBe(0);
    expect(await redis.get(`backend:dev:devices:${METER}`)).toBe('not a hash');
  });

  it('gets, lists in pages and removes', async () => {
    const ids = Array.from({ length: 300 }, (_, index) => `D${String(index).padStart(4, '0')}`);
    for (const id of ids) await registry.register({ id, kind: 'other', auth: 'certificate', certificateFingerprint: FINGERPRINT });
    expect(await registry.get('D0042')).toMatchObject({ id: 'D0042', kind: 'other' });
    expect(await registry.get('nobody')).toBeNull();
    const seen = new Set<string>();
    let cursor = '0';
    let pages = 0;
    do {
      const page = await registry.list(cursor, 50);
      for (const device of page.devices) seen.add(device.id);
      cursor = page.cursor;
      pages += 1;
    } while (cursor !== '0');
    expect([...seen].sort()).toEqual(ids);
    expect(pages).toBeGreaterThan(1);

    expect(await registry.remove('D0042')).toBe(true);
    expect(await registry.remove('D0042')).toBe(false);
    expect(await registry.get('D0042')).toBeNull();
    expect(await registry.accessRecord('D0042')).toBeNull();
    expect(await redis.sismember('backend:dev:registered-devices', 'D0042')).toBe(0);
    expect(await redis.exists('backend:dev:devices:D0042')).toBe(0);
  });

  it('skips index entries whose device object is gone', async () => {
    await registry.register({ id: METER, kind: 'meter', auth: 'password' });
    await redis.sadd('backend:dev:registered-devices', 'ghost');
    expect((await registry.list()).devices.map((device) => device.id)).toEqual([METER]);
  });

  it('refuses bad ids and pages with a clear error', async () => {
    await expect(registry.get('a b')).rejects.toThrow('invalid device id: a device id is 1 to 64 letters, digits, "_", "." or "-"');
    await expect(registry.list('next', 10)).rejects.toThrow('invalid page: cursor: a cursor is the decimal number the previous page returned');
    await expect(registry.list('0', 0)).rejects.toThrow('invalid page: count:');
    await expect(registry.recordSeen(METER, '', 1)).rejects.toThrow('invalid seen: address:');
  });

  it('leaves the meter pipeline fields and indexes alone on remove', async () => {
    await registry.register({ id: METER, kind: 'meter', auth: 'password' });
    await registry.recordSeen(METER, '192.168.1.20', REGISTERED_AT + 1_000);
    await writeMeterReading('mqtt', REGISTERED_AT + 2_000);
    const before = await redis.hgetall(`backend:dev:devices:${METER}`);
    expect(before).toMatchObject({ readings: '1', transport: 'mqtt', firstSeen: String(REGISTERED_AT + 2_000), lastSeen: String(REGISTERED_AT + 2_000), registered: String(REGISTERED_AT) });

    expect(await registry.remove(METER)).toBe(true);
    expect(await redis.hgetall(`backend:dev:devices:${METER}`)).toEqual({
      kind: 'meter',
      firstSeen: before.firstSeen,
      lastSeen: before.lastSeen,
      readings: '1',
      transport: 'mqtt',
    });
    expect(await redis.zrange(keys.meterBuckets(METER), 0, -1)).toEqual(['1763683200']);
    expect(await redis.zscore(keys.meters, METER)).toBe(String(REGISTERED_AT + 2_000));
    expect(await registry.get(METER)).toBeNull();
  });

  it('registers a device the meter pipeline already knows, keeping its readings', async () => {
    await writeMeterReading('udp', 5);
    expect(await registry.get(METER)).toBeNull();
    await registry.register({ id: METER, kind: 'meter', auth: 'password' });
    expect(await redis.hgetall(`backend:dev:devices:${METER}`)).toMatchObject({ readings: '1', transport: 'udp', firstSeen: '5', registered: String(REGISTERED_AT) });
  });

  it('rotates a password: the new one works, the old one no longer does', async () => {
    const { password: old } = await registry.register({ id: METER, kind: 'meter', auth: 'password' });
    const rotation = await registry.rotatePassword(METER);
    expect(rotation.password).not.toBe(old);
    expect(rotation.device).toMatchObject({ id: METER, hasPassword: true });
    expect(JSON.stringify(rotation)).not.toContain('scrypt');
    const record = (await registry.accessRecord(METER))!;
    expect(await record.passwordMatches(old!)).toBe(false);
    expect(await record.passwordMatches(rotation.password)).toBe(true);
    const everything = await everythingInRedis();
    expect(everything).not.toContain(old);
    expect(everything).not.toContain(rotation.password);
  });

  it('rotates only registered password devices', async () => {
    await registry.register({ id: THERMOSTAT, kind: 'thermostat', auth: 'certificate', certificateFingerprint: FINGERPRINT });
    await expect(registry.rotatePassword(THERMOSTAT)).rejects.toThrow(`device ${THERMOSTAT} authenticates with a client certificate and has no password`);
    await expect(registry.rotatePassword('nobody')).rejects.toThrow('device nobody is not registered');
    expect(await redis.exists('backend:dev:devices:nobody')).toBe(0);
  });

  it('records when and from where a registered device was seen, and nothing for an unknown one', async () => {
    await registry.register({ id: THERMOSTAT, kind: 'thermostat', auth: 'certificate', certificateFingerprint: FINGERPRINT });
    expect(await registry.recordSeen(THERMOSTAT, '::ffff:10.0.0.7', REGISTERED_AT + 60_000)).toBe(true);
    expect(await registry.get(THERMOSTAT)).toMatchObject({ lastSeen: REGISTERED_AT + 60_000, lastAddress: '::ffff:10.0.0.7' });
    expect(await registry.recordSeen('nobody', '10.0.0.8', REGISTERED_AT)).toBe(false);
    expect(await redis.exists('backend:dev:devices:nobody')).toBe(0);
    // A thermostat keeps no meter data in its object: removing it leaves nothing behind.
    await registry.remove(THERMOSTAT);
    expect(await redis.dbsize()).toBe(0);
  });

  it('reports an entry someone else damaged instead of trusting it', async () => {
    await registry.register({ id: METER, kind: 'meter', auth: 'password' });
    await redis.hset(`backend:dev:devices:${METER}`, 'publish', '["#/x"]');
    await expect(registry.get(METER)).rejects.toThrow(`device ${METER} has a malformed registry entry: publish.0: "#/x": "#" may only be the last level`);
    await redis.hset(`backend:dev:devices:${METER}`, 'publish', '[]', 'credential', 'hunter2');
    await expect(registry.accessRecord(METER)).rejects.toThrow(`device ${METER} has a malformed registry entry: credential: not a scrypt hash`);
  });

  it('uses the configured namespace', async () => {
    const production = new DeviceRegistry(redis, createKeySchema({ keyPrefix: '', namespace: 'backend:prod' }));
    await production.register({ id: METER, kind: 'meter', auth: 'password' });
    expect((await redis.keys('*')).sort()).toEqual(['backend:prod:devices:D704206000001', 'backend:prod:registered-devices']);
    expect(await registry.get(METER)).toBeNull();
  });
});

describe('DeviceAccess over the registry', () => {
  it('authenticates the handed-out password, refuses the rotated one, and keeps the meter under its topic', async () => {
    const access = new DeviceAccess(registry, { allowAnonymous: false });
    const { password } = await registry.register({ id: METER, kind: 'meter', auth: 'password' });
    expect(await access.authenticate({ username: METER, password: Buffer.from(password!), certificate: null, clientId: 'mosq-1' })).toEqual({ ok: true, deviceId: METER });
    expect(await access.authorizePublish(METER, `meters/${METER}/energy`)).toEqual({ ok: true });
    expect(await access.authorizePublish(METER, 'meters/D704206000002/energy')).toEqual({
      ok: false,
      code: 'publish-not-allowed',
      reason: `${METER} may publish only under meters/${METER}/#`,
    });
    await registry.rotatePassword(METER);
    expect(await access.authenticate({ username: METER, password: Buffer.from(password!), certificate: null, clientId: 'mosq-1' })).toMatchObject({ ok: false, code: 'wrong-password' });
  });

  it('authenticates a certificate device by CN and fingerprint', async () => {
    const access = new DeviceAccess(registry, { allowAnonymous: false });
    await registry.register({ id: THERMOSTAT, kind: 'thermostat', auth: 'certificate', certificateFingerprint: FINGERPRINT });
    expect(await access.authenticate({ certificate: { cn: THERMOSTAT, fingerprint: FINGERPRINT }, clientId: 'c' })).toEqual({ ok: true, deviceId: THERMOSTAT });
    expect(await access.authenticate({ certificate: { cn: THERMOSTAT, fingerprint: '00'.repeat(32) }, clientId: 'c' })).toMatchObject({ ok: false, code: 'certificate-mismatch' });
    expect(await access.authorizePublish(THERMOSTAT, 'temp_readings')).toEqual({ ok: true });
  });
});
