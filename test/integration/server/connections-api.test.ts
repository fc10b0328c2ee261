import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../core/api/api-client.js';
import type { ClimateCounters } from '../../../core/api/events.js';
import type { ConnectionInput } from '../../../core/api/connections.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';

/** A "production" Redis the workbench did not fill, naming the data model its own way. */
const PRODUCTION_SCHEMA = { keyPrefix: 'plant7:', sensorData: 'Events', climatePrefix: 'totals:', devicePrefix: 'thermostat:', warningsChannel: 'Alerts' };

let env: TestStack;
let production: TestRedis;
let productionRedis: Redis;
let client: ApiClient;

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${env.origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  [env, production] = await Promise.all([startTestStack(), startTestRedis()]);
  client = new ApiClient({ origin: env.origin, token: env.token });
  productionRedis = redisClient(production.url);
  await productionRedis
    .multi()
    .zadd('plant7:Events', 1_700_000_000_000, '2942', 1_700_000_001_000, '3001')
    .hset('plant7:thermostat:2942', { deviceId: '2942', temperature: '97', climate: 'hot' })
    .mset('plant7:totals:hot', '5', 'plant7:totals:warm', '3', 'plant7:totals:cool', '2', 'plant7:totals:cold', '1')
    .exec();
});

afterAll(async () => {
  productionRedis?.disconnect();
  await env?.stop();
  await production?.stop();
});

const productionInput = (overrides: Partial<ConnectionInput> = {}): ConnectionInput => ({ name: 'plant 7', url: production.url, schema: PRODUCTION_SCHEMA, ...overrides });

describe('saved connections over the API', () => {
  it('lists the workbench\'s own Redis first, writable and active', async () => {
    const list = await client.connections();
    expect(list.connections[0]).toMatchObject({ id: 'workbench', builtIn: true, readOnly: false });
    expect(list.activeId).toBe('workbench');
    expect(list.secretStorage.available).toBe(true);
  });

  it('saves a connection read-only by default and never sends its password back', async () => {
    const saved = await client.addConnection({ ...productionInput(), secrets: { password: 'not-needed-but-stored' } });
    expect(saved).toMatchObject({ name: 'plant 7', readOnly: true, builtIn: false, storedSecrets: { password: true } });
    const listed = JSON.stringify(await client.connections());
    expect(listed).not.toContain('not-needed-but-stored');
    await client.deleteConnection(saved.id);
  });

  it('answers bad settings with 400 naming the field, and an unknown id with 404', async () => {
    const bad = await post('/api/connections', { name: 'x', port: 0 });
    expect(bad).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^port: /) } });
    expect((await post('/api/connections/nope/activate', {})).status).toBe(404);
  });

  it('tests unsaved settings step by step, and says which step failed', async () => {
    const good = await client.testConnectionInput(productionInput());
    expect(good.ok).toBe(true);
    expect(good.steps.map((step) => step.step)).toEqual(['connect', 'authenticate', 'server', 'commands', 'keyspace']);
    expect(good.steps.find((step) => step.step === 'keyspace')?.detail).toMatch(/^\d+ keys/);

    const closedPort = new URL(production.url);
    closedPort.port = '1';
    const refused = await client.testConnectionInput(productionInput({ url: closedPort.toString() }));
    expect(refused.ok).toBe(false);
    expect(refused.steps[0]).toMatchObject({ step: 'connect', ok: false, detail: expect.stringMatching(/refused the connection/) });
  });
});

describe('pointing the pages at another Redis', () => {
  let id: string;

  beforeAll(async () => {
    id = (await client.addConnection(productionInput())).id;
    const active = await client.activateConnection(id);
    expect(active).toMatchObject({ id, name: 'plant 7', readOnly: true, builtIn: false });
  });

  afterAll(async () => {
    await client.activateConnection('workbench');
  });

  it('shows the thermostat dashboards from a Redis the workbench did not fill, through the schema mapping', async () => {
    const recent = await client.recentEvents(10);
    expect(recent.events.map((event) => event.deviceId)).toEqual(['3001', '2942']);
    expect(recent.command).toContain('plant7:Events');
    expect(await client.device('2942')).toMatchObject({ fields: { temperature: '97' }, command: 'HGETALL plant7:thermostat:2942' });
    const climate: ClimateCounters = await client.climate();
    expect(climate.counters).toMatchObject({ hot: 5, warm: 3, cool: 2, cold: 1 });
    const status = await client.status();
    expect(status).toMatchObject({ readOnly: true, connection: { id, name: 'plant 7' } });
  });

  it('browses its keys, and the console answers like redis-cli', async () => {
    const page = await client.keys({ match: 'plant7:*' });
    expect(page.keys.map((key) => key.key).sort()).toContain('plant7:thermostat:2942');
    const hash = await client.console('hgetall plant7:thermostat:2942');
    expect(hash.output).toBe('1) "deviceId"\n2) "2942"\n3) "temperature"\n4) "97"\n5) "climate"\n6) "hot"');
    const reply = await client.console('zrange plant7:Events 0 -1 WITHSCORES');
    expect(reply).toMatchObject({ error: false, refused: null, output: '1) "2942"\n2) "1700000000000"\n3) "3001"\n4) "1700000001000"' });
  });

  it('offers the source document\'s queries with this connection\'s key names', async () => {
    const examples = await client.consoleExamples();
    expect(examples.map((example) => example.line)).toContain('zrevrangebyscore plant7:Events +inf -inf WITHSCORES LIMIT 0 5');
    expect(examples.map((example) => example.line)).toContain('hgetall plant7:thermostat:2942');
    expect(examples.map((example) => example.line)).toContain('get plant7:totals:hot');
  });

  it('refuses a write sent straight to the API, and nothing reaches the server', async () => {
    const before = await productionRedis.dbsize();
    const reply = await client.console('SET plant7:totals:hot 999');
    expect(reply).toMatchObject({ error: true, refused: expect.stringMatching(/plant 7 is read-only: SET may write/) });
    const script = await client.console(`EVAL "return redis.call('DEL', KEYS[1])" 1 plant7:Events`);
    expect(script.refused).toMatch(/EVAL may write/);
    expect(await productionRedis.get('plant7:totals:hot')).toBe('5');
    expect(await productionRedis.dbsize()).toBe(before);
  });

  it('does not start the emulators or the archive while the pages show another Redis', async () => {
    const emulator = await post('/api/emulator', { action: 'start' });
    expect(emulator.status).toBe(409);
    expect(emulator.body).toMatchObject({ error: expect.stringMatching(/the pages show plant 7/) });
    expect((await client.status()).emulator?.running ?? false).toBe(false);
  });

  it('will not delete the connection in use', async () => {
    await expect(client.deleteConnection(id)).rejects.toThrow(/in use/);
  });

  it('keeps the current connection when the new one cannot be reached', async () => {
    const unreachable = await client.addConnection({ name: 'gone', host: '127.0.0.1', port: 1, connectTimeoutMs: 500 });
    await expect(client.activateConnection(unreachable.id)).rejects.toThrow(/cannot connect to gone/);
    expect((await client.status()).connection.id).toBe(id);
  });
});

describe('a writable saved connection', () => {
  it('lets the console write there when the user switched read-only off', async () => {
    const writable = await client.addConnection(productionInput({ name: 'scratch', readOnly: false }));
    await client.activateConnection(writable.id);
    try {
      expect((await client.console('set scratch:key "hello world"')).output).toBe('OK');
      expect(await productionRedis.get('scratch:key')).toBe('hello world');
      const blocked = await client.console('blpop scratch:list 0');
      expect(blocked.refused).toMatch(/can block the connection/);
    } finally {
      await client.activateConnection('workbench');
    }
  });
});
