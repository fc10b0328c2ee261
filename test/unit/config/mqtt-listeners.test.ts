import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/load.js';
import { configError } from '../../helpers/config-error.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

let dataDir: TempDir;

beforeEach(async () => {
  dataDir = await makeTempDir('sw-config-mqtt-');
});

afterEach(async () => {
  await dataDir.remove();
});

const load = (argv: string[] = [], env: NodeJS.ProcessEnv = {}) => loadConfig({ argv: ['--data-dir', dataDir.path, ...argv], env }).config;

const DEFAULT_LIMITS = { maxPayloadBytes: 262_144, maxTopicLevels: 32, maxConnections: 10_000, maxMessagesPerSecond: 2000, maxKeepaliveSeconds: 3600, denySubscribe: [] };

describe('MQTT listener settings', () => {
  it('default to TCP only on 127.0.0.1:1883, no TLS files, no anonymous LAN access, and the broker limits', () => {
    expect(load().mqtt).toEqual({
      host: '127.0.0.1',
      port: 1883,
      wsPort: null,
      tlsPort: null,
      wssPort: null,
      tls: { requireClientCert: false },
      allowLanAnonymous: false,
      ...DEFAULT_LIMITS,
    });
  });

  it('come from flags and SW_* variables', () => {
    const mqtt = load(
      ['--mqtt-ws-port', '0', '--mqtts-port', '8883', '--mqtt-tls-cert', 'server.crt', '--mqtt-tls-key', 'server.key', '--mqtt-require-client-cert', '--mqtt-allow-lan-anonymous'],
      { SW_MQTT_WSS_PORT: '8884', SW_MQTT_TLS_CA: 'ca.crt' },
    ).mqtt;
    expect(mqtt).toEqual({
      host: '127.0.0.1',
      port: 1883,
      wsPort: 0,
      tlsPort: 8883,
      wssPort: 8884,
      tls: { certFile: 'server.crt', keyFile: 'server.key', caFile: 'ca.crt', requireClientCert: true },
      allowLanAnonymous: true,
      ...DEFAULT_LIMITS,
    });
  });

  it('take a TLS port without certificate and key: the demo CA provides them, and is the client CA', () => {
    expect(load(['--mqtts-port', '8883', '--mqtt-require-client-cert']).mqtt).toMatchObject({ tlsPort: 8883, tls: { requireClientCert: true } });
  });

  it('refuse a certificate without its key, and a key without its certificate', () => {
    expect(configError(() => load(['--mqtt-wss-port', '0', '--mqtt-tls-cert', 'server.crt']))).toBe(
      'invalid config: mqtt.tls.certFile = "server.crt" (from --mqtt-tls-cert): --mqtt-tls-cert and --mqtt-tls-key go together (without both the demo CA\'s certificate is used)',
    );
    expect(configError(() => load(['--mqtt-tls-key', 'server.key']))).toContain('mqtt.tls.keyFile = "server.key" (from --mqtt-tls-key): --mqtt-tls-cert and --mqtt-tls-key go together');
  });

  it('refuse client certificates required with an own server certificate but no CA', () => {
    expect(configError(() => load(['--mqtt-tls-cert', 'server.crt', '--mqtt-tls-key', 'server.key'], { SW_MQTT_REQUIRE_CLIENT_CERT: 'true' }))).toBe(
      'invalid config: mqtt.tls.requireClientCert = true (from environment SW_MQTT_REQUIRE_CLIENT_CERT): with your own --mqtt-tls-cert, needs --mqtt-tls-ca, the CA that signs the client certificates',
    );
  });

  it('take the limits from flags and check their ranges', () => {
    expect(
      load(['--mqtt-max-payload', '1024', '--mqtt-max-topic-levels', '8', '--mqtt-max-connections', '50', '--mqtt-max-rate', '10.5', '--mqtt-max-keepalive', '120']).mqtt,
    ).toMatchObject({ maxPayloadBytes: 1024, maxTopicLevels: 8, maxConnections: 50, maxMessagesPerSecond: 10.5, maxKeepaliveSeconds: 120 });
    expect(configError(() => load(['--mqtt-max-topic-levels', '101']))).toContain('mqtt.maxTopicLevels = 101 (from --mqtt-max-topic-levels)');
    expect(configError(() => load(['--mqtt-max-rate', '0']))).toContain('mqtt.maxMessagesPerSecond = 0 (from --mqtt-max-rate)');
    expect(configError(() => load([], { SW_MQTT_MAX_PAYLOAD: '10' }))).toContain('mqtt.maxPayloadBytes = 10 (from environment SW_MQTT_MAX_PAYLOAD)');
  });

  it('take the subscription deny list as comma-separated topic filters, and check each', () => {
    expect(load(['--mqtt-deny-subscribe', 'test/nosubscribe, secret/#']).mqtt.denySubscribe).toEqual(['test/nosubscribe', 'secret/#']);
    expect(load([], { SW_MQTT_DENY_SUBSCRIBE: 'a/+/b' }).mqtt.denySubscribe).toEqual(['a/+/b']);
    expect(configError(() => load(['--mqtt-deny-subscribe', 'a/#/b']))).toContain('"a/#/b": "#" may only be the last level');
  });

  it('check listener ports like the TCP one', () => {
    expect(configError(() => load(['--mqtts-port', '70000']))).toContain('mqtt.tlsPort = 70000 (from --mqtts-port)');
  });
});
