import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeySchema } from '../../../core/model/keys.js';
import { checkWriteTarget, refuseUnusableWriteTarget, UnusableWriteTarget, type WriteTargetProblem } from '../../../core/redis/write-target-check.js';
import {
  startAclRedis,
  startConfiguredRedis,
  startRedisCluster,
  startReplicaPair,
  type AclRedis,
  type ConfiguredRedis,
  type ReplicaPair,
  type TestCluster,
} from '../../helpers/redis-topologies.js';

/**
 * The start-up check against real redis-servers set up as users run them: each kind of target
 * that would take the ready line and then refuse every batch is named, and the check writes nothing.
 */
const keys = createKeySchema({ keyPrefix: '' });

async function dbsize(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return await client.dbsize();
  } finally {
    client.disconnect();
  }
}

/** The check's problems for `url`, asserting that the database it looked at is as it was. */
async function problemsWritingNothing(url: string, dbsizeUrl = url): Promise<WriteTargetProblem[]> {
  const before = await dbsize(dbsizeUrl);
  const problems = await checkWriteTarget(url, keys);
  expect(await dbsize(dbsizeUrl)).toBe(before);
  return problems;
}

async function refusal(url: string): Promise<string> {
  const error = await refuseUnusableWriteTarget(url, keys).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UnusableWriteTarget);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('a standalone Redis as the workbench runs it', () => {
  let redis: ConfiguredRedis;
  beforeAll(async () => {
    redis = await startConfiguredRedis([]);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('passes, and nothing is written', async () => {
    expect(await problemsWritingNothing(redis.url)).toEqual([]);
    await expect(refuseUnusableWriteTarget(redis.url, keys)).resolves.toBeUndefined();
    expect(await dbsize(redis.url)).toBe(0);
  });
});

describe('a Redis Cluster node', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 30_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('is refused as a cluster node, pointing at the Connections page, and no node gets a key', async () => {
    const urls = cluster.nodes.map(({ host, port }) => `redis://${host}:${port}`);
    expect(await problemsWritingNothing(urls[0]!)).toEqual([{ kind: 'cluster-node' }]);
    const message = await refusal(urls[0]!);
    expect(message).toMatch(new RegExp(`^${urls[0]} is a Redis Cluster node, which --redis-url cannot write to .*--redis-cluster host:port`));
    expect(message).toContain('Connections page');
    for (const url of urls) expect(await dbsize(url)).toBe(0);
  });
});

describe('a replica', () => {
  let pair: ReplicaPair;
  beforeAll(async () => {
    pair = await startReplicaPair();
  }, 30_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it('is refused with its master named, and the master gets nothing', async () => {
    const master = `127.0.0.1:${pair.master.port}`;
    expect(await problemsWritingNothing(pair.replica.url, pair.master.url)).toEqual([{ kind: 'replica', master }]);
    expect(await refusal(pair.replica.url)).toContain(`is a replica of ${master}`);
    expect(await dbsize(pair.replica.url)).toBe(0);
  });

  it('passes for its master', async () => {
    expect(await problemsWritingNothing(pair.master.url)).toEqual([]);
  });
});

describe('a Redis without EVAL (rename-command EVAL "")', () => {
  let redis: ConfiguredRedis;
  beforeAll(async () => {
    redis = await startConfiguredRedis(['rename-command EVAL ""']);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('is refused with EVAL named as missing, and nothing ran', async () => {
    expect(await problemsWritingNothing(redis.url)).toEqual([{ kind: 'missing-commands', commands: ['EVAL'] }]);
    expect(await refusal(redis.url)).toContain('does not offer EVAL');
  });
});

describe('a Redis at maxmemory with maxmemory-policy noeviction', () => {
  let redis: ConfiguredRedis;
  beforeAll(async () => {
    // An empty redis-server already uses ~900 KB, so 100 KB is reached before the first key.
    redis = await startConfiguredRedis(['maxmemory 100kb', 'maxmemory-policy noeviction']);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('is refused with used_memory, maxmemory and the policy in the line', async () => {
    const problems = await problemsWritingNothing(redis.url);
    expect(problems).toEqual([{ kind: 'memory-full', used: expect.stringMatching(/^\d+(\.\d+)?[KM]$/), max: '100.00K', policy: 'noeviction' }]);
    const message = await refusal(redis.url);
    expect(message).toMatch(/has no room for writes: used_memory \S+ against maxmemory 100\.00K with maxmemory-policy noeviction/);
    expect(message).toContain('raise maxmemory');
  });
});

describe('ACL users that cannot write the workbench keys', () => {
  let reader: AclRedis;
  let noChannels: ConfiguredRedis;
  let otherKeys: ConfiguredRedis;
  beforeAll(async () => {
    [reader, noChannels, otherKeys] = await Promise.all([
      startAclRedis(),
      // Redis 7 gives a new user no channels (acl-pubsub-default resetchannels): PUBLISH to Warnings is refused.
      startConfiguredRedis(['user sw-writer on >writer-secret ~* +@all']),
      startConfiguredRedis(['user sw-scoped on >scoped-secret ~other:* &* +@all']),
    ]);
  });
  afterAll(async () => {
    await Promise.all([reader?.stop(), noChannels?.stop(), otherKeys?.stop()]);
  });

  it('names the user and the channel when only PUBLISH is refused', async () => {
    const url = `redis://sw-writer:writer-secret@127.0.0.1:${noChannels.port}`;
    expect(await problemsWritingNothing(url, noChannels.url)).toEqual([{ kind: 'acl-refused', user: 'sw-writer', refusals: ['PUBLISH to channel Warnings'] }]);
    expect(await refusal(url)).toMatch(/refuses the ACL user 'sw-writer' PUBLISH to channel Warnings \(NOPERM\)/);
  });

  it('names the keys a user limited to other key patterns may not write', async () => {
    const url = `redis://sw-scoped:scoped-secret@127.0.0.1:${otherKeys.port}`;
    const [problem, ...others] = await problemsWritingNothing(url, otherKeys.url);
    expect(others).toEqual([]);
    expect(problem).toMatchObject({ kind: 'acl-refused', user: 'sw-scoped' });
    expect((problem as { refusals: string[] }).refusals).toContain('ZADD on key SensorData');
    expect(await refusal(url)).toContain("refuses the ACL user 'sw-scoped' EVAL on key SensorData, ZADD on key SensorData");
  });

  it('names the refused commands of a +@read user, which may not even run INFO', async () => {
    const url = `redis://${reader.username}:${reader.password}@127.0.0.1:${reader.port}`;
    const [problem, ...others] = await problemsWritingNothing(url, reader.adminUrl);
    expect(others).toEqual([]);
    expect(problem).toMatchObject({ kind: 'acl-refused', user: reader.username });
    expect((problem as { refusals: string[] }).refusals).toEqual(expect.arrayContaining(['MULTI']));
  });
});
