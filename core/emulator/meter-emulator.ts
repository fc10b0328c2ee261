import type { InternalCredentials } from '../broker/internal-identity.js';
import { MAX_READINGS_PER_PAYLOAD } from '../ingest/meter-payload.js';
import type { MeterEmulatorStatus } from '../api/energy.js';
import { InvalidInput } from '../domain/errors.js';
import { MeterClock } from './meter-clock.js';
import { meterId, meterReading } from './meter-generator.js';
import { openSender, senderAddress, type MeterEmulatorTransport, type PayloadSender } from './meter-senders.js';

/** Under the 65,507 bytes one UDP datagram carries, which is also ingest's default payload limit. */
export const MAX_PAYLOAD_BYTES = 60_000;
const DEFAULT_MAX_READINGS_PER_SECOND = 5000;
const TICK_MS = 100;
/** Unused send budget carried to later ticks, in seconds at the capped rate: absorbs timer jitter, but no flood after a quiet spell. */
const MAX_BURST_SECONDS = 0.5;
/** Readings handed to the socket or client and not yet confirmed; past it the emulator waits for a slow broker. */
const MAX_IN_FLIGHT_READINGS = 5000;
/** How long stop() waits for in-flight readings to be confirmed before closing. */
const ACK_WAIT_MS = 10_000;
const RATE_WINDOW_MS = 1000;

export interface MeterEmulatorOptions {
  /** Where the meter datagram listener is; null when it is off. */
  udp: { host: string; port: number } | null;
  brokerUrl: string | null;
  /** The broker's in-process identity; null for a broker that takes anonymous clients. */
  credentials?: InternalCredentials | null;
  /** Meters D704206000001 … D704206<meters>. */
  meters: number;
  intervalSeconds: number;
  /** Emulated time runs this many times faster than real time until it catches up; at least 1. */
  speed: number;
  /** Emulated time starts this many days ago. */
  historyDays: number;
  transport: MeterEmulatorTransport;
  maxReadingsPerSecond?: number;
  /** Real time, ms since epoch. */
  now?: () => number;
}

export type MeterEmulatorChanges = Partial<Pick<MeterEmulatorOptions, 'meters' | 'speed' | 'historyDays' | 'transport'>>;

/** Where sending stands in emulated time. */
interface Progress {
  clock: MeterClock;
  /** The first reading not yet sent: its slot (Unix seconds) and its meter (0-based). */
  nextSlot: number;
  nextMeter: number;
  /** As of the last tick, so the status matches what has been sent. */
  emulatedNow: number;
  /** Set once the clock has reached real time with every reading due sent; it stays set until the clock restarts. */
  caughtUp: boolean;
}

/**
 * Smart meters as the source document describes them: each sends one reading per interval of
 * emulated time, over UDP datagrams or MQTT (mqtt.js), so the workbench sees what real meters send.
 * Emulated time may start days back and run fast to fill past buckets, within a cap on the send rate.
 */
export class MeterEmulator {
  private options: Required<MeterEmulatorOptions>;
  private progress: Progress;
  private sender: PayloadSender | null = null;
  private timer: NodeJS.Timeout | null = null;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  /** Readings that may be sent now: refilled at maxReadingsPerSecond. */
  private budget = 0;
  private budgetRefilledAt = 0;
  private inFlight = 0;
  private sent = 0;
  private sendErrors = 0;
  private lastError: string | null = null;
  private ratePerSec = 0;
  private rateSampledAt = 0;
  private sentAtRateSample = 0;

  constructor(options: MeterEmulatorOptions) {
    this.options = { ...options, credentials: options.credentials ?? null, maxReadingsPerSecond: options.maxReadingsPerSecond ?? DEFAULT_MAX_READINGS_PER_SECOND, now: options.now ?? Date.now };
    checkOptions(this.options);
    this.progress = freshProgress(this.options);
  }

  status(): MeterEmulatorStatus {
    const { meters, transport, intervalSeconds, speed } = this.options;
    return {
      running: this.timer !== null,
      meters,
      transport,
      intervalSeconds,
      speed,
      emulatedNow: this.progress.emulatedNow,
      caughtUp: this.progress.caughtUp,
      sent: this.sent,
      ratePerSec: this.ratePerSec,
      sendErrors: this.sendErrors,
      lastError: this.lastError,
    };
  }

  /** Connects the chosen transport and starts sending; emulated time goes on from where it is. */
  async start(): Promise<void> {
    await this.stopping;
    if (this.timer) return;
    this.starting ??= this.connect().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** Stops sending, waits for in-flight readings to be confirmed, then closes the socket or client. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    this.stopping ??= this.disconnect().finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  /**
   * Takes effect at once, running or not. Giving historyDays restarts emulated time that many days
   * back, even with the same value (past readings are sent again); a new transport reconnects, and
   * the promise settles once it has. Invalid changes throw at once and change nothing.
   */
  reconfigure(changes: MeterEmulatorChanges): Promise<void> {
    const previous = this.options;
    const next = {
      ...previous,
      meters: changes.meters ?? previous.meters,
      speed: changes.speed ?? previous.speed,
      historyDays: changes.historyDays ?? previous.historyDays,
      transport: changes.transport ?? previous.transport,
    };
    checkOptions(next);
    const reconnect = (this.timer !== null || this.starting !== null) && next.transport !== previous.transport;
    if (reconnect) senderAddress(next);
    this.options = next;
    if (next.meters < previous.meters) this.fitProgressToMeters();
    if (changes.historyDays !== undefined) this.progress = freshProgress(next);
    else if (next.speed !== previous.speed) this.progress.clock.setSpeed(next.speed);
    if (!reconnect) return Promise.resolve();
    const reconnected = this.stop().then(() => this.start());
    // Also kept in the status, so a caller that does not wait still learns that it failed.
    reconnected.catch((error: Error) => {
      this.lastError = error.message;
    });
    return reconnected;
  }

  private async connect(): Promise<void> {
    this.sender = await openSender(this.options, (error) => {
      this.lastError = error.message;
    });
    const now = this.options.now();
    this.budget = 0;
    this.budgetRefilledAt = now;
    this.rateSampledAt = now;
    this.sentAtRateSample = this.sent;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private async disconnect(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.ratePerSec = 0;
    const sender = this.sender;
    this.sender = null;
    if (!sender) return;
    const deadline = performance.now() + ACK_WAIT_MS;
    while (this.inFlight > 0 && sender.ready() && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await sender.close();
  }

  private tick(): void {
    try {
      this.sendDue();
    } catch (error) {
      this.recordSendError(error);
    }
  }

  private sendDue(): void {
    const sender = this.sender;
    if (!sender) return;
    const realNow = this.options.now();
    this.refillBudget(realNow);
    this.sampleRate(realNow);
    const { clock } = this.progress;
    const due = this.readingsDue(clock.now());
    const room = sender.ready() ? MAX_IN_FLIGHT_READINGS - this.inFlight : 0;
    const count = Math.max(0, Math.min(due, Math.floor(this.budget), room));
    this.sendReadings(sender, count);
    this.budget -= count;
    // While catching up, the clock waits for the sender rather than skip readings or flood UDP,
    // which has no backpressure. Once caught up, readings the cap holds back are only late: a clock
    // at speed 1 could never make up time it had lost.
    if (count < due && !this.progress.caughtUp) clock.holdAt(this.nextReadingDueMs());
    this.progress.emulatedNow = clock.now();
    this.progress.caughtUp ||= count === due && clock.caughtUp;
  }

  private refillBudget(realNow: number): void {
    const { maxReadingsPerSecond } = this.options;
    const elapsedSeconds = Math.max(0, realNow - this.budgetRefilledAt) / 1000;
    this.budgetRefilledAt = realNow;
    this.budget = Math.min(Math.max(1, maxReadingsPerSecond * MAX_BURST_SECONDS), this.budget + maxReadingsPerSecond * elapsedSeconds);
  }

  private sampleRate(realNow: number): void {
    const elapsed = realNow - this.rateSampledAt;
    if (elapsed < RATE_WINDOW_MS) return;
    this.ratePerSec = Math.round(((this.sent - this.sentAtRateSample) * 1000) / elapsed);
    this.rateSampledAt = realNow;
    this.sentAtRateSample = this.sent;
  }

  /** Readings whose slot has ended by `emulatedMs` and that have not been sent. */
  private readingsDue(emulatedMs: number): number {
    const { meters, intervalSeconds } = this.options;
    const lastDueSlot = alignDown(Math.floor(emulatedMs / 1000) - intervalSeconds, intervalSeconds);
    if (lastDueSlot < this.progress.nextSlot) return 0;
    return ((lastDueSlot - this.progress.nextSlot) / intervalSeconds + 1) * meters - this.progress.nextMeter;
  }

  private nextReadingDueMs(): number {
    return (this.progress.nextSlot + this.options.intervalSeconds) * 1000;
  }

  /**
   * Sends the next `count` readings. They go out slot by slot and, within a slot, meter by meter,
   * so `count` readings from the cursor give each meter a run of consecutive slots: one payload per
   * meter, split only when it would be too large.
   */
  private sendReadings(sender: PayloadSender, count: number): void {
    const { meters, intervalSeconds } = this.options;
    const { nextSlot, nextMeter } = this.progress;
    const end = nextMeter + count;
    for (let i = 0; i < Math.min(count, meters); i++) {
      const meter = (nextMeter + i) % meters;
      const firstRound = meter >= nextMeter ? 0 : 1;
      const lastRound = Math.floor((end - 1 - meter) / meters);
      this.sendMeterReadings(sender, meterId(meter + 1), nextSlot + firstRound * intervalSeconds, lastRound - firstRound + 1);
    }
    this.progress.nextSlot += Math.floor(end / meters) * intervalSeconds;
    this.progress.nextMeter = end % meters;
  }

  private sendMeterReadings(sender: PayloadSender, deviceId: string, firstSlot: number, slots: number): void {
    const { intervalSeconds } = this.options;
    // Reading JSON is ASCII, so string lengths are byte counts.
    const maxArrayBytes = MAX_PAYLOAD_BYTES - sender.envelopeBytes(deviceId);
    let batch: string[] = [];
    let arrayBytes = 2; // the brackets
    for (let slot = firstSlot; slot < firstSlot + slots * intervalSeconds; slot += intervalSeconds) {
      const json = JSON.stringify(meterReading(deviceId, slot, intervalSeconds));
      const full = batch.length === MAX_READINGS_PER_PAYLOAD || arrayBytes + 1 + json.length > maxArrayBytes;
      if (batch.length > 0 && full) {
        this.sendPayload(sender, deviceId, batch);
        batch = [];
        arrayBytes = 2;
      }
      arrayBytes += (batch.length > 0 ? 1 : 0) + json.length;
      batch.push(json);
    }
    this.sendPayload(sender, deviceId, batch);
  }

  private sendPayload(sender: PayloadSender, deviceId: string, batch: string[]): void {
    const readings = batch.length;
    this.inFlight += readings;
    const done = (error?: Error | null) => {
      this.inFlight -= readings;
      if (error) this.recordSendError(error);
      else this.sent += readings;
    };
    try {
      sender.send(deviceId, `[${batch.join(',')}]`, done);
    } catch (error) {
      done(error as Error);
    }
  }

  private recordSendError(error: unknown): void {
    this.sendErrors += 1;
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  /** Fewer meters: a cursor past the last one moves on to the next slot. */
  private fitProgressToMeters(): void {
    if (this.progress.nextMeter < this.options.meters) return;
    this.progress.nextSlot += this.options.intervalSeconds;
    this.progress.nextMeter = 0;
  }
}

function freshProgress({ speed, historyDays, intervalSeconds, now }: Required<MeterEmulatorOptions>): Progress {
  const clock = new MeterClock({ speed, historyDays, intervalSeconds, now });
  const emulatedNow = clock.now();
  return { clock, nextSlot: alignDown(Math.floor(emulatedNow / 1000), intervalSeconds), nextMeter: 0, emulatedNow, caughtUp: clock.caughtUp };
}

function alignDown(seconds: number, intervalSeconds: number): number {
  return seconds - (((seconds % intervalSeconds) + intervalSeconds) % intervalSeconds);
}

function checkOptions({ meters, intervalSeconds, speed, historyDays, maxReadingsPerSecond }: Required<MeterEmulatorOptions>): void {
  const problems = [
    Number.isInteger(meters) && meters >= 1 ? null : `meters must be a whole number ≥ 1, got ${meters}`,
    Number.isInteger(intervalSeconds) && intervalSeconds >= 1 ? null : `intervalSeconds must be a whole number ≥ 1, got ${intervalSeconds}`,
    speed >= 1 ? null : `speed must be at least 1, got ${speed}`,
    historyDays >= 0 ? null : `historyDays must be 0 or more, got ${historyDays}`,
    maxReadingsPerSecond > 0 ? null : `maxReadingsPerSecond must be positive, got ${maxReadingsPerSecond}`,
  ].filter((problem) => problem !== null);
  if (problems.length > 0) throw new InvalidInput(`meter emulator: ${problems.join('; ')}`);
}
