import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** redis-server writes its pid here (--pidfile) and removes the file when it shuts down cleanly. */
export const REDIS_PID_FILE = 'redis-server.pid';

/** A graceful shutdown writes the append-only file out; past this a leftover is killed. */
const GRACEFUL_STOP_MS = 10_000;

/**
 * A redis-server still running on this data dir was left by a workbench that died without stopping
 * it (the caller owns the data dir, see core/app/data-dir-lock.ts): it holds the port and the
 * append-only file. SIGTERM makes it save and exit, so the redis-server started next loads its data.
 */
export async function stopLeftoverRedis(redisDir: string, log: (line: string) => void): Promise<void> {
  const pid = leftoverPid(redisDir);
  if (pid === null) return;
  log(`a redis-server (pid ${pid}) left running on ${redisDir} by an earlier workbench: stopping it, its data is kept`);
  signal(pid, 'SIGTERM');
  if (await exited(pid, GRACEFUL_STOP_MS)) return;
  signal(pid, 'SIGKILL');
  await exited(pid, GRACEFUL_STOP_MS);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // it exited on its own meanwhile
  }
}

/** The pid in the pid file, if that process is still a redis-server serving this directory (pids get reused). */
function leftoverPid(redisDir: string): number | null {
  const pidFile = join(redisDir, REDIS_PID_FILE);
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return null;
  return servesDirectory(pid, redisDir) ? pid : null;
}

/** redis-server changes into its --dir: on Linux its cwd proves which data dir it serves; elsewhere its name has to do. */
function servesDirectory(pid: number, redisDir: string): boolean {
  try {
    if (existsSync('/proc/self/cwd')) return realpathSync(`/proc/${pid}/cwd`) === realpathSync(redisDir);
    return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).includes('redis-server');
  } catch {
    return false; // gone, or not ours to look at
  }
}

/** Alive and, where /proc tells, not a zombie (an orphan waiting to be reaped holds neither port nor file). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat');
  }
}

async function exited(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}
