import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateDemoCa } from '../../../core/certificates/certificate-authority.js';
import { DeviceRegistry } from '../../../core/devices/device-registry.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { redisClient } from '../../helpers/redis-client.js';
import { runCli, type CliProcess, type ReadyAddresses } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { makeTestCertificates, type TestCertificates } from '../../helpers/test-certificates.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const run = promisify(execFile);

let dataDir: TempDir;
let certs: TestCertificates;

beforeAll(async () => {
  [dataDir, certs] = await Promise.all([makeTempDir('sw-serve-listeners-'), makeTestCertificates()]);
});

afterAll(async () => {
  await dataDir?.remove();
  await certs?.remove();
});

/** Runs serve until it exits on its own; for settings that must stop start-up. */
async function refusedStart(...flags: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const cli = runCli(['serve', '--data-dir', dataDir.path, '--http-port', '0', '--udp-port', '0', ...flags]);
  try {
    const { code } = await cli.exited;
    return { code, stderr: cli.stderr(), stdout: cli.stdout() };
  } finally {
    await cli.kill();
  }
}

describe('npm run serve with MQTT listener settings that cannot work', () => {
  it('stops before starting anything when a TLS certificate comes without its key, naming the flags', async () => {
    const { code, stderr, stdout } = await refusedStart('--mqtt-port', '0', '--mqtts-port', '0', '--mqtt-tls-cert', certs.server.certFile);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n'), stderr).toEqual([
      `invalid config: mqtt.tls.certFile = "${certs.server.certFile}" (from --mqtt-tls-cert): --mqtt-tls-cert and --mqtt-tls-key go together (without both the demo CA's certificate is used)`,
    ]);
    expect(stdout).not.toContain('ready');
  });

  it('stops when --mqtt-require-client-cert with an own certificate has no CA to check against', async () => {
    const { code, stderr } = await refusedStart('--mqtt-port', '0', '--mqtt-wss-port', '0', '--mqtt-tls-cert', certs.server.certFile, '--mqtt-tls-key', certs.server.keyFile, '--mqtt-require-client-cert');
    expect(code).toBe(2);
    expect(stderr).toContain('mqtt.tls.requireClientCert = true (from --mqtt-require-client-cert): with your own --mqtt-tls-cert, needs --mqtt-tls-ca');
  });
});

/** The registry of the workbench's own Redis, as the Devices page writes it (default namespace). */
function registryOf(redis: Redis): DeviceRegistry {
  return new DeviceRegistry(redis, createKeySchema({ keyPrefix: '', namespace: 'backend:dev' }));
}

describe('npm run serve with all four MQTT listeners and mutual TLS', () => {
  let serve: CliProcess;
  let ready: ReadyAddresses;

  beforeAll(async () => {
    serve = runCli([
      'serve', '--data-dir', dataDir.path, '--http-port', '0', '--udp-port', '0',
      '--mqtt-port', '0', '--mqtt-ws-port', '0', '--mqtts-port', '0', '--mqtt-wss-port', '0',
      '--mqtt-tls-cert', certs.server.certFile, '--mqtt-tls-key', certs.server.keyFile, '--mqtt-tls-ca', certs.ca.certFile, '--mqtt-require-client-cert',
    ]);
    ready = await serve.ready();
  });

  afterAll(async () => {
    await serve?.kill();
  });

  it('prints every listener in the ready line', () => {
    expect(ready).toMatchObject({
      mqtt: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/),
      mqttWs: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/),
      mqtts: expect.stringMatching(/^mqtts:\/\/127\.0\.0\.1:\d+$/),
      mqttWss: expect.stringMatching(/^wss:\/\/127\.0\.0\.1:\d+\/mqtt$/),
    });
  });

  it('lists the listeners and their client-certificate rule in the broker part of /api/status', async () => {
    const http = new URL(ready.http);
    const response = await fetch(new URL('/api/status', http.origin), { headers: { authorization: `Bearer ${http.searchParams.get('token')}` } });
    const { parts } = (await response.json()) as { parts: { broker: { address: string; detail: string } } };
    expect(parts.broker.address).toBe(ready.mqtt);
    expect(parts.broker.detail).toBe(
      `${ready.mqtt}; ${ready.mqttWs}; ${ready.mqtts}, client certificate required; ${ready.mqttWss}, client certificate required; ` +
        'authentication: registered devices, anonymous clients allowed (loopback only); 0 refused',
    );
  });

  it('writes a reading that a registered device sent with mosquitto_pub over mutual TLS (your own CA) to Redis', async () => {
    const fingerprint = new X509Certificate(certs.client.cert).fingerprint256;
    const admin = redisClient(ready.redis);
    try {
      await registryOf(admin).register({ id: 'sw-test-client', kind: 'thermostat', auth: 'certificate', certificateFingerprint: fingerprint });
    } finally {
      admin.disconnect();
    }
    const payload = devicePayload({ deviceId: 'mtls-1', temperature: 81, humidity: 44 });
    await run(
      'mosquitto_pub',
      ['-h', '127.0.0.1', '-p', new URL(ready.mqtts!).port, '--cafile', certs.ca.certFile, '--cert', certs.client.certFile, '--key', certs.client.keyFile, '-q', '1', '-t', 'temp_readings', '-m', JSON.stringify(payload)],
      { timeout: 10_000 },
    );
    const redis = redisClient(ready.redis);
    try {
      const hash = await waitUntil('the reading in its hash', async () => {
        const fields = await redis.hgetall('mtls-1');
        return Object.keys(fields).length > 0 ? fields : null;
      });
      expect(hash).toMatchObject({ temperature: '81', humidity: '44', deviceIP: payload.deviceIP });
    } finally {
      redis.disconnect();
    }
  });

  it('writes a reading the same device sent with mosquitto_pub -V 5 over mutual TLS to Redis, as the 3.1.1 one', async () => {
    // sw-test-client was registered by the test before.
    const payload = devicePayload({ deviceId: 'mtls-5', temperature: 81, humidity: 44 });
    await run(
      'mosquitto_pub',
      ['-V', '5', '-h', '127.0.0.1', '-p', new URL(ready.mqtts!).port, '--cafile', certs.ca.certFile, '--cert', certs.client.certFile, '--key', certs.client.keyFile, '-q', '1', '-t', 'temp_readings', '-m', JSON.stringify(payload)],
      { timeout: 10_000 },
    );
    const redis = redisClient(ready.redis);
    try {
      const hash = await waitUntil('the reading in its hash', async () => {
        const fields = await redis.hgetall('mtls-5');
        return Object.keys(fields).length > 0 ? fields : null;
      });
      // The same fields as the 3.1.1 reading's hash; stamped on arrival, as that one was.
      expect(Object.keys(hash).sort()).toEqual(Object.keys(await redis.hgetall('mtls-1')).sort());
      expect(hash).toMatchObject({ temperature: '81', humidity: '44', climate: 'warm', deviceIP: payload.deviceIP });
    } finally {
      redis.disconnect();
    }
  });
});

describe('npm run serve with MQTTS and no certificate files: the demo CA', () => {
  let demoDataDir: TempDir;
  let serve: CliProcess;
  let ready: ReadyAddresses;

  beforeAll(async () => {
    demoDataDir = await makeTempDir('sw-serve-demo-ca-');
    serve = runCli(['serve', '--data-dir', demoDataDir.path, '--http-port', '0', '--udp-port', '0', '--mqtt-port', '0', '--mqtts-port', '0', '--mqtt-require-client-cert']);
    ready = await serve.ready();
  });

  afterAll(async () => {
    await serve?.kill();
    await demoDataDir?.remove();
  });

  it('lands the reading of a device whose certificate the demo CA issued, sent with only that certificate, key and CA', async () => {
    const certificates = join(demoDataDir.path, 'certificates');
    const bundle = await (await loadOrCreateDemoCa(certificates)).issueClientCertificate('demo-meter-1');
    const redis = redisClient(ready.redis);
    try {
      await registryOf(redis).register({ id: 'demo-meter-1', kind: 'thermostat', auth: 'certificate', certificateFingerprint: bundle.fingerprint });
      const files = { cert: join(demoDataDir.path, 'device.crt'), key: join(demoDataDir.path, 'device.key'), ca: join(demoDataDir.path, 'ca.crt') };
      await Promise.all([writeFile(files.cert, bundle.cert), writeFile(files.key, bundle.key), writeFile(files.ca, bundle.ca)]);
      const payload = devicePayload({ deviceId: 'demo-1', temperature: 71, humidity: 33 });
      // -h localhost: the generated server certificate names the machine's hostnames and addresses.
      await run(
        'mosquitto_pub',
        ['-h', 'localhost', '-p', new URL(ready.mqtts!).port, '--cafile', files.ca, '--cert', files.cert, '--key', files.key, '-q', '1', '-t', 'temp_readings', '-m', JSON.stringify(payload)],
        { timeout: 10_000 },
      );
      const hash = await waitUntil('the reading in its hash', async () => {
        const fields = await redis.hgetall('demo-1');
        return Object.keys(fields).length > 0 ? fields : null;
      });
      expect(hash).toMatchObject({ temperature: '71', humidity: '33' });
    } finally {
      redis.disconnect();
    }
  });
});
