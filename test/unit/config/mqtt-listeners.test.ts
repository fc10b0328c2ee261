import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../core/config/load.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

let dataDir: TempDir;

beforeEach(async () => {
  dataDir = await makeTempDir('sw-config-mqtt-');
});

afterEach(async () => {
  await dataDir.remove();
});

const load = (argv: string[] = [], env: NodeJS.ProcessEnv = {}) => loadConfig({ argv: ['--data-dir', dataDir.path, ...argv], env }).config;

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError, but the config loaded');
}

describe('MQTT listener settings', () => {
  it('default to TCP only on 127.0.0.1:1883, no TLS files, no anonymous LAN access', () => {
    expect(load().mqtt).toEqual({
      host: '127.0.0.1',
      port: 1883,
      wsPort: null,
      tlsPort: null,
      wssPort: null,
      tls: { requireClientCert: false },
      allowLanAnonymous: false,
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
    });
  });

  it('refuse a TLS port without certificate and key, naming the port setting and the flags', () => {
    expect(configError(() => load(['--mqtt-wss-port', '0', '--mqtt-tls-cert', 'server.crt']))).toBe(
      'invalid config: mqtt.wssPort = 0 (from --mqtt-wss-port): a TLS listener needs --mqtt-tls-cert and --mqtt-tls-key (PEM files)',
    );
  });

  it('refuse client certificates required without a CA', () => {
    expect(configError(() => load([], { SW_MQTT_REQUIRE_CLIENT_CERT: 'true' }))).toBe(
      'invalid config: mqtt.tls.requireClientCert = true (from environment SW_MQTT_REQUIRE_CLIENT_CERT): needs --mqtt-tls-ca, the CA that signs the client certificates',
    );
  });

  it('check listener ports like the TCP one', () => {
    expect(configError(() => load(['--mqtts-port', '70000']))).toContain('mqtt.tlsPort = 70000 (from --mqtts-port)');
  });
});
