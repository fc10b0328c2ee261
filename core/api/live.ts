import { z } from 'zod';
import { climateCountersSchema, recentEventsSchema, warningMessageSchema } from './events.js';
import { stackStatusSchema } from './status.js';

/**
 * WebSocket /api/live?token=…: the client sends LiveSubscribe to choose topics; the server sends
 * LiveFrame at most four times a second, each carrying the subscribed topics, or LiveRefusal for a
 * subscribe message it could not read.
 */

export const LIVE_TOPICS = ['status', 'events', 'climate', 'warnings'] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

export const liveSubscribeSchema = z.strictObject({ subscribe: z.array(z.enum(LIVE_TOPICS)).max(LIVE_TOPICS.length) });
export type LiveSubscribe = z.infer<typeof liveSubscribeSchema>;

export const liveFrameSchema = z.object({
  at: z.number(),
  status: stackStatusSchema.optional(),
  events: recentEventsSchema.optional(),
  climate: climateCountersSchema.optional(),
  /** Warnings received since the previous frame, oldest first (capped; see warningsDropped). */
  warnings: z.array(warningMessageSchema).optional(),
  /** Warnings not sent because more arrived in one interval than a frame carries. */
  warningsDropped: z.number().optional(),
});
export type LiveFrame = z.infer<typeof liveFrameSchema>;

/** The answer to a subscribe message that is not JSON or not a subscription; the previous subscription stays. */
export const liveRefusalSchema = z.object({ error: z.string() });
export type LiveRefusal = z.infer<typeof liveRefusalSchema>;
