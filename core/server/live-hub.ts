import type { WebSocket } from 'ws';
import type { ClimateCounters, RecentEvents, WarningMessage } from '../api/events.js';
import type { LiveFrame, LiveTopic } from '../api/live.js';
import { liveChannel } from '../api/routes.js';
import type { StackStatus } from '../api/status.js';

/** At most four frames a second per socket, whatever the reading rate. */
export const FRAME_INTERVAL_MS = 250;

export interface LiveSources {
  status(): StackStatus;
  recentEvents(): Promise<RecentEvents>;
  climate(): Promise<ClimateCounters>;
  takeWarnings(): { warnings: WarningMessage[]; dropped: number };
}

/**
 * Pushes live data to every connected UI in batched frames: each tick it queries only what some
 * socket subscribed to, once, and sends each socket the topics it asked for.
 */
export class LiveHub {
  private readonly sockets = new Map<WebSocket, Set<LiveTopic>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(
    private readonly sources: LiveSources,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), FRAME_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const socket of this.sockets.keys()) socket.close(1001, 'workbench stopping');
    this.sockets.clear();
  }

  add(socket: WebSocket): void {
    this.sockets.set(socket, new Set(['status']));
    socket.on('message', (data) => this.subscribe(socket, String(data)));
    socket.on('close', () => this.sockets.delete(socket));
  }

  private subscribe(socket: WebSocket, data: string): void {
    let parsed: ReturnType<typeof liveChannel.subscribe.safeParse>;
    try {
      parsed = liveChannel.subscribe.safeParse(JSON.parse(data));
    } catch {
      socket.send(JSON.stringify({ error: 'expected JSON {"subscribe": [topics]}' }));
      return;
    }
    if (!parsed.success) {
      socket.send(JSON.stringify({ error: `bad subscription: ${parsed.error.issues[0]?.message}` }));
      return;
    }
    this.sockets.set(socket, new Set(parsed.data.subscribe));
  }

  private async tick(): Promise<void> {
    if (this.sockets.size === 0) {
      // Nobody watching: warnings older than the next viewer are not news, so they are not kept.
      this.sources.takeWarnings();
      return;
    }
    if (this.ticking) return;
    this.ticking = true;
    try {
      const wanted = new Set([...this.sockets.values()].flatMap((topics) => [...topics]));
      const frame: LiveFrame = { at: Date.now() };
      if (wanted.has('status')) frame.status = this.sources.status();
      const [events, climate] = await Promise.all([
        wanted.has('events') ? this.sources.recentEvents() : undefined,
        wanted.has('climate') ? this.sources.climate() : undefined,
      ]);
      if (events) frame.events = events;
      if (climate) frame.climate = climate;
      const warnings = this.sources.takeWarnings();
      for (const [socket, topics] of this.sockets) socket.send(JSON.stringify(this.frameFor(frame, topics, warnings)));
    } catch (error) {
      this.log(`live update failed: ${(error as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private frameFor(frame: LiveFrame, topics: Set<LiveTopic>, warnings: { warnings: WarningMessage[]; dropped: number }): LiveFrame {
    const own: LiveFrame = { at: frame.at };
    if (topics.has('status') && frame.status) own.status = frame.status;
    if (topics.has('events') && frame.events) own.events = frame.events;
    if (topics.has('climate') && frame.climate) own.climate = frame.climate;
    if (topics.has('warnings')) {
      own.warnings = warnings.warnings;
      if (warnings.dropped > 0) own.warningsDropped = warnings.dropped;
    }
    return own;
  }
}
