import { describe, expect, it } from 'vitest';
import { MeterClock } from '../../../core/emulator/meter-clock.js';

const DAY_MS = 86_400_000;
const INTERVAL_MS = 300_000;
/** 2024-03-10 14:07:31.250 UTC: not on a reading boundary. */
const REAL_START = Date.UTC(2024, 2, 10, 14, 7, 31, 250);

/** Real time that only moves when the test says so. */
function manualTime() {
  let now = REAL_START;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('MeterClock', () => {
  it('starts historyDays back, on a reading boundary', () => {
    const time = manualTime();
    const clock = new MeterClock({ speed: 100, historyDays: 2, intervalSeconds: 300, now: time.now });
    const dayBefore = REAL_START - 2 * DAY_MS;
    expect(clock.now()).toBe(dayBefore - (dayBefore % INTERVAL_MS));
    expect(clock.now() % INTERVAL_MS).toBe(0);
    expect(REAL_START - 2 * DAY_MS - clock.now()).toBeLessThan(INTERVAL_MS);
    expect(clock.caughtUp).toBe(false);
  });

  it('runs speed times faster than real time until it reaches real time, then is real time', () => {
    const time = manualTime();
    const clock = new MeterClock({ speed: 1000, historyDays: 1, intervalSeconds: 300, now: time.now });
    const start = clock.now();
    time.advance(1000);
    expect(clock.now()).toBe(start + 1000 * 1000);

    // Behind by a day plus part of an interval; 999 ms of emulated time per real ms are gained.
    const catchUpMs = Math.ceil((REAL_START - start) / 999);
    time.advance(catchUpMs - 1000 - 2);
    expect(clock.caughtUp).toBe(false);
    expect(clock.now()).toBeLessThan(time.now());
    time.advance(2);
    expect(clock.caughtUp).toBe(true);
    expect(clock.now()).toBe(time.now());

    time.advance(60_000);
    expect(clock.now()).toBe(time.now());
    expect(clock.caughtUp).toBe(true);
  });

  it('is real time from the start without history, even at speed 1', () => {
    const time = manualTime();
    const clock = new MeterClock({ speed: 1, historyDays: 0, intervalSeconds: 300, now: time.now });
    expect(clock.now()).toBe(REAL_START);
    expect(clock.caughtUp).toBe(true);
    time.advance(12_345);
    expect(clock.now()).toBe(REAL_START + 12_345);
  });

  it('at speed 1 with history, replays the past at real pace and never catches up', () => {
    const time = manualTime();
    const clock = new MeterClock({ speed: 1, historyDays: 1, intervalSeconds: 300, now: time.now });
    const start = clock.now();
    time.advance(3_600_000);
    expect(clock.now()).toBe(start + 3_600_000);
    expect(clock.caughtUp).toBe(false);
  });

  it('goes on from a held-back time at its speed, and never past real time', () => {
    const time = manualTime();
    const clock = new MeterClock({ speed: 10, historyDays: 1, intervalSeconds: 300, now: time.now });
    const start = clock.now();
    time.advance(1000);
    clock.holdAt(start + 2000);
    expect(clock.now()).toBe(start + 2000);
    time.advance(100);
    expect(clock.now()).toBe(start + 3000);

    clock.holdAt(time.now() + DAY_MS);
    expect(clock.now()).toBe(time.now());
  });

  it('changes speed without a jump in emulated time', () => {
    const time = manualTime();
    const clock = new MeterClock({ speed: 10, historyDays: 1, intervalSeconds: 300, now: time.now });
    const start = clock.now();
    time.advance(1000);
    clock.setSpeed(100);
    expect(clock.now()).toBe(start + 10_000);
    time.advance(1000);
    expect(clock.now()).toBe(start + 110_000);
    expect(() => clock.setSpeed(0.5)).toThrow(/at least 1/);
  });
});
