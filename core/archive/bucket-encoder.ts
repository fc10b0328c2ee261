import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/worker-entry.js';
import { encodeBucket, ndjsonOf, type EncodedBucket } from './energy-object.js';

export interface EncodeRequest {
  id: number;
  /** The NDJSON bytes, transferred (not copied) to the worker. */
  ndjson: Uint8Array;
}

export type EncodeReply = Omit<EncodedBucket, 'body'> & { id: number; body: Uint8Array };


/**
 * Compresses and checksums buckets on a worker thread. The archiver's own thread is busy with the
 * AWS SDK (~2 ms of CPU per PutObject, measured) and lz4js adds ~20 ms per MB there; a second
 * thread lets both run at once on a 2-core machine. Should the worker fail, buckets are encoded in
 * this thread instead: slower, never lost.
 */
export class BucketEncoder {
  private worker: Worker | null = null;
  private failed = false;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (encoded: EncodedBucket) => void; reject: (error: Error) => void }>();

  constructor(private readonly log: (line: string) => void) {}

  encode(readings: ReadonlyArray<string | Buffer>): Promise<EncodedBucket> {
    if (this.failed) return Promise.resolve(encodeBucket(readings));
    const worker = this.startedWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Buffer.concat of more than a pool's worth (4 KB) owns its memory, so it can be transferred;
      // a tiny bucket is copied into its own array first.
      const ndjson = ownedBytes(ndjsonOf(readings));
      const request: EncodeRequest = { id, ndjson };
      worker.postMessage(request, [ndjson.buffer as ArrayBuffer]);
    });
  }

  /** Starts the worker ahead of the first bucket, so a pass does not wait for the thread to load. */
  warmUp(): void {
    if (!this.failed) this.startedWorker();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private startedWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(import.meta.url, 'bucket-encoder-worker');
    worker.unref();
    worker.on('message', ({ id, body, ...sums }: EncodeReply) => {
      const waiter = this.waiting.get(id);
      this.waiting.delete(id);
      waiter?.resolve({ ...sums, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) });
    });
    worker.on('error', (error) => this.fail(error));
    this.worker = worker;
    return worker;
  }

  private fail(error: Error): void {
    this.failed = true;
    this.worker = null;
    this.log(`archive: the LZ4 worker thread failed (${error.message}); compressing on the archiver's thread from now on`);
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/** The bytes in an ArrayBuffer of their own, which can be transferred without taking others along. */
function ownedBytes(bytes: Buffer): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}
