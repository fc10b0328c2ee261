import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Worker } from 'node:worker_threads';
import { Conflict, InvalidInput, NotFound, Refused, Unavailable, type KindedError } from '../domain/errors.js';
import { startWorker } from '../threads/worker-entry.js';
import type { ExportFailure, ExportJob, FromExportThread, ToExportThread } from './export-job.js';

/**
 * The export thread's heap: a young generation of a few MB and an old one capped, so however many
 * rows an export reads, the garbage they leave stays within these and the process's RSS grows by
 * tens of MB, not hundreds. The server's own thread runs with --max-semi-space-size=64 (ingest
 * throughput): under sustained allocation V8 grows the young generation to 2 × 64 MB, and its old
 * space fills with promoted garbage between mark-compacts (measured: +180 MB for 1,000,000 rows
 * streamed on the main thread).
 */
const EXPORT_HEAP = { maxYoungGenerationSizeMb: 6, maxOldGenerationSizeMb: 96 };
/** Chunks (64 KiB of text each) asked for ahead of what the response has taken. */
const CHUNKS_AHEAD = 2;
/** A young-generation GC on this thread after this many chunks (see youngGc). */
const CHUNKS_PER_SCAVENGE = 32;

/**
 * The chunks arrive as ArrayBuffers outside the heap, freed only when a GC finds their wrappers
 * dead; an otherwise idle server thread seldom runs one, and V8 waits for 64 MB of them before it
 * forces one (measured: +30 MB of RSS while an export streams). A scavenge every 2 MiB sent
 * (well under a millisecond on a small young generation) keeps them to a few MB. The gc function
 * lives in a context of its own, not on this thread's global object.
 */
const youngGc: () => void = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
    return () => gc({ type: 'minor' });
  } catch {
    return () => undefined;
  }
})();

export interface StartedExport {
  total: number | null;
  /** The file's bytes; destroying it (the client went away) stops the thread's reads. */
  body: Readable;
}

interface Job {
  job: ExportJob;
  head: { resolve: (started: StartedExport) => void; reject: (error: Error) => void } | null;
  body: Readable;
  asked: number;
}

/**
 * The main thread's side of the export thread: one thread for every export, started with the
 * first, each export a Readable that asks the thread for the next chunk only when the response
 * wants more (so a slow client holds the Redis reads back) and cancels it when destroyed.
 */
export class ExportThread {
  private worker: Worker | null = null;
  private nextId = 0;
  private chunks = 0;
  private readonly jobs = new Map<number, Job>();

  constructor(private readonly onRows: (job: ExportJob, rows: number) => void = () => undefined) {}

  /**
   * Starts the thread before the first export: it costs about 27 MB at rest, and its first export
   * another ~18 MB for a few seconds (the compilers' memory, which V8 and malloc give back later),
   * both paid once at start rather than inside the first export's memory bound.
   */
  open(): void {
    this.startedWorker();
  }

  /** Resolves once the first page is read (so a refused query is still an error status), with the body to send. */
  start(job: ExportJob): Promise<StartedExport> {
    const worker = this.startedWorker();
    const id = this.nextId++;
    const send = (message: ToExportThread) => this.worker === worker && worker.postMessage(message);
    return new Promise((resolve, reject) => {
      const state: Job = {
        job,
        head: { resolve, reject },
        asked: 0,
        body: new Readable({
          highWaterMark: 64 * 1024,
          read: () => {
            while (state.asked < CHUNKS_AHEAD) {
              state.asked += 1;
              send({ type: 'more', id });
            }
          },
          destroy: (error, done) => {
            if (this.jobs.delete(id)) send({ type: 'cancel', id });
            done(error);
          },
        }),
      };
      this.jobs.set(id, state);
      send({ type: 'start', id, job });
    });
  }

  /** Exports running now. */
  get running(): number {
    return this.jobs.size;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Unavailable('redis', 'the export thread stopped'));
    await worker?.terminate();
  }

  private receive(message: FromExportThread): void {
    const job = this.jobs.get(message.id);
    if (!job) return;
    switch (message.type) {
      case 'head':
        job.head?.resolve({ total: message.total, body: job.body });
        job.head = null;
        return;
      case 'chunk': {
        job.asked -= 1;
        if (++this.chunks % CHUNKS_PER_SCAVENGE === 0) youngGc();
        if (message.rows > 0) this.onRows(job.job, message.rows);
        job.body.push(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
        return;
      }
      case 'end':
        this.forget(message.id);
        job.body.push(null);
        return;
      case 'error': {
        this.forget(message.id);
        const error = errorOf(message.failure);
        if (job.head) job.head.reject(error);
        else job.body.destroy(error);
      }
    }
  }

  private forget(id: number): void {
    this.jobs.delete(id);
  }

  private startedWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = withOwnYoungGeneration(() => startWorker(import.meta.url, 'export-worker', { resourceLimits: EXPORT_HEAP }));
    worker.unref();
    worker.on('message', (message: FromExportThread) => this.receive(message));
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(new Error(`the export thread failed: ${error.message}`));
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`it exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    for (const [id, job] of [...this.jobs]) {
      this.forget(id);
      if (job.head) job.head.reject(error);
      else job.body.destroy(error);
    }
  }
}

/**
 * --max-semi-space-size overrides a worker's resourceLimits (V8 reads the flag when it makes the
 * isolate). Unset it while the export thread's isolate is made, and set it back once the thread
 * runs, so the server's own thread and any worker started later keep it. A worker that starts
 * within those milliseconds (an ingest worker restarting) gets V8's default young generation.
 */
function withOwnYoungGeneration(start: () => Worker): Worker {
  const flag = semiSpaceFlag();
  if (flag === null) return start();
  setFlagsFromString('--max-semi-space-size=0');
  let worker: Worker;
  try {
    worker = start();
  } catch (error) {
    setFlagsFromString(`--max-semi-space-size=${flag}`);
    throw error;
  }
  const restore = () => setFlagsFromString(`--max-semi-space-size=${flag}`);
  worker.once('online', restore);
  worker.once('error', restore);
  return worker;
}

/** The flag as this process was started with it: node's own arguments, NODE_OPTIONS, or Electron's --js-flags. */
export function semiSpaceFlag(sources: string[] = [...process.execArgv, process.env.NODE_OPTIONS ?? '', ...process.argv]): number | null {
  let value: number | null = null;
  for (const source of sources) {
    for (const match of source.matchAll(/--max[-_]semi[-_]space[-_]size[= ](\d+)/g)) value = Number(match[1]);
  }
  return value;
}

function errorOf({ kind, message, field, service }: ExportFailure): Error {
  const errors: Partial<Record<ExportFailure['kind'], () => KindedError>> = {
    'invalid-input': () => new InvalidInput(message, field),
    unavailable: () => new Unavailable(service ?? 'redis', message),
    refused: () => new Refused(message),
    conflict: () => new Conflict(message),
    'not-found': () => new NotFound(message),
  };
  return errors[kind]?.() ?? new Error(message);
}
