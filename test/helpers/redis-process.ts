import { spawn, type ChildProcess } from 'node:child_process';
import { Redis, type RedisOptions } from 'ioredis';
import { waitUntil } from './wait-until.js';

/** One redis-server or redis-sentinel process a test started, on 127.0.0.1:port. */
export interface RedisProcess {
  port: number;
  pid: number;
  /** Resolves once the process is gone (exited or killed). */
  exited: Promise<void>;
  /** SIGKILL (or another signal) without waiting: a crash, as the test wants it. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, SIGKILL after 5 s; resolves once it is gone. Idempotent. */
  stop(): Promise<void>;
  /** stdout and stderr so far, for a failing test's message. */
  output(): string;
}

export const HOST = '127.0.0.1';

/**
 * Starts `binary args…` in `cwd` and resolves once it answers PING on `port`. On Linux the kernel
 * SIGKILLs it when the test process dies (setpriv --pdeathsig), so a vitest worker ended with
 * SIGTERM leaves no server behind.
 */
export async function startRedisProcess(binary: string, args: string[], { cwd, port, client = {} }: { cwd: string; port: number; client?: RedisOptions }): Promise<RedisProcess> {
  const [command, commandArgs] = process.platform === 'linux' ? ['setpriv', ['--pdeathsig', 'KILL', binary, ...args]] : [binary, args];
  const child = spawn(command, commandArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('error', (error) => (output += error.message));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const process_: RedisProcess = {
    port,
    pid: child.pid ?? -1,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (!hasExited(child)) child.kill(signal);
    },
    stop: () => stopChild(child, exited),
    output: () => output,
  };
  try {
    const outcome = await waitUntil(
      `${binary} on port ${port} to answer PING`,
      async (): Promise<'exited' | 'ready' | false> => (hasExited(child) ? 'exited' : (await answersPing({ ...client, port })) && 'ready'),
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    if (outcome === 'exited') {
      await exited;
      throw new Error(`${binary} ${args.join(' ')} exited while starting: ${output.trim()}`);
    }
  } catch (error) {
    await process_.stop();
    throw error;
  }
  return process_;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (!hasExited(child)) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  await exited;
}

/** A short-lived client on 127.0.0.1 that fails fast, disconnected after `use`. */
export async function withClient<T>(options: RedisOptions, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: HOST,
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 10_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    ...options,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

async function answersPing(options: RedisOptions): Promise<boolean> {
  return withClient(options, async (client) => (await client.ping()) === 'PONG').catch(() => false);
}

export function parseInfo(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(/\r?\n/)
      .filter((line) => line.includes(':') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}
