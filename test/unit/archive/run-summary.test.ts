import { describe, expect, it } from 'vitest';
import { emptyProgress, summarize, summaryLine } from '../../../core/archive/run-summary.js';

describe('run summary', () => {
  it('has no ratio when nothing was archived', () => {
    const summary = summarize(emptyProgress('interval', 1_000), 1_500, null);

    expect(summary).toMatchObject({ trigger: 'interval', bucketsTotal: 0, ratio: null, error: null, finishedAt: 1_500 });
    expect(summaryLine(summary)).toBe('archive (interval): 0/0 buckets (scan not finished), 0 readings, 0.0 MB in, 0.0 MB out, 0.5 s, 0.0 MB/s');
  });

  it('puts buckets, readings, MB in and out, ratio, seconds and rate on one line', () => {
    const progress = { ...emptyProgress('manual', 0), bucketsTotal: 12, bucketsDone: 10, bucketsLate: 1, bucketsFailed: 1, readings: 2880 };
    const summary = summarize({ ...progress, bytesIn: 40_000_000, bytesOut: 10_000_000, scanComplete: true }, 2_000, null);

    expect(summary.ratio).toBe(4);
    expect(summaryLine(summary)).toBe(
      'archive (manual): 10/12 buckets (1 late, 1 failed), 2880 readings, 40.0 MB in, 10.0 MB out (ratio 4.00), 2.0 s, 20.0 MB/s',
    );
  });

  it('ends with the error that stopped the pass', () => {
    const summary = summarize({ ...emptyProgress('manual', 0), scanComplete: true }, 100, 'PutObject failed: connection refused');

    expect(summaryLine(summary)).toMatch(/; stopped: PutObject failed: connection refused$/);
  });
});
