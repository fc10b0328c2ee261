import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRedis } from '../../../core/redis/embedded-redis.js';
import { acceptsConnections } from '../../helpers/free-port.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { runCli, type CliProcess, type ReadyAddresses } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { waitUntil } from '../../helpers/wait-until.js';

const run = promisify(execFile);

/** The source document's redis-cli queries, run with the real redis-cli against the printed URL; one line per value. */
async function redisCli(url: string, ...command: string[]): Promise<string[]> {
  const { stdout } = await run('redis-cli', ['-u', url, '--raw', ...command], { timeout: 5000 });
  return stdout.replace(/\n$/, '').split('\n');
}

let dataDir: TempDir;
let serve: CliProcess;
let ready: ReadyAddresses;

beforeAll(async () => {
  dataDir = await makeTempDir('sw-serve-');
  serve = runCli(['serve', '--data-dir', dataDir.path, '--mqtt-port', '0', '--http-port', '0', '--udp-port', '0', '--emulate', 'thermostats', '--rate', '50']);
  ready = await serve.ready();
});

afterAll(async () => {
  await serve?.kill();
  await dataDir?.remove();
});

describe('npm run serve -- --emulate thermostats --rate 50', () => {
  it('prints one ready line with http (carrying the token), mqtt, redis, udp and the client API\'s addresses on 127.0.0.1', () => {
    expect(serve.stdout().split('\n').filter((line) => line.startsWith('ready '))).toHaveLength(1);
    expect(Object.keys(ready).sort()).toEqual(['api', 'http', 'mqtt', 'redis', 'udp']);
    expect(ready.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.udp).toMatch(/^udp:\/\/127\.0\.0\.1:\d+$/);
    const http = new URL(ready.http);
    expect(http.protocol).toBe('http:');
    expect(http.hostname).toBe('127.0.0.1');
    expect(http.searchParams.get('token')).toMatch(/^\S{16,}$/);
    expect(ready.mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves /api/status with the token and refuses without it', async () => {
    const http = new URL(ready.http);
    const token = http.searchParams.get('token')!;
    const statusUrl = new URL('/api/status', http.origin);

    const ok = await fetch(statusUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/application\/json/);
    const status = (await ok.json()) as { parts: Record<string, { state: string }> };
    expect(status.parts).toMatchObject({ redis: { state: 'running' }, broker: { state: 'running' }, ingest: { state: 'running' }, emulator: { state: 'running' } });

    expect((await fetch(statusUrl)).status).toBe(401);
    expect((await fetch(statusUrl, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    expect((await fetch(statusUrl, { headers: { authorization: 'Bearer ' } })).status).toBe(401);
    // The printed URL's own token works as a query parameter too.
    expect((await fetch(`${statusUrl.href}?token=${token}`)).status).toBe(200);
  });

  it("fills Redis so that the source document's redis-cli queries answer with the documented shapes", async () => {
    await waitUntil('a warm reading from the emulator', async () => /^\d+$/.test((await redisCli(ready.redis, 'get', 'climate:warm'))[0] ?? ''), {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    // Forty, not five: the ZSCAN MATCH 2* below needs an id starting with 2 among them (22% of the
    // ids 1..5000 do, so five ids miss all of them 29% of the time, forty once in 20,000 runs).
    await waitUntil('forty devices in SensorData', async () => Number((await redisCli(ready.redis, 'zcard', 'SensorData'))[0]) >= 40, {
      timeoutMs: 15_000,
      intervalMs: 200,
    });

    const recent = (await redisCli(ready.redis, 'zrevrangebyscore', 'SensorData', '+inf', '-inf', 'WITHSCORES', 'LIMIT', '0', '5'));
    expect(recent).toHaveLength(10);
    const now = Date.now();
    const pairs = [0, 2, 4, 6, 8].map((i) => ({ member: recent[i]!, score: Number(recent[i + 1]) }));
    for (const { member, score } of pairs) {
      expect(Number(member)).toBeGreaterThanOrEqual(1);
      expect(Number(member)).toBeLessThanOrEqual(5000);
      expect(score).toBeGreaterThan(now - 60_000); // ms since epoch, not seconds
      expect(score).toBeLessThanOrEqual(now + 1000);
    }
    expect(pairs.map((p) => p.score)).toEqual([...pairs.map((p) => p.score)].sort((a, b) => b - a));

    const hash = await redisCli(ready.redis, 'hgetall', pairs[0]!.member);
    const fields = Object.fromEntries(Array.from({ length: hash.length / 2 }, (_, i) => [hash[2 * i]!, hash[2 * i + 1]!]));
    expect(Object.keys(fields).sort()).toEqual(['climate', 'deviceIP', 'humidity', 'requestId', 'temperature', 'timestamp']);
    expect(Number(fields.temperature)).toBeGreaterThanOrEqual(1);
    expect(Number(fields.temperature)).toBeLessThanOrEqual(110);
    expect(Number(fields.humidity)).toBeGreaterThanOrEqual(1);
    expect(Number(fields.humidity)).toBeLessThanOrEqual(100);
    expect(fields.deviceIP).toMatch(/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);
    expect(['hot', 'warm', 'cool', 'cold']).toContain(fields.climate);
    expect(Number(fields.timestamp)).toBeGreaterThan(now - 60_000);

    // The cursor, then member/score pairs of the ids starting with 2; a first step may match none,
    // which redis-cli prints as an empty line after the cursor.
    const scan = (await redisCli(ready.redis, 'zscan', 'SensorData', '0', 'MATCH', '2*', 'COUNT', '100')).filter((line) => line !== '');
    expect(scan[0]).toMatch(/^\d+$/);
    expect(scan.length % 2).toBe(1);
    for (let i = 1; i < scan.length; i += 2) {
      expect(scan[i]).toMatch(/^2\d*$/);
      expect(Number(scan[i + 1])).toBeGreaterThan(now - 60_000);
    }
  });

  it('on SIGTERM flushes, stops the embedded Redis and exits 0; what was written is still in the data dir', async () => {
    const redisPort = Number(new URL(ready.redis).port);
    serve.child.kill('SIGTERM');
    const exit = await Promise.race([
      serve.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit within 15 s; stderr: ${serve.stderr()}`)), 15_000)),
    ]);
    expect(exit, serve.stderr()).toEqual({ code: 0, signal: null });
    expect(await acceptsConnections(redisPort)).toBe(false);
    expect(serve.stderr()).toContain('nothing left unwritten');
    expect(serve.stderr()).not.toMatch(/DROPPED|saved to|did not take/);

    // Start the data dir's Redis again: the readings are still there and the counters match SensorData's story.
    const again = await startEmbeddedRedis({ dataDir: dataDir.path, port: 0, persistence: true });
    const redis = redisClient(again.url);
    try {
      const counters = await climateCounters(redis);
      expect(counters.total).toBeGreaterThan(0);
      expect(counters.warm).toBeGreaterThan(0);
      expect(await redis.zcard('SensorData')).toBeGreaterThanOrEqual(5);
      expect(await redis.zcard('SensorData')).toBeLessThanOrEqual(counters.total);
    } finally {
      redis.disconnect();
      await again.stop();
    }
  });
});
