import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { createKeySchema, replayKeySchemaOptions } from '../model/keys.js';
import { openWriteTarget, type WriteTarget } from '../redis/connect.js';
import { Ingest, type WriteStrategy } from './ingest.js';
import { WriteBuffer } from './write-buffer.js';
import type { FromIngestWorker, ToIngestWorker } from './ingest-worker-protocol.js';

export interface IngestWorkerData {
  target: WriteTarget;
  model: Config['model'];
  replayKeyPrefix: string;
  settings: Config['ingest'];
  energy: Config['energy'];
  listenUdp: boolean;
  strategy: WriteStrategy;
  /** The same for every worker one IngestThread starts, so a successor reads how far its predecessor got. */
  writerId: string;
}

/**
 * Ingest on its own thread: validation, batching and Redis writes run here, so the broker and the
 * HTTP API keep the main thread. MQTT messages arrive in batches, already routed by the topic rules
 * (see ingest-worker-protocol.ts); meter datagrams arrive here directly, on a UDP socket this
 * thread owns.
 */
const port = parentPort!;
const data = workerData as IngestWorkerData;
const post = (message: FromIngestWorker) => port.postMessage(message);

async function main(): Promise<void> {
  const redis = await openWriteTarget(data.target, { connectionName: 'sensor-workbench:ingest' });
  const log = (line: string) => post({ type: 'log', line });
  const keys = createKeySchema(data.model);
  const appliedSourceSeq = await WriteBuffer.appliedSourceSeq(redis, keys, data.writerId);
  const ingest = new Ingest({
    redis,
    keys,
    replayKeys: createKeySchema(replayKeySchemaOptions(data.model, data.replayKeyPrefix)),
    writerId: data.writerId,
    settings: data.settings,
    energy: data.energy,
    listenUdp: data.listenUdp,
    log,
    strategy: data.strategy,
  });
  await ingest.start();
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
    const { seq, handlers, receivedAt, offsets, bytes, topics, clientIds, qos } = message;
    let outstanding = handlers.length;
    const released = () => {
      outstanding -= 1;
      if (outstanding === 0) post({ type: 'written', seq });
    };
    ingest.buffer.openSourceBatch();
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < handlers.length; i++) {
      ingest.handlers[handlers[i]!]!(
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
    ingest.buffer.closeSourceBatch(seq);
  });
  post({ type: 'ready', udpUrl: ingest.udpUrl, appliedSourceSeq });
}

main().catch((error: Error) => post({ type: 'failed', error: error.message }));
