import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/**
 * Publish→written latency over a sliding window, kept as one native histogram per second so that
 * recording stays a cheap native call on the hot path and old seconds simply fall off.
 */
export class LatencyWindow {
  private readonly slots: RecordableHistogram[];
  private current = 0;

  constructor(private readonly windowSeconds = 10) {
    this.slots = Array.from({ length: windowSeconds }, () => createHistogram());
  }

  recordMs(latencyMs: number): void {
    this.slots[this.current]!.record(Math.max(1, Math.round(latencyMs * 1000)));
  }

  /** Called once a second by the figures sampler. */
  rotate(): void {
    this.current = (this.current + 1) % this.windowSeconds;
    this.slots[this.current]!.reset();
  }

  reset(): void {
    for (const slot of this.slots) slot.reset();
  }

  percentilesMs(): { p50: number | null; p99: number | null; samples: number } {
    const merged = createHistogram();
    for (const slot of this.slots) merged.add(slot);
    if (merged.count === 0) return { p50: null, p99: null, samples: 0 };
    return {
      p50: merged.percentile(50) / 1000,
      p99: merged.percentile(99) / 1000,
      samples: merged.count,
    };
  }
}
