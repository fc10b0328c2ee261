import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyCreated } from '../../../core/api/api-keys.js';
import type { StackStatus } from '../../../core/api/status.js';
import { meterReadings, sendDatagrams } from '../../helpers/meter-readings.js';
import { redisClient } from '../../helpers/redis-client.js';
import { runCliInOneProcess, type CliProcess, type ReadyAddresses } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';
import { waitUntil } from '../../helpers/wait-until.js';

/** One process per role on one Redis, as a scaled-out deployment runs them. */
let redis: TestRedis;
const dirs: TempDir[] = [];
const processes: CliProcess[] = [];
const ready: Record<'udp' | 'api' | 'ui' | 'archiver', ReadyAddresses> = {} as never;

async function start(role: keyof typeof ready, extra: string[] = []): Promise<void> {
  const dir = await makeTempDir(`sw-role-${role}-`);
  dirs.push(dir);
  // No --http-port / --mqtt-port: a process that does not serve them must not need them free.
  const serve = runCliInOneProcess(['serve', '--role', role, '--data-dir', dir.path, '--redis-url', redis.url, '--udp-port', '0', '--http-port', '0', ...extra]);
  processes.push(serve);
  ready[role] = await serve.ready(60_000);
}

beforeAll(async () => {
  redis = await startTestRedis();
  await Promise.all([start('udp'), start('api'), start('ui'), start('archiver', ['--archive-interval', '1'])]);
}, 90_000);

afterAll(async () => {
  for (const serve of processes) await serve.kill();
  for (const dir of dirs) await dir.remove();
  await redis?.stop();
});

async function ui<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const url = new URL(ready.ui.http);
  const response = await fetch(`${url.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${url.searchParams.get('token')}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

describe('serve --role', () => {
  it('prints a ready line per role with its role and only the addresses it serves', () => {
    const redisUrl = expect.stringMatching(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.udp).toEqual({ role: 'udp', redis: redisUrl, udp: expect.stringMatching(/^udp:\/\/127\.0\.0\.1:\d+$/) });
    expect(ready.api).toEqual({ role: 'api', redis: redisUrl, api: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(ready.ui).toEqual({ role: 'ui', http: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/), redis: redisUrl });
    expect(ready.archiver).toEqual({ role: 'archiver', redis: redisUrl });
  });

  it('starts no embedded Redis: no redis dir in any data dir', () => {
    for (const dir of dirs) expect(existsSync(join(dir.path, 'redis'))).toBe(false);
  });

  it('the udp collector writes meter readings that the API server serves, with a key the ui process made: one Redis between them', async () => {
    const start = Math.floor(Date.now() / 1000 / 300) * 300 - 3000;
    await sendDatagrams(ready.udp.udp!, [JSON.stringify({ deviceId: 'D704206099901', readings: meterReadings(start, 3) })]);
    const check = redisClient(redis.url);
    try {
      await waitUntil('the readings in their energy bucket', async () => (await check.keys('backend:dev:energy:D704206099901:*')).length > 0);
    } finally {
      check.disconnect();
    }

    const created = await ui<ApiKeyCreated>('POST', '/api/api-keys', { name: 'roles test', limitPer5s: 50 });
    expect(created.status).toBe(201);
    const response = await waitUntil('the API server knows the new key', async () => {
      const answer = await fetch(`${ready.api.api}/v1/meters/D704206099901`, { headers: { authorization: `Bearer ${created.body.key}` } });
      return answer.status === 200 ? answer : null;
    });
    expect(await response.json()).toMatchObject({ deviceId: 'D704206099901' });
  });

  it("the ui process's Overview says which parts are elsewhere", async () => {
    const { body } = await ui<StackStatus>('GET', '/api/status');
    expect(body.parts.broker).toMatchObject({ state: 'stopped', detail: expect.stringMatching(/no broker in this process \(role ui\)/) });
    expect(body.parts.ingest.state).toBe('stopped');
    expect(body.parts.redis.state).toBe('running');
    const emulator = await ui<{ error: string }>('POST', '/api/emulator', { action: 'start' });
    expect(emulator.status).toBe(409);
    expect(emulator.body.error).toMatch(/needs the bundled broker, and this process has none/);
  });

  it('stops each role cleanly on SIGTERM', async () => {
    for (const serve of processes) serve.child.kill('SIGTERM');
    for (const serve of processes) expect(await serve.exited).toEqual({ code: 0, signal: null });
  });
});
