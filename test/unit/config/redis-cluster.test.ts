import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/load.js';
import { configError } from '../../helpers/config-error.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

let dataDir: TempDir;

beforeEach(async () => {
  dataDir = await makeTempDir('sw-config-cluster-');
});

afterEach(async () => {
  await dataDir.remove();
});

const load = (argv: string[]) => loadConfig({ argv: ['--data-dir', dataDir.path, ...argv], env: {} }).config;

describe('--redis-cluster', () => {
  it('takes the seed nodes, with the user, password and TLS of a redis URL', () => {
    expect(load(['--role', 'ingest,udp', '--redis-cluster', '127.0.0.1:7000,[::1]:7001']).redis.cluster).toEqual({
      seeds: [
        { host: '127.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      tls: false,
    });
    expect(load(['--role', 'ingest', '--redis-cluster', 'rediss://writer:s%40cret@cache.example:6380']).redis.cluster).toEqual({
      seeds: [{ host: 'cache.example', port: 6380 }],
      tls: true,
      username: 'writer',
      password: 's@cret',
    });
  });

  it('refuses what is not host:port, a second target, and the roles that do not run on a cluster', () => {
    expect(configError(() => load(['--role', 'ingest', '--redis-cluster', '127.0.0.1']))).toMatch(/must be host:port\[,host:port…\]/);
    expect(configError(() => load(['--role', 'ingest', '--redis-cluster', '127.0.0.1:70000']))).toMatch(/must be host:port/);
    expect(configError(() => load(['--role', 'ingest', '--redis-cluster', '127.0.0.1:7000', '--redis-url', 'redis://127.0.0.1:6379']))).toMatch(/give one of the two/);
    expect(configError(() => load(['--redis-cluster', '127.0.0.1:7000']))).toMatch(/role api,archiver,ui does not work on a Redis Cluster yet/);
  });
});
