import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptsConnections, freePort } from '../../helpers/free-port.js';
import { isRunning, processTree } from '../../helpers/process-tree.js';
import { redisClient } from '../../helpers/redis-client.js';
import { runCliInOneProcess, type CliProcess } from '../../helpers/serve-process.js';
import { waitUntil } from '../../helpers/wait-until.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

let dataDir: TempDir | undefined;
const started: CliProcess[] = [];

afterEach(async () => {
  for (const run of started.splice(0)) await run.kill();
  await dataDir?.remove();
});

function serve(dir: string, ...flags: string[]): CliProcess {
  const run = runCliInOneProcess(['serve', '--data-dir', dir, '--udp-port', '0', ...flags]);
  started.push(run);
  return run;
}

async function stop(run: CliProcess): Promise<void> {
  run.child.kill('SIGTERM');
  expect(await run.exited, run.stderr()).toEqual({ code: 0, signal: null });
}

/** A pid nobody has: that of a process that has just exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('one workbench per data dir', () => {
  it('refuses a second process on the same data dir in one line naming the holder, and leaves the first running', async () => {
    dataDir = await makeTempDir('sw-lock-');
    const first = serve(dataDir.path, '--http-port', '0', '--mqtt-port', '0');
    const ready = await first.ready();
    const [http, mqtt, redis] = [await freePort(), await freePort(), await freePort()];

    const second = serve(dataDir.path, '--http-port', String(http), '--mqtt-port', String(mqtt), '--redis-port', String(redis));
    const exit = await second.exited;

    expect(exit.code).not.toBe(0);
    expect(second.stdout()).not.toContain('ready');
    const lines = second.stderr().trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^cannot start: the data dir .+ is in use by process ${first.child.pid} \\(running since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)`))]);
    for (const port of [http, mqtt, redis]) expect(await acceptsConnections(port)).toBe(false);
    const status = await fetch(new URL('/api/status', new URL(ready.http).origin), { headers: { authorization: `Bearer ${new URL(ready.http).searchParams.get('token')}` } });
    expect(status.status).toBe(200);
  });

  it('takes over the lock of a process that is gone, saying so in one line, and releases it on a clean stop', async () => {
    dataDir = await makeTempDir('sw-lock-');
    const gone = deadPid();
    await writeFile(join(dataDir.path, 'workbench.lock'), JSON.stringify({ pid: gone, startedAt: '2026-01-01T00:00:00.000Z' }));

    const run = serve(dataDir.path, '--http-port', '0', '--mqtt-port', '0');
    await run.ready();
    expect(run.stderr().split('\n').filter((line) => line.includes('lock'))).toEqual([
      expect.stringMatching(new RegExp(`took over the lock of .+ from process ${gone} \\(since 2026-01-01T00:00:00.000Z\\), which is no longer running$`)),
    ]);
    expect(JSON.parse(readFileSync(join(dataDir.path, 'workbench.lock'), 'utf8'))).toMatchObject({ pid: run.child.pid });

    await stop(run);
    expect(existsSync(join(dataDir.path, 'workbench.lock'))).toBe(false);
    const again = serve(dataDir.path, '--http-port', '0', '--mqtt-port', '0');
    await again.ready();
    expect(again.stderr()).not.toContain('took over');
    await stop(again);
  });
});

describe.each([
  { killed: 'the serve process', target: (run: CliProcess) => run.child.pid! },
  { killed: 'its whole process group', target: (run: CliProcess) => -run.child.pid! },
])('after SIGKILL of $killed', ({ target }) => {
  it('the next start on the same data dir and ports replaces the leftover redis-server, with its data', async () => {
    dataDir = await makeTempDir('sw-after-kill-');
    const ports = ['--http-port', String(await freePort()), '--mqtt-port', String(await freePort()), '--redis-port', String(await freePort())];
    const first = serve(dataDir.path, ...ports);
    const before = await first.ready();
    const writer = redisClient(before.redis);
    await writer.set('sw-test:written-before-the-kill', 'still here');
    writer.disconnect();
    const leftovers = processTree(first.child.pid!).slice(1);

    process.kill(target(first), 'SIGKILL');
    await first.exited;
    const second = serve(dataDir.path, ...ports);
    const after = await second.ready();

    expect(after.redis).toBe(before.redis);
    const reader = redisClient(after.redis);
    expect(await reader.get('sw-test:written-before-the-kill')).toBe('still here');
    reader.disconnect();
    // A leftover redis-server was sent SIGTERM by the second start and may still be writing its data out.
    await waitUntil('the killed workbench\'s processes to be gone', () => leftovers.filter(isRunning).length === 0, { timeoutMs: 10_000 }).catch(() => undefined);
    expect(leftovers.filter(isRunning), 'processes of the killed workbench still running').toEqual([]);
    const redisPort = Number(new URL(after.redis).port);
    await stop(second);
    expect(await acceptsConnections(redisPort)).toBe(false);
  });
});
