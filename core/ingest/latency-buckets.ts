/** Upper bounds of the publish→written latency buckets, in ms: 1 ms to 10 s, as Prometheus histograms usually span. */
export const LATENCY_BUCKET_BOUNDS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** Cumulative since the worker started; counts[i] holds latencies in (bounds[i-1], bounds[i]], the last slot those above every bound. */
export interface LatencyHistogram {
  counts: number[];
  sumMs: number;
}

export const EMPTY_LATENCY_HISTOGRAM: LatencyHistogram = { counts: new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0), sumMs: 0 };

/**
 * Publish→written latency counted into fixed buckets since start, for a Prometheus histogram. The
 * sliding LatencyWindow cannot feed one: its native histograms answer percentiles, not counts below
 * a bound, and forget old seconds. A dozen comparisons per reading is all this adds to the hot path.
 */
export class LatencyBuckets {
  private readonly counts = new Float64Array(LATENCY_BUCKET_BOUNDS_MS.length + 1);
  private sumMs = 0;

  recordMs(latencyMs: number): void {
    let slot = 0;
    while (slot < LATENCY_BUCKET_BOUNDS_MS.length && latencyMs > LATENCY_BUCKET_BOUNDS_MS[slot]!) slot += 1;
    this.counts[slot]! += 1;
    this.sumMs += latencyMs;
  }

  histogram(): LatencyHistogram {
    return { counts: Array.from(this.counts), sumMs: this.sumMs };
  }
}

/** Two workers' histograms one after the other, as the restart-proof snapshot adds their counters. */
export function addHistograms(earlier: LatencyHistogram, later: LatencyHistogram): LatencyHistogram {
  return { counts: later.counts.map((count, slot) => count + (earlier.counts[slot] ?? 0)), sumMs: earlier.sumMs + later.sumMs };
}
