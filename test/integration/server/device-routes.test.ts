import { X509Certificate } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deviceEnrollment } from '../../../core/app/device-enrollment.js';
import { loadOrCreateDemoCa, type DemoCa } from '../../../core/certificates/certificate-authority.js';
import { DeviceRegistry } from '../../../core/devices/device-registry.js';
import type { BrokerEndpoint } from '../../../core/emulator/device-snippets.js';
import { RefusalLog } from '../../../core/devices/refusals.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { ApiClient } from '../../../core/api/api-client.js';
import type { ConnectionKit } from '../../../core/api/devices.js';
import { fakeBackend, startFakeServer, type FakeServer } from '../../helpers/fake-backend.js';
import { redisClient } from '../../helpers/redis-client.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { jsonRequest } from '../../helpers/json-request.js';

const ENDPOINTS: BrokerEndpoint[] = [
  { protocol: 'mqtt', url: 'mqtt://127.0.0.1:1883', host: '127.0.0.1', port: 1883, clientCertificates: 'none' },
  { protocol: 'mqtts', url: 'mqtts://127.0.0.1:8883', host: '127.0.0.1', port: 8883, clientCertificates: 'required' },
];

const keys = createKeySchema({ keyPrefix: '' });
let server: TestRedis;
let redis: Redis;
let caDir: TempDir;
let ca: DemoCa;
let fake: FakeServer;
let client: ApiClient;
const refusals = new RefusalLog();
const removed: string[] = [];

beforeAll(async () => {
  [server, caDir] = await Promise.all([startTestRedis(), makeTempDir('sw-device-ca-')]);
  redis = redisClient(server.url);
  ca = await loadOrCreateDemoCa(caDir.path);
  fake = await startFakeServer(
    fakeBackend({
      ...deviceEnrollment({
        registry: new DeviceRegistry(redis, keys),
        certificateAuthority: async () => ca,
        broker: { listeners: ENDPOINTS, deviceChanged: (id) => removed.push(id) },
      }),
      refusals: () => refusals.snapshot(),
    }),
  );
  client = new ApiClient({ origin: fake.origin, token: fake.token });
});

afterAll(async () => {
  await fake?.server.close();
  redis?.disconnect();
  await server?.stop();
  await caDir?.remove();
});

beforeEach(async () => {
  await redis.flushall();
  removed.length = 0;
});

const send = (method: string, path: string, body?: unknown) => jsonRequest(fake.origin, method, path, { body, token: fake.token });

describe('connecting a device', () => {
  it('hands a certificate device a client certificate from the CA, registered by its fingerprint', async () => {
    const kit = await client.registerDevice({ id: 'D704206000042', kind: 'meter', auth: 'certificate' });
    expect(kit.password).toBeUndefined();
    const certificate = new X509Certificate(kit.certificate!.cert);
    expect(certificate.subject).toBe('CN=D704206000042');
    expect(certificate.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(kit.certificate!.ca).toBe(ca.cert);
    expect(kit.certificate!.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(kit.device).toMatchObject({ id: 'D704206000042', kind: 'meter', auth: 'certificate', certificateFingerprint: kit.certificate!.fingerprint, publish: ['meters/D704206000042/#'] });
    expect(certificate.fingerprint256.replaceAll(':', '').toLowerCase()).toBe(kit.certificate!.fingerprint);
    expect(kit.endpoints).toEqual(ENDPOINTS);
    expect(kit.snippets.mosquittoPub).toContain('-p 8883');
    expect(kit.snippets.mosquittoPub).toContain('--cert D704206000042.crt --key D704206000042.key');
    expect(kit.snippets.mqttJs).toContain('"mqtts://127.0.0.1:8883"');
  });

  it('hands a password device its password once, and stores only a hash of it', async () => {
    const kit = await client.registerDevice({ id: 'T-17', kind: 'thermostat', auth: 'password', publish: ['alerts/T-17'], subscribe: ['commands/T-17/#'] });
    expect(kit.password).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(kit.certificate).toBeUndefined();
    expect(kit.device).toMatchObject({ auth: 'password', hasPassword: true, publish: ['temp_readings', 'thermostats/T-17/#', 'alerts/T-17'], subscribe: ['commands/T-17/#'] });
    expect(kit.snippets.mosquittoPub).toContain(`-u T-17 -P ${kit.password}`);
    expect(kit.snippets.mosquittoPub).toContain('-p 1883');
    const stored = JSON.stringify(await redis.hgetall(keys.meterDevice('T-17')));
    expect(stored).not.toContain(kit.password);
    const listed = JSON.stringify(await client.registeredDevices());
    expect(listed).toContain('T-17');
    expect(listed).not.toContain(kit.password);
  });

  it('answers an id already registered with 409, issuing no certificate for it', async () => {
    const first = await client.registerDevice({ id: 'm1', kind: 'meter', auth: 'certificate' });
    const again = await send('POST', '/api/devices/registry', { id: 'm1', kind: 'meter', auth: 'password' });
    expect(again).toMatchObject({ status: 409, body: { error: 'device m1 is already registered' } });
    expect((await client.registeredDevices()).devices.map((device) => device.certificateFingerprint)).toEqual([first.certificate!.fingerprint]);
  });

  it('answers bad input with 400 naming the field', async () => {
    expect(await send('POST', '/api/devices/registry', { id: 'a b', kind: 'meter', auth: 'password' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^id: /) } });
    expect(await send('POST', '/api/devices/registry', { id: 'a', kind: 'toaster', auth: 'password' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^kind: /) } });
    expect(await send('POST', '/api/devices/registry', { id: 'a', kind: 'meter', auth: 'psk' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^auth: /) } });
    expect(await send('POST', '/api/devices/registry', { id: 'a', kind: 'other', auth: 'password', publish: ['a/#/b'] })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^publish\.0: "a\/#\/b": /) },
    });
    expect(await send('POST', '/api/devices/registry', { id: 'a', kind: 'other', auth: 'password', secret: 'x' })).toMatchObject({ status: 400 });
    expect(await send('GET', '/api/devices/registry?count=0')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^count: /) } });
    expect((await client.registeredDevices()).devices).toEqual([]);
  });
});

describe('managing registered devices', () => {
  it('lists pages of devices, never with a credential', async () => {
    const kits: ConnectionKit[] = [];
    for (const id of ['a1', 'a2', 'a3']) kits.push(await client.registerDevice({ id, kind: 'other', auth: 'password', publish: [`things/${id}`] }));
    const page = await client.registeredDevices('0', 1000);
    expect(page.cursor).toBe('0');
    expect(page.devices.map((device) => device.id)).toEqual(['a1', 'a2', 'a3']);
    for (const kit of kits) expect(JSON.stringify(page)).not.toContain(kit.password);
  });

  it('removes a device and tells the broker; an unknown one is 404', async () => {
    await client.registerDevice({ id: 'gone', kind: 'meter', auth: 'password' });
    await client.removeDevice('gone');
    expect(removed).toEqual(['gone']);
    expect((await client.registeredDevices()).devices).toEqual([]);
    expect(await send('DELETE', '/api/devices/registry/gone')).toMatchObject({ status: 404, body: { error: 'no device gone is registered' } });
    expect(removed).toEqual(['gone']);
  });

  it('gives a password device a new password with new snippets; a certificate device has none (409)', async () => {
    const first = await client.registerDevice({ id: 'p1', kind: 'meter', auth: 'password' });
    const rotated = await client.newDevicePassword('p1');
    expect(rotated.password).not.toBe(first.password);
    expect(rotated.snippets.mosquittoPub).toContain(`-P ${rotated.password}`);
    expect(rotated.endpoints).toEqual(ENDPOINTS);
    await client.registerDevice({ id: 'c1', kind: 'meter', auth: 'certificate' });
    expect(await send('POST', '/api/devices/registry/c1/password', {})).toMatchObject({ status: 409, body: { error: expect.stringContaining('client certificate') } });
    expect((await send('POST', '/api/devices/registry/nobody/password', {})).status).toBe(404);
  });
});

describe('refusals', () => {
  it('shows what the broker refused, newest first', async () => {
    refusals.record({ at: 1, action: 'connect', clientId: 'x', address: '10.0.0.9', deviceId: null, topic: null, code: 'wrong-password', reason: 'wrong password for x', answer: 'CONNACK 0x04 bad user name or password' });
    refusals.record({ at: 2, action: 'publish', clientId: 'm1', address: '10.0.0.8', deviceId: 'm1', topic: 'meters/m2/energy', code: 'publish-not-allowed', reason: 'm1 may publish only under meters/m1/#', answer: 'PUBACK 0x87 not authorized' });
    const summary = await client.refusals();
    expect(summary.total).toBe(2);
    expect(summary.byCode).toMatchObject({ 'wrong-password': 1, 'publish-not-allowed': 1, 'unknown-device': 0 });
    expect(summary.recent.map((refusal) => refusal.topic)).toEqual(['meters/m2/energy', null]);
  });
});
