import { describe, expect, it } from 'vitest';
import { readingsDue, tickIntervalMs } from '../../../core/emulator/publish-schedule.js';

describe('publish schedule', () => {
  it("keeps the source document's cadence at its own rate: a 4000 ms tick and 11 readings per 4 s", () => {
    expect(tickIntervalMs(11 / 4)).toBe(4000);
    expect(readingsDue(2.75, 4000, 0)).toBe(11);
    expect(readingsDue(2.75, 8000, 11)).toBe(11);
    expect(readingsDue(2.75, 40_000, 0)).toBe(110);
  });

  it('does not send a reading before it is due', () => {
    expect(readingsDue(2.75, 3999, 0)).toBe(10);
    expect(readingsDue(2.75, 0, 0)).toBe(0);
  });

  it('never owes a negative number of readings', () => {
    expect(readingsDue(2.75, 4000, 50)).toBe(0);
  });

  it('ticks faster at benchmark rates, but not faster than every 10 ms', () => {
    expect(tickIntervalMs(50)).toBe(220);
    expect(tickIntervalMs(100_000)).toBe(10);
    expect(tickIntervalMs(1)).toBe(4000);
  });

  it('delivers the configured rate over a long run', () => {
    expect(readingsDue(100_000, 60_000, 0)).toBe(6_000_000);
    expect(readingsDue(50, 1000, 0)).toBe(50);
  });
});
