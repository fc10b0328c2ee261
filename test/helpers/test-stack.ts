import { configSchema, type ConfigInput } from '../../core/config/schema.js';
import { passphraseSecretBox, type SecretBox } from '../../core/connections/secret-box.js';
import { Stack } from '../../core/app/stack.js';
import { makeTempDir } from './temp-dir.js';

export interface TestStack {
  stack: Stack;
  /** http://127.0.0.1:<port> of the HTTP API (no token). */
  origin: string;
  token: string;
  mqttUrl: string;
  redisUrl: string;
  /** udp://127.0.0.1:<port> of the meter datagram listener; null in read-only mode. */
  udpUrl: string | null;
  /** http://127.0.0.1:<port> of the client API; null when it is off. */
  apiUrl: string | null;
  /** Lines the stack logged. */
  log: string[];
  /** Stops the stack (and its embedded redis-server) and removes its data dir. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The real Stack as the CLI starts it (embedded redis-server, aedes broker, ingest worker, HTTP API),
 * on free ports in a temp data dir; `config` is merged into that before configSchema.parse.
 */
export async function startTestStack({
  rendererDir = null,
  config = {},
  secretBox = passphraseSecretBox('the test stack\'s secret key', 'test key'),
}: { rendererDir?: string | null; config?: ConfigInput; secretBox?: SecretBox } = {}): Promise<TestStack> {
  const dir = await makeTempDir('sw-stack-');
  const log: string[] = [];
  let stack: Stack;
  try {
    stack = await Stack.start(
      configSchema.parse({
        ...config,
        dataDir: dir.path,
        http: { port: 0, ...config.http },
        api: { port: 0, ...config.api },
        mqtt: { port: 0, ...config.mqtt },
        redis: { port: 0, ...config.redis },
        energy: { udpPort: 0, ...config.energy },
      }),
      { log: (line) => log.push(line), rendererDir, secretBox },
    );
  } catch (error) {
    await dir.remove();
    throw error;
  }
  const addresses = stack.addresses();
  let stopped: Promise<void> | null = null;
  return {
    stack,
    origin: new URL(addresses.http!).origin,
    token: stack.token,
    mqttUrl: addresses.mqtt!,
    redisUrl: addresses.redis,
    udpUrl: addresses.udp ?? null,
    apiUrl: addresses.api ?? null,
    log,
    stop: () =>
      (stopped ??= (async () => {
        try {
          await stack.stop();
        } finally {
          await dir.remove();
        }
      })()),
  };
}
