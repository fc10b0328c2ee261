import { afterEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '../../../core/api-access/api-key-store.js';
import type { ThrottleVerdict } from '../../../core/api-access/throttle.js';
import type { ClimateCounters } from '../../../core/api/events.js';
import type { ClientApiBackend } from '../../../core/server/client-api-backend.js';
import { startClientApiServer, type ClientApiServer } from '../../../core/server/client-api-server.js';

const KEY: ApiKeyRecord = { id: 'key_0123456789abcdef', name: 'fake', created: 0, limitPer5s: 3, devices: null, secretHash: '' };
const COUNTERS: ClimateCounters = { counters: { hot: 1, warm: 2, cool: 3, cold: 4 } } as unknown as ClimateCounters;

/** A listener over a fake backend whose throttle answers after a delay, allowing the first `limit` requests. */
async function listener({ throttleMs = 30, limit = 3 } = {}) {
  let counted = 0;
  const reads: number[] = [];
  const verdicts: number[] = [];
  const backend = {
    access: {
      authenticate: async () => KEY,
      throttle: async (): Promise<ThrottleVerdict> => {
        counted += 1;
        const count = counted;
        await new Promise((resolve) => setTimeout(resolve, throttleMs));
        verdicts.push(Date.now());
        return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds: 5 };
      },
      record: () => undefined,
    },
    climate: async () => {
      reads.push(Date.now());
      return COUNTERS;
    },
    thermostat: async () => ({ deviceId: 'T-1', fields: {} }),
  } as unknown as ClientApiBackend;
  const server = await startClientApiServer({ backend, host: '127.0.0.1', port: 0, log: () => undefined });
  servers.push(server);
  const get = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer any' } });
  return { get, reads, verdicts };
}

const servers: ClientApiServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('the client API reads beside the throttle', () => {
  it('starts the reads before the throttle has answered, and answers with the verdict\'s headers', async () => {
    const { get, reads, verdicts } = await listener({ throttleMs: 200 });
    const response = await get('/v1/climate');
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-remaining')).toBe('2');
    expect(await response.json()).toEqual(COUNTERS);
    expect(reads[0]!).toBeLessThan(verdicts[0]!);
  });

  it('answers 429 to a request over the limit even when its reads would have failed, and 400 with the headers inside it', async () => {
    const { get } = await listener({ limit: 1 });
    const badInput = await get('/v1/climate?format=xml');
    expect(badInput.status).toBe(400);
    expect(badInput.headers.get('ratelimit-limit')).toBe('1');
    const unknownDevice = await get('/v1/thermostats/T-9');
    expect(unknownDevice.status).toBe(429);
    expect(unknownDevice.headers.get('retry-after')).toBe('5');
  });

  it('reads nothing for a key already refused in this interval: its requests cost the throttle only', async () => {
    const { get, reads } = await listener({ limit: 3 });
    for (let request = 0; request < 4; request++) await get('/v1/climate');
    expect(reads).toHaveLength(4);
    const statuses = [];
    for (let request = 0; request < 20; request++) statuses.push((await get('/v1/climate')).status);
    expect(statuses.every((status) => status === 429)).toBe(true);
    expect(reads).toHaveLength(4);
  });
});
