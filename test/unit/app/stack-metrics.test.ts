import { describe, expect, it } from 'vitest';
import { latencyExposition } from '../../../core/app/stack-metrics.js';
import { LatencyBuckets } from '../../../core/ingest/latency-buckets.js';

describe('latencyExposition', () => {
  it('writes cumulative buckets with le in seconds, +Inf equal to the count, and the sum in seconds', () => {
    const buckets = new LatencyBuckets();
    for (const ms of [0.5, 4, 4, 300, 12_000]) buckets.recordMs(ms);
    const lines = latencyExposition(buckets.histogram()).split('\n');
    expect(lines).toContain('# TYPE sensor_workbench_publish_to_written_seconds histogram');
    expect(lines).toContain('sensor_workbench_publish_to_written_seconds_bucket{le="0.001"} 1');
    expect(lines).toContain('sensor_workbench_publish_to_written_seconds_bucket{le="0.005"} 3');
    expect(lines).toContain('sensor_workbench_publish_to_written_seconds_bucket{le="0.25"} 3');
    expect(lines).toContain('sensor_workbench_publish_to_written_seconds_bucket{le="0.5"} 4');
    expect(lines).toContain('sensor_workbench_publish_to_written_seconds_bucket{le="10"} 4');
    expect(lines).toContain('sensor_workbench_publish_to_written_seconds_bucket{le="+Inf"} 5');
    expect(lines).toContain('sensor_workbench_publish_to_written_seconds_count 5');
    expect(lines).toContain('sensor_workbench_publish_to_written_seconds_sum 12.3085');
  });
});
