import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../../core/api-access/api-key-store.js';
import { KEY_CACHE_MS, KeyCheck } from '../../../core/api-access/key-check.js';
import { countRequest } from '../../../core/api-access/throttle.js';
import { readKeyUsage, UsageRecorder } from '../../../core/api-access/usage-counters.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';

const keys = createKeySchema({ keyPrefix: '' });
/** 2017-03-07T20:00:00Z, the paper's `apiKeys:key_08f…:tps:1488931200` interval. */
const PAPER_INTERVAL_MS = 1_488_931_200_000;

let server: TestRedis;
let redis: Redis;
let store: ApiKeyStore;

beforeAll(async () => {
  server = await startTestRedis();
  redis = redisClient(server.url);
  store = new ApiKeyStore(redis, keys);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await redis.flushall();
});

describe('API key objects and indexes', () => {
  it('stores a key as the hash <ns>:apiKeys:<keyId> in the index set <ns>:apiKeys, with a hash of the secret but never the secret', async () => {
    const { key, record } = await store.create({ name: 'dashboard', limitPer5s: 20 }, 1_700_000_000_000);

    expect(record.id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(key.startsWith(`${record.id}.`)).toBe(true);
    expect(await redis.smembers('backend:dev:apiKeys')).toEqual([record.id]);
    const hash = await redis.hgetall(`backend:dev:apiKeys:${record.id}`);
    expect(Object.keys(hash).sort()).toEqual(['created', 'limit', 'name', 'scope', 'secretHash']);
    expect(hash).toMatchObject({ name: 'dashboard', created: '1700000000000', limit: '20', scope: '*' });
    const secret = key.slice(record.id.length + 1);
    const everything = JSON.stringify(await Promise.all((await redis.keys('*')).map((name) => (name === keys.apiKeys ? redis.smembers(name) : redis.hgetall(name)))));
    expect(everything).not.toContain(secret);
    expect(everything).toContain(record.id);
  });

  it('records a scoped key in each device\'s <ns>:devices:<id>:clients index, moves it on a change and removes it on revocation', async () => {
    const { record } = await store.create({ name: 'one meter', limitPer5s: 5, devices: ['D1', 'D2'] });
    expect(await redis.hget(keys.apiKey(record.id), 'scope')).toBe('D1,D2');
    expect(await redis.smembers('backend:dev:devices:D1:clients')).toEqual([record.id]);
    expect(await redis.smembers('backend:dev:devices:D2:clients')).toEqual([record.id]);

    await store.update(record.id, { devices: ['D2', 'D3'], limitPer5s: 9 });
    expect(await redis.exists('backend:dev:devices:D1:clients')).toBe(0);
    expect(await redis.smembers('backend:dev:devices:D3:clients')).toEqual([record.id]);
    expect(await redis.hget(keys.apiKey(record.id), 'limit')).toBe('9');

    expect(await store.revoke(record.id)).toBe(true);
    expect(await redis.keys('*')).toEqual([]);
    expect(await store.revoke(record.id)).toBe(false);
  });

  it('accepts the key it issued and refuses a wrong secret, an unknown id and garbage alike', async () => {
    const { key, record } = await store.create({ name: 'k', limitPer5s: 20 });
    const check = new KeyCheck(store);
    expect((await check.check(key))?.id).toBe(record.id);
    const wrongSecret = `${record.id}.${'A'.repeat(32)}`;
    const unknownId = `key_0000000000000000.${key.slice(record.id.length + 1)}`;
    for (const presented of [wrongSecret, unknownId, 'nonsense', '', null]) expect(await check.check(presented)).toBeNull();
    // Once a secret has matched, the key's later requests are compared with it rather than hashed: still the same answers.
    expect((await check.check(key))?.id).toBe(record.id);
    expect(await check.check(wrongSecret)).toBeNull();
  });

  it('refuses a revoked key once the cache interval has passed', async () => {
    let now = 1_000_000;
    const check = new KeyCheck(store, () => now);
    const { key, record } = await store.create({ name: 'k', limitPer5s: 20 });
    expect(await check.check(key)).not.toBeNull();
    await store.revoke(record.id);
    now += KEY_CACHE_MS;
    expect(await check.check(key)).toBeNull();
  });
});

describe('throttling as the paper', () => {
  it('counts each request in <ns>:apiKeys:<keyId>:tps:<intervalStart> with EXPIRE 60 and allows exactly the limit per 5-second interval', async () => {
    const verdicts = [];
    for (let i = 0; i < 25; i++) verdicts.push(await countRequest(redis, keys, 'key_08f0000000000000', 20, PAPER_INTERVAL_MS + 3_400));

    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(20);
    expect(verdicts[19]).toEqual({ allowed: true, limit: 20, remaining: 0, resetSeconds: 2 });
    expect(verdicts[20]!.allowed).toBe(false);
    expect(await redis.keys('*')).toEqual(['backend:dev:apiKeys:key_08f0000000000000:tps:1488931200']);
    expect(await redis.get('backend:dev:apiKeys:key_08f0000000000000:tps:1488931200')).toBe('25');
    expect(await redis.ttl('backend:dev:apiKeys:key_08f0000000000000:tps:1488931200')).toBeGreaterThanOrEqual(59);

    const next = await countRequest(redis, keys, 'key_08f0000000000000', 20, PAPER_INTERVAL_MS + 5_000);
    expect(next).toEqual({ allowed: true, limit: 20, remaining: 19, resetSeconds: 5 });
  });
});

describe('usage counters', () => {
  it('keeps per-key and API-wide counters per minute for 48 h and per hour for 90 days, by route and status class, with 401/403/429 on their own', async () => {
    const now = Date.now();
    const recorder = new UsageRecorder(redis, keys, () => undefined);
    for (let i = 0; i < 3; i++) recorder.record({ keyId: 'key_08f0000000000000', route: 'climate', status: 200, atMs: now });
    recorder.record({ keyId: 'key_08f0000000000000', route: 'climate', status: 429, atMs: now });
    recorder.record({ keyId: 'key_08f0000000000000', route: 'meter', status: 403, atMs: now });
    recorder.record({ keyId: null, route: 'climate', status: 401, atMs: now });
    await recorder.stop();

    const second = Math.floor(now / 1000);
    const minute = second - (second % 60);
    const hour = second - (second % 3600);
    expect((await redis.keys('*')).sort()).toEqual(
      [
        `backend:dev:api:usage:hour:${hour}`,
        `backend:dev:api:usage:minute:${minute}`,
        `backend:dev:apiKeys:key_08f0000000000000:usage:hour:${hour}`,
        `backend:dev:apiKeys:key_08f0000000000000:usage:minute:${minute}`,
      ].sort(),
    );
    const perKey = { requests: '5', 'route:climate:2xx': '3', 'route:climate:4xx': '1', 'route:meter:4xx': '1', 'status:429': '1', 'status:403': '1' };
    expect(await redis.hgetall(`backend:dev:apiKeys:key_08f0000000000000:usage:minute:${minute}`)).toEqual(perKey);
    expect(await redis.hgetall(`backend:dev:apiKeys:key_08f0000000000000:usage:hour:${hour}`)).toEqual(perKey);
    expect(await redis.hgetall(`backend:dev:api:usage:minute:${minute}`)).toEqual({ ...perKey, requests: '6', 'route:climate:4xx': '2', 'status:401': '1' });
    expect(await redis.call('EXPIRETIME', `backend:dev:apiKeys:key_08f0000000000000:usage:minute:${minute}`)).toBe(minute + 48 * 3600);
    expect(await redis.call('EXPIRETIME', `backend:dev:apiKeys:key_08f0000000000000:usage:hour:${hour}`)).toBe(hour + 90 * 86_400);
    expect(await redis.call('EXPIRETIME', `backend:dev:api:usage:minute:${minute}`)).toBe(minute + 48 * 3600);

    const usage = await readKeyUsage(redis, keys, 'key_08f0000000000000', 'hour', now);
    expect(usage.points).toHaveLength(60);
    expect(usage.points.at(-1)).toEqual({ t: minute, requests: 5, throttled: 1, refused: 1 });
    expect(usage.byRoute).toEqual({ 'climate 2xx': 3, 'climate 4xx': 1, 'meter 4xx': 1 });
    expect((await readKeyUsage(redis, keys, 'key_08f0000000000000', '90d', now)).points.at(-1)).toMatchObject({ t: hour, requests: 5 });
  });
});
