import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  it('stops before starting anything when a TLS port has no certificate, naming the flags', async () => {
    const { code, stderr, stdout } = await refusedStart('--mqtt-port', '0', '--mqtts-port', '0');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n'), stderr).toEqual([
      'invalid config: mqtt.tlsPort = 0 (from --mqtts-port): a TLS listener needs --mqtt-tls-cert and --mqtt-tls-key (PEM files)',
    ]);
    expect(stdout).not.toContain('ready');
  });

  it('stops when --mqtt-require-client-cert has no CA to check against', async () => {
    const { code, stderr } = await refusedStart('--mqtt-port', '0', '--mqtt-wss-port', '0', '--mqtt-tls-cert', certs.server.certFile, '--mqtt-tls-key', certs.server.keyFile, '--mqtt-require-client-cert');
    expect(code).toBe(2);
    expect(stderr).toContain('mqtt.tls.requireClientCert = true (from --mqtt-require-client-cert): needs --mqtt-tls-ca');
  });

  it('refuses to bind MQTT beyond loopback without --mqtt-allow-lan-anonymous', async () => {
    const { code, stderr, stdout } = await refusedStart('--mqtt-port', '0', '--mqtt-host', '0.0.0.0');
    expect(code).toBe(1);
    expect(stderr).toContain('cannot start: MQTT broker refuses to listen on 0.0.0.0');
    expect(stderr).toContain('--mqtt-allow-lan-anonymous');
    expect(stdout).not.toContain('ready');
  });
});

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
      `${ready.mqtt}; ${ready.mqttWs}; ${ready.mqtts}, client certificate required; ${ready.mqttWss}, client certificate required`,
    );
  });

  it('writes a reading that mosquitto_pub sent over mutual TLS to Redis', async () => {
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
});
