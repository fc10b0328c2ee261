import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../helpers/free-port.js';
import { stateFile, type ServeUnderTest } from './serve-under-test.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The bucket serve archives to, in the s3rver started here. */
const E2E_S3_BUCKET = 'e2e-energy';

/**
 * Starts s3rver (a real S3 API) and `serve` the way a user does (the built cli and UI, embedded Redis, free
 * ports, archiving to that S3 on demand) and waits for serve's ready line.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-e2e-'));
  const s3Port = await freePort();
  const s3 = spawn(process.execPath, [join(ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js'), '-d', join(dataDir, 's3'), '-a', '127.0.0.1', '-p', String(s3Port), '-s'], {
    stdio: 'ignore',
    detached: true,
  });
  s3.unref();
  const s3Endpoint = `http://127.0.0.1:${s3Port}`;
  const child = spawn(
    process.execPath,
    [
      '--max-semi-space-size=64',
      join(ROOT, 'scripts', 'serve.mjs'),
      '--data-dir',
      dataDir,
      '--http-port',
      '0',
      '--api-port',
      '0',
      '--mqtt-port',
      '0',
      '--udp-port',
      '0',
      '--mqtts-port',
      '0',
      '--mqtt-require-client-cert',
      '--s3-endpoint',
      s3Endpoint,
      '--s3-bucket',
      E2E_S3_BUCKET,
      '--s3-path-style',
      '--archive-interval',
      '0',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
    },
  );
  const ready = await new Promise<Omit<ServeUnderTest, 'pid' | 'dataDir' | 's3'>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve did not print its ready line within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('ready ')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice('ready '.length)));
    });
  });
  const state: ServeUnderTest = { ...ready, pid: child.pid!, dataDir, s3: { pid: s3.pid!, endpoint: s3Endpoint, bucket: E2E_S3_BUCKET } };
  const file = stateFile();
  writeFileSync(file, JSON.stringify(state));
  process.env.SW_E2E_STATE = file;
  child.unref();
}
