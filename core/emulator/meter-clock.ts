const DAY_MS = 86_400_000;

export interface MeterClockOptions {
  /** Emulated time runs this many times faster than real time until it reaches it; at least 1. */
  speed: number;
  /** Emulated time starts this many days before real time. */
  historyDays: number;
  intervalSeconds: number;
  /** Real time, ms since epoch. */
  now: () => number;
}

/**
 * The meters' clock: it starts `historyDays` back, runs `speed` times faster than real time until it
 * reaches real time, and from then on is real time. A sender that cannot keep up holds it back.
 */
export class MeterClock {
  private readonly realNow: () => number;
  private speed: number;
  /** The clock ran from `anchorEmulated` at real time `anchorReal`, `speed` times faster. */
  private anchorReal: number;
  private anchorEmulated: number;

  constructor({ speed, historyDays, intervalSeconds, now }: MeterClockOptions) {
    checkSpeed(speed);
    this.realNow = now;
    this.speed = speed;
    this.anchorReal = now();
    this.anchorEmulated = historyStart(this.anchorReal, historyDays, intervalSeconds);
  }

  /** Emulated time, ms since epoch; never ahead of real time. */
  now(): number {
    return this.emulatedAt(this.realNow());
  }

  /** True once emulated time has reached real time. */
  get caughtUp(): boolean {
    const real = this.realNow();
    return this.emulatedAt(real) >= real;
  }

  /** Goes on from the current emulated time at the new speed. */
  setSpeed(speed: number): void {
    checkSpeed(speed);
    const real = this.realNow();
    this.anchorAt(this.emulatedAt(real), real);
    this.speed = speed;
  }

  /** Sets emulated time back to `emulatedMs` (not past real time); it goes on from there at its speed. */
  holdAt(emulatedMs: number): void {
    const real = this.realNow();
    this.anchorAt(Math.min(emulatedMs, real), real);
  }

  private emulatedAt(realMs: number): number {
    // With speed ≥ 1 the accelerated line stays ahead of real time once it has crossed it.
    return Math.min(realMs, this.anchorEmulated + (realMs - this.anchorReal) * this.speed);
  }

  private anchorAt(emulatedMs: number, realMs: number): void {
    this.anchorReal = realMs;
    this.anchorEmulated = emulatedMs;
  }
}

function checkSpeed(speed: number): void {
  // Slower than real time would never catch up.
  if (!(speed >= 1)) throw new RangeError(`meter clock speed must be at least 1, got ${speed}`);
}

/**
 * Where emulated time starts: `historyDays` back, aligned down to a reading boundary so the history
 * starts with a whole interval. Without history it is now, so a clock at speed 1 is caught up
 * instead of trailing real time by part of an interval forever.
 */
function historyStart(realNowMs: number, historyDays: number, intervalSeconds: number): number {
  if (historyDays <= 0) return realNowMs;
  const start = realNowMs - historyDays * DAY_MS;
  const intervalMs = intervalSeconds * 1000;
  return start - (start % intervalMs);
}
