import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What global-setup.ts started: the ready line's addresses, plus the pid to stop it. */
export interface ServeUnderTest {
  http: string;
  mqtt: string;
  redis: string;
  udp: string;
  /** The client API. */
  api: string;
  /** MQTT over TLS, client certificates from the demo CA required. */
  mqtts: string;
  pid: number;
  dataDir: string;
  /** The s3rver serve archives to (credentials S3RVER/S3RVER). */
  s3: { pid: number; endpoint: string; bucket: string };
}

/**
 * Where global-setup leaves the state: one file per Playwright run (named after the runner's pid,
 * handed to the workers in SW_E2E_STATE), so two runs on one machine do not read each other's.
 */
export function stateFile(): string {
  return process.env.SW_E2E_STATE ?? join(tmpdir(), `sensor-workbench-e2e-${process.pid}.json`);
}

export function serveUnderTest(): ServeUnderTest & { origin: string; token: string } {
  const state = JSON.parse(readFileSync(stateFile(), 'utf8')) as ServeUnderTest;
  const url = new URL(state.http);
  return { ...state, origin: url.origin, token: url.searchParams.get('token')! };
}
