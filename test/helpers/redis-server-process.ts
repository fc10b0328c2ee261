import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { waitUntil } from './wait-until.js';

export interface RedisServerOptions {
  port: number;
  dir: string;
  appendonly?: boolean;
}

export interface RedisServerProcess {
  port: number;
  url: string;
  pid: number;
  /** Graceful shutdown (SIGTERM: the AOF is flushed), resolved once the process has exited. */
  stop(): Promise<void>;
}

/**
 * The system redis-server started directly (no redis-memory-server), on a given port and data dir,
 * so a test can stop it and start it again on the same port with the same data.
 */
export async function startRedisServer({ port, dir, appendonly = true }: RedisServerOptions): Promise<RedisServerProcess> {
  const child = spawn(
    'redis-server',
    [
      '--bind', '127.0.0.1',
      '--port', String(port),
      '--dir', dir,
      '--appendonly', appendonly ? 'yes' : 'no',
      '--save', '',
      '--daemonize', 'no',
      '--loglevel', 'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitUntil(`redis-server on port ${port} to answer PING`, () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
      return ping(url);
    }, { timeoutMs: 10_000, intervalMs: 20 });
  } catch (error) {
    await kill(child, exited);
    throw error;
  }
  return { port, url, pid: child.pid!, stop: () => kill(child, exited) };
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function ping(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
