import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRedis } from '../../../core/redis/connect.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../../core/redis/embedded-redis.js';
import { acceptsConnections, freePort } from '../../helpers/free-port.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

let dataDir: TempDir | null = null;
let running: EmbeddedRedis | null = null;

afterEach(async () => {
  await running?.stop();
  running = null;
  await dataDir?.remove();
  dataDir = null;
});

async function start(persistence: boolean, fsync?: 'everysec' | 'always'): Promise<EmbeddedRedis> {
  running = await startEmbeddedRedis({ dataDir: dataDir!.path, port: 0, persistence, ...(fsync && { fsync }) });
  return running;
}

async function stop(): Promise<void> {
  await running!.stop();
  running = null;
}

async function withClient<T>(url: string, use: (redis: Awaited<ReturnType<typeof openRedis>>) => Promise<T>): Promise<T> {
  const redis = await openRedis(url, { connectionName: 'sensor-workbench:test' });
  try {
    return await use(redis);
  } finally {
    await redis.quit();
  }
}

describe('embedded Redis', () => {
  it('listens on 127.0.0.1 and is gone after stop()', async () => {
    dataDir = await makeTempDir('sw-embedded-');
    const redis = await start(false);
    const url = new URL(redis.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(await withClient(redis.url, (client) => client.ping())).toBe('PONG');
    await stop();
    expect(await acceptsConnections(Number(url.port))).toBe(false);
  });

  it('syncs its append-only file every second by default, or before each write is answered with fsync always', async () => {
    dataDir = await makeTempDir('sw-embedded-');
    const everySecond = await start(true);
    expect(await withClient(everySecond.url, (client) => client.config('GET', 'appendfsync'))).toEqual(['appendfsync', 'everysec']);
    await stop();
    const always = await start(true, 'always');
    expect(await withClient(always.url, (client) => client.config('GET', 'appendfsync'))).toEqual(['appendfsync', 'always']);
  });

  it('keeps its data in the data dir across a restart when persistence is on', async () => {
    dataDir = await makeTempDir('sw-embedded-');
    const first = await start(true);
    await withClient(first.url, async (client) => {
      await client.set('survives', 'restart');
      await client.incrby('climate:warm', 7);
    });
    await stop();
    expect(existsSync(join(dataDir.path, 'redis'))).toBe(true);

    const second = await start(true);
    await withClient(second.url, async (client) => {
      expect(await client.get('survives')).toBe('restart');
      expect(await client.get('climate:warm')).toBe('7');
    });
  });

  it('starts empty after a restart when persistence is off', async () => {
    dataDir = await makeTempDir('sw-embedded-');
    const first = await start(false);
    await withClient(first.url, (client) => client.set('ephemeral', 'yes'));
    await stop();

    const second = await start(false);
    expect(await withClient(second.url, (client) => client.get('ephemeral'))).toBeNull();
  });

  it('openRedis fails with a message naming the Redis it could not reach', async () => {
    const port = await freePort();
    await expect(openRedis(`redis://127.0.0.1:${port}`, { connectionName: 'sensor-workbench:test' })).rejects.toThrow(
      `cannot connect to Redis at redis://127.0.0.1:${port}`,
    );
  });

  it('openRedis hides the password of the URL in its error', async () => {
    const port = await freePort();
    const attempt = openRedis(`redis://user:s3cret@127.0.0.1:${port}`, { connectionName: 'sensor-workbench:test' });
    await expect(attempt).rejects.toThrow(/\*\*\*@127\.0\.0\.1/);
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });
});
