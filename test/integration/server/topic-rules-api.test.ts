import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../core/api/api-client.js';
import { jsonRequest } from '../../helpers/json-request.js';
import { connectPublisher, publishAll } from '../../helpers/mqtt-publisher.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';
import { waitUntil } from '../../helpers/wait-until.js';

/** The Topic rules page's API on the real stack: the rules in force, saving them, and a device's message taking the new route. */

let env: TestStack;
let api: ApiClient;
let redis: Redis;

beforeAll(async () => {
  env = await startTestStack();
  api = new ApiClient({ origin: env.origin, token: env.token });
  redis = redisClient(env.redisUrl);
});

afterAll(async () => {
  redis?.disconnect();
  await env?.stop();
});

const put = (body: unknown) => jsonRequest<{ error?: string }>(env.origin, 'PUT', '/api/ingest/topic-rules', { body, token: env.token });

describe('topic rules API', () => {
  it('shows the default rules, from the config, until some are saved', async () => {
    const view = await api.topicRules();
    expect(view).toMatchObject({
      rules: [
        { filter: 'temp_readings', handler: 'thermostat', matched: 0 },
        { filter: 'meters/+/energy', handler: 'meter', matched: 0 },
      ],
      origin: 'config',
      locked: null,
      hashKeyPattern: 'topic:<topic>',
    });
    expect(view.file).toBe(join(env.stack.config.dataDir, 'topic-rules.json'));
  });

  it('answers a bad table with 400 naming the rule and field, and changes nothing', async () => {
    expect(await put({ rules: [{ filter: 'a/#/b', handler: 'json-hash' }] })).toEqual({
      status: 400,
      body: { error: 'rules.0.filter: "a/#/b": "#" may only be the last level', kind: 'invalid-input', field: 'rules.0.filter' },
    });
    expect((await put({ rules: [{ filter: 'a', handler: 'lambda' }] })).status).toBe(400);
    expect((await put({ rules: [{ filter: 'a', handler: 'ignore', extra: 1 }] })).status).toBe(400);
    expect((await put({})).body.error).toMatch(/^rules: /);
    expect((await api.topicRules()).origin).toBe('config');
  });

  it('saves new rules to the data dir and routes the next message by them', async () => {
    const saved = await api.saveTopicRules([
      { filter: 'temp_readings', handler: 'thermostat' },
      { filter: 'plant/+/status', handler: 'json-hash' },
    ]);
    expect(saved).toMatchObject({ origin: 'saved', rules: [{ filter: 'temp_readings' }, { filter: 'plant/+/status', handler: 'json-hash' }] });
    expect(JSON.parse(await readFile(saved.file, 'utf8'))).toEqual({
      version: 1,
      rules: [
        { filter: 'temp_readings', handler: 'thermostat' },
        { filter: 'plant/+/status', handler: 'json-hash' },
      ],
    });

    const device = await connectPublisher(env.mqttUrl);
    try {
      await publishAll(device, 'plant/pump-3/status', [{ running: true, rpm: 1450 }]);
      await publishAll(device, 'meters/D704206006772/energy', ['[]']);
    } finally {
      await device.endAsync(true);
    }
    expect(await waitUntil('the pump\'s hash', async () => {
      const hash = await redis.hgetall('topic:plant/pump-3/status');
      return Object.keys(hash).length > 0 ? hash : null;
    })).toEqual({ running: 'true', rpm: '1450' });
    const view = await waitUntil('the tally', async () => {
      const current = await api.topicRules();
      return current.unrouted === 1 ? current : null;
    });
    expect(view.rules.map(({ matched }) => matched)).toEqual([0, 1]);
    expect(env.log.some((line) => line.includes('topic rules saved to') && line.includes('plant/+/status → json-hash'))).toBe(true);
  });
});

describe('topic rules in read-only mode', () => {
  let readOnly: TestStack;

  beforeAll(async () => {
    readOnly = await startTestStack({ config: { readOnly: true } });
  });

  afterAll(async () => {
    await readOnly?.stop();
  });

  it('shows the rules locked and refuses to change them', async () => {
    const client = new ApiClient({ origin: readOnly.origin, token: readOnly.token });
    expect((await client.topicRules()).locked).toMatch(/read-only mode/);
    await expect(client.saveTopicRules([])).rejects.toThrow(/read-only mode: nothing is ingested/);
  });
});
