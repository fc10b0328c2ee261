import type { Redis } from 'ioredis';
import { startBroker, type Broker, type BrokerOptions } from '../../core/broker/broker.js';
import { configSchema, type Config } from '../../core/config/schema.js';
import { Ingest } from '../../core/ingest/ingest.js';
import { createKeySchema, replayKeySchemaOptions, type KeySchema } from '../../core/model/keys.js';
import { openRedis } from '../../core/redis/connect.js';

export interface IngestPipeline {
  broker: Broker;
  ingest: Ingest;
  /** The connection ingest writes with (do not use it for assertions: open your own). */
  ingestRedis: Redis;
  keys: KeySchema;
  /** Lines ingest logged, for tests that check what is reported loudly. */
  log: string[];
  stop(): Promise<void>;
}

export interface IngestPipelineOptions {
  /** Open the meter datagram listener on 127.0.0.1 at a free port (see `udpUrl`). */
  listenUdp?: boolean;
  energy?: Partial<Config['energy']>;
  /** Listeners, TLS and limits besides the TCP listener on 127.0.0.1:0. */
  broker?: Partial<BrokerOptions>;
}

/**
 * The stack's middle as Stack.start wires it: the real aedes broker on 127.0.0.1:0 feeding the real
 * Ingest, writing to the Redis at `redisUrl` with the default config unless overridden.
 */
export async function startIngestPipeline(
  redisUrl: string,
  ingestOverrides: Partial<Config['ingest']> = {},
  { listenUdp = false, energy = {}, broker: brokerOptions = {} }: IngestPipelineOptions = {},
): Promise<IngestPipeline> {
  const config = configSchema.parse({ energy: { udpPort: 0, ...energy } });
  const ingestRedis = await openRedis(redisUrl, { connectionName: 'sensor-workbench:test-ingest' });
  const broker = await startBroker({ host: '127.0.0.1', port: 0, ...brokerOptions });
  const keys = createKeySchema(config.model);
  const log: string[] = [];
  const ingest = new Ingest({
    source: broker,
    redis: ingestRedis,
    keys,
    replayKeys: createKeySchema(replayKeySchemaOptions(config.model, config.replay.keyPrefix)),
    settings: { ...config.ingest, shutdownFlushMs: 2000, ...ingestOverrides },
    energy: config.energy,
    listenUdp,
    log: (line) => log.push(line),
  });
  await ingest.start();
  return {
    broker,
    ingest,
    ingestRedis,
    keys,
    log,
    stop: async () => {
      await broker.close();
      await ingest.stop();
      await ingestRedis.quit().catch(() => ingestRedis.disconnect());
    },
  };
}
