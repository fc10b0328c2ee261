import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedis } from '../../../core/redis/connect.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';

let server: TestRedis;
let observer: Redis;
let batched: Redis;

beforeAll(async () => {
  server = await startTestRedis();
  observer = redisClient(server.url);
  batched = await openRedis(server.url, { connectionName: 'test:turn-batched', batchPerTurn: true });
});

afterAll(async () => {
  batched?.disconnect();
  observer?.disconnect();
  await server?.stop();
});

/** Reads Redis has done from all its clients' sockets so far. */
async function readsProcessed(): Promise<number> {
  return Number(/total_reads_processed:(\d+)/.exec(await observer.info('stats'))![1]);
}

describe('a connection batched per turn of the event loop', () => {
  it('sends the commands of one turn in one write and answers each in order', async () => {
    const before = await readsProcessed();
    const replies = await Promise.all(Array.from({ length: 50 }, () => batched.incr('turn:counter')));
    const reads = (await readsProcessed()) - before;

    expect(replies).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    // One read for the 50 commands, one for the INFO that counts them (50 writes would be 50 reads).
    expect(reads).toBeLessThanOrEqual(3);
  });

  it('keeps working on the new socket after the connection was killed', async () => {
    const closed = new Promise((resolve) => batched.once('close', resolve));
    await observer.client('KILL', 'USER', 'default', 'SKIPME', 'yes');
    await closed;
    await expect.poll(() => batched.status, { timeout: 5000 }).toBe('ready');
    expect(await Promise.all([batched.set('turn:after', 'x'), batched.get('turn:after')])).toEqual(['OK', 'x']);
  });
});
