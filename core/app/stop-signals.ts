import type { Log } from './stack-parts.js';

export interface StopSignalHandlers {
  /** The first SIGINT/SIGTERM, or the parent gone: stop with the flush. */
  stop(reason: string): void;
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

/** How often the parent is looked for; a stop this much late costs nothing, it only has to come. */
const PARENT_CHECK_MS = 1000;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

type SignalSource = Pick<NodeJS.Process, 'on' | 'ppid'>;

/**
 * Routes SIGINT/SIGTERM to `stop` once, then to `force`, counting copies that arrive together once.
 * A parent that exits without passing its signal on also means stop: `npx` runs the bin through
 * `sh -c`, and a SIGTERM to npx reaches only that shell, which dies and leaves us running, holding
 * the ports; our parent then changes (to init or a subreaper).
 */
export function handleStopSignals({ stop, force, log }: StopSignalHandlers, source: SignalSource = process, now: () => number = Date.now): void {
  let firstAt: number | null = null;
  const stopOnce = (reason: string) => {
    firstAt = now();
    clearInterval(parentWatch);
    stop(reason);
  };
  const parent = source.ppid;
  const parentWatch = setInterval(() => {
    if (source.ppid !== parent) stopOnce(`parent process ${parent} exited`);
  }, PARENT_CHECK_MS).unref();
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt === null) stopOnce(signal);
    else if (now() - firstAt < SAME_SIGNAL_WINDOW_MS) {
      log(`${signal} again within ${SAME_SIGNAL_WINDOW_MS / 1000} s: the same stop (sent to the group and forwarded); send it once more to exit without the flush`);
    } else {
      force(signal);
    }
  };
  for (const signal of STOP_SIGNALS) source.on(signal, onSignal);
}
