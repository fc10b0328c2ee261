import { rmSync } from 'node:fs';
import { serveUnderTest, stateFile } from './serve-under-test.js';

/** SIGTERM, as a user's Ctrl-C would: serve flushes and stops its embedded Redis. */
export default async function globalTeardown(): Promise<void> {
  const { pid, dataDir, s3 } = serveUnderTest();
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
  if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
  if (isAlive(s3.pid)) process.kill(s3.pid, 'SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(stateFile(), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
