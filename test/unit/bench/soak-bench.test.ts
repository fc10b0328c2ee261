import { describe, expect, it } from 'vitest';
import { parseSoakSettings, soakFlatness, type SoakMinute } from '../../../core/bench/soak-bench.js';

const minute = (n: number, rss: number, p99: number | null): SoakMinute => ({
  minute: n,
  rss_mb: rss,
  heap_mb: 50,
  worker_heap_mb: 60,
  thermostats_published: 480_000,
  meters_sent: 120_000,
  written: 600_000,
  puback_p50_ms: 1.3,
  puback_p99_ms: p99,
  written_p99_ms: 3,
  redis_used_mb: 100,
});

describe('the soak verdict', () => {
  it('is flat when the last minute is within 20 % of the second, whatever the first (start-up) did', () => {
    const rows = [minute(1, 600, 30), minute(2, 340, 5), minute(3, 350, 5.5), minute(4, 400, 5.9)];
    expect(soakFlatness(rows)).toEqual({ rss_change_pct: 17.6, puback_p99_change_pct: 18, flat: true });
  });

  it('is not flat when memory creeps past 20 %, or when p99 drifts past it either way', () => {
    expect(soakFlatness([minute(1, 300, 5), minute(2, 300, 5), minute(3, 361, 5)]).flat).toBe(false);
    expect(soakFlatness([minute(1, 300, 5), minute(2, 300, 5), minute(3, 300, 3.9)])).toMatchObject({ puback_p99_change_pct: -22, flat: false });
  });

  it('gives no verdict for under 3 minutes or without PUBACK figures, rather than a guess', () => {
    expect(soakFlatness([minute(1, 300, 5), minute(2, 300, 5)]).flat).toBeNull();
    expect(soakFlatness([minute(1, 300, 5), minute(2, 300, null), minute(3, 300, 5)]).flat).toBe(false);
  });
});

describe('the soak flags', () => {
  const defaults = { publishers: '2', minutes: '10', 'soak-rate': '10000', 'meter-share': '0.2' };

  it('defaults to 10 minutes at 10,000 readings/s, a fifth of them meters', () => {
    expect(parseSoakSettings(defaults)).toEqual({ minutes: 10, rate: 10_000, meterShare: 0.2, publishers: 2 });
  });

  it('names the flag and the value it refuses', () => {
    expect(() => parseSoakSettings({ ...defaults, minutes: '0.5' })).toThrow('--minutes must be a whole number of minutes, at least 1, not 0.5');
    expect(() => parseSoakSettings({ ...defaults, 'soak-rate': 'fast' })).toThrow('--soak-rate must be a number of readings/s above 0, not fast');
    expect(() => parseSoakSettings({ ...defaults, 'meter-share': '1' })).toThrow('--meter-share must be at least 0 and below 1, not 1');
    expect(() => parseSoakSettings({ ...defaults, publishers: '0' })).toThrow('--publishers must be a whole number, at least 1, not 0');
  });
});
