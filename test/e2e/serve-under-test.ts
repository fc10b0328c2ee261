import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What global-setup.ts started: the ready line's addresses, plus the pid to stop it. */
export interface ServeUnderTest {
  http: string;
  mqtt: string;
  redis: string;
  pid: number;
  dataDir: string;
}

export const SERVE_STATE_FILE = join(tmpdir(), `sensor-workbench-e2e.json`);

export function serveUnderTest(): ServeUnderTest & { origin: string; token: string } {
  const state = JSON.parse(readFileSync(process.env.SW_E2E_STATE ?? SERVE_STATE_FILE, 'utf8')) as ServeUnderTest;
  const url = new URL(state.http);
  return { ...state, origin: url.origin, token: url.searchParams.get('token')! };
}
