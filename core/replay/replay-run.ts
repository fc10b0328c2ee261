import type { ReplayMessage } from './replay-line.js';
import type { ReplayPublisher } from './replay-publisher.js';
import type { ReplaySourceReader } from './replay-source.js';

export type RunState = 'playing' | 'paused' | 'finished' | 'stopped' | 'failed';

export interface ReplayRunOptions {
  source: ReplaySourceReader;
  publisher: ReplayPublisher;
  /** Times the original pace. */
  speed: number;
  loop: boolean;
  /** Messages published and not yet acknowledged before the replay waits for the broker. */
  maxInFlight?: number;
  /** Real time in ms (performance.now by default); tests pass their own. */
  now?: () => number;
  /** Called once, when the run has ended (finished, stopped or failed) and its publisher is closed. */
  onEnd?: (run: ReplayRun) => void;
}

/** What one status read shows of a run. */
export interface RunFigures {
  state: RunState;
  speed: number;
  loop: boolean;
  loops: number;
  emulatedTime: number;
  progress: number;
  published: number;
  acknowledged: number;
  inFlight: number;
  error: string | null;
}

const DEFAULT_MAX_IN_FLIGHT = 10_000;
/** Once full, the replay goes on when this share of maxInFlight is still unacknowledged: the window stays nearly full, as a device's would. */
const RESUME_AT = 0.9;
/**
 * Behind the pace by more than this much real time (the pipeline is slower than the replay asks
 * for, or Redis was away), the clock is set back to the message at hand rather than the replay
 * racing to catch up on everything it missed.
 */
const MAX_LAG_MS = 1000;
/** A stopped run waits this long for what it published to be acknowledged. */
const STOP_WAIT_MS = 10_000;

/** Where the loop goes next after a pass, or part of one. */
type Turn = { to: 'end' } | { to: 'stop' } | { to: 'seek'; time: number };

/**
 * One replay: messages of a source published at `speed` times the pace of their original times,
 * with pause, resume, seek (to a time or a fraction) and loop, a change of speed at any time, and
 * back-pressure — at most maxInFlight messages are unacknowledged, so a replay faster than the
 * pipeline waits for it instead of queueing without bound. The emulated clock is
 * `anchorTime + (now − anchorReal) × speed`; every control re-anchors it.
 */
export class ReplayRun {
  private state: RunState = 'playing';
  private speed: number;
  private loop: boolean;
  private loops = 0;
  private published = 0;
  private acknowledged = 0;
  private inFlight = 0;
  private error: string | null = null;
  /** Time of the last message published (or where a seek or pause put the replay). */
  private position: number;
  /** Set while the loop waits for the pace: the message it waits for. */
  private waitingFor: number | null = null;
  private anchorReal = 0;
  private anchorTime = 0;
  private pausedAt: number | null = null;
  private seekTo: number | null = null;
  private stopping = false;
  private waitingForRoom = false;
  private wake: (() => void) | null = null;
  private readonly maxInFlight: number;
  private readonly now: () => number;
  private readonly ended: Promise<void>;
  private drained: (() => void) | null = null;

  constructor(private readonly options: ReplayRunOptions) {
    this.speed = options.speed;
    this.loop = options.loop;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.now = options.now ?? (() => performance.now());
    this.position = options.source.startTime;
    this.ended = this.run();
  }

  /** Resolves once the run has ended and its publisher is closed. */
  whenEnded(): Promise<void> {
    return this.ended;
  }

  get running(): boolean {
    return this.state === 'playing' || this.state === 'paused';
  }

  pause(): void {
    if (this.state !== 'playing') return;
    this.pausedAt = this.emulatedTime();
    this.state = 'paused';
    this.wakeUp();
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'playing';
    this.anchor(this.pausedAt ?? this.position);
    this.pausedAt = null;
    this.wakeUp();
  }

  /** To a time of the original timeline, clamped to the source's span; works while paused too. */
  seek(time: number): void {
    if (!this.running) return;
    const { startTime, endTime } = this.options.source;
    const clamped = Math.min(Math.max(time, startTime), endTime);
    this.seekTo = clamped;
    this.position = clamped;
    this.waitingFor = null;
    if (this.state === 'paused') this.pausedAt = clamped;
    else this.anchor(clamped);
    this.wakeUp();
  }

  seekFraction(fraction: number): void {
    const { startTime, endTime } = this.options.source;
    this.seek(startTime + Math.min(Math.max(fraction, 0), 1) * (endTime - startTime));
  }

  configure({ speed, loop }: { speed?: number; loop?: boolean }): void {
    if (loop !== undefined) this.loop = loop;
    if (speed === undefined || speed === this.speed) return;
    // The clock goes on from where it is, at the new pace.
    if (this.state === 'playing') this.anchor(this.emulatedTime());
    this.speed = speed;
    this.wakeUp();
  }

  /** Stops publishing, waits (a while) for what is in flight, closes the publisher. */
  async stop(): Promise<void> {
    if (this.running) this.stopping = true;
    this.wakeUp();
    await this.ended;
  }

  figures(): RunFigures {
    const { startTime, endTime } = this.options.source;
    const emulatedTime = this.emulatedTime();
    const span = endTime - startTime;
    const progress = this.state === 'finished' ? 1 : span > 0 ? (emulatedTime - startTime) / span : this.published > 0 ? 1 : 0;
    return {
      state: this.state,
      speed: this.speed,
      loop: this.loop,
      loops: this.loops,
      emulatedTime,
      progress: Math.min(Math.max(progress, 0), 1),
      published: this.published,
      acknowledged: this.acknowledged,
      inFlight: this.inFlight,
      error: this.error,
    };
  }

  /** The original time the replay is at: its clock while it waits for the next message's time, else the last message's. */
  private emulatedTime(): number {
    if (this.state === 'paused') return this.pausedAt ?? this.position;
    if (this.state !== 'playing' || this.waitingFor === null) return this.position;
    return Math.min(Math.max(this.clock(), this.position), this.waitingFor);
  }

  private clock(): number {
    return this.anchorTime + (this.now() - this.anchorReal) * this.speed;
  }

  private anchor(time: number): void {
    this.anchorTime = time;
    this.anchorReal = this.now();
  }

  private async run(): Promise<void> {
    const { source, publisher } = this.options;
    try {
      let from = source.startTime;
      for (;;) {
        const turn = await this.playFrom(from);
        if (turn.to === 'stop') break;
        if (turn.to === 'seek') {
          from = turn.time;
          continue;
        }
        if (!this.loop || this.stopping || this.published === 0) break;
        this.loops += 1;
        from = source.startTime;
        this.position = from;
        this.anchor(from);
      }
      await this.drain();
      if (this.state !== 'failed') this.state = this.stopping ? 'stopped' : 'finished';
      if (this.state === 'finished') this.position = source.endTime;
    } catch (error) {
      this.fail(error as Error);
    } finally {
      this.waitingFor = null;
      await publisher.close().catch(() => undefined);
      this.options.onEnd?.(this);
    }
  }

  /** One pass (or the rest of one) from `from`; what to do next. */
  private async playFrom(from: number): Promise<Turn> {
    if (this.state === 'playing') this.anchor(from);
    const pages = this.options.source.pages(from)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const page = await pages.next();
        if (page.done) return { to: 'end' };
        for (const message of page.value) {
          // Most messages may go at once: only a wait costs a promise.
          if (!this.mayGoNow(message)) {
            const turn = await this.untilDue(message);
            if (turn) return turn;
          }
          this.publish(message);
        }
      }
    } finally {
      await pages.return?.();
    }
  }

  /** Playing, nothing asked of the loop, room in flight, and the message's time reached but not lagged far behind. */
  private mayGoNow(message: ReplayMessage): boolean {
    if (this.state !== 'playing' || this.stopping || this.seekTo !== null || this.inFlight >= this.maxInFlight) return false;
    const lag = this.clock() - message.time;
    return lag >= 0 && lag <= this.speed * MAX_LAG_MS;
  }

  /** Waits until `message` may go: not paused, room in flight, its time reached; or says where to turn instead. */
  private async untilDue(message: ReplayMessage): Promise<Turn | null> {
    for (;;) {
      if (this.stopping || this.state === 'failed') return { to: 'stop' };
      if (this.seekTo !== null) {
        const time = this.seekTo;
        this.seekTo = null;
        return { to: 'seek', time };
      }
      if (this.state === 'paused') {
        await this.sleep(null);
        continue;
      }
      if (this.inFlight >= this.maxInFlight) {
        this.waitingForRoom = true;
        await this.sleep(null);
        continue;
      }
      const lag = this.clock() - message.time;
      if (lag > this.speed * MAX_LAG_MS) this.anchor(message.time);
      else if (lag < 0) {
        this.waitingFor = message.time;
        await this.sleep(-lag / this.speed);
        this.waitingFor = null;
        continue;
      }
      return null;
    }
  }

  private publish(message: ReplayMessage): void {
    this.published += 1;
    this.inFlight += 1;
    this.position = message.time;
    let answered = false;
    this.options.publisher.publish(message, (error) => {
      if (answered) return;
      answered = true;
      this.inFlight -= 1;
      if (error) this.fail(error);
      else this.acknowledged += 1;
      if (this.waitingForRoom && this.inFlight <= this.maxInFlight * RESUME_AT) {
        this.waitingForRoom = false;
        this.wakeUp();
      }
      if (this.inFlight === 0) this.drained?.();
    });
  }

  private fail(error: Error): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.error = error.message;
    this.wakeUp();
  }

  /** Until woken by a control (or an acknowledgement making room), or `ms` passed. */
  private sleep(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(done, Math.max(1, ms));
      function done() {
        if (timer) clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private wakeUp(): void {
    this.wake?.();
  }

  /**
   * Until every message published is acknowledged; once stopped (or failed) for at most
   * STOP_WAIT_MS more. A replay that came to its end waits as long as the pipeline takes, and can
   * be stopped meanwhile.
   */
  private async drain(): Promise<void> {
    let deadline = Number.POSITIVE_INFINITY;
    while (this.inFlight > 0) {
      if (deadline === Number.POSITIVE_INFINITY && (this.stopping || this.state === 'failed')) deadline = this.now() + STOP_WAIT_MS;
      if (this.now() >= deadline) return;
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | null = null;
        const finish = () => {
          if (timer) clearTimeout(timer);
          this.drained = null;
          resolve();
        };
        timer = setTimeout(finish, 50);
        this.drained = finish;
        this.wake = finish;
      });
    }
  }
}
