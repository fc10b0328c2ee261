import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_DELAYS_MS, FailureBackoff } from '../../../core/archive/failure-backoff.js';

describe('FailureBackoff', () => {
  it('waits longer after each failure, repeats the last delay, and keeps when the failures began', () => {
    const backoff = new FailureBackoff([1_000, 5_000]);

    expect(backoff.failed('down', 10_000)).toEqual({ error: 'down', since: 10_000, retryAt: 11_000 });
    expect(backoff.failed('still down', 11_000)).toEqual({ error: 'still down', since: 10_000, retryAt: 16_000 });
    expect(backoff.failed('still down', 16_000)).toEqual({ error: 'still down', since: 10_000, retryAt: 21_000 });
  });

  it('forgets everything after a success', () => {
    const backoff = new FailureBackoff([1_000, 5_000]);
    backoff.failed('down', 0);
    backoff.failed('down', 1_000);

    backoff.succeeded();

    expect(backoff.failing).toBeNull();
    expect(backoff.failed('down again', 50_000)).toEqual({ error: 'down again', since: 50_000, retryAt: 51_000 });
  });

  it('starts at 5 s and ends at 5 minutes by default', () => {
    expect(DEFAULT_RETRY_DELAYS_MS[0]).toBe(5_000);
    expect(DEFAULT_RETRY_DELAYS_MS.at(-1)).toBe(300_000);
  });

  it('refuses an empty list of delays', () => {
    expect(() => new FailureBackoff([])).toThrow(/must not be empty/);
  });
});
