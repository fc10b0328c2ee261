import { startBroker, type Broker } from '../../core/broker/broker.js';
import { configSchema, type Config } from '../../core/config/schema.js';
import type { WriteStrategy } from '../../core/ingest/ingest.js';
import { IngestThread } from '../../core/ingest/ingest-thread.js';
import type { UnwrittenReadings } from '../../core/ingest/write-buffer.js';
import { createKeySchema, type KeySchema } from '../../core/model/keys.js';
import type { WriteTarget } from '../../core/redis/connect.js';

export interface IngestThreadPipelineOptions {
  keyPrefix?: string;
  strategy?: WriteStrategy;
  settings?: Partial<Config['ingest']>;
  /** Open the worker's meter datagram listener on 127.0.0.1 at a free port (see ingest.udpUrl). */
  listenUdp?: boolean;
}

export interface IngestThreadPipeline {
  broker: Broker;
  /** Do not call ingest.stop() yourself: use stop(), which may safely be called again from afterEach. */
  ingest: IngestThread;
  keys: KeySchema;
  /** Lines the worker logged (relayed to the main thread), for tests that check what is reported loudly. */
  log: string[];
  /** Closes the broker, then stops ingest; resolves with the readings Redis did not take. Idempotent. */
  stop(): Promise<UnwrittenReadings>;
}

/**
 * The stack's middle as Stack.start wires it today: the real aedes broker on 127.0.0.1:0 feeding an
 * IngestThread (ingest in its worker thread), writing to the Redis at `redis` (a URL, or a cluster) with the default
 * config unless overridden.
 */
export async function startIngestThreadPipeline(
  redis: string | WriteTarget,
  { keyPrefix = '', strategy, settings = {}, listenUdp = false }: IngestThreadPipelineOptions = {},
): Promise<IngestThreadPipeline> {
  const config = configSchema.parse({ model: { keyPrefix }, energy: { udpPort: 0 } });
  const broker = await startBroker({ host: '127.0.0.1', port: 0 });
  const log: string[] = [];
  let ingest: IngestThread;
  try {
    ingest = await IngestThread.start({
      source: broker,
      target: typeof redis === 'string' ? { url: redis } : redis,
      model: config.model,
      energy: config.energy,
      listenUdp,
      settings: { ...config.ingest, shutdownFlushMs: 2000, ...settings },
      ...(strategy && { strategy }),
      log: (line) => log.push(line),
    });
  } catch (error) {
    await broker.close();
    throw error;
  }
  let stopped: Promise<UnwrittenReadings> | null = null;
  return {
    broker,
    ingest,
    keys: createKeySchema(config.model),
    log,
    stop: () =>
      (stopped ??= (async () => {
        await broker.close();
        return ingest.stop();
      })()),
  };
}
