import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acceptsConnections, freePort } from './free-port.js';
import { waitUntil } from './wait-until.js';

/** Debian's mosquitto (2.x: MQTT 5, shared subscriptions), which .ci/run installs. */
export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface MosquittoOptions {
  /** Where its config file goes (a temp dir of the test's). */
  dir: string;
  /** Default: a free port; given, a restarted broker comes back where it was. */
  port?: number;
  /** More lines for mosquitto.conf, e.g. `max_queued_messages 1000`. */
  extraConfig?: string[];
}

export interface MosquittoProcess {
  port: number;
  url: string;
  pid: number;
  /** What it logged (stderr), for a failing test's message. */
  output(): string;
  /** SIGTERM, resolved once it has exited; SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/**
 * A real mosquitto on 127.0.0.1 with a generated config: anonymous clients, no persistence (the
 * sessions live in its memory), and no limit on the messages it queues per client — by default it
 * keeps 1000 and drops the rest, after acknowledging them to their publishers (README "An outside
 * broker"). Always stop() it in afterAll.
 */
export async function startMosquitto({ dir, port, extraConfig = [] }: MosquittoOptions): Promise<MosquittoProcess> {
  const listenPort = port ?? (await freePort());
  const configFile = join(dir, `mosquitto-${listenPort}.conf`);
  const lines = [
    `listener ${listenPort} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'max_queued_messages 0',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    // Run as root (CI), mosquitto would become user mosquitto and lose the test's 0700 temp dirs and their certificates.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    ...extraConfig,
  ];
  await writeFile(configFile, `${lines.join('\n')}\n`);
  const child = spawn(MOSQUITTO, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntil(`mosquitto on port ${listenPort}`, () => {
      if (child.exitCode !== null) throw new Error(`mosquitto exited: ${output}`);
      return acceptsConnections(listenPort);
    }, { timeoutMs: 10_000, intervalMs: 20 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port: listenPort, url: `mqtt://127.0.0.1:${listenPort}`, pid: child.pid!, output: () => output, stop };
}
