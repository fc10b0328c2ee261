import type { Log } from './stack-parts.js';

export interface StopSignalHandlers {
  /** The first SIGINT/SIGTERM: stop with the flush. */
  stop(signal: NodeJS.Signals): void;
  /** A later one, sent on purpose: exit without waiting for the flush. */
  force(signal: NodeJS.Signals): void;
  log: Log;
}

/**
 * A signal sent to a process group reaches every member, and npm (like the launcher) also forwards
 * what it gets to its child: one Ctrl-C or `kill -- -pgid` arrives twice, a few milliseconds apart.
 * A second signal within this window is taken as that copy, not as a request to skip the flush.
 */
export const SAME_SIGNAL_WINDOW_MS = 1000;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

type SignalSource = Pick<NodeJS.Process, 'on'>;

/** Routes SIGINT/SIGTERM to `stop` once, then to `force`, counting copies that arrive together once. */
export function handleStopSignals({ stop, force, log }: StopSignalHandlers, source: SignalSource = process, now: () => number = Date.now): void {
  let firstAt: number | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt === null) {
      firstAt = now();
      stop(signal);
    } else if (now() - firstAt < SAME_SIGNAL_WINDOW_MS) {
      log(`${signal} again within ${SAME_SIGNAL_WINDOW_MS / 1000} s: the same stop (sent to the group and forwarded); send it once more to exit without the flush`);
    } else {
      force(signal);
    }
  };
  for (const signal of STOP_SIGNALS) source.on(signal, onSignal);
}
