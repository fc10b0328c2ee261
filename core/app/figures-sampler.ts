import { Cluster, type Redis } from 'ioredis';
import type { LiveFigures, RateSample } from '../api/status.js';
import { EMPTY_INGEST_SNAPSHOT, type IngestSnapshot } from '../ingest/ingest-snapshot.js';

const HISTORY_SECONDS = 120;

export interface FiguresSources {
  /** Null in read-only mode, where nothing is ingested. */
  ingest: { snapshot(): IngestSnapshot } | null;
  redis: Redis | Cluster;
  bufferLimit: number;
  mqttClients: () => number;
}


/** Turns the hot path's cumulative counters into per-second rates, once a second, off the hot path. */
export class FiguresSampler {
  private readonly history: RateSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private last = { received: 0, written: 0, rejected: 0, meterWritten: 0, redisCommands: null as number | null, at: 0 };

  constructor(private readonly sources: FiguresSources) {}

  start(): void {
    this.last = { ...this.countersNow(), redisCommands: null, at: performance.now() };
    this.timer = setInterval(() => void this.sample(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  snapshot(): LiveFigures {
    const ingest = this.ingestNow();
    const { latency, batches: _batches, latencyHistogram: _histogram, ...figures } = ingest;
    return {
      ingest: { ...figures, bufferLimit: this.sources.bufferLimit },
      rates: this.history.at(-1) ?? null,
      history: [...this.history],
      latencyMs: { ...latency, windowSeconds: 10 },
      mqttClients: this.sources.mqttClients(),
    };
  }

  private ingestNow(): IngestSnapshot {
    return this.sources.ingest?.snapshot() ?? EMPTY_INGEST_SNAPSHOT;
  }

  private countersNow() {
    const { received, written, rejected, meterReadingsWritten } = this.ingestNow();
    return { received, written, rejected, meterWritten: meterReadingsWritten };
  }

  private async sample(): Promise<void> {
    const now = performance.now();
    const seconds = (now - this.last.at) / 1000;
    const current = this.countersNow();
    const redisCommands = await redisCommandsProcessed(this.sources.redis);
    const sample: RateSample = {
      at: Date.now(),
      receivedPerSec: (current.received - this.last.received) / seconds,
      writtenPerSec: (current.written - this.last.written) / seconds,
      rejectedPerSec: (current.rejected - this.last.rejected) / seconds,
      meterWrittenPerSec: (current.meterWritten - this.last.meterWritten) / seconds,
      redisCommandsPerSec:
        redisCommands !== null && this.last.redisCommands !== null ? (redisCommands - this.last.redisCommands) / seconds : null,
    };
    this.last = { ...current, redisCommands, at: now };
    this.history.push(sample);
    if (this.history.length > HISTORY_SECONDS) this.history.shift();
  }
}

/** INFO's total_commands_processed, summed over a cluster's masters (each counts only its own); null while Redis does not answer. */
export async function redisCommandsProcessed(redis: Redis | Cluster): Promise<number | null> {
  const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
  try {
    const counts = await Promise.all(servers.map(async (server) => Number(/total_commands_processed:(\d+)/.exec(await server.info('stats'))?.[1] ?? NaN)));
    const total = counts.reduce((sum, count) => sum + count, 0);
    return Number.isNaN(total) ? null : total;
  } catch {
    return null;
  }
}
