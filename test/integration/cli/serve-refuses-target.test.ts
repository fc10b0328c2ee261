import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConfiguredRedis, startRedisCluster, startReplicaPair, type ConfiguredRedis, type ReplicaPair, type TestCluster } from '../../helpers/redis-topologies.js';
import { runCli } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

/**
 * `serve --redis-url` at a Redis that would refuse every batch: the start stops with one line and a
 * non-zero exit instead of printing its ready line and dropping readings ten times a second.
 */
let dataDir: TempDir;
let cluster: TestCluster;
let withoutEval: ConfiguredRedis;
let pair: ReplicaPair;

beforeAll(async () => {
  dataDir = await makeTempDir('sw-serve-target-');
  [cluster, withoutEval, pair] = await Promise.all([startRedisCluster(), startConfiguredRedis(['rename-command EVAL ""']), startReplicaPair()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), withoutEval?.stop(), pair?.stop()]);
  await dataDir?.remove();
});

async function dbsize(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return await client.dbsize();
  } finally {
    client.disconnect();
  }
}

/** Runs serve against `url` with the thermostat emulator on, expecting it to refuse: its one stderr line. */
async function refusedStart(url: string, ...flags: string[]): Promise<string> {
  const cli = runCli(['serve', '--redis-url', url, '--data-dir', dataDir.path, '--mqtt-port', '0', '--http-port', '0', '--udp-port', '0', '--emulate', 'thermostats', ...flags]);
  try {
    const exit = await cli.exited;
    expect(exit.code, cli.stderr()).toBe(1);
    expect(cli.stdout()).not.toContain('ready');
    const lines = cli.stderr().trim().split('\n');
    expect(lines, cli.stderr()).toHaveLength(1);
    return lines[0]!;
  } finally {
    await cli.kill();
  }
}

describe('serve --redis-url at a target that cannot take the writes', () => {
  it('refuses a Redis Cluster node in one line, and no node of the cluster gets a key', async () => {
    const node = `redis://127.0.0.1:${cluster.nodes[0]!.port}`;
    const line = await refusedStart(node);
    expect(line).toMatch(new RegExp(`^cannot start: ${node} is a Redis Cluster node, which --redis-url cannot write to .*--redis-cluster host:port`));
    expect(line).toContain('Connections page');
    for (const { port } of cluster.nodes) expect(await dbsize(`redis://127.0.0.1:${port}`)).toBe(0);
  }, 60_000);

  it('refuses a Redis whose EVAL is disabled, naming EVAL, and writes nothing', async () => {
    const line = await refusedStart(withoutEval.url);
    expect(line).toMatch(new RegExp(`^cannot start: ${withoutEval.url} does not offer EVAL`));
    expect(await dbsize(withoutEval.url)).toBe(0);
  }, 60_000);

  it('refuses a replica, naming its master', async () => {
    const line = await refusedStart(pair.replica.url);
    expect(line).toContain(`${pair.replica.url} is a replica of 127.0.0.1:${pair.master.port}`);
    expect(await dbsize(pair.master.url)).toBe(0);
  }, 60_000);
});

describe('serve --read-only --redis-url at a replica', () => {
  it('starts: reading needs none of the write checks', async () => {
    const cli = runCli(['serve', '--read-only', '--redis-url', pair.replica.url, '--data-dir', dataDir.path, '--mqtt-port', '0', '--http-port', '0']);
    try {
      const ready = await cli.ready();
      expect(ready.redis).toBe(pair.replica.url);
    } finally {
      await cli.kill();
    }
  }, 60_000);
});
