import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexCompare, IndexList, IndexLookup, IndexStatus, IndexVerifyReport } from '../../../core/api/indexes.js';
import { classifyClimate } from '../../../core/model/climate.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { thermostatWrites } from '../../../core/model/thermostat-persist.js';
import { jsonRequest } from '../../helpers/json-request.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';
import { waitUntil } from '../../helpers/wait-until.js';

const DEVICES = 2000;
const keys = createKeySchema({ keyPrefix: '' });
let env: TestStack;
let readOnly: TestStack;
let redis: Redis;

const call = <T>(stack: TestStack, method: string, path: string, body?: unknown) => jsonRequest<T>(stack.origin, method, path, { token: stack.token, body });

beforeAll(async () => {
  env = await startTestStack();
  redis = redisClient(env.redisUrl);
  const readings = Array.from({ length: DEVICES }, (_, i) => {
    const temperature = 60 + (i % 35);
    return { deviceId: String(i + 1), temperature, humidity: 40, deviceIP: `10.1.${i % 3}.${i % 200}`, climate: classifyClimate(temperature), timestamp: 1, requestId: `r${i}` };
  });
  const [[name, ...args]] = thermostatWrites(readings, keys) as [[string, ...(string | number)[]]];
  await redis.call(name, ...args);
  readOnly = await startTestStack({ config: { readOnly: true, redis: { url: env.redisUrl } } });
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await readOnly?.stop();
  await env?.stop();
});

async function ready(name: string): Promise<IndexStatus> {
  return waitUntil(`index ${name} ready`, async () => {
    const { body } = await call<IndexList>(env, 'GET', '/api/indexes');
    const status = body.indexes.find((index) => index.definition.name === name);
    return status?.state === 'ready' ? status : null;
  });
}

describe('the indexes API', () => {
  it('is behind the UI token', async () => {
    expect((await jsonRequest(env.origin, 'GET', '/api/indexes')).status).toBe(401);
  });

  it('defines an index, builds it, looks it up page by page and answers the same as a scan', async () => {
    const created = await call<IndexStatus>(env, 'POST', '/api/indexes', { name: 'climate', match: '*', field: 'climate', kind: 'set' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ definition: { name: 'climate', transform: 'none' }, live: true, keyPattern: 'workbench:index:climate:<value>' });
    const status = await ready('climate');
    expect(status).toMatchObject({ entries: DEVICES, etaSeconds: null, lastError: null });
    expect(status.scanned).toBeGreaterThanOrEqual(DEVICES);

    const hot = new Set<string>();
    let cursor = '0';
    do {
      const { body } = await call<IndexLookup>(env, 'GET', `/api/indexes/climate/lookup?value=hot&count=100&cursor=${cursor}`);
      for (const member of body.members) hot.add(member.key);
      cursor = body.cursor;
    } while (cursor !== '0');
    const expectedHot = Array.from({ length: DEVICES }, (_, i) => i).filter((i) => 60 + (i % 35) > 85).map((i) => String(i + 1));
    expect([...hot].sort()).toEqual(expectedHot.sort());

    const { body: compared } = await call<IndexCompare>(env, 'POST', '/api/indexes/compare', { match: '*', field: 'climate', kind: 'set', value: 'hot', index: 'climate' });
    expect(compared.scan.results).toBe(expectedHot.length);
    expect(compared.index).toMatchObject({ results: expectedHot.length, commands: 1, redisCli: ['SMEMBERS workbench:index:climate:hot'] });
    expect(compared.scan.keysExamined).toBeGreaterThanOrEqual(DEVICES);
    expect(compared.scan.commands).toBeGreaterThan(DEVICES);
  });

  it('looks a zset index up by a score range', async () => {
    expect((await call(env, 'POST', '/api/indexes', { name: 'temperature', match: '*', field: 'temperature', kind: 'zset' })).status).toBe(201);
    await ready('temperature');
    const { body } = await call<IndexLookup>(env, 'GET', '/api/indexes/temperature/lookup?min=90&max=91&count=10000');
    expect(body.members.length).toBe(Array.from({ length: DEVICES }, (_, i) => 60 + (i % 35)).filter((t) => t >= 90 && t <= 91).length);
    expect(body.members.every((member) => member.score! >= 90 && member.score! <= 91)).toBe(true);
    expect((await call(env, 'GET', '/api/indexes/temperature/lookup?value=hot')).status).toBe(400);
  });

  it('refuses what is wrong in the state or the request', async () => {
    expect((await call(env, 'POST', '/api/indexes', { name: 'climate', match: '*', field: 'climate', kind: 'set' })).status).toBe(409);
    expect((await call(env, 'POST', '/api/indexes', { name: 'bad', match: '*', field: 'temperature', kind: 'zset', transform: 'ipv4-24' })).status).toBe(400);
    expect((await call(env, 'POST', '/api/indexes', { name: 'has:colon', match: '*', field: 'x', kind: 'set' })).status).toBe(400);
    expect((await call(env, 'POST', '/api/indexes/climate/pause')).status).toBe(409);
    expect((await call(env, 'GET', '/api/indexes/nothing/lookup?value=x')).status).toBe(404);
  });

  it('verifies, repairs and deletes', async () => {
    await redis.srem(keys.indexValueSet('climate', (await redis.hget('5', 'climate'))!), '5');
    const { body: report } = await call<IndexVerifyReport>(env, 'POST', '/api/indexes/climate/verify');
    expect(report).toMatchObject({ missing: 1, missingSamples: ['5'], stale: 0, repaired: false });
    expect((await call<IndexVerifyReport>(env, 'POST', '/api/indexes/climate/repair')).body).toMatchObject({ missing: 1, repaired: true });
    expect((await call<IndexVerifyReport>(env, 'POST', '/api/indexes/climate/verify')).body).toMatchObject({ missing: 0, stale: 0 });

    expect((await call(env, 'DELETE', '/api/indexes/temperature')).status).toBe(204);
    const { body } = await call<IndexList>(env, 'GET', '/api/indexes');
    expect(body.indexes.map((index) => index.definition.name)).toEqual(['climate']);
    expect(await redis.exists(keys.indexSortedSet('temperature'), keys.indexBuild('temperature'))).toBe(0);
  });

  it('on a read-only connection refuses to build, with the reason, and still runs the scan side', async () => {
    const { body: list } = await call<IndexList>(readOnly, 'GET', '/api/indexes');
    expect(list.buildRefusal).toMatch(/read-only/);
    const refused = await call<{ error: string }>(readOnly, 'POST', '/api/indexes', { name: 'mine', match: '*', field: 'climate', kind: 'set' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/^building an index writes to Redis, and the connection .* is read-only$/);
    const { status, body } = await call<IndexCompare>(readOnly, 'POST', '/api/indexes/compare', { match: '*', field: 'climate', kind: 'set', value: 'cold' });
    expect(status).toBe(200);
    expect(body.index).toBeNull();
    expect(body.scan.results).toBe(Array.from({ length: DEVICES }, (_, i) => 60 + (i % 35)).filter((t) => t <= 65).length);
    expect((await call<IndexVerifyReport>(readOnly, 'POST', '/api/indexes/climate/verify')).body).toMatchObject({ missing: 0, stale: 0 });
  });
});
