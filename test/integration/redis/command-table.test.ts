import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandTable, enforceReadOnly, readOnlyRefusal, ReadOnlyRefusal } from '../../../core/redis/command-table.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';

let server: TestRedis;
let admin: Redis;
let table: CommandTable;

beforeAll(async () => {
  server = await startTestRedis();
  admin = redisClient(server.url);
  table = await CommandTable.load(admin, 'test server');
});
afterAll(async () => {
  admin.disconnect();
  await server.stop();
});

describe('readOnlyRefusal, decided from the real server\'s COMMAND flags', () => {
  it.each(['GET', 'SCAN', 'PUBSUB NUMSUB', 'FCALL_RO', 'HGETALL', 'ZRANGEBYSCORE', 'XRANGE', 'TYPE', 'PTTL', 'DBSIZE', 'PING', 'INFO', 'EVAL_RO', 'OBJECT ENCODING', 'MEMORY USAGE'])('lets %s through', (line) => {
    const [name, first] = line.split(' ') as [string, string | undefined];
    expect(readOnlyRefusal(table, name, first)).toBeNull();
  });

  it.each([
    ['SET', /SET may write: it is flagged "write"/],
    ['DEL', /DEL may write: it is flagged "write"/],
    ['FLUSHALL', /FLUSHALL may write: it is flagged "write"/],
    ['EVAL', /EVAL may write: its key specs say "RW"/],
    ['FCALL', /FCALL may write: its key specs say "RW"/],
    ['PUBLISH', /PUBLISH delivers a message/],
    ['CONFIG SET', /CONFIG SET may write: it is flagged "admin"/],
    ['SHUTDOWN', /SHUTDOWN may write: it is flagged "admin"/],
    ['NOSUCHCOMMAND', /NOSUCHCOMMAND is not in the server's command table/],
    ['CONFIG NOSUCHSUB', /CONFIG NOSUCHSUB is not in the server's command table/],
  ])('refuses %s with the reason', (line, reason) => {
    const [name, first] = line.split(' ') as [string, string | undefined];
    expect(readOnlyRefusal(table, name, first)).toMatch(reason);
  });
});

describe('enforceReadOnly', () => {
  it('refuses writes on the client itself, in pipelines and transactions too, and nothing reaches Redis', async () => {
    await admin.set('guarded:existing', 'before');
    const guarded = redisClient(server.url);
    enforceReadOnly(guarded, table, 'prod');
    try {
      expect(await guarded.get('guarded:existing')).toBe('before');
      await expect(guarded.set('guarded:existing', 'after')).rejects.toThrow(ReadOnlyRefusal);
      await expect(guarded.set('guarded:existing', 'after')).rejects.toThrow(/prod is read-only: SET may write: it is flagged "write"/);
      await expect(guarded.eval("return redis.call('SET', KEYS[1], 'x')", 1, 'guarded:script')).rejects.toThrow(/EVAL may write/);

      await expect(guarded.pipeline().get('guarded:existing').del('guarded:existing').exec()).rejects.toThrow(/DEL may write/);
      expect(await guarded.pipeline().get('guarded:existing').ttl('guarded:existing').exec()).toEqual([
        [null, 'before'],
        [null, -1],
      ]);
      await expect(guarded.multi().incr('guarded:counter').exec()).rejects.toThrow(/INCR may write/);
      expect(await guarded.get('guarded:existing')).toBe('before');

      expect(await admin.get('guarded:existing')).toBe('before');
      expect(await admin.exists('guarded:script', 'guarded:counter')).toBe(0);
    } finally {
      guarded.disconnect();
    }
  });
});
