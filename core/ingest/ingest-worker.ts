import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { createKeySchema } from '../model/keys.js';
import { openRedis } from '../redis/connect.js';
import { Ingest, type WriteStrategy } from './ingest.js';
import type { MessageHandler, MessageSource } from './message-source.js';
import type { FromIngestWorker, ToIngestWorker } from './ingest-worker-protocol.js';

export interface IngestWorkerData {
  redisUrl: string;
  model: Config['model'];
  settings: Config['ingest'];
  energy: Config['energy'];
  listenUdp: boolean;
  strategy: WriteStrategy;
  /** Topic filters in the order the main thread numbers them in each message batch. */
  topicFilters: string[];
}

/**
 * Ingest on its own thread: validation, batching and Redis writes run here, so the broker and the
 * HTTP API keep the main thread. MQTT messages arrive in batches (see ingest-worker-protocol.ts);
 * meter datagrams arrive here directly, on a UDP socket this thread owns.
 */
const port = parentPort!;
const data = workerData as IngestWorkerData;
const post = (message: FromIngestWorker) => port.postMessage(message);
const handlers = new Map<string, MessageHandler>();

const source: MessageSource = {
  subscribe: async (topicFilter, handler) => {
    handlers.set(topicFilter, handler);
    return async () => {
      handlers.delete(topicFilter);
    };
  },
};

async function main(): Promise<void> {
  const redis = await openRedis(data.redisUrl, { connectionName: 'sensor-workbench:ingest' });
  const log = (line: string) => post({ type: 'log', line });
  const ingest = new Ingest({
    source,
    redis,
    keys: createKeySchema(data.model),
    settings: data.settings,
    energy: data.energy,
    listenUdp: data.listenUdp,
    log,
    strategy: data.strategy,
  });
  await ingest.start();
  const ruleHandlers = data.topicFilters.map((filter) => handlers.get(filter)!);
  const snapshots = setInterval(() => post({ type: 'snapshot', snapshot: ingest.snapshot() }), 250);

  port.on('message', (message: ToIngestWorker) => {
    if (message.type === 'drain') {
      clearInterval(snapshots);
      void ingest.stop().then(async (unwritten) => {
        post({ type: 'snapshot', snapshot: ingest.snapshot() });
        post({ type: 'drained', unwritten });
        await redis.quit().catch(() => redis.disconnect());
        port.close();
      });
      return;
    }
    if (message.type === 'reset-latency') {
      ingest.counters.latency.reset();
      return;
    }
    const { seq, rules, receivedAt, offsets, bytes, topics, clientIds, qos } = message;
    let outstanding = rules.length;
    const released = () => {
      outstanding -= 1;
      if (outstanding === 0) post({ type: 'accepted', seq });
    };
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < rules.length; i++) {
      ruleHandlers[rules[i]!]!(
        {
          topic: topics[i]!,
          payload: buffer.subarray(offsets[i]!, offsets[i + 1]!),
          qos: qos[i] as 0 | 1 | 2,
          clientId: clientIds[i] ?? null,
          receivedAt: receivedAt[i]!,
        },
        released,
      );
    }
  });
  post({ type: 'ready', udpUrl: ingest.udpUrl });
}

main().catch((error: Error) => post({ type: 'failed', error: error.message }));
