import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stateFile, type ServeUnderTest } from './serve-under-test.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Starts `serve` the way a user does (built UI, embedded Redis, free ports) and waits for its ready line. */
export default async function globalSetup(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-e2e-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'core', 'cli.ts'), 'serve', '--data-dir', dataDir, '--http-port', '0', '--mqtt-port', '0', '--udp-port', '0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  );
  const ready = await new Promise<Omit<ServeUnderTest, 'pid' | 'dataDir'>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve did not print its ready line within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('ready ')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice('ready '.length)));
    });
  });
  const state: ServeUnderTest = { ...ready, pid: child.pid!, dataDir };
  const file = stateFile();
  writeFileSync(file, JSON.stringify(state));
  process.env.SW_E2E_STATE = file;
  child.unref();
}
