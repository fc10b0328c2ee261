import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../core/api/api-client.js';
import { ApiRequestError } from '../../../core/api/api-error.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';

let stack: TestStack;
let redis: Redis;

/** Device hashes as the thermostat rule writes them, with values a naive CSV writer would break on. */
const DEVICES = [
  { deviceId: 'plain-1', score: 1000, fields: { temperature: '21.5', humidity: '40', climate: 'warm', deviceIP: '10.0.0.1', timestamp: '1000', requestId: 'r1' } },
  { deviceId: 'comma,2', score: 2000, fields: { temperature: '3', humidity: '90', climate: 'cold', deviceIP: 'a,b', timestamp: '2000', requestId: 'say "hi"' } },
  { deviceId: 'line\nbreak', score: 3000, fields: { temperature: '-4', humidity: '0', climate: 'cold', deviceIP: 'x\r\ny', timestamp: '3000', requestId: '' } },
  { deviceId: 'outside', score: 9000, fields: { temperature: '1', humidity: '1', climate: 'cool', deviceIP: '1', timestamp: '9000', requestId: 'r9' } },
];
const IN_RANGE = DEVICES.slice(0, 3);

beforeAll(async () => {
  stack = await startTestStack();
  redis = redisClient(stack.redisUrl);
  for (const { deviceId, score, fields } of DEVICES) {
    await redis.zadd('SensorData', score, deviceId);
    await redis.hset(deviceId, fields);
  }
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

function exportUrl(query: string): string {
  return `${stack.origin}/api/export/events?${query}`;
}

async function get(query: string): Promise<Response> {
  return fetch(exportUrl(query), { headers: { authorization: `Bearer ${stack.token}` } });
}

async function csvRecords(text: string): Promise<string[][]> {
  const records: string[][] = [];
  for await (const record of Readable.from([text]).pipe(parse({ relax_column_count: false }))) records.push(record as string[]);
  return records;
}

describe('GET /api/export/events', () => {
  it('streams CSV that a CSV parser reads back as exactly the source rows, quotes, commas and newlines included', async () => {
    const answer = await get('format=csv&from=1000&to=3000');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(answer.headers.get('content-disposition')).toMatch(/attachment; filename="events-1000-3000\.csv"/);
    const [header, ...rows] = await csvRecords(await answer.text());
    expect(header).toEqual(['deviceId', 'score', 'temperature', 'humidity', 'climate', 'deviceIP', 'timestamp', 'requestId']);
    expect(rows).toEqual(IN_RANGE.map(({ deviceId, score, fields }) => [deviceId, String(score), fields.temperature, fields.humidity, fields.climate, fields.deviceIP, fields.timestamp, fields.requestId]));
  });

  it('streams NDJSON, one row per line, and JSON, one array, with every hash field', async () => {
    const expected = IN_RANGE.map(({ deviceId, score, fields }) => ({ deviceId, score, ...fields }));
    const ndjson = await (await get('format=ndjson&from=1000&to=3000')).text();
    expect(ndjson.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual(expected);
    expect(await (await get('format=json&from=1000&to=3000')).json()).toEqual(expected);
    expect(await (await get('format=json&from=5000&to=6000')).json()).toEqual([]);
  });

  it('answers 400 naming the parameter when one is bad, and 401 without the token', async () => {
    for (const [query, parameter] of [
      ['format=xml&from=0&to=1', 'format'],
      ['format=csv&from=soon&to=1', 'from'],
      ['format=csv&from=0', 'to'],
    ] as const) {
      const answer = await get(query);
      expect(answer.status).toBe(400);
      expect(JSON.stringify(await answer.json())).toContain(parameter);
    }
    expect((await fetch(exportUrl('format=csv&from=0&to=1'))).status).toBe(401);
  });
});

describe('ApiClient.exportFile', () => {
  it('answers with the server’s file name, the announced row total and the body as it streams', async () => {
    const client = new ApiClient({ origin: stack.origin, token: stack.token });
    const answer = await client.exportFile('events', { format: 'ndjson', from: 1000, to: 3000 });
    expect(answer.filename).toBe('events-1000-3000.ndjson');
    expect(answer.total).toBe(IN_RANGE.length);
    const text = await new Response(answer.body).text();
    expect(text.trimEnd().split('\n').map((line) => (JSON.parse(line) as { deviceId: string }).deviceId)).toEqual(IN_RANGE.map((device) => device.deviceId));
  });

  it('rejects with the server’s reason and the parameter to fix', async () => {
    const client = new ApiClient({ origin: stack.origin, token: stack.token });
    const failure = await client.exportFile('events', { format: 'csv', from: 3000, to: 1000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiRequestError);
    expect((failure as ApiRequestError).status).toBe(400);
    expect((failure as ApiRequestError).field).toBe('from');
  });
});
