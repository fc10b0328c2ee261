import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS, ExportRowCounter } from '../../../core/api/export.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';

let stack: TestStack;
let redis: Redis;

/** Dead letters as ingest writes them (newest first), with payloads a naive CSV writer breaks on. */
const LETTERS = [
  { at: 3000, topic: 'temp_readings', clientId: 'c,1', reason: 'not-json', detail: 'Unexpected token "x"', payload: 'x,"y"\r\nz', payloadBytes: 9 },
  { at: 2000, topic: 'sensors/a b', clientId: null, reason: 'missing-field', detail: 'temperature: Required', payload: '{"deviceId":"a\\nb"}\n', payloadBytes: 20 },
  { at: 1000, topic: 't', clientId: 'plain', reason: 'too-large', detail: '', payload: '', payloadBytes: 0 },
];

beforeAll(async () => {
  stack = await startTestStack();
  redis = redisClient(stack.redisUrl);
  await redis.rpush('workbench:ingest:deadletters', ...LETTERS.map((letter) => JSON.stringify(letter)));
  for (let i = 0; i < 30; i++) {
    await redis.zadd('SensorData', 1000 + i, `d${i}`);
    await redis.hset(`d${i}`, { temperature: String(i), humidity: '1', climate: 'cold', deviceIP: '::1', timestamp: String(1000 + i), requestId: `r${i}` });
  }
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

async function get(view: string, query: string): Promise<Response> {
  return fetch(`${stack.origin}/api/export/${view}?${query}`, { headers: { authorization: `Bearer ${stack.token}` } });
}

async function csvRecords(text: string): Promise<string[][]> {
  const records: string[][] = [];
  for await (const record of Readable.from([text]).pipe(parse())) records.push(record as string[]);
  return records;
}

describe('the export views', () => {
  it('rejected: the CSV read back by csv-parse is exactly the dead letters, quotes, commas, CR and LF in payloads included', async () => {
    const answer = await get('rejected', 'format=csv');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-export-total')).toBe('3');
    const text = await answer.text();
    const [header, ...rows] = await csvRecords(text);
    expect(header).toEqual([...EXPORT_COLUMNS.rejected]);
    expect(rows).toEqual(LETTERS.map((letter) => EXPORT_COLUMNS.rejected.map((column) => String((letter as Record<string, unknown>)[column] ?? ''))));
    const counter = new ExportRowCounter('csv');
    counter.add(new TextEncoder().encode(text));
    expect(counter.finish()).toBe(3);
    const ndjson = (await (await get('rejected', 'format=ndjson')).text()).trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(ndjson).toEqual(LETTERS.map((letter) => ({ ...letter })));
  });

  it('devices: every device hash, or those ZSCAN MATCH finds; the JSON array parses and the row counter agrees', async () => {
    const all = (await (await get('devices', 'format=json')).json()) as Array<{ deviceId: string }>;
    expect(all.map(({ deviceId }) => deviceId)).toEqual(Array.from({ length: 30 }, (_, i) => `d${i}`));
    const matched = (await (await get('devices', 'format=json&match=d1*')).json()) as Array<{ deviceId: string }>;
    expect(matched.map(({ deviceId }) => deviceId).sort()).toEqual(['d1', ...Array.from({ length: 10 }, (_, i) => `d1${i}`)].sort());
    const text = await (await get('devices', 'format=json')).text();
    const counter = new ExportRowCounter('json');
    counter.add(new TextEncoder().encode(text));
    expect(counter.finish()).toBe(30);
  });

  it('keys: the Keys page SCAN with its pattern and type', async () => {
    const rows = (await (await get('keys', 'format=ndjson&match=d2*&type=hash')).text()).trimEnd().split('\n').map((line) => JSON.parse(line) as { key: string; type: string });
    expect(rows.map(({ key }) => key).sort()).toEqual(['d2', ...Array.from({ length: 10 }, (_, i) => `d2${i}`)].sort());
    expect(new Set(rows.map(({ type }) => type))).toEqual(new Set(['hash']));
  });

  it('broker-topics and refusals stream the broker state, meter-readings an empty meter, each with a header row', async () => {
    expect((await csvRecords(await (await get('broker-topics', 'format=csv')).text()))[0]).toEqual([...EXPORT_COLUMNS['broker-topics']]);
    expect((await csvRecords(await (await get('refusals', 'format=csv')).text()))[0]).toEqual([...EXPORT_COLUMNS.refusals]);
    const readings = await get('meter-readings', 'format=csv&deviceId=m1&from=0&to=86400');
    expect(readings.status).toBe(200);
    expect(await csvRecords(await readings.text())).toEqual([[...EXPORT_COLUMNS['meter-readings']]]);
    expect(await (await get('meter-energy', 'format=json&deviceId=m1&from=0&to=86400&interval=3600')).json()).toEqual([]);
  });

  it('answers 400 naming the bad parameter', async () => {
    for (const [view, query, field] of [
      ['events', 'format=xml&from=0&to=1', 'format'],
      ['events', 'from=5&to=1', 'from'],
      ['devices', 'match=', 'match'],
      ['keys', 'type=blob', 'type'],
      ['meter-energy', 'deviceId=m1&from=0&to=10&interval=0', 'interval'],
      ['meter-energy', 'from=0&to=10', 'deviceId'],
      ['meter-readings', 'deviceId=m1&from=0&to=40000000', 'to'],
      ['meter-readings', 'deviceId=m1&from=x&to=1', 'from'],
    ] as const) {
      const answer = await get(view, query);
      expect(answer.status, `${view}?${query}`).toBe(400);
      expect(((await answer.json()) as { field: string }).field, `${view}?${query}`).toBe(field);
    }
  });
});
