import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/load.js';
import { configError } from '../../helpers/config-error.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

let dataDir: TempDir;

beforeEach(async () => {
  dataDir = await makeTempDir('sw-config-');
});

afterEach(async () => {
  await dataDir.remove();
});

const writeConfigFile = (content: unknown, name = 'config.json') =>
  writeFile(join(dataDir.path, name), typeof content === 'string' ? content : JSON.stringify(content));

/** loadConfig with the data dir pinned to the temp dir, so the user's own config file never leaks in. */
const load = (argv: string[] = [], env: NodeJS.ProcessEnv = {}) => loadConfig({ argv: ['--data-dir', dataDir.path, ...argv], env });

describe('loadConfig', () => {
  it('gives the documented defaults when nothing is set', () => {
    const { config, configFile } = load();
    expect(configFile).toBeNull();
    expect(config).toMatchObject({
      dataDir: dataDir.path,
      readOnly: false,
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { host: '127.0.0.1', port: 1883 },
      redis: { port: 0, persistence: true },
      emulator: { mode: 'none', rate: 2.75, devices: 5000, qos: 1 },
      model: { keyPrefix: '' },
    });
    expect(config.redis.url).toBeUndefined();
    expect(config.ingest.maxPayloadBytes).toBeGreaterThan(0);
  });

  it('layers config file < environment < flags, each setting taken from the strongest source that sets it', async () => {
    await writeConfigFile({ mqtt: { port: 1001 }, http: { port: 1002 }, emulator: { devices: 10, rate: 5 } });
    const { config, configFile } = load(['--mqtt-port', '3001', '--read-only'], { SW_MQTT_PORT: '2001', SW_HTTP_PORT: '2002', SW_REDIS_PERSISTENCE: 'false' });
    expect(configFile).toBe(join(dataDir.path, 'config.json'));
    expect(config.mqtt.port).toBe(3001); // flag beats env and file
    expect(config.http.port).toBe(2002); // env beats file
    expect(config.emulator.devices).toBe(10); // file beats default
    expect(config.emulator.rate).toBe(5);
    expect(config.redis.persistence).toBe(false);
    expect(config.readOnly).toBe(true);
    expect(config.mqtt.host).toBe('127.0.0.1'); // a sibling default survives a partial section in the file
  });

  it('finds config.json in the data dir named by SW_DATA_DIR', async () => {
    await writeConfigFile({ emulator: { mode: 'thermostats' } });
    const { config, configFile } = loadConfig({ argv: [], env: { SW_DATA_DIR: dataDir.path } });
    expect(configFile).toBe(join(dataDir.path, 'config.json'));
    expect(config.dataDir).toBe(dataDir.path);
    expect(config.emulator.mode).toBe('thermostats');
  });

  it('reads the file named by --config instead of the data dir one', async () => {
    await writeConfigFile({ mqtt: { port: 1111 } });
    await writeConfigFile({ mqtt: { port: 2222 } }, 'other.json');
    const { config, configFile } = load(['--config', join(dataDir.path, 'other.json')]);
    expect(configFile).toBe(join(dataDir.path, 'other.json'));
    expect(config.mqtt.port).toBe(2222);
  });

  it('turns numeric flags into numbers (--rate 50, --devices 20)', () => {
    const { config } = load(['--rate', '50', '--devices', '20', '--emulate', 'thermostats']);
    expect(config.emulator).toMatchObject({ rate: 50, devices: 20, mode: 'thermostats' });
  });

  describe('stops with one line naming the field, the value and what is allowed', () => {
    it('--mqtt-port 70000', () => {
      const message = configError(() => load(['--mqtt-port', '70000']));
      expect(message).not.toContain('\n');
      expect(message).toContain('mqtt.port');
      expect(message).toContain('70000');
      expect(message).toContain('--mqtt-port');
      expect(message).toMatch(/65535/);
    });

    it('--index-build-rate 0, and the default and a valid value', () => {
      expect(load().config.index).toEqual({ buildRate: 20_000, scanCount: 100 });
      expect(load(['--index-build-rate', '50000']).config.index.buildRate).toBe(50_000);
      const message = configError(() => load(['--index-build-rate', '0']));
      expect(message).toMatch(/index\.buildRate = 0 \(from --index-build-rate\).*100/);
    });

    it('--mqtt-port abc', () => {
      const message = configError(() => load(['--mqtt-port', 'abc']));
      expect(message).not.toContain('\n');
      expect(message).toMatch(/mqtt\.port.*abc.*number/);
    });

    it('--emulate sideways lists the allowed modes', () => {
      const message = configError(() => load(['--emulate', 'sideways']));
      expect(message).not.toContain('\n');
      expect(message).toMatch(/emulator\.mode.*sideways.*thermostats/);
    });

    it('--redis-fsync always where there is no append-only file of ours to sync', () => {
      expect(configError(() => load(['--redis-fsync', 'always', '--redis-persistence', 'false']))).toMatch(/redis\.fsync.*needs --redis-persistence/);
      expect(configError(() => load(['--redis-fsync', 'always', '--redis-url', 'redis://127.0.0.1:6379']))).toMatch(/redis\.fsync.*embedded Redis only/);
      expect(configError(() => load(['--redis-fsync', 'sometimes']))).toMatch(/redis\.fsync.*sometimes.*everysec.*always/);
    });

    it('a bad value from the environment names the variable', () => {
      const message = configError(() => load([], { SW_RATE: '-1' }));
      expect(message).not.toContain('\n');
      expect(message).toMatch(/emulator\.rate.*-1.*SW_RATE.*0/);
    });

    it('a bad value from the config file names the file', async () => {
      await writeConfigFile({ http: { port: -5 } });
      const message = configError(() => load());
      expect(message).not.toContain('\n');
      expect(message).toContain('http.port');
      expect(message).toContain('-5');
      expect(message).toContain(join(dataDir.path, 'config.json'));
    });

    it('a --redis-url that is not a redis:// URL', () => {
      const message = configError(() => load(['--redis-url', 'http://example.com']));
      expect(message).not.toContain('\n');
      expect(message).toMatch(/redis\.url.*http:\/\/example\.com.*redis:\/\//);
    });
  });

  describe('--role and --mqtt-source', () => {
    const redis = ['--redis-url', 'redis://127.0.0.1:6379'];

    it('defaults to every role, takes a comma list in any order (each once) and lists the choices for a wrong one', () => {
      expect(load().config.roles).toEqual(['ingest', 'udp', 'api', 'archiver', 'ui']);
      expect(load(['--role', 'all']).config.roles).toEqual(['ingest', 'udp', 'api', 'archiver', 'ui']);
      expect(load(['--role', 'ui, ingest,ingest', ...redis]).config.roles).toEqual(['ingest', 'ui']);
      expect(load([...redis], { SW_ROLE: 'udp' }).config.roles).toEqual(['udp']);
      expect(configError(() => load(['--role', 'ingest,worker', ...redis]))).toMatch(/roles = "ingest,worker" \(from --role\): unknown role "worker": .*all, ingest, udp, api, archiver, ui/);
      expect(configError(() => load(['--role', ',', ...redis]))).toMatch(/roles.*no role given/);
    });

    it('needs a Redis target for every role but the whole stack, and refuses what a role cannot do', () => {
      expect(configError(() => load(['--role', 'ingest']))).toMatch(/roles = "ingest" \(from --role\): role ingest starts no Redis of its own: .*--redis-url/);
      expect(configError(() => load(['--role', 'api', '--read-only', ...redis]))).toMatch(/readOnly = true \(from --read-only\): role api writes to Redis/);
      expect(load(['--role', 'ui', '--read-only', ...redis]).config.readOnly).toBe(true);
      expect(configError(() => load(['--role', 'udp', '--mqtt-source', 'mqtt://broker:1883', ...redis]))).toMatch(/mqttSource\.url .*is where role ingest takes readings from, and this process runs role udp/);
      expect(configError(() => load(['--role', 'ingest', '--emulate', 'thermostats', ...redis]))).toMatch(/emulator\.mode .*run from the pages \(role ui\)/);
      expect(configError(() => load(['--emulate', 'all', '--mqtt-source', 'mqtt://broker:1883']))).toMatch(/emulator\.mode .*off with --mqtt-source/);
    });

    it('gives the outside broker its defaults and checks the URL, the group and the TLS files', () => {
      const { mqttSource } = load(['--role', 'ingest', '--mqtt-source', 'mqtts://ingest:pw@broker.example:8883', '--mqtt-source-ca', '/etc/ca.pem', ...redis]).config;
      expect(mqttSource).toEqual({
        url: 'mqtts://ingest:pw@broker.example:8883',
        shareGroup: 'sensor-workbench',
        sessionExpirySeconds: 3600,
        receiveMaximum: 1000,
        leaveOnStop: false,
        keepaliveSeconds: 30,
        tls: { caFile: '/etc/ca.pem' },
      });
      expect(load(['--mqtt-session-expiry', '86400', '--mqtt-receive-maximum', '200', '--mqtt-share-group', 'plant-7', '--mqtt-client-id', 'worker-1']).config.mqttSource).toMatchObject({
        sessionExpirySeconds: 86_400,
        receiveMaximum: 200,
        shareGroup: 'plant-7',
        clientId: 'worker-1',
      });
      expect(configError(() => load(['--mqtt-source', 'tcp://broker:1883']))).toMatch(/mqttSource\.url .*mqtt:\/\/ or mqtts:\/\//);
      expect(configError(() => load(['--mqtt-share-group', 'a/b']))).toMatch(/mqttSource\.shareGroup .*one topic level/);
      expect(configError(() => load(['--mqtt-receive-maximum', '70000']))).toMatch(/mqttSource\.receiveMaximum/);
      expect(configError(() => load(['--mqtt-source', 'mqtt://broker:1883', '--mqtt-source-ca', '/etc/ca.pem']))).toMatch(/mqttSource\.tls\.caFile .*mqtts:\/\/ --mqtt-source only/);
      expect(configError(() => load(['--mqtt-source', 'mqtts://broker:8883', '--mqtt-source-cert', '/etc/c.pem']))).toMatch(/mqttSource\.tls\.keyFile .*go together/);
    });
  });

  it('rejects an unknown flag in one line, naming it', () => {
    const message = configError(() => load(['--mqtt-prot', '1884']));
    expect(message).not.toContain('\n');
    expect(message).toContain('--mqtt-prot');
  });

  it('rejects an unknown top-level key in the config file, naming it', async () => {
    await writeConfigFile({ mqttPort: 1884 });
    const message = configError(() => load());
    expect(message).not.toContain('\n');
    expect(message).toContain('mqttPort');
  });

  it('rejects a misspelt key inside a section of the config file instead of ignoring it', async () => {
    await writeConfigFile({ mqtt: { prot: 1884 } });
    const message = configError(() => load());
    expect(message).not.toContain('\n');
    expect(message).toContain('mqtt.prot');
  });

  it('rejects a config file that is not JSON, in one line naming the file', async () => {
    await writeConfigFile('{ "mqtt": ');
    const message = configError(() => load());
    expect(message).not.toContain('\n');
    expect(message).toContain(join(dataDir.path, 'config.json'));
  });

  it('rejects a --config file that does not exist', () => {
    const message = configError(() => load(['--config', join(dataDir.path, 'missing.json')]));
    expect(message).toContain('missing.json');
  });
});
