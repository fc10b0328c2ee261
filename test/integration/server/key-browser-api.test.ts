import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../core/api/api-client.js';
import type { KeyDetail, KeyPage } from '../../../core/api/keys.js';
import { redisClient } from '../../helpers/redis-client.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';

/** A name that needs escaping in a URL and quoting in redis-cli. */
const ODD_KEY = 'api:odd/name?&%=#+ "quoted" ünïcode';

let env: TestStack;
let redis: Redis;

async function api<T>(path: string, headers: Record<string, string> = { authorization: `Bearer ${env.token}` }): Promise<{ status: number; body: T }> {
  const response = await fetch(`${env.origin}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  env = await startTestStack();
  redis = redisClient(env.redisUrl);
  const pipeline = redis.pipeline();
  for (let i = 0; i < 300; i++) pipeline.hset(`api:hash:${i}`, 'n', String(i));
  for (let i = 0; i < 300; i++) pipeline.set(`api:string:${i}`, String(i));
  pipeline.rpush(ODD_KEY, 'first', 'second', 'third');
  await pipeline.exec();
});

afterAll(async () => {
  redis?.disconnect();
  await env?.stop();
});

describe('the key browser API', () => {
  it('lists one page of matching keys of a type, with DBSIZE and the SCAN command', async () => {
    const { status, body } = await api<KeyPage>('/api/keys?match=api:*&type=hash&count=50');
    expect(status).toBe(200);
    expect(body.keys.length).toBeGreaterThanOrEqual(50);
    expect(body.keys.every(({ key, type }) => key.startsWith('api:hash:') && type === 'hash')).toBe(true);
    expect(body.totalKeys).toBeGreaterThanOrEqual(601);
    expect(body.command).toBe('SCAN 0 MATCH api:* COUNT 50 TYPE hash');
    expect(body.examined).toBeLessThanOrEqual(10_000);
  });

  it('walks every matching key through the typed client', async () => {
    const client = new ApiClient({ origin: env.origin, token: env.token });
    const seen: string[] = [];
    let cursor = '0';
    do {
      const page = await client.keys({ cursor, match: 'api:string:*', count: 100, maxExamined: 200 });
      expect(page.examined).toBeLessThanOrEqual(200);
      seen.push(...page.keys.map(({ key, type }) => `${key} ${type}`));
      cursor = page.cursor;
    } while (cursor !== '0');
    expect(seen.sort()).toEqual(Array.from({ length: 300 }, (_, i) => `api:string:${i} string`).sort());
  });

  it('reads a key whose name needs escaping, a page at a time', async () => {
    const client = new ApiClient({ origin: env.origin, token: env.token });
    const first = await client.keyDetail(ODD_KEY, { limit: 2 });
    expect(first).toMatchObject({ type: 'list', key: ODD_KEY, elements: ['first', 'second'], length: 3, next: '2', ttlMs: null });
    expect(await client.keyDetail(ODD_KEY, { offset: '2', limit: 2 })).toMatchObject({ elements: ['third'], next: null });
  });

  it('answers type none for a missing key', async () => {
    const { status, body } = await api<KeyDetail>('/api/keys/detail?key=api:missing');
    expect(status).toBe(200);
    expect(body).toEqual({ type: 'none', key: 'api:missing' });
  });

  it('refuses bad parameters with 400 and a reason', async () => {
    const bad = [
      '/api/keys?count=0',
      '/api/keys?count=1001',
      '/api/keys?maxExamined=0',
      '/api/keys?maxExamined=100001',
      '/api/keys?type=json',
      '/api/keys?cursor=abc',
      '/api/keys?match=',
      '/api/keys/detail',
      '/api/keys/detail?key=a&key=b',
      '/api/keys/detail?key=api:hash:1&limit=0',
      '/api/keys/detail?key=api:hash:1&limit=1001',
      '/api/keys/detail?key=api:hash:1&offset=abc',
      // A stream id is a well-formed offset, but not for a hash: refused once TYPE has answered.
      '/api/keys/detail?key=api:hash:1&offset=5-1',
    ];
    for (const path of bad) {
      const { status, body } = await api<{ error: string }>(path);
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(body.error.length).toBeGreaterThan(5);
    }
  });

  it('needs the token', async () => {
    expect((await api('/api/keys', {})).status).toBe(401);
    expect((await api('/api/keys/detail?key=api:hash:1', {})).status).toBe(401);
  });
});
