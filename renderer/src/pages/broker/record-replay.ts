import type { RecordingStopReason, ReplayState } from '../../../../core/api/replay.js';
import type { ReplaySkipReason } from '../../../../core/domain/replay.js';
import { RECORDING_NAME_PATTERN } from '../../../../core/domain/replay.js';

/** What the Record and Replay panels say, apart from the components. */

/** Why a recording stopped, as a sentence's end. */
export function stopReasonText(reason: RecordingStopReason, maxBytes: string): string {
  switch (reason) {
    case 'stopped':
      return 'stopped';
    case 'size-cap':
      return `stopped at its size cap (${maxBytes}, --record-max-bytes)`;
    case 'write-error':
      return 'stopped: the file could not be written';
    case 'shutdown':
      return 'stopped when the workbench shut down';
  }
}

export const SKIP_REASON_TEXT: Record<ReplaySkipReason, string> = {
  'bad-json': 'not JSON',
  'not-a-message': 'not a message',
  'unknown-topic': 'unknown topic',
  oversize: 'oversize',
};

export const REPLAY_STATE_TEXT: Record<ReplayState, string> = {
  idle: 'idle',
  preparing: 'reading its source',
  playing: 'playing',
  paused: 'paused',
  finished: 'finished',
  stopped: 'stopped',
  failed: 'failed',
};

/** A running replay is preparing, playing or paused: the panel shows its controls. */
export function isActive(state: ReplayState): boolean {
  return state === 'preparing' || state === 'playing' || state === 'paused';
}

/** The speeds offered in one click; any from 1 to 10,000 can be typed. */
export const SPEED_CHOICES = [1, 10, 100, 1000, 10_000] as const;

/**
 * A recording name from an uploaded file's name: its extension dropped, characters a name may not
 * hold turned into "-", at most 100; null when nothing usable is left.
 */
export function nameFromFile(fileName: string): string | null {
  const stem = fileName.replace(/\.(nd)?json$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100);
  return RECORDING_NAME_PATTERN.test(stem) ? stem : null;
}
