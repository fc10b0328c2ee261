import type { ClimateCounters, RecentEvents, WarningMessage } from './events.js';
import type { StackStatus } from './status.js';

/** WebSocket /api/live: what the client subscribes to and the frames it receives. */

/**
 * WebSocket /api/live?token=…: the client sends LiveSubscribe to choose topics; the server sends
 * LiveFrame at most four times a second, each carrying the subscribed topics.
 */
export type LiveTopic = 'status' | 'events' | 'climate' | 'warnings';

export interface LiveSubscribe {
  subscribe: LiveTopic[];
}

export interface LiveFrame {
  at: number;
  status?: StackStatus;
  events?: RecentEvents;
  climate?: ClimateCounters;
  /** Warnings received since the previous frame, oldest first (capped; see warningsDropped). */
  warnings?: WarningMessage[];
  /** Warnings not sent because more arrived in one interval than a frame carries. */
  warningsDropped?: number;
}
