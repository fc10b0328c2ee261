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

/** Counts the writes the connection's socket hands to the OS (one per chunk, or one for a corked batch). */
function countSocketWrites(redis: Redis): { count: number; stop(): void } {
  const socket = redis.stream as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  const original = { _write: socket._write, _writev: socket._writev };
  const counter = { count: 0, stop: () => Object.assign(socket, original) };
  for (const name of ['_write', '_writev'] as const) {
    socket[name] = (...args: unknown[]) => {
      counter.count += 1;
      return original[name].apply(socket, args);
    };
  }
  return counter;
}

describe('a connection batched per turn of the event loop', () => {
  it('sends the commands of one turn in one write and answers each in order', async () => {
    const writes = countSocketWrites(batched);
    const replies = await Promise.all(Array.from({ length: 50 }, () => batched.incr('turn:counter')));
    writes.stop();

    expect(replies).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    expect(writes.count).toBe(1);
  });

  it('keeps working on the new socket after the connection was killed', async () => {
    const closed = new Promise((resolve) => batched.once('close', resolve));
    await observer.client('KILL', 'USER', 'default', 'SKIPME', 'yes');
    await closed;
    await expect.poll(() => batched.status, { timeout: 5000 }).toBe('ready');
    expect(await Promise.all([batched.set('turn:after', 'x'), batched.get('turn:after')])).toEqual(['OK', 'x']);
  });
});
