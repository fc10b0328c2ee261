import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ClimateCounters,
  DataModel,
  DeviceDetail,
  EventRange,
  EventSearch,
  RecentEvents,
  RejectedPayloads,
  SensorEvent,
} from '../../../core/api/events.js';
import type { EmulatorStatus, StackStatus } from '../../../core/api/status.js';
import { connectPublisher, publishAll } from '../../helpers/mqtt-publisher.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { PROJECT_ROOT } from '../../helpers/serve-process.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const TOPIC = 'temp_readings';
const RENDERER_DIR = join(PROJECT_ROOT, 'out', 'renderer');
const BUILT_INDEX = join(RENDERER_DIR, 'index.html');

/** Device clocks of the range readings: far from "now", so nothing else lands between them. */
const RANGE_T0 = Date.UTC(2021, 0, 1);
const RANGE_IDS = Array.from({ length: 10 }, (_, i) => `r-${i}`);
/** Ids for the ZSCAN MATCH 2* search, plus fillers that push SensorData past the listpack size so ZSCAN pages. */
const SEARCH_IDS = [21, 22, 210, 31];
const FILLER_IDS = Array.from({ length: 150 }, (_, i) => `f-${i}`);
const DETAIL = devicePayload({ deviceId: 'detail-1', temperature: 72.5, humidity: 41, deviceIP: '10.9.8.7', timestamp: Date.UTC(2022, 5, 1) });
const NOT_JSON = 'this is not json {';

let env: TestStack;
let redis: Redis;
let publisher: MqttClient;
/** Readings published in beforeAll; the newest device clock is `now0 + 1` for filler 0 (see below). */
let now0: number;

beforeAll(async () => {
  env = await startTestStack({ rendererDir: RENDERER_DIR });
  redis = redisClient(env.redisUrl);
  publisher = await connectPublisher(env.mqttUrl);
  now0 = Date.now() - 60_000;
  await publishAll(publisher, TOPIC, [
    ...RANGE_IDS.map((deviceId, i) => devicePayload({ deviceId, timestamp: RANGE_T0 + i * 1000 })),
    // Distinct recent clocks, newest for f-0, so "newest first" has one right answer.
    ...FILLER_IDS.map((deviceId, i) => devicePayload({ deviceId, timestamp: now0 - i * 10 })),
    ...SEARCH_IDS.map((deviceId, i) => devicePayload({ deviceId, temperature: 60 + i * 10, timestamp: now0 - 5000 - i })),
    DETAIL,
    NOT_JSON,
  ]);
  const expected = RANGE_IDS.length + FILLER_IDS.length + SEARCH_IDS.length + 1;
  await waitUntil(`${expected} devices in SensorData and one dead letter`, async () => {
    const [zcard, llen] = await Promise.all([redis.zcard('SensorData'), redis.llen('workbench:ingest:deadletters')]);
    return zcard === expected && llen === 1;
  });
});

afterAll(async () => {
  await publisher?.endAsync(true);
  redis?.disconnect();
  await env?.stop();
});

const bearer = () => ({ authorization: `Bearer ${env.token}` });

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${env.origin}${path}`, { ...init, headers: { ...bearer(), ...init.headers } });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function getJson<T>(path: string): Promise<T> {
  const { status, body } = await api<T>(path);
  expect(status, `${path}: ${JSON.stringify(body)}`).toBe(200);
  return body;
}

function postEmulator(body: unknown) {
  return api<EmulatorStatus | { error: string } | null>('/api/emulator', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Redis' own WITHSCORES reply as the API's events. */
function asEvents(flat: string[]): SensorEvent[] {
  const events: SensorEvent[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) events.push({ deviceId: flat[i]!, timestamp: Number(flat[i + 1]) });
  return events;
}

// First: the inspector measures growth since the previous GET /api/model, so this must be the first call.
describe('GET /api/model', () => {
  it('lists SensorData and the four climate counters with their sizes; growthPerSec becomes a number on the second call', async () => {
    const first = await getJson<DataModel>('/api/model');
    const byPattern = new Map(first.entries.map((entry) => [entry.pattern, entry]));
    expect(byPattern.get('SensorData')).toMatchObject({ type: 'zset', size: await redis.zcard('SensorData'), growthPerSec: null });
    const counters = await climateCounters(redis);
    for (const climate of ['hot', 'warm', 'cool', 'cold'] as const) {
      expect(byPattern.get(`climate:${climate}`), climate).toMatchObject({ type: 'string', size: counters[climate], growthPerSec: null });
    }
    expect(byPattern.get('workbench:ingest:deadletters')).toMatchObject({ type: 'list', size: 1 });
    // The stack's own warnings feed listens on the channel.
    expect(byPattern.get('Warnings')).toMatchObject({ type: 'channel', size: 1 });
    expect(first.totalKeys).toBe(await redis.dbsize());
    for (const entry of first.entries) expect(entry.growthPerSec, entry.pattern).toBeNull();
    // The client API's keys and counters, the source paper's API management.
    expect(byPattern.get('backend:dev:apiKeys')).toMatchObject({ type: 'set', size: 0, writtenBy: 'SADD backend:dev:apiKeys <keyId>' });
    expect(byPattern.get('backend:dev:devices:<deviceId>:clients')).toMatchObject({ type: 'set', size: null, inspect: 'SMEMBERS backend:dev:devices:<deviceId>:clients' });
    expect(byPattern.get('backend:dev:apiKeys:<keyId>:tps:<intervalStart>')?.writtenBy).toMatch(/^INCR .+ ; EXPIRE .+ 60 ; GET /);

    const before = await redis.zcard('SensorData');
    await publishAll(publisher, TOPIC, Array.from({ length: 20 }, (_, i) => devicePayload({ deviceId: `model-${i}`, temperature: 90 })));
    await waitUntil('20 more devices', async () => (await redis.zcard('SensorData')) === before + 20);

    const second = await getJson<DataModel>('/api/model');
    const sensorData = second.entries.find((entry) => entry.pattern === 'SensorData')!;
    expect(sensorData.size).toBe(before + 20);
    expect(sensorData.size).toBe(await redis.zcard('SensorData'));
    expect(sensorData.growthPerSec).toBeTypeOf('number');
    expect(sensorData.growthPerSec).toBeGreaterThan(0);
    const hot = second.entries.find((entry) => entry.pattern === 'climate:hot')!;
    expect(hot.size).toBe(counters.hot + 20);
    expect(hot.growthPerSec).toBeGreaterThan(0);
    for (const climate of ['warm', 'cool', 'cold']) {
      expect(second.entries.find((entry) => entry.pattern === `climate:${climate}`)!.growthPerSec, climate).toBe(0);
    }
  });
});

describe('the token', () => {
  // Every route, with a request that succeeds when the token is right.
  const routes: Array<{ method: 'GET' | 'POST'; path: string; body?: unknown }> = [
    { method: 'GET', path: '/api/status' },
    { method: 'POST', path: '/api/emulator', body: { action: 'configure' } },
    { method: 'GET', path: '/api/events' },
    { method: 'GET', path: `/api/events/range?from=${RANGE_T0}&to=${RANGE_T0 + 5000}` },
    { method: 'GET', path: '/api/events/search?match=2*' },
    { method: 'GET', path: '/api/devices/detail-1' },
    { method: 'GET', path: '/api/climate' },
    { method: 'GET', path: '/api/rejected' },
    { method: 'GET', path: '/api/model' },
  ];
  const send = (route: (typeof routes)[number], path: string, headers: Record<string, string> = {}) =>
    fetch(`${env.origin}${path}`, {
      method: route.method,
      headers: { ...headers, ...(route.body !== undefined && { 'content-type': 'application/json' }) },
      ...(route.body !== undefined && { body: JSON.stringify(route.body) }),
    });
  const withQuery = (path: string, token: string) => `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;

  it('is printed in the http address', () => {
    expect(new URL(env.stack.addresses().http!).searchParams.get('token')).toBe(env.token);
  });

  it.each(routes)('$method $path answers 401 without it and with a wrong one', async (route) => {
    const wrongSameLength = `${env.token.slice(0, -1)}${env.token.endsWith('A') ? 'B' : 'A'}`;
    const attempts: Array<[string, Record<string, string>]> = [
      [route.path, {}],
      [route.path, { authorization: 'Bearer nope' }],
      [route.path, { authorization: `Bearer ${wrongSameLength}` }],
      [route.path, { authorization: `Basic ${env.token}` }],
      [withQuery(route.path, 'nope'), {}],
      [withQuery(route.path, wrongSameLength), {}],
      [withQuery(route.path, ''), {}],
    ];
    for (const [path, headers] of attempts) {
      const response = await send(route, path, headers);
      expect(response.status, `${route.method} ${path} ${JSON.stringify(headers)}`).toBe(401);
      expect(((await response.json()) as { error: string }).error).toMatch(/token/);
    }
  });

  it.each(routes)('$method $path answers 200 with Authorization: Bearer and with ?token=', async (route) => {
    const viaHeader = await send(route, route.path, bearer());
    expect(viaHeader.status, await viaHeader.clone().text()).toBe(200);
    expect(viaHeader.headers.get('content-type')).toMatch(/application\/json/);
    const viaQuery = await send(route, withQuery(route.path, env.token));
    expect(viaQuery.status, await viaQuery.clone().text()).toBe(200);
  });

  it('guards the live channel route and unknown /api paths too', async () => {
    expect((await fetch(`${env.origin}/api/live`)).status).toBe(401);
    expect((await fetch(`${env.origin}/api/no-such-route`)).status).toBe(401);
  });

  it('cannot be skipped by percent-encoding the path (/%61pi/status is /api/status to the router)', async () => {
    const response = await fetch(`${env.origin}/%61pi/status`);
    expect([401, 404]).toContain(response.status);
    expect(await response.text()).not.toContain('startedAt');
  });
});

describe('GET /api/events', () => {
  it('returns the newest entries newest first, as ZREVRANGEBYSCORE, with total = ZCARD', async () => {
    const recent = await getJson<RecentEvents>('/api/events');
    const expected = asEvents(await redis.zrevrangebyscore('SensorData', '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, 24));
    expect(recent.events).toHaveLength(24);
    expect(recent.events).toEqual(expected);
    expect(recent.total).toBe(await redis.zcard('SensorData'));
    const timestamps = recent.events.map((event) => event.timestamp);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => b - a));
    expect(recent.command).toBe('ZREVRANGEBYSCORE SensorData +inf -inf WITHSCORES LIMIT 0 24');
  });

  it('honours limit', async () => {
    const recent = await getJson<RecentEvents>('/api/events?limit=5');
    expect(recent.events).toEqual(asEvents(await redis.zrevrangebyscore('SensorData', '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, 5)));
    expect(recent.events).toHaveLength(5);
  });
});

describe('GET /api/events/range', () => {
  const from = RANGE_T0 + 2000;
  const to = RANGE_T0 + 6000;

  it('returns the entries within [from, to], oldest first, as ZRANGEBYSCORE', async () => {
    const range = await getJson<EventRange>(`/api/events/range?from=${from}&to=${to}`);
    expect(range.events).toEqual(['r-2', 'r-3', 'r-4', 'r-5', 'r-6'].map((deviceId, i) => ({ deviceId, timestamp: from + i * 1000 })));
    expect(range.events).toEqual(asEvents(await redis.zrangebyscore('SensorData', from, to, 'WITHSCORES')));
    expect(range.truncated).toBe(false);
  });

  it('says truncated when more entries fall in the range than limit, and not when exactly limit do', async () => {
    const cut = await getJson<EventRange>(`/api/events/range?from=${from}&to=${to}&limit=3`);
    expect(cut.events.map((event) => event.deviceId)).toEqual(['r-2', 'r-3', 'r-4']);
    expect(cut.truncated).toBe(true);
    const exact = await getJson<EventRange>(`/api/events/range?from=${from}&to=${to}&limit=5`);
    expect(exact.events).toHaveLength(5);
    expect(exact.truncated).toBe(false);
  });
});

describe('GET /api/events/search', () => {
  it('pages through with the cursor until "0" and finds exactly the device ids matching the pattern', async () => {
    const found = new Map<string, number>();
    let cursor = '0';
    let pages = 0;
    do {
      const page = await getJson<EventSearch>(`/api/events/search?${new URLSearchParams({ match: '2*', cursor, count: '10' })}`);
      for (const event of page.events) found.set(event.deviceId, event.timestamp);
      cursor = page.cursor;
      pages += 1;
      expect(pages, 'the scan ends').toBeLessThan(200);
    } while (cursor !== '0');

    expect(pages, 'SensorData is large enough for ZSCAN to take several steps').toBeGreaterThan(1);
    expect([...found.keys()].sort()).toEqual(['21', '210', '22']);
    const inRedis = (await redis.zrange('SensorData', 0, -1)).filter((id) => id.startsWith('2'));
    expect([...found.keys()].sort()).toEqual(inRedis.sort());
    for (const [deviceId, timestamp] of found) expect(timestamp, deviceId).toBe(Number(await redis.zscore('SensorData', deviceId)));
  });
});

describe('GET /api/devices/:deviceId', () => {
  it('returns the six fields of a published reading, as HGETALL', async () => {
    const detail = await getJson<DeviceDetail>('/api/devices/detail-1');
    expect(detail.deviceId).toBe('detail-1');
    expect(Object.keys(detail.fields).sort()).toEqual(['climate', 'deviceIP', 'humidity', 'requestId', 'temperature', 'timestamp']);
    expect(detail.fields).toMatchObject({
      temperature: '72.5',
      humidity: '41',
      deviceIP: '10.9.8.7',
      climate: 'cool',
      timestamp: String(DETAIL.timestamp),
    });
    expect(detail.fields.requestId).toMatch(/\S/);
    expect(detail.fields).toEqual(await redis.hgetall('detail-1'));
  });

  it('returns empty fields for an unknown device', async () => {
    expect((await getJson<DeviceDetail>('/api/devices/no-such-device')).fields).toEqual({});
  });

  it('does not report Redis as unavailable for a key that is not a device hash (WRONGTYPE)', async () => {
    const { status, body } = await api<{ error?: string }>('/api/devices/SensorData');
    expect(status, JSON.stringify(body)).toBeLessThan(500);
    expect(body.error ?? '').not.toMatch(/unavailable/);
  });
});

describe('GET /api/climate', () => {
  it('equals GET climate:* in Redis', async () => {
    const climate = await getJson<ClimateCounters>('/api/climate');
    const { total: _total, ...inRedis } = await climateCounters(redis);
    expect(climate.counters).toEqual(inRedis);
    expect(inRedis.hot + inRedis.warm + inRedis.cool + inRedis.cold).toBeGreaterThan(0);
  });
});

describe('GET /api/rejected', () => {
  it('lists a payload that was not JSON with reason not-json, and counts by reason', async () => {
    const rejected = await getJson<RejectedPayloads>('/api/rejected');
    expect(rejected.letters).toHaveLength(1);
    expect(rejected.letters[0]).toMatchObject({ reason: 'not-json', topic: TOPIC, payload: NOT_JSON, payloadBytes: NOT_JSON.length });
    expect(rejected.countsByReason).toEqual({ 'not-json': 1 });
    expect(rejected.total).toBe(await redis.llen('workbench:ingest:deadletters'));
  });
});

describe('bad query parameters', () => {
  it.each([
    ['/api/events?limit=0', 'limit'],
    ['/api/events?limit=abc', 'limit'],
    ['/api/events?limit=1001', 'limit'],
    ['/api/events?limit=2.5', 'limit'],
    ['/api/events/range?to=5', 'from'],
    ['/api/events/range?from=1&to=abc', 'to'],
    ['/api/events/range?from=1&to=2&limit=0', 'limit'],
    ['/api/events/search', 'match'],
    ['/api/events/search?match=2*&cursor=abc', 'cursor'],
    ['/api/events/search?match=2*&count=0', 'count'],
    ['/api/rejected?limit=abc', 'limit'],
  ])('%s gives 400 naming %s', async (path, parameter) => {
    const { status, body } = await api<{ error: string }>(path);
    expect(status).toBe(400);
    expect(body.error).toMatch(new RegExp(`^${parameter}\\b`));
  });
});

describe('POST /api/emulator', () => {
  it('gives 400 for an unknown action, an unknown preset or an unknown field', async () => {
    const unknownAction = await postEmulator({ action: 'fly' });
    expect(unknownAction.status).toBe(400);
    expect((unknownAction.body as { error: string }).error).toMatch(/^action\b/);
    const unknownPreset = await postEmulator({ action: 'start', preset: 'blizzard' });
    expect(unknownPreset.status).toBe(400);
    expect((unknownPreset.body as { error: string }).error).toMatch(/^preset\b/);
    expect((await postEmulator({ action: 'start', speed: 3 })).status).toBe(400);
    expect((await getJson<StackStatus>('/api/status')).emulator?.running ?? false).toBe(false);
  });

  it('gives 400, not "Redis is unavailable", for a body that is not JSON', async () => {
    const { status, body } = await postEmulator('{"action":');
    expect(status, JSON.stringify(body)).toBe(400);
    expect((body as { error: string }).error).not.toMatch(/Redis/);
  });

  it('starts the heat-wave preset (mostly hot readings) and stops it (counters stop changing)', async () => {
    const before = await climateCounters(redis);
    const started = await postEmulator({ action: 'start', preset: 'heat-wave' });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ running: true, rate: 50, hotShare: 0.8 });
    expect((await getJson<StackStatus>('/api/status')).parts.emulator.state).toBe('running');

    const during = await waitUntil('80 emulated readings written', async () => {
      const now = await climateCounters(redis);
      return now.total - before.total >= 80 ? now : null;
    });
    const grew = {
      hot: during.hot - before.hot,
      others: during.warm - before.warm + (during.cool - before.cool) + (during.cold - before.cold),
    };
    // 80% forced hot plus a quarter of the rest: about 85% hot.
    expect(grew.hot, JSON.stringify({ before, during })).toBeGreaterThan(2 * grew.others);
    // What the API shows agrees.
    const climate = await getJson<ClimateCounters>('/api/climate');
    expect(climate.counters.hot).toBeGreaterThanOrEqual(during.hot);
    const recent = await getJson<RecentEvents>('/api/events?limit=5');
    expect(recent.events[0]!.timestamp).toBeGreaterThan(Date.now() - 10_000);

    const stopped = await postEmulator({ action: 'stop' });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ running: false });
    expect((await getJson<StackStatus>('/api/status')).parts.emulator.state).toBe('stopped');
    // Readings already sent are still written; then nothing changes.
    let previous = await climateCounters(redis);
    const settled = await waitUntil('counters to settle', async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = await climateCounters(redis);
      const same = now.total === previous.total;
      previous = now;
      return same ? now : null;
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await climateCounters(redis)).toEqual(settled);
    expect((await getJson<ClimateCounters>('/api/climate')).counters.hot).toBe(settled.hot);
  });
});

describe('GET /', () => {
  it.skipIf(!existsSync(BUILT_INDEX))("serves the built UI's index.html without a token", async () => {
    const response = await fetch(`${env.origin}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toBe(readFileSync(BUILT_INDEX, 'utf8'));
  });
});
