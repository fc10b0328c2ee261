import type { BrokerTopicList, BrokerTopicView, MessagePropertiesView, PayloadPreview } from '../api/broker.js';

/** A PUBLISH's MQTT 5 properties as mqtt-packet decodes them. */
export interface PublishProperties {
  contentType?: string;
  payloadFormatIndicator?: boolean;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: Record<string, string | string[]>;
  messageExpiryInterval?: number;
}

/**
 * What flows through the broker, for its live view: messages per client, and per topic the count,
 * the last payload and a per-second history. `record` runs for every message the broker accepts
 * (tens of thousands a second), so it allocates nothing once a topic is known: the last payload is
 * kept by reference, never copied, and a topic's history is a fixed ring of per-second counts.
 */

/** Seconds of per-second counts kept per topic (the sparkline's width). */
export const HISTORY_SECONDS = 30;
/** The rate is the mean over this many of the last complete seconds. */
const RATE_SECONDS = 10;
/** Bytes of a payload shown; the rest is only counted. */
export const PREVIEW_BYTES = 512;
/** A full map drops topics idle this long to make room for new ones… */
const IDLE_MS = 5 * 60_000;
/** …looking for them at most this often, so a device spraying random topics costs one sweep per interval. */
const SWEEP_INTERVAL_MS = 10_000;

export interface TrafficOptions {
  /** Most topics tracked at once; messages on further topics are only counted. */
  maxTopics?: number;
  now?: () => number;
}

export interface ClientTraffic {
  messagesIn: number;
  lastMessageAt: number | null;
}

class TopicTraffic {
  messages = 0;
  lastAt = 0;
  lastPayload: Buffer | string = '';
  /** Kept by reference like the payload; turned into a view only when the topic is shown. */
  lastProperties: PublishProperties | undefined = undefined;
  /** The second (since epoch) the ring's newest slot counts. */
  second: number;
  readonly firstSecond: number;
  readonly ring = new Uint32Array(HISTORY_SECONDS);

  constructor(second: number) {
    this.second = second;
    this.firstSecond = second;
  }

  add(now: number, payload: Buffer | string, properties: PublishProperties | undefined): void {
    const second = Math.floor(now / 1000);
    // A clock stepping back counts into the newest slot rather than rewriting history.
    if (second > this.second) this.advance(second);
    this.ring[this.second % HISTORY_SECONDS]! += 1;
    this.messages += 1;
    this.lastAt = now;
    this.lastPayload = payload;
    this.lastProperties = properties;
  }

  /** Counts for the complete seconds before `nowSecond`, oldest first. */
  recent(nowSecond: number): number[] {
    const counts: number[] = [];
    for (let second = nowSecond - HISTORY_SECONDS; second < nowSecond; second += 1) {
      const inRing = second <= this.second && second > this.second - HISTORY_SECONDS;
      counts.push(inRing ? this.ring[second % HISTORY_SECONDS]! : 0);
    }
    return counts;
  }

  private advance(second: number): void {
    const skipped = Math.min(second - this.second, HISTORY_SECONDS);
    for (let step = 1; step <= skipped; step += 1) this.ring[(this.second + step) % HISTORY_SECONDS] = 0;
    this.second = second;
  }
}

export class BrokerTraffic {
  private readonly topicsByName = new Map<string, TopicTraffic>();
  private readonly clients = new WeakMap<object, ClientTraffic>();
  private readonly maxTopics: number;
  private readonly now: () => number;
  private untrackedMessages = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor({ maxTopics = 10_000, now = Date.now }: TrafficOptions = {}) {
    this.maxTopics = maxTopics;
    this.now = now;
  }

  /** One message the broker accepted; `client` is null for the broker's own and in-process publishes. */
  record(topic: string, payload: Buffer | string, client: object | null, properties?: PublishProperties): void {
    // The broker's heartbeat and client notices are its own bookkeeping, not traffic.
    if (topic.startsWith('$SYS/')) return;
    const now = this.now();
    if (client !== null) this.countClient(client, now);
    const traffic = this.topicsByName.get(topic) ?? this.track(topic, now);
    if (traffic === null) {
      this.untrackedMessages += 1;
      return;
    }
    traffic.add(now, payload, properties);
  }

  client(client: object): ClientTraffic {
    return this.clients.get(client) ?? { messagesIn: 0, lastMessageAt: null };
  }

  /** Topics starting with `prefix`, in topic order, at most `limit`. */
  topics(prefix: string, limit: number): BrokerTopicList {
    const now = this.now();
    const nowSecond = Math.floor(now / 1000);
    const names = [...this.topicsByName.keys()].filter((topic) => topic.startsWith(prefix)).sort();
    return {
      topics: names.slice(0, limit).map((topic) => view(topic, this.topicsByName.get(topic)!, nowSecond)),
      matched: names.length,
      tracked: this.topicsByName.size,
      maxTopics: this.maxTopics,
      untrackedMessages: this.untrackedMessages,
      at: now,
    };
  }

  private countClient(client: object, now: number): void {
    const counted = this.clients.get(client);
    if (counted === undefined) {
      this.clients.set(client, { messagesIn: 1, lastMessageAt: now });
      return;
    }
    counted.messagesIn += 1;
    counted.lastMessageAt = now;
  }

  /** A new topic's entry, or null when the map is full even after dropping idle topics. */
  private track(topic: string, now: number): TopicTraffic | null {
    if (this.topicsByName.size >= this.maxTopics) this.dropIdle(now);
    if (this.topicsByName.size >= this.maxTopics) return null;
    const traffic = new TopicTraffic(Math.floor(now / 1000));
    this.topicsByName.set(topic, traffic);
    return traffic;
  }

  private dropIdle(now: number): void {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [topic, traffic] of this.topicsByName) if (now - traffic.lastAt >= IDLE_MS) this.topicsByName.delete(topic);
  }
}

function view(topic: string, traffic: TopicTraffic, nowSecond: number): BrokerTopicView {
  const recent = traffic.recent(nowSecond);
  // A topic first seen 3 s ago has 3 complete seconds to average over, not 10.
  const window = Math.max(1, Math.min(RATE_SECONDS, nowSecond - traffic.firstSecond));
  const inWindow = recent.slice(-window).reduce((sum, count) => sum + count, 0);
  return {
    topic,
    messages: traffic.messages,
    ratePerSecond: inWindow / window,
    recent,
    lastAt: traffic.lastAt,
    lastPayload: previewPayload(traffic.lastPayload),
    lastProperties: propertiesView(traffic.lastProperties),
  };
}

/** The properties the Broker page shows; null when the message had none of them. */
export function propertiesView(properties: PublishProperties | undefined): MessagePropertiesView | null {
  if (properties === undefined) return null;
  const { contentType, payloadFormatIndicator, responseTopic, correlationData, userProperties, messageExpiryInterval } = properties;
  const pairs: Array<[string, string]> = Object.entries(userProperties ?? {}).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, String(one)]),
  );
  const view: MessagePropertiesView = {
    contentType: contentType ?? null,
    payloadFormat: payloadFormatIndicator === undefined ? null : payloadFormatIndicator ? 'utf8' : 'bytes',
    responseTopic: responseTopic ?? null,
    correlationData: correlationData === undefined ? null : previewPayload(correlationData),
    userProperties: pairs,
    messageExpirySeconds: messageExpiryInterval ?? null,
  };
  const empty = view.contentType === null && view.payloadFormat === null && view.responseTopic === null && view.correlationData === null && pairs.length === 0 && view.messageExpirySeconds === null;
  return empty ? null : view;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The first PREVIEW_BYTES of a payload: as text when it is printable UTF-8, else as hex. */
export function previewPayload(payload: Buffer | string): PayloadPreview {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const size = bytes.length;
  const truncated = size > PREVIEW_BYTES;
  const head = bytes.subarray(0, utf8Boundary(bytes, PREVIEW_BYTES));
  const text = printableText(head);
  if (text !== null) return { encoding: 'utf8', text, size, truncated };
  return { encoding: 'hex', text: bytes.subarray(0, PREVIEW_BYTES).toString('hex'), size, truncated };
}

/** `limit`, moved back so the cut does not split a UTF-8 sequence. */
function utf8Boundary(bytes: Buffer, limit: number): number {
  if (bytes.length <= limit) return bytes.length;
  let end = limit;
  // Continuation bytes are 10xxxxxx; a sequence is at most 4 bytes, so look back at most 3.
  while (end > limit - 3 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return end;
}

function printableText(bytes: Buffer): string | null {
  try {
    const text = strictUtf8.decode(bytes);
    return hasControlCharacters(text) ? null : text;
  } catch {
    return null;
  }
}

/** C0 controls other than tab, line feed and carriage return, and DEL: text with these is shown as hex. */
function hasControlCharacters(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}
