import { mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { accessSync, constants } from 'node:fs';
import { RedisMemoryServer } from 'redis-memory-server';
import { Unavailable } from '../domain/errors.js';
import { REDIS_PID_FILE, stopLeftoverRedis } from './leftover-redis.js';

export interface EmbeddedRedisOptions {
  dataDir: string;
  /** Says that a redis-server left behind by a killed workbench on this data dir was stopped. */
  log?: (line: string) => void;
  /** 0 picks a free port. */
  port: number;
  persistence: boolean;
  /** appendfsync with persistence on; everysec unless said. */
  fsync?: 'everysec' | 'always';
  /** Explicit redis-server binary; otherwise redis-server on PATH, otherwise redis-memory-server's download. */
  systemBinary?: string | undefined;
}

export interface EmbeddedRedis {
  url: string;
  binary: string;
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Unavailable {
  constructor(message: string) {
    super('redis', message);
  }
}

/**
 * A real redis-server owned by the app. Persistence is an append-only file in the data dir, so what
 * the pipeline wrote is still there after the app restarts.
 *
 * It runs in a session of its own (detached): a signal to the workbench's process group (Ctrl-C in
 * a terminal, `timeout`, `kill -- -pgid`) would otherwise stop Redis at once, before the workbench
 * has flushed its buffered readings into it; the workbench stops it after the flush. For a
 * workbench that dies without stopping it, redis-memory-server's watchdog (a process polling our
 * pid every 2 s) stops it when only our pid is killed. A SIGKILL to the whole group kills that
 * watchdog too, so the redis-server writes its pid into the data dir and the next start on that
 * data dir stops the leftover gracefully (its data is saved on the way) before starting its own.
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const binary = options.systemBinary ?? findOnPath('redis-server');
  const redisDir = join(options.dataDir, 'redis');
  await mkdir(redisDir, { recursive: true });
  await stopLeftoverRedis(redisDir, options.log ?? (() => undefined));
  const pidFile = ['--pidfile', join(redisDir, REDIS_PID_FILE)];
  const args = options.persistence
    ? ['--dir', redisDir, ...pidFile, '--appendonly', 'yes', '--appendfsync', options.fsync ?? 'everysec']
    : ['--dir', redisDir, ...pidFile];
  let server: RedisMemoryServer;
  try {
    server = await RedisMemoryServer.create({
      instance: { ip: '127.0.0.1', port: options.port || null, args },
      binary: binary ? { systemBinary: binary } : {},
      spawn: { detached: true },
    });
  } catch (error) {
    throw new RedisUnavailableError(explainStartFailure(binary, error as Error));
  }
  const host = await server.getHost();
  const port = await server.getPort();
  return {
    url: `redis://${host}:${port}`,
    binary: binary ?? 'downloaded by redis-memory-server',
    stop: async () => {
      await server.stop();
    },
  };
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

function explainStartFailure(binary: string | undefined, error: Error): string {
  const firstLine = error.message.split('\n')[0];
  const attempt = binary
    ? `redis-server at ${binary} did not start (${firstLine})`
    : `no redis-server on PATH and the download by redis-memory-server failed (${firstLine})`;
  return `cannot start the embedded Redis: ${attempt}. Fix: install Redis (e.g. apt-get install redis-server, brew install redis), point REDISMS_SYSTEM_BINARY or --redis-binary at a redis-server, or use an existing Redis with --redis-url redis://host:port`;
}
