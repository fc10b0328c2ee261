import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
/** How long a SIGTERM'd server gets to flush and exit before it is killed. */
const STOP_GRACE_MS = 20_000;

export interface ServeChild {
  /** The server's own process: tsx is a loader inside it, so /proc/<pid> is the server. */
  pid: number;
  /** The ready line's addresses; `http` carries the UI's token. */
  ready: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * `serve <args>` in a process of its own, from the sources (as `npm run bench` runs) with the
 * young-generation flag `npm run serve` gives it, resolved at its ready line.
 */
export function startServeChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeChild> {
  const child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', CLI, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...withoutWorkbenchSettings(process.env), ...env },
  });
  // A bench that dies half-way must not leave the server running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => reject(new Error(`serve exited (${code ?? signal}) before its ready line: ${stderr.trim()}`));
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((each, index, lines) => each.startsWith('ready ') && index < lines.length - 1);
      if (line === undefined) return;
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      child.off('exit', onExit);
      resolve({
        pid: child.pid!,
        ready: JSON.parse(line.slice('ready '.length)) as Record<string, string>,
        stop: async () => {
          process.off('exit', killOnExit);
          await stopped(child);
        },
      });
    });
  });
}

/** SIGTERM (the server flushes and exits), SIGKILL if it has not gone within the grace period. */
async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** The bench's own SW_* settings are not the child's: it gets exactly the flags it is given. */
function withoutWorkbenchSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('SW_')));
}
