import { afterEach, describe, expect, it } from 'vitest';
import { acceptsConnections, freePort } from '../../helpers/free-port.js';
import { isRunning, processTree } from '../../helpers/process-tree.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { runInProject, type CliProcess } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { waitUntil } from '../../helpers/wait-until.js';

/**
 * One stop signal to any process of the chain `npm run serve` / `npm start` builds, or to its
 * process group (what `timeout`, a terminal's Ctrl-C or `kill -- -pgid` send), stops every process
 * with the flush. The emulator keeps readings flowing, so the flush has work to do and needs the
 * embedded Redis to be still up when it runs.
 */
type Target = 'npm' | 'launcher' | 'server' | 'group';

interface Case {
  /** `npm run serve`, `npm start`, `npx sensor-workbench serve` and package.json's bin run directly. */
  script: 'serve' | 'start' | 'npx' | 'bin';
  target: Target;
  signal: NodeJS.Signals;
}

const CASES: Case[] = [
  { script: 'serve', target: 'npm', signal: 'SIGTERM' },
  { script: 'serve', target: 'group', signal: 'SIGTERM' },
  { script: 'serve', target: 'group', signal: 'SIGINT' },
  { script: 'start', target: 'npm', signal: 'SIGTERM' },
  { script: 'start', target: 'launcher', signal: 'SIGTERM' },
  { script: 'start', target: 'group', signal: 'SIGTERM' },
  { script: 'npx', target: 'npm', signal: 'SIGTERM' },
  { script: 'bin', target: 'server', signal: 'SIGTERM' },
];

let scratch: TempDir | undefined;
let chain: CliProcess | undefined;

afterEach(async () => {
  await chain?.kill();
  await scratch?.remove();
});

/** `npm start` without an Electron binary, which cannot be fetched either (as in test/integration/electron): browser mode. */
async function startChain(script: Case['script'], dataDir: string): Promise<CliProcess> {
  const flags = ['--data-dir', dataDir, '--http-port', '0', '--mqtt-port', '0', '--udp-port', '0', '--emulate', 'thermostats', '--rate', '2000'];
  if (script === 'serve') return runInProject('npm', ['run', 'serve', '--', ...flags]);
  if (script === 'npx') return runInProject('npx', ['sensor-workbench', 'serve', ...flags]);
  if (script === 'bin') return runInProject('bin/sensor-workbench.mjs', ['serve', ...flags]);
  const noElectron = { ELECTRON_OVERRIDE_DIST_PATH: dataDir, ELECTRON_MIRROR: `http://127.0.0.1:${await freePort()}/`, electron_config_cache: dataDir };
  return runInProject('npm', ['start', '--', ...flags], noElectron);
}

function send(run: CliProcess, target: Target, signal: NodeJS.Signals): void {
  const npm = run.child.pid!;
  if (target === 'npm' || target === 'server') process.kill(npm, signal);
  else if (target === 'group') process.kill(-npm, signal);
  // npm's only child: the launcher, which in browser mode runs the server in its own process.
  else process.kill(processTree(npm)[1]!, signal);
}

const LABELS: Record<Case['script'], string> = { serve: 'npm run serve', start: 'npm start', npx: 'npx sensor-workbench serve', bin: 'bin/sensor-workbench.mjs serve' };

describe.each(CASES.map((c) => ({ ...c, label: LABELS[c.script] })))('$label, one $signal to the $target', ({ script, target, signal }) => {
  it('stops every process within 20 s, the flush done, nothing left listening', async () => {
    scratch = await makeTempDir('sw-stop-signals-');
    chain = await startChain(script, scratch.path);
    const ready = await chain.ready(60_000);
    const redis = redisClient(ready.redis);
    try {
      await waitUntil('readings in Redis', async () => (await climateCounters(redis)).total > 0, { timeoutMs: 15_000, intervalMs: 100 });
    } finally {
      redis.disconnect();
    }
    const processes = processTree(chain.child.pid!);
    expect(processes.length, 'the server and its redis-server at least').toBeGreaterThanOrEqual(2);
    const ports = [ready.http, ready.mqtt, ready.redis].map((url) => Number(new URL(url).port));

    send(chain, target, signal);
    await waitUntil('every process of the chain to be gone', () => processes.every((pid) => !isRunning(pid)), { timeoutMs: 20_000, intervalMs: 50 });

    const log = chain.stderr();
    expect(log).toMatch(/(SIGTERM|SIGINT|parent process \d+ exited): stopping intake, flushing buffered readings/);
    expect(log).toContain('stopped cleanly, nothing left unwritten');
    expect(log).not.toMatch(/without waiting for the flush|DROPPED|did not take/);
    for (const port of ports) expect(await acceptsConnections(port), `port ${port}`).toBe(false);
  }, 90_000);
});
