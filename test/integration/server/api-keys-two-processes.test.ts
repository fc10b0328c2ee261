import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyCreated, ApiKeyList, ApiKeyView } from '../../../core/api/api-keys.js';
import { runCli, type CliProcess, type ReadyAddresses } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { startTestRedis, type TestRedis } from '../../helpers/test-redis.js';

/** Two `serve` processes on one Redis, as two API servers of a scaled-out deployment. */
let redis: TestRedis;
const dirs: TempDir[] = [];
const processes: CliProcess[] = [];
let a: ReadyAddresses;
let b: ReadyAddresses;

beforeAll(async () => {
  redis = await startTestRedis();
  const start = async () => {
    const dir = await makeTempDir('sw-api-');
    dirs.push(dir);
    const serve = runCli(['serve', '--data-dir', dir.path, '--redis-url', redis.url, '--http-port', '0', '--mqtt-port', '0', '--udp-port', '0', '--emulate', 'none']);
    processes.push(serve);
    return serve.ready(60_000);
  };
  [a, b] = await Promise.all([start(), start()]);
}, 90_000);

afterAll(async () => {
  for (const serve of processes) await serve.kill();
  for (const dir of dirs) await dir.remove();
  await redis?.stop();
});

/** A call to the UI API of `serve`, with its token. */
async function ui<T>(serve: ReadyAddresses, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const url = new URL(serve.http);
  const response = await fetch(`${url.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${url.searchParams.get('token')}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const climate = (serve: ReadyAddresses, key: string) => fetch(`${serve.api}/v1/climate`, { headers: { authorization: `Bearer ${key}` } }).then((response) => response.status);

async function intervalWithRoom(seconds: number): Promise<void> {
  const intoInterval = (Date.now() / 1000) % 5;
  if (5 - intoInterval < seconds) await new Promise((resolve) => setTimeout(resolve, (5 - intoInterval) * 1000 + 20));
}

describe('API keys managed on the UI API, enforced by every client API process', () => {
  let created: ApiKeyCreated;

  it('creates a key with its secret shown once, lists it without the secret and changes it', async () => {
    const answer = await ui<ApiKeyCreated>(a, 'POST', '/api/api-keys', { name: 'two processes', limitPer5s: 5 });
    expect(answer.status).toBe(201);
    created = answer.body;
    expect(created).toMatchObject({ id: expect.stringMatching(/^key_[0-9a-f]{16}$/), key: expect.stringMatching(/^key_[0-9a-f]{16}\.\S{32}$/), apiKey: { name: 'two processes', limitPer5s: 5, devices: null } });

    const list = await ui<ApiKeyList>(b, 'GET', '/api/api-keys');
    expect(list.body.keys.map((key) => key.id)).toEqual([created.id]);
    expect(list.body.apiUrl).toBe(b.api);
    expect(JSON.stringify(list.body)).not.toContain(created.key.split('.')[1]);

    const changed = await ui<ApiKeyView>(a, 'PATCH', `/api/api-keys/${created.id}`, { limitPer5s: 20 });
    expect(changed).toMatchObject({ status: 200, body: { id: created.id, limitPer5s: 20 } });
    expect((await ui(a, 'PATCH', '/api/api-keys/key_0000000000000000', { limitPer5s: 20 })).status).toBe(404);
    expect(await ui(a, 'POST', '/api/api-keys', { name: 'x', limitPer5s: 0 })).toMatchObject({ status: 400, body: { field: 'limitPer5s' } });
  });

  it('holds a key to its limit across both processes: 60 requests split over them still give exactly 20 × 200', async () => {
    // The change above must have reached both processes' key caches.
    await new Promise((resolve) => setTimeout(resolve, 600));
    await intervalWithRoom(3);
    const statuses = await Promise.all(Array.from({ length: 60 }, (_, index) => climate(index % 2 === 0 ? a : b, created.key)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40);
  });

  it('refuses a revoked key on both processes within a second', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5000 - (Date.now() % 5000) + 20));
    expect(await climate(a, created.key)).toBe(200);
    expect(await climate(b, created.key)).toBe(200);

    const revokedAt = Date.now();
    expect((await ui(a, 'DELETE', `/api/api-keys/${created.id}`)).status).toBe(204);
    const refusedAfter = await Promise.all(
      [a, b].map(async (serve) => {
        while ((await climate(serve, created.key)) !== 401) await new Promise((resolve) => setTimeout(resolve, 20));
        return Date.now() - revokedAt;
      }),
    );
    expect(Math.max(...refusedAfter)).toBeLessThanOrEqual(1000);
    expect((await ui(b, 'DELETE', `/api/api-keys/${created.id}`)).status).toBe(404);
    expect((await ui<ApiKeyList>(b, 'GET', '/api/api-keys')).body.keys).toEqual([]);
  });
});
