import { z } from 'zod';
import type { ClimateCounters, RecentEvents, WarningMessage } from './events.js';
import type { StackStatus } from './status.js';

/**
 * WebSocket /api/live?token=…: the client sends LiveSubscribe to choose topics; the server sends
 * LiveFrame at most four times a second, each carrying the subscribed topics.
 */

export const LIVE_TOPICS = ['status', 'events', 'climate', 'warnings'] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

export const liveSubscribeSchema = z.strictObject({ subscribe: z.array(z.enum(LIVE_TOPICS)).max(LIVE_TOPICS.length) });
export type LiveSubscribe = z.infer<typeof liveSubscribeSchema>;

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
