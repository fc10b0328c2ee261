import type { PublishPacket } from 'aedes';
import { preciseNow } from '../domain/clock.js';
import { metadataOf, type MessageHandler } from '../domain/message-source.js';
import { levelsMatchTopic } from '../domain/topic-filter.js';

type IntakePacket = Pick<PublishPacket, 'topic' | 'payload' | 'qos' | 'properties'>;

interface Tap {
  /** The filter split once, not for every message. */
  levels: readonly string[];
  handler: MessageHandler;
}

/**
 * Ingest's way into the broker. aedes sends a QoS 1 PUBACK before it delivers the message to
 * any subscriber, so an in-process subscription could only ever see a message that its publisher
 * already believes delivered. The intake sits in authorizePublish instead, the last step before
 * aedes acknowledges: a publish that passed the ACL is handed to every tap whose filter matches,
 * and aedes may acknowledge it (and deliver it to subscribers) only once every tap is done with
 * it — for ingest, once its reading is in Redis.
 */
export class BrokerIntake {
  private taps: Tap[] = [];
  /** Publishes that arrived before the first tap, when one is expected: acknowledging them would lose them. */
  private early: Array<{ packet: IntakePacket; clientId: string | null; acknowledge: () => void }> | null;

  /** `awaitTap`: ingest will subscribe; until it does, publishes wait rather than being acknowledged unread. */
  constructor(awaitTap: boolean) {
    this.early = awaitTap ? [] : null;
  }

  subscribe(filter: string, handler: MessageHandler): () => Promise<void> {
    const tap: Tap = { levels: filter.split('/'), handler };
    this.taps = [...this.taps, tap];
    const early = this.early ?? [];
    this.early = null;
    for (const { packet, clientId, acknowledge } of early) this.take(packet, clientId, acknowledge);
    return async () => {
      this.taps = this.taps.filter((other) => other !== tap);
    };
  }

  /** `acknowledge` once every matching tap is done with the message; at once when none matches. */
  take(packet: IntakePacket, clientId: string | null, acknowledge: () => void): void {
    if (this.early) {
      this.early.push({ packet, clientId, acknowledge });
      return;
    }
    const taps = this.taps;
    if (taps.length === 1) {
      const only = taps[0]!;
      if (!levelsMatchTopic(only.levels, packet.topic)) acknowledge();
      else only.handler(this.messageOf(packet, clientId), acknowledge);
      return;
    }
    this.takeByMany(taps, packet, clientId, acknowledge);
  }

  private takeByMany(taps: readonly Tap[], packet: IntakePacket, clientId: string | null, acknowledge: () => void): void {
    const matching = taps.filter((tap) => levelsMatchTopic(tap.levels, packet.topic));
    let outstanding = matching.length;
    if (outstanding === 0) {
      acknowledge();
      return;
    }
    const message = this.messageOf(packet, clientId);
    const done = () => {
      outstanding -= 1;
      if (outstanding === 0) acknowledge();
    };
    for (const tap of matching) tap.handler(message, done);
  }

  private messageOf({ topic, payload, qos, properties }: IntakePacket, clientId: string | null) {
    const message = { topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, clientId, receivedAt: preciseNow() };
    const metadata = properties === undefined ? undefined : metadataOf(properties);
    return metadata === undefined ? message : { ...message, metadata };
  }
}
