import { ReplyError } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../../core/api/api-client.js';
import { ApiRequestError, type ApiError } from '../../../core/api/api-error.js';
import type { DeviceDetail, RecentEvents } from '../../../core/api/events.js';
import { S3RequestError } from '../../../core/archive/s3-error.js';
import { configSchema } from '../../../core/config/schema.js';
import { Conflict, NotFound } from '../../../core/domain/errors.js';
import { ReadOnlyRefusal } from '../../../core/redis/command-table.js';
import { fakeBackend, startFakeServer, type FakeServer } from '../../helpers/fake-backend.js';
import { jsonRequest } from '../../helpers/json-request.js';

const RECENT: RecentEvents = { events: [{ deviceId: 'd1', timestamp: 1 }], total: 1, command: 'ZREVRANGEBYSCORE SensorData +inf -inf WITHSCORES LIMIT 0 5' };

let fake: FakeServer | null = null;

afterEach(async () => {
  await fake?.server.close();
  fake = null;
});

async function serve(backend: ReturnType<typeof fakeBackend>): Promise<{ client: ApiClient; get: (path: string) => Promise<{ status: number; body: ApiError }> }> {
  fake = await startFakeServer(backend);
  const { origin, token } = fake;
  return {
    client: new ApiClient({ origin, token }),
    get: (path) => jsonRequest<ApiError>(origin, 'GET', path, { token }),
  };
}

describe('the HTTP server against a fake backend', () => {
  it('answers from the backend with the validated, defaulted parameters', async () => {
    const recentEvents = vi.fn(async () => RECENT);
    const { client } = await serve(fakeBackend({ inspect: { recentEvents } }));
    expect(await client.recentEvents(5)).toEqual(RECENT);
    await client.recentEvents();
    expect(recentEvents.mock.calls).toEqual([[5], [24]]);
  });

  it('answers null for an emulator that was never started and is told to stop', async () => {
    const controlEmulator = vi.fn(async () => null);
    const { client } = await serve(fakeBackend({ controlEmulator }));
    expect(await client.emulator({ action: 'stop' })).toBeNull();
    expect(controlEmulator).toHaveBeenCalledWith({ action: 'stop' });
  });

  it('fills in and encodes path parameters, and passes the query as typed', async () => {
    const deviceDetail = vi.fn(async (deviceId: string): Promise<DeviceDetail> => ({ deviceId, fields: {}, command: `HGETALL ${deviceId}` }));
    const keyDetail = vi.fn(async (key: string) => ({ type: 'none' as const, key }));
    const { client } = await serve(fakeBackend({ inspect: { deviceDetail, keyDetail } }));
    expect((await client.device('a/b?c')).deviceId).toBe('a/b?c');
    await client.keyDetail('odd key&%', { limit: 2 });
    expect(keyDetail).toHaveBeenCalledWith('odd key&%', { offset: null, limit: 2 });
  });

  it('answers 204 with no body for a removal', async () => {
    const remove = vi.fn(async () => undefined);
    const { client } = await serve(fakeBackend({ connections: { list: vi.fn(), add: vi.fn(), update: vi.fn(), remove }, inspect: { activeConnectionId: () => 'workbench' } }));
    await client.deleteConnection('plant-7');
    expect(remove).toHaveBeenCalledWith('plant-7');
    const { status, body } = await jsonRequest(fake!.origin, 'DELETE', '/api/connections/plant-7', { token: fake!.token });
    expect({ status, body }).toEqual({ status: 204, body: null });
  });

  it('rejects an answer that does not match its route\'s schema, naming the route and the field', async () => {
    const broken = { ...RECENT, events: [{ deviceId: 'd1', timestamp: 'yesterday' }] };
    const { client } = await serve(fakeBackend({ inspect: { recentEvents: async () => broken as unknown as RecentEvents } }));
    const rejection = await client.recentEvents().catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(ApiRequestError);
    expect(rejection).toMatchObject({ status: 200, kind: 'unexpected', field: 'events.0.timestamp', message: expect.stringMatching(/^malformed answer from GET \/api\/events: events\.0\.timestamp: /) });
  });

  it('answers 401 without the token, before the backend is asked', async () => {
    const recentEvents = vi.fn(async () => RECENT);
    await serve(fakeBackend({ inspect: { recentEvents } }));
    const { status, body } = await jsonRequest<ApiError>(fake!.origin, 'GET', '/api/events');
    expect(status).toBe(401);
    expect(body).toMatchObject({ kind: 'unauthorized', error: expect.stringMatching(/token/) });
    expect(recentEvents).not.toHaveBeenCalled();
  });
});

describe('errors, by kind', () => {
  it('400 names the field for a parameter the route table refuses; the client rejects with kind and field', async () => {
    const { client, get } = await serve(fakeBackend());
    expect(await get('/api/events?limit=0')).toMatchObject({ status: 400, body: { kind: 'invalid-input', field: 'limit', error: expect.stringMatching(/^limit: /) } });
    const rejection = await client.eventRange(1, 2, 0).catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(ApiRequestError);
    expect(rejection).toMatchObject({ status: 400, kind: 'invalid-input', field: 'limit', message: expect.stringMatching(/^limit: /) });
  });

  it('400 for a body that is not JSON', async () => {
    await serve(fakeBackend());
    const response = await fetch(`${fake!.origin}/api/console`, { method: 'POST', headers: { authorization: `Bearer ${fake!.token}`, 'content-type': 'application/json' }, body: '{"line":' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ kind: 'invalid-input', field: 'body' });
  });

  it('403 for a refusal (a write on a read-only connection, an ACL)', async () => {
    const { client, get } = await serve(
      fakeBackend({
        saveTopicRules: async () => Promise.reject(new ReadOnlyRefusal('read-only mode: nothing is ingested, so the topic rules cannot be changed')),
        inspect: { climateCounters: async () => Promise.reject(new ReplyError("NOPERM User reader has no permissions to run the 'get' command")) },
      }),
    );
    await expect(client.saveTopicRules([])).rejects.toMatchObject({ status: 403, kind: 'refused', message: expect.stringMatching(/read-only mode/) });
    expect(await get('/api/climate')).toMatchObject({ status: 403, body: { kind: 'refused', error: expect.stringMatching(/^Redis refused: NOPERM/) } });
  });

  it('404 for what does not exist, and for a route that does not', async () => {
    const { client, get } = await serve(fakeBackend({ activateConnection: async (id) => Promise.reject(new NotFound(`no saved connection ${id}`)) }));
    await expect(client.activateConnection('nope')).rejects.toMatchObject({ status: 404, kind: 'not-found', message: 'no saved connection nope' });
    expect(await get('/api/no-such-route')).toMatchObject({ status: 404, body: { kind: 'not-found', error: 'no route GET /api/no-such-route' } });
  });

  it('409 for a conflict with the current state, and for a Redis error reply such as WRONGTYPE', async () => {
    const { client, get } = await serve(
      fakeBackend({
        startArchiveRun: async () => Promise.reject(new Conflict('no S3 bucket set (--s3-bucket)')),
        inspect: { deviceDetail: async () => Promise.reject(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value')) },
      }),
    );
    await expect(client.runArchive()).rejects.toMatchObject({ status: 409, kind: 'conflict', message: 'no S3 bucket set (--s3-bucket)' });
    expect(await get('/api/devices/SensorData')).toMatchObject({ status: 409, body: { kind: 'conflict', error: expect.stringMatching(/^Redis refused: WRONGTYPE/) } });
  });

  it('503 naming the service for Redis away (also when wrapped) and for S3 failing', async () => {
    const s3 = configSchema.parse({ archive: { s3: { endpoint: 'http://127.0.0.1:1', bucket: 'energy' } } }).archive.s3;
    const s3Down = new S3RequestError('ListObjectsV2', s3, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const { get } = await serve(
      fakeBackend({
        archivedObjects: async () => Promise.reject(s3Down),
        inspect: {
          climateCounters: async () => Promise.reject(new Error('Connection is closed.')),
          rejectedPayloads: async () => Promise.reject(new Error('reading the dead letters failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }) })),
        },
      }),
    );
    expect(await get('/api/climate')).toEqual({ status: 503, body: { kind: 'unavailable', service: 'redis', error: 'Redis is unavailable: Connection is closed.' } });
    expect(await get('/api/rejected')).toEqual({ status: 503, body: { kind: 'unavailable', service: 'redis', error: 'Redis is unavailable: reading the dead letters failed' } });
    expect(await get('/api/archive/objects')).toMatchObject({ status: 503, body: { kind: 'unavailable', service: 's3', error: expect.stringMatching(/^S3 is unavailable: ListObjectsV2 at http:\/\/127\.0\.0\.1:1 failed: connection refused/) } });
  });

  it('500 with an error id for a bug, not an outage; the log has the id and the stack', async () => {
    const { client, get } = await serve(
      fakeBackend({
        inspect: {
          dataModel: async () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'size')")),
        },
      }),
    );
    const { status, body } = await get('/api/model?token=secret-in-the-url');
    expect(status).toBe(500);
    expect(body).toMatchObject({ kind: 'unexpected', errorId: expect.stringMatching(/^[0-9a-f]{8}$/), error: expect.stringMatching(/^unexpected error [0-9a-f]{8}: Cannot read properties of undefined/) });
    const logged = fake!.log.find((line) => line.includes(body.errorId!));
    expect(logged).toMatch(/^error [0-9a-f]{8} answering GET \/api\/model: TypeError: Cannot read properties of undefined/);
    expect(logged).toMatch(/http-server\.test\.ts/);
    expect(logged).not.toContain('secret-in-the-url');
    await expect(client.dataModel()).rejects.toMatchObject({ status: 500, kind: 'unexpected', errorId: expect.stringMatching(/^[0-9a-f]{8}$/) });
  });
});
