import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleStopSignals, SAME_SIGNAL_WINDOW_MS } from '../../../core/app/stop-signals.js';

afterEach(() => {
  vi.useRealTimers();
});

function setUp() {
  const source = Object.assign(new EventEmitter(), { ppid: 4242 });
  let clock = 0;
  const calls: string[] = [];
  const lines: string[] = [];
  handleStopSignals(
    { stop: (signal) => calls.push(`stop ${signal}`), force: (signal) => calls.push(`force ${signal}`), log: (line) => lines.push(line) },
    source as unknown as NodeJS.Process,
    () => clock,
  );
  return {
    send: (signal: NodeJS.Signals, atMs: number) => {
      clock = atMs;
      source.emit(signal, signal);
    },
    parentExits: () => (source.ppid = 1),
    calls,
    lines,
  };
}

describe('stop signals', () => {
  it('stops with the flush on the first SIGTERM or SIGINT', () => {
    const { send, calls } = setUp();
    send('SIGINT', 0);
    expect(calls).toEqual(['stop SIGINT']);
  });

  it('counts a copy that arrives at once (group signal plus the parent forwarding it) once, and says so', () => {
    const { send, calls, lines } = setUp();
    send('SIGTERM', 0);
    send('SIGTERM', 3);
    expect(calls).toEqual(['stop SIGTERM']);
    expect(lines).toEqual([expect.stringContaining('SIGTERM again within 1 s: the same stop')]);
  });

  it('exits without the flush on a second signal sent later, on purpose', () => {
    const { send, calls } = setUp();
    send('SIGINT', 0);
    send('SIGINT', 5);
    send('SIGINT', SAME_SIGNAL_WINDOW_MS + 200);
    expect(calls).toEqual(['stop SIGINT', 'force SIGINT']);
  });

  it('stops with the flush, once, when the parent exits without passing a signal on (npx runs the bin through sh -c)', () => {
    vi.useFakeTimers();
    const { parentExits, send, calls } = setUp();
    vi.advanceTimersByTime(5000);
    expect(calls).toEqual([]);
    parentExits();
    vi.advanceTimersByTime(1000);
    send('SIGTERM', 10);
    vi.advanceTimersByTime(5000);
    expect(calls).toEqual(['stop parent process 4242 exited']);
  });
});
