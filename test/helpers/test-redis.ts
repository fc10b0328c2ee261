import { startEmbeddedRedis } from '../../core/redis/embedded-redis.js';
import { makeTempDir } from './temp-dir.js';

export interface TestRedis {
  url: string;
  /** Stops the redis-server and removes its data dir. */
  stop(): Promise<void>;
}

/** A throwaway real redis-server (the app's own embedded one, no persistence) in a temp data dir. */
export async function startTestRedis(): Promise<TestRedis> {
  const dir = await makeTempDir('sw-redis-');
  try {
    const redis = await startEmbeddedRedis({ dataDir: dir.path, port: 0, persistence: false });
    return {
      url: redis.url,
      stop: async () => {
        await redis.stop();
        await dir.remove();
      },
    };
  } catch (error) {
    await dir.remove();
    throw error;
  }
}
