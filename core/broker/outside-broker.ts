import { createHash } from 'node:crypto';
import { isIP, connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import mqttPacket, { type IConnackPacket, type IPublishPacket, type Packet } from 'mqtt-packet';
import { preciseNow } from '../domain/clock.js';
import type { InboundMessage, MessageHandler, MessageSource } from '../domain/message-source.js';
import { levelsMatchTopic } from '../domain/topic-filter.js';

export interface OutsideBrokerOptions {
  /** mqtt[s]://[user:password@]host:port */
  url: string;
  /** Stable across restarts, so that a worker started again takes its session (and the messages kept in it) back. */
  clientId: string;
  /** Subscriptions are `$share/<shareGroup>/<filter>`. */
  shareGroup: string;
  sessionExpirySeconds: number;
  receiveMaximum: number;
  keepaliveSeconds: number;
  /** PEM contents: the CA the broker's certificate is checked against, a client certificate and its key. */
  tls?: { ca?: string; cert?: string; key?: string };
  log: (line: string) => void;
  /** Waits between reconnection attempts, the last one repeated; the default goes from 250 ms to 10 s. */
  reconnectDelaysMs?: readonly number[];
  /** A connection attempt (TCP, TLS, CONNACK, SUBACKs) that takes longer counts as failed. */
  connectTimeoutMs?: number;
}

export type OutsideBrokerState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** What the Overview (the broker part's line) and the log say about the outside broker. */
export interface OutsideBrokerStatus {
  /** The URL without its password. */
  url: string;
  clientId: string;
  state: OutsideBrokerState;
  /** When the state last changed, ms since the epoch. */
  since: number;
  /** Why the last connection ended or the last attempt failed. */
  lastError: string | null;
  /** Whether the broker still held this client's session at the last CONNACK. */
  sessionPresent: boolean;
  subscriptions: string[];
  /** Messages the broker delivered; `redelivered` of them carried the DUP flag (sent again after a connection was lost). */
  received: number;
  redelivered: number;
  acknowledged: number;
  /** Taken on a connection that closed before their PUBACK could go: the broker delivers them again. */
  leftUnacknowledged: number;
  reconnects: number;
}

const DEFAULT_RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 5000, 10_000];
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** A connection that lasted this long starts the back-off from its first step again. */
const STABLE_AFTER_MS = 10_000;
/** Reconnection attempts logged one by one; after them, one line a minute while it lasts. */
const LOGGED_ATTEMPTS = 5;
const MAX_SUBSCRIPTION_ID = 268_435_455;
const PINGREQ = Buffer.from([0xc0, 0x00]);
const PROTOCOL = { protocolVersion: 5 } as const;

/** CONNACK and SUBACK reason codes worth a word (MQTT 5 §3.2.2.2, §3.9.3). */
const REASONS: Record<number, string> = {
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version (the broker must speak MQTT 5)',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8c: 'bad authentication method',
  0x8e: 'session taken over: another client connected with the same client id',
  0x8f: 'topic filter invalid',
  0x90: 'topic name invalid',
  0x97: 'quota exceeded',
  0x9c: 'use another server',
  0x9d: 'server moved',
  0x9e: 'shared subscriptions not supported',
  0x9f: 'connection rate exceeded',
  0xa1: 'subscription identifiers not supported',
  0xa2: 'wildcard subscriptions not supported',
};

function describeReason(code: number): string {
  return `${REASONS[code] ?? 'refused'} (reason code 0x${code.toString(16)})`;
}

interface Subscription {
  filter: string;
  /** `$share/<group>/<filter>`, what the broker is asked for. */
  shared: string;
  /** The MQTT 5 subscription identifier the broker tags this subscription's messages with. */
  id: number;
  levels: readonly string[];
  handler: MessageHandler;
}

interface Waiter {
  resolve(packet: Packet): void;
  reject(error: Error): void;
}

/** One TCP (or TLS) connection to the broker; a reconnect is a new Link, and what the old one took is never acknowledged on it. */
class Link {
  open = true;
  /** QoS 1 and 2 messages taken on this link whose acknowledgement has not gone yet. */
  inflight = 0;
  lastReceivedAt = Date.now();
  lastSentAt = Date.now();
  readonly connectedAt = Date.now();
  private queued: Buffer[] = [];
  private nextPacketId = 1;
  private readonly waiters = new Map<number, Waiter>();

  constructor(readonly socket: Socket) {}

  send(bytes: Buffer): void {
    if (!this.open) return;
    this.lastSentAt = Date.now();
    this.socket.write(bytes);
  }

  /** PUBACKs released by one batch leave in one write, in the order they were released. */
  queue(bytes: Buffer): void {
    if (this.queued.length === 0) process.nextTick(() => this.flush());
    this.queued.push(bytes);
  }

  flush(): void {
    const queued = this.queued;
    this.queued = [];
    if (queued.length > 0) this.send(queued.length === 1 ? queued[0]! : Buffer.concat(queued));
  }

  /** Sends a packet that carries a packet id and resolves with the broker's answer to it (SUBACK, UNSUBACK). */
  request(packet: Record<string, unknown>, timeoutMs: number): Promise<Packet> {
    const messageId = this.nextPacketId;
    this.nextPacketId = (this.nextPacketId % 65_535) + 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(messageId);
        reject(new Error(`no answer to ${String(packet.cmd).toUpperCase()} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(messageId, {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.send(mqttPacket.generate({ ...packet, messageId } as unknown as Packet, PROTOCOL));
    });
  }

  answered(packet: Packet & { messageId?: number }): void {
    const waiter = packet.messageId === undefined ? undefined : this.waiters.get(packet.messageId);
    if (!waiter) return;
    this.waiters.delete(packet.messageId!);
    waiter.resolve(packet);
  }

  close(reason: Error): void {
    this.open = false;
    for (const waiter of this.waiters.values()) waiter.reject(reason);
    this.waiters.clear();
    this.queued = [];
  }
}

/**
 * An outside MQTT 5 broker (Mosquitto, EMQX, HiveMQ) as ingest's source. Every subscription is a
 * shared one, `$share/<group>/<filter>`, so that the workers of a group each get a share of the
 * messages; the session is persistent (clean start off, a session expiry), so that what a worker
 * took and did not acknowledge stays with the broker when it dies, and comes back to it when it
 * connects again with the same client id.
 *
 * A QoS 1 message is acknowledged (PUBACK) only once every handler it went to is done with it —
 * for ingest, once its reading is in Redis or dead-lettered — on the connection it came on; the
 * broker's Receive Maximum flow control bounds how many are taken and not yet acknowledged. If that
 * connection is gone by then, nothing is sent: the broker delivers the message again on the next
 * connection (DUP set) and it is written a second time, which `redelivered` counts.
 *
 * Written on mqtt-packet rather than mqtt.js: mqtt.js handles one incoming packet at a time and
 * reads the next only once the previous one is acknowledged (customHandleAcks), which would make
 * every reading wait for the previous one's Redis write.
 */
export class OutsideBroker implements MessageSource {
  readonly subscribesPerRule = true;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly byId = new Map<number, Subscription>();
  private link: Link | null = null;
  private state: OutsideBrokerState = 'connecting';
  private since = Date.now();
  private lastError: string | null = null;
  private sessionPresent = false;
  /** Subscription identifiers are in the broker's messages; without them messages are matched to filters by topic. */
  private subscriptionIds = true;
  private taking = true;
  private closing = false;
  /** leave() was called: close() ends the session, if nothing taken is left unacknowledged. */
  private leaving = false;
  /** Messages that arrived after stopTaking(): the broker still holds them in the session. */
  private untaken = 0;
  private lastTakenAt = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private lastAttemptLoggedAt = 0;
  private keepalive: NodeJS.Timeout | null = null;
  private counters = { received: 0, redelivered: 0, acknowledged: 0, leftUnacknowledged: 0, reconnects: 0, foreign: 0 };
  private readonly displayUrl: string;

  /** Connects only in start(), once ingest has subscribed: a kept session's messages come right after CONNACK, and must find their handlers. */
  constructor(private readonly options: OutsideBrokerOptions) {
    this.displayUrl = withoutPassword(options.url);
  }

  /** Connects and subscribes, or fails with the reason: a worker that cannot reach its broker at start says so and stops. */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (error) {
      this.closing = true;
      this.setState('closed', (error as Error).message);
      throw new Error(`cannot connect to the MQTT source ${this.displayUrl}: ${(error as Error).message}`, { cause: error });
    }
  }

  get url(): string {
    return this.displayUrl;
  }

  async subscribe(topicFilter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    if (this.subscriptions.has(topicFilter)) throw new Error(`already subscribed to ${topicFilter}`);
    const subscription: Subscription = {
      filter: topicFilter,
      shared: `$share/${this.options.shareGroup}/${topicFilter}`,
      id: this.freeSubscriptionId(topicFilter),
      levels: topicFilter.split('/'),
      handler,
    };
    this.subscriptions.set(topicFilter, subscription);
    this.byId.set(subscription.id, subscription);
    // While disconnected the next connection subscribes to it with the others.
    if (this.link) await this.sendSubscribe(this.link, subscription);
    return async () => {
      if (this.subscriptions.get(topicFilter) !== subscription) return;
      this.subscriptions.delete(topicFilter);
      this.byId.delete(subscription.id);
      // Stopping keeps the subscriptions in the session, so what arrives meanwhile waits for this worker.
      if (this.link && this.taking) await this.link.request({ cmd: 'unsubscribe', unsubscriptions: [subscription.shared] }, this.timeoutMs()).catch(() => undefined);
    };
  }

  /**
   * For a worker that leaves its group for good: UNSUBSCRIBE, so that the broker routes nothing
   * more to this session, then keep taking what the session still holds until nothing has come for
   * `quietMs`. close() afterwards ends the session (expiry 0) instead of leaving it to hold this
   * worker's share of the messages until it expires.
   */
  async leave(quietMs = 1000, timeoutMs = 30_000): Promise<void> {
    this.leaving = true;
    const link = this.link;
    const shared = [...this.subscriptions.values()].map(({ shared }) => shared);
    if (!link || shared.length === 0) return;
    await link.request({ cmd: 'unsubscribe', unsubscriptions: shared }, this.timeoutMs());
    this.lastTakenAt = Math.max(this.lastTakenAt, Date.now());
    const deadline = Date.now() + timeoutMs;
    while (Date.now() - this.lastTakenAt < quietMs && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    this.options.log(`mqtt source: left the group ${this.options.shareGroup} (unsubscribed ${shared.join(', ')}); took what the broker still held for ${this.options.clientId}`);
  }

  /**
   * Shutdown's first step: messages that arrive from now on are left unacknowledged to the broker,
   * which keeps them in the session (the subscriptions stay) for this worker's next start.
   */
  stopTaking(): void {
    this.taking = false;
  }

  /** After ingest has written (and so acknowledged) what it took: DISCONNECT, keeping the session. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.closing = true;
    this.taking = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const link = this.link;
    this.setState('closed', null);
    const { received, redelivered, acknowledged, leftUnacknowledged } = this.counters;
    const unacknowledged = (link?.inflight ?? 0) + this.untaken;
    // Ending the session would drop what it still holds for this worker: only when that is nothing.
    const endSession = this.leaving && link !== null && unacknowledged === 0;
    const session = endSession
      ? `the session of ${this.options.clientId} ends`
      : `the broker keeps the session of ${this.options.clientId} for ${this.options.sessionExpirySeconds} s${this.leaving ? ` (not ended: ${unacknowledged} message(s) it holds are not acknowledged)` : ''}`;
    this.options.log(
      `mqtt source: disconnecting from ${this.displayUrl}; ${session}; ` +
        `received ${received} (${redelivered} redelivered), acknowledged ${acknowledged}, left unacknowledged ${leftUnacknowledged + unacknowledged}`,
    );
    if (!link) return;
    const ended = new Promise<void>((resolve) => link.socket.once('close', () => resolve()));
    link.flush();
    const disconnect = { cmd: 'disconnect', reasonCode: 0, ...(endSession && { properties: { sessionExpiryInterval: 0 } }) };
    link.send(mqttPacket.generate(disconnect as Packet, PROTOCOL));
    link.socket.end();
    const timer = setTimeout(() => link.socket.destroy(), 2000);
    await ended;
    clearTimeout(timer);
  }

  status(): OutsideBrokerStatus {
    const { received, redelivered, acknowledged, leftUnacknowledged, reconnects } = this.counters;
    return {
      url: this.displayUrl,
      clientId: this.options.clientId,
      state: this.state,
      since: this.since,
      lastError: this.lastError,
      sessionPresent: this.sessionPresent,
      subscriptions: [...this.subscriptions.values()].map(({ shared }) => shared),
      received,
      redelivered,
      acknowledged,
      leftUnacknowledged,
      reconnects,
    };
  }

  private timeoutMs(): number {
    return this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** The filter's own identifier, the same in every run, so messages of a subscription left in the session from an earlier run are told apart. */
  private freeSubscriptionId(filter: string): number {
    let id = (createHash('sha256').update(filter).digest().readUInt32BE(0) % MAX_SUBSCRIPTION_ID) + 1;
    while (this.byId.has(id)) id = (id % MAX_SUBSCRIPTION_ID) + 1;
    return id;
  }

  /** TCP or TLS, CONNECT, CONNACK, then every subscription; the link counts as up only after all of it. */
  private async open(): Promise<void> {
    const link = await this.connectLink();
    try {
      await Promise.all([...this.subscriptions.values()].map((subscription) => this.sendSubscribe(link, subscription)));
      this.announce();
    } catch (error) {
      // A failed attempt, not a lost connection: the caller decides what comes next.
      if (this.link === link) this.link = null;
      link.socket.destroy();
      throw error;
    }
  }

  private connectLink(): Promise<Link> {
    const { url, clientId, sessionExpirySeconds, receiveMaximum, keepaliveSeconds, tls } = this.options;
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    const port = Number(target.port || (target.protocol === 'mqtts:' ? 8883 : 1883));
    const socket =
      target.protocol === 'mqtts:'
        ? connectTls({ host, port, ...(isIP(host) === 0 && { servername: host }), ...tls })
        : connectTcp({ host, port });
    socket.setNoDelay(true);
    const link = new Link(socket);
    const parser = mqttPacket.parser(PROTOCOL);
    return new Promise<Link>((resolve, reject) => {
      let connected = false;
      const fail = (error: Error) => {
        if (connected) return;
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error(`no CONNACK within ${this.timeoutMs()} ms`)), this.timeoutMs());
      socket.on('error', (error) => {
        if (!connected) fail(error);
        else this.lastError = error.message;
      });
      socket.on('close', () => {
        if (!connected) fail(new Error(this.lastError ?? 'the broker closed the connection'));
        else this.linkClosed(link);
      });
      socket.on('data', (chunk: Buffer) => {
        link.lastReceivedAt = Date.now();
        parser.parse(chunk);
      });
      parser.on('error', (error) => {
        this.lastError = `malformed packet from the broker: ${error.message}`;
        socket.destroy();
      });
      parser.on('packet', (packet: Packet) => {
        if (connected) return this.handlePacket(link, packet);
        if (packet.cmd !== 'connack') return fail(new Error(`expected CONNACK, got ${packet.cmd.toUpperCase()}`));
        const connack = packet as IConnackPacket;
        const code = connack.reasonCode ?? connack.returnCode ?? 0;
        if (code !== 0) return fail(new Error(`the broker refused the connection: ${describeReason(code)}`));
        connected = true;
        clearTimeout(timer);
        this.connected(link, connack);
        resolve(link);
      });
      socket.once(target.protocol === 'mqtts:' ? 'secureConnect' : 'connect', () => {
        socket.write(
          mqttPacket.generate(
            {
              cmd: 'connect',
              protocolId: 'MQTT',
              protocolVersion: 5,
              clean: false,
              clientId,
              keepalive: keepaliveSeconds,
              ...(target.username && { username: decodeURIComponent(target.username) }),
              ...(target.password && { password: Buffer.from(decodeURIComponent(target.password)) }),
              properties: { sessionExpiryInterval: sessionExpirySeconds, receiveMaximum },
            },
            PROTOCOL,
          ),
        );
      });
    });
  }

  private connected(link: Link, connack: IConnackPacket): void {
    this.link = link;
    this.sessionPresent = connack.sessionPresent;
    this.subscriptionIds = connack.properties?.subscriptionIdentifiersAvailable !== false;
    const keepaliveSeconds = connack.properties?.serverKeepAlive ?? this.options.keepaliveSeconds;
    this.startKeepalive(link, keepaliveSeconds);
  }

  /** Once the subscriptions are in place as well. */
  private announce(): void {
    const reconnected = this.state === 'reconnecting';
    this.setState('connected', null);
    const session = this.sessionPresent ? 'the broker kept its session' : 'a new session';
    if (reconnected) this.options.log(`mqtt source: reconnected to ${this.displayUrl} as ${this.options.clientId} after ${this.attempt} attempt(s); ${session}`);
    else this.options.log(`mqtt source: connected to ${this.displayUrl} as ${this.options.clientId} (MQTT 5, session expiry ${this.options.sessionExpirySeconds} s, receive maximum ${this.options.receiveMaximum}); ${session}`);
    if (reconnected && !this.sessionPresent) {
      this.options.log(`mqtt source: WARNING the broker no longer had this worker's session (expired, or the broker restarted without persistence): messages it held for ${this.options.clientId} are gone`);
    }
    if (!this.subscriptionIds) this.options.log('mqtt source: the broker does not send subscription identifiers; messages are matched to the topic rules by topic');
  }

  private async sendSubscribe(link: Link, subscription: Subscription): Promise<void> {
    const answer = (await link.request(
      {
        cmd: 'subscribe',
        subscriptions: [{ topic: subscription.shared, qos: 1, nl: false, rap: false, rh: 0 }],
        ...(this.subscriptionIds && { properties: { subscriptionIdentifier: subscription.id } }),
      },
      this.timeoutMs(),
    )) as Packet & { granted?: number[] };
    const code = answer.granted?.[0] ?? 0x80;
    if (code >= 0x80) throw new Error(`the broker refused the subscription ${subscription.shared}: ${describeReason(code)}`);
  }

  private handlePacket(link: Link, packet: Packet): void {
    switch (packet.cmd) {
      case 'publish':
        return this.take(link, packet);
      case 'suback':
      case 'unsuback':
        return link.answered(packet);
      case 'pubrel':
        // QoS 2 (the subscriptions ask for QoS 1, so only a broker that upgrades sends it): the message was taken at PUBLISH.
        return link.send(mqttPacket.generate({ cmd: 'pubcomp', messageId: packet.messageId } as Packet, PROTOCOL));
      case 'disconnect':
        this.lastError = `the broker disconnected this worker: ${describeReason(packet.reasonCode ?? 0x80)}`;
        return;
      default:
        return;
    }
  }

  private take(link: Link, packet: IPublishPacket): void {
    this.counters.received += 1;
    if (packet.dup) this.counters.redelivered += 1;
    // Stopping: the broker keeps it for this worker's next session.
    if (!this.taking) {
      if (packet.qos > 0) this.untaken += 1;
      return;
    }
    this.lastTakenAt = Date.now();
    const targets = this.targetsOf(packet);
    if (targets.length === 0) {
      // A subscription this worker no longer has (a topic rule removed since its session began): nothing wants it.
      this.counters.foreign += 1;
      if (this.counters.foreign === 1) this.options.log(`mqtt source: a message on ${packet.topic} came for a subscription no topic rule has any more; such messages are acknowledged and dropped`);
      return this.acknowledge(link, packet);
    }
    if (packet.qos > 0) link.inflight += 1;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const message: InboundMessage = { topic: packet.topic, payload, qos: packet.qos, clientId: null, receivedAt: preciseNow() };
    let outstanding = targets.length;
    const done = () => {
      outstanding -= 1;
      if (outstanding > 0 || packet.qos === 0) return;
      // On a link that closed meanwhile it was counted as left unacknowledged then.
      if (!link.open) return;
      link.inflight -= 1;
      this.acknowledge(link, packet);
    };
    for (const { handler } of targets) handler(message, done);
  }

  /** The subscriptions a message came for: by its subscription identifiers, or by topic where the broker sends none. */
  private targetsOf(packet: IPublishPacket): Subscription[] {
    const ids = packet.properties?.subscriptionIdentifier;
    if (ids === undefined) return [...this.subscriptions.values()].filter(({ levels }) => levelsMatchTopic(levels, packet.topic));
    const targets: Subscription[] = [];
    for (const id of Array.isArray(ids) ? ids : [ids]) {
      const subscription = this.byId.get(id);
      if (subscription) targets.push(subscription);
    }
    return targets;
  }

  private acknowledge(link: Link, packet: IPublishPacket): void {
    if (packet.qos === 0 || !link.open) return;
    this.counters.acknowledged += 1;
    const id = packet.messageId!;
    // PUBACK (QoS 1) or PUBREC (QoS 2) with reason "success", which MQTT 5 lets a packet leave out.
    link.queue(Buffer.from([packet.qos === 1 ? 0x40 : 0x50, 0x02, id >> 8, id & 0xff]));
  }

  private startKeepalive(link: Link, keepaliveSeconds: number): void {
    if (this.keepalive) clearInterval(this.keepalive);
    if (keepaliveSeconds === 0) return;
    const periodMs = (keepaliveSeconds * 1000) / 2;
    this.keepalive = setInterval(() => {
      const now = Date.now();
      if (now - link.lastReceivedAt > keepaliveSeconds * 1500) {
        this.lastError = `no packet from the broker for ${(keepaliveSeconds * 1.5).toFixed(0)} s`;
        link.socket.destroy();
      } else if (now - link.lastSentAt >= periodMs) link.send(PINGREQ);
    }, periodMs);
    this.keepalive.unref();
  }

  private linkClosed(link: Link): void {
    link.close(new Error('the connection closed'));
    if (this.link !== link) return;
    this.link = null;
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    if (this.closing) return;
    const reason = this.lastError ?? 'the broker closed the connection';
    const held = link.inflight;
    this.counters.leftUnacknowledged += held;
    link.inflight = 0;
    if (Date.now() - link.connectedAt > STABLE_AFTER_MS) this.attempt = 0;
    this.setState('reconnecting', reason);
    this.options.log(
      `mqtt source: LOST the connection to ${this.displayUrl} (${reason}); ${held} message(s) taken and not yet acknowledged stay with the broker, which sends them again; reconnecting`,
    );
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delays = this.options.reconnectDelaysMs ?? DEFAULT_RECONNECT_DELAYS_MS;
    const delay = delays[Math.min(this.attempt, delays.length - 1)]!;
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open().then(
        () => {
          this.counters.reconnects += 1;
          this.attempt = 0;
        },
        (error: Error) => {
          if (this.closing) return;
          this.lastError = error.message;
          this.logAttempt(error.message, delays[Math.min(this.attempt, delays.length - 1)]!);
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  private logAttempt(reason: string, nextMs: number): void {
    const now = Date.now();
    if (this.attempt > LOGGED_ATTEMPTS && now - this.lastAttemptLoggedAt < 60_000) return;
    this.lastAttemptLoggedAt = now;
    this.options.log(`mqtt source: cannot reach ${this.displayUrl} (${reason}); attempt ${this.attempt}, next in ${nextMs} ms; nothing is acknowledged meanwhile`);
  }

  private setState(state: OutsideBrokerState, error: string | null): void {
    if (state !== this.state) this.since = Date.now();
    this.state = state;
    if (error !== null || state === 'connected') this.lastError = error;
  }
}

/** The URL as logs and the Overview show it: the password starred out. */
export function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.href.replace(/\/$/, '');
}
