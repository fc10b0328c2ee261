import type { TLSSocket } from 'node:tls';
import type { AedesOptions, AuthenticateError, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import { clientIdentity } from '../certificates/client-identity.js';
import { DeviceAccess, type DeviceAccessSource, type Refused } from '../devices/device-access.js';
import { RefusalLog, type RefusalAction, type RefusalCode } from '../devices/refusals.js';
import { InternalIdentity } from './internal-identity.js';
import { TOPIC_ALIAS_MAXIMUM } from './aedes-sessions.js';
import { MessageRate } from './message-rate.js';
import { largestPacketBytes, type OversizedPacket } from './packet-size-guard.js';
import { levelsMatchTopic } from '../domain/topic-filter.js';
import { describePublishAnswer, NOT_AUTHORIZED as NOT_AUTHORIZED_ANSWER, PACKET_TOO_LARGE, PublishRefused, QUOTA_EXCEEDED, reasonCodeText, TOPIC_NAME_INVALID, type PublishAnswer } from './refusal-answers.js';

/** What the broker needs of the device registry; DeviceRegistry is one. */
export interface BrokerDevices extends DeviceAccessSource {
  recordSeen(id: string, address: string, at: number): Promise<boolean>;
}

/** Each bound is off when absent, as for a broker started by a benchmark. */
export interface BrokerLimits {
  /** Largest PUBLISH payload, bytes. */
  maxPayloadBytes?: number;
  /** Most `/`-separated levels in a topic published to or a filter subscribed to. */
  maxTopicLevels?: number;
  /** Most clients connected at once; the next CONNECT is answered "server unavailable". */
  maxConnections?: number;
  /** Messages per second one client may publish (a token bucket with a second's burst). */
  maxMessagesPerSecond?: number;
  /** Longest keepalive a client may ask for, seconds. */
  maxKeepaliveSeconds?: number;
}

/** Where a client came from, noted when its connection was accepted. */
export interface ClientTransport {
  address: string | null;
  /** The TLS socket of an MQTTS or WSS connection, for its client certificate. */
  tls: TLSSocket | null;
}

export interface BrokerAccessOptions {
  devices: BrokerDevices;
  allowAnonymous: boolean;
  limits: BrokerLimits;
  transportOf(client: Client): ClientTransport | undefined;
  connectedClients(): number;
  /** Topic filters no client may subscribe to (--mqtt-deny-subscribe): answered with a SUBACK failure code. */
  denySubscribe?: readonly string[];
}

/** Who a connected client turned out to be. */
interface Session {
  /** null: anonymous, or the workbench's own client. */
  deviceId: string | null;
  internal: boolean;
  rate: MessageRate | null;
}

/** MQTT control packet types (MQTT 3.1.1 §2.2.1) a refusal names. */
const PACKET_TYPES: Record<number, { name: string; action: RefusalAction }> = {
  1: { name: 'CONNECT', action: 'connect' },
  3: { name: 'PUBLISH', action: 'publish' },
  8: { name: 'SUBSCRIBE', action: 'subscribe' },
  10: { name: 'UNSUBSCRIBE', action: 'subscribe' },
};

/** aedes refuses a topic of more levels than this itself (its topic matcher takes no more), before authorizePublish. */
const AEDES_MAX_TOPIC_LEVELS = 100;

// CONNACK return codes of MQTT 3.1.1 §3.2.2.3.
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
/** The MQTT 5 CONNACK reason codes aedes sends for those. */
const V5_CONNACK_CODES: Readonly<Record<number, number>> = { 3: 0x88, 4: 0x86, 5: 0x87 };
const CREDENTIAL_CODES: ReadonlySet<RefusalCode> = new Set(['wrong-password', 'missing-password', 'unknown-device']);

/** What a CONNECT asked for, noted by preConnect for authenticate, which has a CONNACK to send. */
interface ConnectRequest {
  keepalive: number;
  version: number;
}

/**
 * The broker's aedes hooks: every CONNECT is checked against the device registry (a client
 * certificate on TLS listeners, else username and password, else anonymous where allowed), every
 * PUBLISH and SUBSCRIBE against the device's topic filters and the limits. Each refusal goes to
 * the RefusalLog with client, address, topic, reason and what the client was answered. A refused
 * PUBLISH closes a 3.1.1 connection (3.1.1 has no negative PUBACK); an MQTT 5 client is answered
 * with a reason code instead (see refusal-answers.ts). A refused subscription gets the failure
 * code in its SUBACK, and the client stays connected.
 */
export class BrokerAccess {
  readonly refusals = new RefusalLog();
  readonly internal = new InternalIdentity();
  private readonly access: DeviceAccess;
  private readonly sessions = new WeakMap<Client, Session>();
  private readonly connects = new WeakMap<Client, ConnectRequest>();
  private readonly denySubscribe: ReadonlyArray<{ filter: string; levels: readonly string[] }>;
  /** Publishes and subscriptions that arrived while their client's CONNECT was still being decided. */
  private readonly waitingForConnack = new WeakMap<Client, Array<() => void>>();

  constructor(private readonly options: BrokerAccessOptions) {
    this.access = new DeviceAccess(options.devices, { allowAnonymous: options.allowAnonymous });
    this.denySubscribe = (options.denySubscribe ?? []).map((filter) => ({ filter, levels: filter.split('/') }));
  }

  /** The hooks to pass to Aedes.createBroker. */
  hooks(): Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'> {
    return {
      preConnect: (client, packet, callback) => this.preConnect(client, packet, callback),
      authenticate: (client, username, password, done) => void this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, callback) => this.authorizePublish(client, packet, callback),
      authorizeSubscribe: (client, subscription, callback) => this.authorizeSubscribe(client, subscription, callback),
    };
  }

  /** Drops the device's cached topic filters, after it was removed or its credentials changed. */
  forget(deviceId: string): void {
    this.access.forget(deviceId);
  }

  /** Whether `client` authenticated as this device. */
  isDevice(client: Client, deviceId: string): boolean {
    return this.sessions.get(client)?.deviceId === deviceId;
  }

  /** Who `client` authenticated as (deviceId null: anonymous or, when internal, the workbench's own); null before it has. */
  identityOf(client: Client): { deviceId: string | null; internal: boolean } | null {
    const session = this.sessions.get(client);
    return session ? { deviceId: session.deviceId, internal: session.internal } : null;
  }

  /** Notes a packet whose header announced more than the broker takes; the caller cuts the connection. */
  refuseOversizedPacket(client: Client, { type, declaredBytes }: OversizedPacket): void {
    const { name, action } = PACKET_TYPES[type] ?? { name: `type ${type}`, action: 'publish' };
    const answer = client.version === 5 && client.connected ? `DISCONNECT ${reasonCodeText(PACKET_TOO_LARGE.reasonCode)}` : 'disconnected';
    this.record(client, action, this.sessions.get(client)?.deviceId ?? null, null, 'limit-exceeded', `a ${name} packet of ${declaredBytes} bytes ${this.tooLarge()}`, answer);
  }

  /** Notes a client over the Receive Maximum; AedesSessions disconnects it. */
  refuseOverReceiveMaximum(client: Client, packet: PublishPacket, reason: string): void {
    const answer = client.version === 5 ? `DISCONNECT ${reasonCodeText(0x93)}` : 'disconnected';
    this.record(client, 'publish', this.sessions.get(client)?.deviceId ?? null, packet.topic, 'limit-exceeded', reason, answer);
  }

  /** Only a broker with a payload limit refuses packets and WebSocket messages by size. */
  private tooLarge(): string {
    return `is larger than the broker allows (${largestPacketBytes(this.options.limits.maxPayloadBytes!)} bytes: --mqtt-max-payload plus room for a topic)`;
  }

  /**
   * aedes refuses a PUBLISH to an empty topic, one with wildcards or one over its own level limit
   * before asking authorizePublish, and closes the connection with an error known only by its
   * message; a WebSocket message over the size limit ends the same way. These are logged as the
   * refusals they are.
   */
  noteClientError(client: Client, error: Error): void {
    const deviceId = this.sessions.get(client)?.deviceId ?? null;
    const refusal = this.transportRefusal(error) ?? this.aedesPublishRefusal(error.message);
    if (refusal) {
      // aedes answers these itself: a v5 client whose topic alias it cannot resolve gets a DISCONNECT, the rest are closed.
      this.record(client, 'publish', deviceId, null, refusal.code, refusal.reason, refusal.answer ?? 'disconnected');
      return;
    }
    // aedes's answer to a packet a client may not send (a second CONNECT, a CONNACK): not MQTT it takes either.
    if (error.message === 'Invalid protocol') this.refuseMalformedPacket(client, 'a packet a client may not send here');
  }

  /** Notes bytes the MQTT parser could not read; aedes closes the connection. */
  refuseMalformedPacket(client: Client, problem: string): void {
    this.record(client, 'packet', this.sessions.get(client)?.deviceId ?? null, null, 'malformed-packet', `not MQTT the broker can read (${problem}); the connection was closed`);
  }

  /** The WebSocket listeners refuse a message over the size limit before any of it reaches aedes. */
  private transportRefusal(error: Error & { code?: unknown }): RefusalNote | null {
    if (error.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return null;
    return { code: 'limit-exceeded', reason: `a WebSocket message ${this.tooLarge()}` };
  }

  private aedesPublishRefusal(message: string): RefusalNote | null {
    if (message.startsWith('topic alias ') || message.startsWith('unknown topic alias ')) {
      return { code: 'invalid-topic', reason: `${message}; the broker takes aliases 1 to ${TOPIC_ALIASES}, defined on this connection`, answer: `DISCONNECT ${reasonCodeText(0x94)} topic alias invalid` };
    }
    switch (message) {
      case 'topic has too many levels': {
        const allowed = Math.min(this.options.limits.maxTopicLevels ?? AEDES_MAX_TOPIC_LEVELS, AEDES_MAX_TOPIC_LEVELS);
        return { code: 'limit-exceeded', reason: `topic has more than ${AEDES_MAX_TOPIC_LEVELS} levels, more than the broker allows (${allowed}, --mqtt-max-topic-levels)` };
      }
      case '# is not allowed in PUBLISH':
      case '+ is not allowed in PUBLISH':
        return { code: 'invalid-topic', reason: 'a topic name may not contain the wildcards "+" or "#"' };
      case 'empty topic not allowed in PUBLISH':
        return { code: 'invalid-topic', reason: 'a topic may not be empty' };
      default:
        return null;
    }
  }

  /** Notes what authenticate, with a CONNACK to send, decides on. */
  private preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void {
    this.connects.set(client, { keepalive: packet.keepalive ?? 0, version: packet.protocolVersion ?? 4 });
    callback(null, true);
  }

  private async authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): Promise<void> {
    const { maxConnections, maxKeepaliveSeconds } = this.options.limits;
    const { keepalive, version } = this.connects.get(client) ?? { keepalive: 0, version: 4 };
    const refuse = (code: RefusalCode, reason: string, returnCode: number) => {
      // aedes sends an MQTT 5 client the reason code for the 3.1.1 return code.
      const answer = `CONNACK ${reasonCodeText(version === 5 ? (V5_CONNACK_CODES[returnCode] ?? 0x80) : returnCode)}`;
      this.record(client, 'connect', null, null, code, reason, answer);
      done(authenticateError(reason, returnCode), false);
    };
    if (maxConnections !== undefined && this.options.connectedClients() >= maxConnections) {
      return refuse('limit-exceeded', `the broker already has ${maxConnections} clients connected (--mqtt-max-connections)`, SERVER_UNAVAILABLE);
    }
    // An MQTT 5 client is told the broker's limit in its CONNACK (Server Keep Alive) instead.
    if (maxKeepaliveSeconds !== undefined && keepalive > maxKeepaliveSeconds && version < 5) {
      return refuse('limit-exceeded', `keepalive ${keepalive} s is longer than the broker allows (${maxKeepaliveSeconds} s, --mqtt-max-keepalive)`, NOT_AUTHORIZED);
    }
    if (this.internal.matches(username, password)) {
      this.sessions.set(client, { deviceId: null, internal: true, rate: null });
      done(null, true);
      return;
    }
    const transport = this.options.transportOf(client);
    const certificate = transport?.tls ? verifiedCertificate(transport.tls) : null;
    if (certificate && !certificate.ok) return refuse(certificate.code, certificate.reason, NOT_AUTHORIZED);
    const result = await this.access.authenticate({ username: username ?? null, password: password ?? null, certificate: certificate?.identity ?? null, clientId: client.id });
    if (!result.ok) return refuse(result.code, result.reason, CREDENTIAL_CODES.has(result.code) ? BAD_USERNAME_OR_PASSWORD : NOT_AUTHORIZED);
    const { maxMessagesPerSecond } = this.options.limits;
    this.sessions.set(client, { deviceId: result.deviceId, internal: false, rate: maxMessagesPerSecond === undefined ? null : new MessageRate(maxMessagesPerSecond) });
    if (result.deviceId !== null && transport?.address) {
      // lastSeen is for the UI; a registry hiccup must not refuse a device that authenticated.
      this.options.devices.recordSeen(result.deviceId, transport.address, Date.now()).catch(() => undefined);
    }
    done(null, true);
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    // A will published after its client is gone: it was checked when the client connected with it.
    if (client === null) return callback(null);
    const session = this.sessions.get(client);
    if (!session && client.connecting) return this.afterConnack(client, () => this.authorizePublish(client, packet, callback));
    if (!session) return callback(this.refusePublish(client, packet, null, 'invalid-input', 'published before it was authenticated', NOT_AUTHORIZED_ANSWER));
    const limited = this.publishLimitProblem(session, packet);
    if (limited) return callback(this.refusePublish(client, packet, session.deviceId, limited.code, limited.reason, limited.answer));
    if (session.internal) return callback(null);
    if (packet.topic.startsWith('$SYS/')) return callback(this.refusePublish(client, packet, session.deviceId, 'publish-not-allowed', '$SYS/ topics are the broker\'s own', NOT_AUTHORIZED_ANSWER));
    this.access.authorizePublish(session.deviceId, packet.topic).then((decision) => {
      callback(decision.ok ? null : this.refusePublish(client, packet, session.deviceId, decision.code, decision.reason, NOT_AUTHORIZED_ANSWER));
    }, callback);
  }

  private authorizeSubscribe(client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const session = this.sessions.get(client);
    const refuse = (code: RefusalCode, reason: string) => {
      // aedes answers a refusal 0x80 (3.1.1) or 0x87 not authorized (MQTT 5).
      const answer = `SUBACK ${reasonCodeText(client.version === 5 ? 0x87 : 0x80)}`;
      this.record(client, 'subscribe', session?.deviceId ?? null, subscription.topic, code, reason, answer);
      // null rather than an error: the SUBACK carries the failure code and the client stays connected.
      callback(null, null);
    };
    if (!session && client.connecting) return this.afterConnack(client, () => this.authorizeSubscribe(client, subscription, callback));
    if (!session) return refuse('invalid-input', 'subscribed before it was authenticated');
    const levels = this.levelProblem(subscription.topic);
    if (levels) return refuse('limit-exceeded', levels);
    const denied = this.denySubscribe.find(({ filter, levels: deny }) => filter === subscription.topic || levelsMatchTopic(deny, subscription.topic));
    if (denied) return refuse('subscribe-not-allowed', `${denied.filter} is on the broker's deny list (--mqtt-deny-subscribe): no client may subscribe to it`);
    if (session.internal) return callback(null, subscription);
    this.access.authorizeSubscribe(session.deviceId, subscription.topic).then(
      (decision) => (decision.ok ? callback(null, subscription) : refuse(decision.code, decision.reason)),
      (error: Error) => callback(error),
    );
  }

  /**
   * MQTT lets a client send packets right after its CONNECT, and aedes hands over a PUBLISH or
   * SUBSCRIBE that came in a later read while the CONNECT is still being authenticated, before the
   * client even has its id. Such a packet is decided once the CONNACK is out, in arrival order and
   * ahead of the packets aedes queued meanwhile; if the CONNECT is refused, the connection closes
   * and the waiting packets go with it.
   */
  private afterConnack(client: Client, decide: () => void): void {
    const waiting = this.waitingForConnack.get(client);
    if (waiting) return void waiting.push(decide);
    this.waitingForConnack.set(client, [decide]);
    client.prependOnceListener('connected', () => {
      const decisions = this.waitingForConnack.get(client) ?? [];
      this.waitingForConnack.delete(client);
      for (const decideOne of decisions) decideOne();
    });
  }

  private publishLimitProblem(session: Session, packet: PublishPacket): (Pick<Refused, 'code' | 'reason'> & { answer: PublishAnswer }) | null {
    const { maxPayloadBytes } = this.options.limits;
    const size = packet.payload.length;
    if (maxPayloadBytes !== undefined && size > maxPayloadBytes) {
      return { code: 'limit-exceeded', reason: `payload of ${size} bytes is larger than the broker allows (${maxPayloadBytes} bytes, --mqtt-max-payload)`, answer: PACKET_TOO_LARGE };
    }
    const levels = this.levelProblem(packet.topic);
    if (levels) return { code: 'limit-exceeded', reason: levels, answer: TOPIC_NAME_INVALID };
    if (session.rate && !session.rate.take()) {
      return { code: 'limit-exceeded', reason: `published faster than the broker allows (${this.options.limits.maxMessagesPerSecond} messages/s, --mqtt-max-rate)`, answer: QUOTA_EXCEEDED };
    }
    return null;
  }

  private levelProblem(topic: string): string | null {
    const { maxTopicLevels } = this.options.limits;
    if (maxTopicLevels === undefined) return null;
    let levels = 1;
    for (let index = topic.indexOf('/'); index !== -1; index = topic.indexOf('/', index + 1)) levels += 1;
    return levels > maxTopicLevels ? `topic has ${levels} levels, more than the broker allows (${maxTopicLevels}, --mqtt-max-topic-levels)` : null;
  }

  private refusePublish(client: Client, packet: PublishPacket, deviceId: string | null, code: RefusalCode, reason: string, answer: PublishAnswer): Error {
    this.record(client, 'publish', deviceId, packet.topic, code, reason, describePublishAnswer(client.version, packet.qos, answer));
    return new PublishRefused(reason, answer);
  }

  private record(client: Client, action: RefusalAction, deviceId: string | null, topic: string | null, code: RefusalCode, reason: string, answer: string | null = null): void {
    const address = this.options.transportOf(client)?.address ?? null;
    // aedes types the id as a string, but it is null until a CONNECT has been handled.
    const clientId = (client.id as string | null) ?? '';
    this.refusals.record({ at: Date.now(), action, clientId, address, deviceId, topic, code, reason, answer });
  }
}

/** A refusal noticed from an error aedes raised, and what aedes answered (when not a bare close). */
type RefusalNote = Pick<Refused, 'code' | 'reason'> & { answer?: string };

/** Inbound topic aliases a v5 client may define (AedesSessions advertises it). */
const TOPIC_ALIASES = TOPIC_ALIAS_MAXIMUM;

type CertificateCheck = { ok: true; identity: { cn: string; fingerprint: string } } | ({ ok: false } & Pick<Refused, 'code' | 'reason'>);

/**
 * The client certificate of a TLS connection, or null when the client sent none. A certificate the
 * listener could not verify (another CA, while certificates are optional) is refused, not ignored:
 * its holder meant to authenticate with it.
 */
function verifiedCertificate(socket: TLSSocket): CertificateCheck | null {
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return null;
  if (!socket.authorized) {
    return { ok: false, code: 'certificate-untrusted', reason: `the client certificate is not trusted: ${String(socket.authorizationError ?? 'not signed by the broker\'s CA')}` };
  }
  const identity = clientIdentity(peer);
  if (!identity) return { ok: false, code: 'unknown-device', reason: `the client certificate's CN ${JSON.stringify(peer.subject?.CN)} is not a device id` };
  return { ok: true, identity: { cn: identity.deviceId, fingerprint: identity.fingerprint } };
}

function authenticateError(reason: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(reason), { returnCode }) as AuthenticateError;
}

