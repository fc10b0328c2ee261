import { z } from 'zod';
import type { RedisClient } from '../redis/redis-target.js';
import type { WarningMessage } from '../api/events.js';

const warningSchema = z.object({
  deviceId: z.union([z.string(), z.number()]).transform(String),
  temperature: z.number(),
  timestamp: z.number(),
  requestId: z.string(),
});

/** Most warnings handed out per frame (four frames a second is already more than anyone reads); the rest are counted. */
const MAX_PENDING = 100;

/**
 * Listens on the Warnings channel with its own connection (a subscribed connection can do
 * nothing else) and hands out what arrived since the last take(). Anything on the channel that is
 * not a warning, e.g. published by hand, is counted as malformed and skipped.
 */
export class WarningsFeed {
  private pending: WarningMessage[] = [];
  private droppedSinceTake = 0;
  malformed = 0;

  private constructor(private readonly subscriber: RedisClient) {}

  /** Takes over `subscriber`, a client of its own (ioredis resubscribes by itself after a reconnect), and closes it on stop. */
  static async start(subscriber: RedisClient, channel: string): Promise<WarningsFeed> {
    const feed = new WarningsFeed(subscriber);
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, message: string) => feed.receive(message));
    try {
      if (subscriber.status === 'wait') await subscriber.connect();
      await subscriber.subscribe(channel);
    } catch (error) {
      subscriber.disconnect();
      throw new Error(`cannot subscribe to ${channel}: ${(error as Error).message}`, { cause: error });
    }
    return feed;
  }

  take(): { warnings: WarningMessage[]; dropped: number } {
    const taken = { warnings: this.pending, dropped: this.droppedSinceTake };
    this.pending = [];
    this.droppedSinceTake = 0;
    return taken;
  }

  async stop(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private receive(message: string): void {
    let parsed: ReturnType<typeof warningSchema.safeParse>;
    try {
      parsed = warningSchema.safeParse(JSON.parse(message));
    } catch {
      this.malformed += 1;
      return;
    }
    if (!parsed.success) {
      this.malformed += 1;
      return;
    }
    if (this.pending.length >= MAX_PENDING) {
      this.droppedSinceTake += 1;
      return;
    }
    this.pending.push({ ...parsed.data, receivedAt: Date.now() });
  }
}
