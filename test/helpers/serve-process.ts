import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processTree } from './process-tree.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The tsx CLI that `npm run serve` uses, called directly: npx adds start-up time and its own stderr noise. */
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

export interface ReadyAddresses {
  http: string;
  mqtt: string;
  redis: string;
  /** With --metrics-port only. */
  metrics?: string;
  [other: string]: string | undefined;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the parsed `ready {...}` line; rejects if the process exits or times out first. */
  ready(timeoutMs?: number): Promise<ReadyAddresses>;
  exited: Promise<Exit>;
  /**
   * SIGKILL to the whole process group (tsx, node) and to everything it started (the embedded
   * redis-server runs in a session of its own) if still running: for afterAll after a failed test.
   */
  kill(): Promise<void>;
}

/**
 * Runs `core/cli.ts <args>` from the project root, with no SW_* settings inherited from the caller,
 * in its own process group so that kill() can take down everything it started.
 */
export function runCli(args: string[]): CliProcess {
  return runInProject(TSX, ['core/cli.ts', ...args]);
}

/** `core/cli.ts <args>` in a single node process (tsx as a loader, as `npm start` does): child.pid is the server itself. */
export function runCliInOneProcess(args: string[]): CliProcess {
  return runInProject(process.execPath, ['--import', 'tsx', 'core/cli.ts', ...args]);
}

/** Runs `command <args>` the way runCli() does (the client API on a free port), with `extraEnv` on top (e.g. `npm run serve`). */
export function runInProject(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): CliProcess {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('SW_') && name !== 'REDISMS_SYSTEM_BINARY');
  // The client API's default port 8787 would collide between tests that run at the same time.
  const env = { ...Object.fromEntries(inherited), SW_API_PORT: '0', ...extraEnv };
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close' rather than 'exit': it waits for stdout and stderr to be read to the end.
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));

  const ready = (timeoutMs = 30_000) =>
    new Promise<ReadyAddresses>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, addresses?: ReadyAddresses) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.stdout!.off('data', check);
        if (error) reject(error);
        else resolve(addresses!);
      };
      const check = () => {
        const line = stdout.split('\n').find((l) => l.startsWith('ready '));
        if (line && stdout.includes(`${line}\n`)) finish(null, JSON.parse(line.slice('ready '.length)) as ReadyAddresses);
      };
      const timer = setTimeout(() => finish(new Error(`no ready line within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`)), timeoutMs);
      child.stdout!.on('data', check);
      void exited.then(({ code, signal }) => finish(new Error(`exited (${code ?? signal}) before ready; stderr: ${stderr}`)));
      check();
    });

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    ready,
    exited,
    kill: async () => {
      const running = child.exitCode === null && child.signalCode === null;
      // Once the child has exited its pid may belong to someone else: only its group is left to kill.
      const started = running ? processTree(child.pid!).slice(1) : [];
      for (const target of [-child.pid!, ...started]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          continue; // already gone
        }
      }
      if (running) await exited;
    },
  };
}
