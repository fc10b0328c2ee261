import { parse } from 'csv-parse/sync';
import type { Redis } from 'ioredis';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../../core/api-access/api-key-store.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { meterReadings, sendDatagrams } from '../../helpers/meter-readings.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';
import { waitUntil } from '../../helpers/wait-until.js';

const DAY = 86_400;
const METER = 'D704206006772';
const keys = createKeySchema({ keyPrefix: '' });

let env: TestStack;
let redis: Redis;
let store: ApiKeyStore;
let key: string;

beforeAll(async () => {
  env = await startTestStack();
  redis = redisClient(env.redisUrl);
  store = new ApiKeyStore(redis, keys);
  key = (await store.create({ name: 'reader', limitPer5s: 1000 })).key;
  const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
  await sendDatagrams(env.udpUrl!, [JSON.stringify({ deviceId: METER, readings: meterReadings(today, 12) })]);
  await waitUntil('the meter readings written', async () => Number(await redis.hget(keys.meterDevice(METER), 'readings')) === 12);
  await redis.zadd('SensorData', 1_700_000_000_000, 'T-1', 1_700_000_001_000, 'T-2,"quoted"');
  await redis.hset('T-1', { temperature: '71', humidity: '40', climate: 'cool' });
});

afterAll(async () => {
  redis?.disconnect();
  await env?.stop();
});

function get(path: string, headers: Record<string, string> = { authorization: `Bearer ${key}` }): Promise<Response> {
  return fetch(`${env.apiUrl}${path}`, { headers });
}

/** Waits for the start of a 5-second interval with at least `seconds` of it left. */
async function intervalWithRoom(seconds: number): Promise<void> {
  const intoInterval = (Date.now() / 1000) % 5;
  if (5 - intoInterval < seconds) await new Promise((resolve) => setTimeout(resolve, (5 - intoInterval) * 1000 + 20));
}

describe('the client API listener', () => {
  it('serves the routes with a key, as JSON, with the RateLimit headers', async () => {
    const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
    const energy = await get(`/v1/meters/${METER}/energy?from=${today}&to=${today + DAY - 1}&interval=3600`);
    expect(energy.status).toBe(200);
    expect(energy.headers.get('ratelimit-limit')).toBe('1000');
    expect(Number(energy.headers.get('ratelimit-remaining'))).toBeLessThan(1000);
    expect(Number(energy.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    expect(await energy.json()).toMatchObject({ deviceId: METER, readings: 12, buckets: [{ bucketStart: today, source: 'redis', readings: 12 }] });

    expect(await (await get('/v1/meters')).json()).toMatchObject({ total: 1, meters: [{ deviceId: METER, readings: 12 }] });
    expect(await (await get(`/v1/meters/${METER}`)).json()).toMatchObject({ deviceId: METER, readings: 12, buckets: 1 });
    expect((await (await get(`/v1/meters/${METER}/readings?from=${today}&to=${today + DAY}&limit=5`)).json()) as object).toMatchObject({ truncated: true, readings: expect.any(Array) });
    expect(await (await get('/v1/thermostats/T-1')).json()).toEqual({ deviceId: 'T-1', fields: { temperature: '71', humidity: '40', climate: 'cool' } });
    expect(await (await get('/v1/events?from=1700000000&to=1700000001')).json()).toEqual({
      events: [
        { deviceId: 'T-1', timestamp: 1_700_000_000_000 },
        { deviceId: 'T-2,"quoted"', timestamp: 1_700_000_001_000 },
      ],
      truncated: false,
    });
    expect(await (await get('/v1/climate')).json()).toMatchObject({ counters: { hot: expect.any(Number), warm: expect.any(Number), cool: expect.any(Number), cold: expect.any(Number) } });
  });

  it('answers CSV with ?format=csv that a CSV parser reads back', async () => {
    const response = await get('/v1/events?from=1700000000&to=1700000001&format=csv');
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(parse(await response.text(), { columns: true })).toEqual([
      { deviceId: 'T-1', timestamp: '1700000000000' },
      { deviceId: 'T-2,"quoted"', timestamp: '1700000001000' },
    ]);
    const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
    const readings = parse(await (await get(`/v1/meters/${METER}/readings?from=${today}&to=${today + DAY}&format=csv`)).text(), { columns: true }) as Array<Record<string, string>>;
    expect(readings).toHaveLength(12);
    expect(Number(readings[0]!.timestamp)).toBe(today);
  });

  it('takes the key as Bearer or X-API-Key and answers 401 alike for a missing, malformed, unknown or wrong key', async () => {
    expect((await get('/v1/climate', { 'x-api-key': key })).status).toBe(200);
    const wrongSecret = `${key.slice(0, key.indexOf('.'))}.${'A'.repeat(32)}`;
    const unknownId = `key_0123456789abcdef${key.slice(key.indexOf('.'))}`;
    const bodies = [];
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer nonsense' }, { authorization: `Bearer ${wrongSecret}` }, { 'x-api-key': unknownId }];
    for (const headers of attempts) {
      const response = await get('/v1/climate', headers);
      expect(response.status).toBe(401);
      bodies.push(await response.json());
    }
    expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
    expect(bodies[0]).toMatchObject({ kind: 'unauthorized' });
  });

  it('limits a key to its limit per 5-second interval: 60 requests at once on limit 20 give 20 × 200 and 40 × 429 with Retry-After', async () => {
    const limited = (await store.create({ name: 'limited', limitPer5s: 20 })).key;
    await intervalWithRoom(3);
    const responses = await Promise.all(Array.from({ length: 60 }, () => get('/v1/climate', { authorization: `Bearer ${limited}` })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40);
    for (const response of responses) {
      expect(response.headers.get('ratelimit-limit')).toBe('20');
      if (response.status !== 429) continue;
      expect(response.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers.get('retry-after'))).toBeLessThanOrEqual(5);
    }
    expect(await responses.find((response) => response.status === 429)!.json()).toMatchObject({ kind: 'throttled' });
  });

  it('keeps a scoped key to its devices: 403 for other devices and for the routes over every device', async () => {
    const scoped = (await store.create({ name: 'one thermostat', limitPer5s: 100, devices: ['T-1'] })).key;
    const as = (path: string) => get(path, { authorization: `Bearer ${scoped}` });
    expect((await as('/v1/thermostats/T-1')).status).toBe(200);
    const refused = await as('/v1/thermostats/T-2');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ kind: 'refused' });
    expect(refused.headers.get('ratelimit-limit')).toBe('100');
    expect((await as(`/v1/meters/${METER}`)).status).toBe(403);
    expect((await as('/v1/climate')).status).toBe(403);
    expect((await as('/v1/meters')).status).toBe(403);
  });

  it('answers 400 naming the parameter, and 404 JSON for unknown routes and devices', async () => {
    const field = async (path: string) => {
      const response = await get(path);
      expect(response.status).toBe(400);
      return ((await response.json()) as { field: string }).field;
    };
    expect(await field('/v1/events?from=soon&to=1700000001')).toBe('from');
    expect(await field('/v1/events?to=1700000001')).toBe('from');
    expect(await field('/v1/events?from=1700000002&to=1700000001')).toBe('from');
    expect(await field(`/v1/events?from=1700000000&to=${1_700_000_000 + 401 * DAY}`)).toBe('to');
    expect(await field('/v1/events?from=1&to=2&limit=0')).toBe('limit');
    expect(await field('/v1/climate?format=xml')).toBe('format');
    expect(await field('/v1/thermostats/no%20spaces')).toBe('deviceId');

    for (const path of ['/v1/nothing', '/v1/thermostats/T-9', '/v1/meters/D0']) {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ kind: 'not-found' });
    }
  });

  it('writes nothing a client sends anywhere but its own counters', async () => {
    const before = new Set(await redis.keys('*'));
    await get('/v1/thermostats/T-1?temperature=99');
    await fetch(`${env.apiUrl}/v1/climate`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: 'x' });
    const added = (await redis.keys('*')).filter((name) => !before.has(name));
    expect(added.every((name) => /^backend:dev:(apiKeys:key_[0-9a-f]{16}:(tps|usage):|api:usage:)/.test(name))).toBe(true);
    expect(await redis.hgetall('T-1')).toEqual({ temperature: '71', humidity: '40', climate: 'cool' });
  });

  it('counts each key\'s requests per minute by route and status class', async () => {
    const { key: counted, record } = await store.create({ name: 'counted', limitPer5s: 2 });
    await intervalWithRoom(2);
    for (let i = 0; i < 3; i++) await get('/v1/climate', { authorization: `Bearer ${counted}` });
    const minute = Math.floor(Date.now() / 60_000) * 60;
    const usage = await waitUntil('the counters written', async () => {
      const fields = await redis.hgetall(`backend:dev:apiKeys:${record.id}:usage:minute:${minute}`);
      return fields.requests === '3' ? fields : null;
    });
    expect(usage).toEqual({ requests: '3', 'route:climate:2xx': '2', 'route:climate:4xx': '1', 'status:429': '1' });
  });

  it('publishes an OpenAPI 3 document of its routes, without a key, that a validator accepts', async () => {
    const response = await get('/v1/openapi.json', {});
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, { get: { parameters: Array<{ name: string; in: string; required: boolean }> } }> };
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(Object.keys(document.paths).sort()).toEqual(['/v1/climate', '/v1/events', '/v1/meters', '/v1/meters/{deviceId}', '/v1/meters/{deviceId}/energy', '/v1/meters/{deviceId}/readings', '/v1/thermostats/{deviceId}']);
    expect(document.paths['/v1/meters/{deviceId}/energy']!.get.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'deviceId', in: 'path', required: true }),
        expect.objectContaining({ name: 'from', in: 'query', required: true }),
        expect.objectContaining({ name: 'interval', in: 'query', required: false }),
      ]),
    );
  });
});
