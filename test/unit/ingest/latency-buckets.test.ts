import { describe, expect, it } from 'vitest';
import { addHistograms, LATENCY_BUCKET_BOUNDS_MS, LatencyBuckets } from '../../../core/ingest/latency-buckets.js';

describe('LatencyBuckets', () => {
  it('counts each latency in the first bucket whose bound it does not exceed, and above every bound in the last slot', () => {
    const buckets = new LatencyBuckets();
    for (const ms of [0.2, 1, 1.01, 9.9, 10, 10_000, 10_001, 60_000]) buckets.recordMs(ms);
    const { counts, sumMs } = buckets.histogram();
    const at = (boundMs: number) => counts[LATENCY_BUCKET_BOUNDS_MS.indexOf(boundMs as (typeof LATENCY_BUCKET_BOUNDS_MS)[number])];
    expect(at(1)).toBe(2);
    expect(at(2.5)).toBe(1);
    expect(at(10)).toBe(2);
    expect(at(10_000)).toBe(1);
    expect(counts.at(-1)).toBe(2);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(8);
    expect(sumMs).toBeCloseTo(0.2 + 1 + 1.01 + 9.9 + 10 + 10_000 + 10_001 + 60_000);
  });

  it("adds a restarted worker's histogram to the earlier one's", () => {
    const earlier = new LatencyBuckets();
    const later = new LatencyBuckets();
    earlier.recordMs(3);
    later.recordMs(3);
    later.recordMs(20_000);
    const both = addHistograms(earlier.histogram(), later.histogram());
    expect(both.counts[LATENCY_BUCKET_BOUNDS_MS.indexOf(5)]).toBe(2);
    expect(both.counts.at(-1)).toBe(1);
    expect(both.sumMs).toBe(20_006);
  });
});
