import type { EventEmitter } from 'node:events';
import { TLSSocket } from 'node:tls';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { RefusalSnapshot } from '../devices/refusals.js';
import type { MessageSource } from '../domain/message-source.js';
import { BrokerAccess, type BrokerDevices, type BrokerLimits, type ClientTransport } from './broker-access.js';
import { BrokerIntake } from './broker-intake.js';
import { BrokerTraffic } from './broker-traffic.js';
import { anonymousAllowed } from './broker-exposure.js';
import type { InternalCredentials } from './internal-identity.js';
import { openListener, type Accept, type Listener, type ListenerAddress, type ListenerSpec } from './broker-listeners.js';
import { loadServerTls, type TlsFiles, type TlsPem } from './broker-tls.js';
import { advertisedPacketBytes, largestPacketBytes, watchPacketSizes } from './packet-size-guard.js';
import { hardenBroker, hardenClient } from './aedes-hardening.js';
import { AedesSessions } from './aedes-sessions.js';
import { internals } from './aedes-internals.js';
import { answerRefusedPublish } from './refusal-answers.js';
import type { BrokerClientView, BrokerTopicList } from '../api/broker.js';

export interface BrokerOptions {
  host: string;
  /** MQTT over TCP, always on: the emulators publish through it. 0 picks a free port. */
  port: number;
  /** MQTT over WebSocket at /mqtt; 0 picks a free port, null or absent = off. Likewise tlsPort (MQTTS) and wssPort (WSS). */
  wsPort?: number | null;
  tlsPort?: number | null;
  wssPort?: number | null;
  /** Certificate and key for tlsPort and wssPort, and the CA client certificates are checked against: files, or the demo CA's PEMs. */
  tls?: TlsFiles | TlsPem;
  /** Accept clients without credentials although the host is reachable from other machines. */
  allowLanAnonymous?: boolean;
  /** The registered devices clients authenticate as; without it only anonymous clients (where allowed) and the workbench's own get in. */
  devices?: BrokerDevices;
  limits?: BrokerLimits;
  /** Ingest will subscribe once it has started: publishes that arrive before then wait for it instead of being acknowledged unread. */
  awaitIngest?: boolean;
  /** Topic filters no client may subscribe to (--mqtt-deny-subscribe); the SUBACK carries a failure code. */
  denySubscribe?: readonly string[];
}

/** A client connected to the broker, as the Broker page shows it. */
export type ConnectedClient = BrokerClientView;

/** A message the workbench itself publishes (the live view's test message). */
export interface WorkbenchMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
  /** MQTT 5 properties: MQTT 5 subscribers receive them, 3.1.1 ones the message without. */
  properties?: PublishPacket['properties'];
  /** The client id ingest sees (a replay's, see core/domain/replay.ts); none by default. */
  clientId?: string;
}

/** A message the broker delivered, as its 'publish' event carries it: aedes' own packet, not a copy. */
export type DeliveredMessage = Pick<PublishPacket, 'topic' | 'payload' | 'qos' | 'retain'>;

/** `clientId` is null for the broker's own ($SYS/…) and in-process publishes. */
export type DeliveryListener = (message: DeliveredMessage, clientId: string | null) => void;

export interface Broker extends MessageSource {
  /** The MQTT over TCP listener. */
  url: string;
  port: number;
  /** Every listener that is on, TCP first. */
  listeners: ListenerAddress[];
  /** Whether clients without credentials are accepted: on loopback, or beyond it with allowLanAnonymous. */
  anonymousAllowed: boolean;
  /** What the workbench's own clients (the emulators) connect with; valid for this launch only. */
  internalCredentials: InternalCredentials;
  connectedClients(): number;
  clients(): ConnectedClient[];
  /** Traffic per topic since start: topics starting with `prefix`, at most `limit`. */
  topics(prefix: string, limit: number): BrokerTopicList;
  /** Publishes in-process as the workbench: no ACL applies, subscribers and ingest receive it like any message. */
  publishAsWorkbench(message: WorkbenchMessage): Promise<void>;
  /** Hears every message the broker delivers, $SYS/… included, until the returned function is called (the recorder's hook). */
  onDelivery(listener: DeliveryListener): () => void;
  /** The bounds clients are held to (an absent one is off). */
  limits: BrokerLimits;
  /** Every connection, publish and subscription refused since start. */
  refusals(): RefusalSnapshot;
  /** A device was removed or its credentials changed: its cached access is dropped and its clients disconnected. */
  deviceChanged(deviceId: string): void;
  close(): Promise<void>;
}

type Transport = Pick<ConnectedClient, 'protocol' | 'address' | 'since'> & ClientTransport;

const NO_DEVICES: BrokerDevices = { accessRecord: async () => null, recordSeen: async () => false };
const ADMITTED = { ok: true, settled: () => undefined } as const;

/**
 * Will Delay Interval is a will property, not a PUBLISH one, yet aedes 2.0.0-beta.1 publishes the
 * will with it and strict MQTT 5 clients refuse the packet (aedes #1098). It has been read by the
 * time the will is published.
 */
function withoutWillDelay(packet: PublishPacket): void {
  const properties = packet.properties as (PublishPacket['properties'] & { willDelayInterval?: number }) | undefined;
  if (properties?.willDelayInterval === undefined) return;
  const { willDelayInterval: _delay, ...rest } = properties;
  packet.properties = rest;
}

/** The bundled aedes broker on each listener that is on; ingest takes messages through its intake (see BrokerIntake), not through a loopback client. */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const specs = await listenerSpecs(options);
  const transports = new WeakMap<Client, Transport>();
  const allowAnonymous = anonymousAllowed(options.host, options.allowLanAnonymous ?? false);
  const access = new BrokerAccess({
    devices: options.devices ?? NO_DEVICES,
    allowAnonymous,
    limits: options.limits ?? {},
    denySubscribe: options.denySubscribe,
    transportOf: (client) => transports.get(client),
    // Asked only once clients connect, by which time the broker below exists.
    connectedClients: () => broker.connectedClients,
  });
  const intake = new BrokerIntake(options.awaitIngest ?? false);
  const hooks = access.hooks();
  const sessions = new AedesSessions({
    maxKeepaliveSeconds: options.limits?.maxKeepaliveSeconds,
    onReceiveMaximumExceeded: ({ client, packet, reason }) => access.refuseOverReceiveMaximum(client, packet, reason),
  });
  const maxPayloadBytes = options.limits?.maxPayloadBytes;
  const maxPacketBytes = maxPayloadBytes === undefined ? undefined : largestPacketBytes(maxPayloadBytes);
  const broker = await Aedes.createBroker({
    ...hooks,
    ...sessions.brokerOptions(),
    // Advertised to MQTT 5 clients in the CONNACK; the guard in accept() cuts a larger packet at its header.
    ...(maxPacketBytes !== undefined && { maximumPacketSize: advertisedPacketBytes(maxPacketBytes) }),
    preConnect: (client, packet, callback) => {
      hardenClient(client);
      sessions.prepare(client, packet);
      hooks.preConnect!(client, packet, callback);
    },
    authorizeForward: (client, packet) => sessions.authorizeForward(client, packet),
    authorizePublish: (client, packet, callback) => {
      // A will is published by a client already closed; its publishes in flight went with the connection.
      const admitted = client && !client.closed ? sessions.admit(client, packet) : ADMITTED;
      if (!admitted.ok) return;
      if (client?.closed) withoutWillDelay(packet);
      hooks.authorizePublish!(client, packet, (error) => {
        if (error) {
          admitted.settled(true);
          return client ? answerRefusedPublish(client, packet, error, callback) : callback(error);
        }
        const acknowledge = () => {
          admitted.settled(false);
          callback(null);
        };
        const take = () => intake.take(packet, client?.id ?? null, acknowledge);
        if (packet.qos !== 2 || !client) return take();
        // QoS 2 is exactly once, but aedes recognises a resent publish (same message id, no PUBREL
        // yet) only after authorizePublish: without this check ingest would write it twice.
        receivedBefore(broker, client, packet).then((seen) => (seen ? acknowledge() : take()), take);
      });
    },
  });
  hardenBroker(broker);
  sessions.attach(broker);
  const traffic = new BrokerTraffic();
  broker.on('publish', (packet, client) => traffic.record(packet.topic, packet.payload, client, packet.properties));
  // A packet read before the CONNACK fails as a connectionError: the client has no id yet.
  for (const event of ['clientError', 'connectionError'] as const) broker.on(event, (client, error) => access.noteClientError(client, error));
  const accept: Accept = (stream, protocol, address, request) => {
    const tls = stream instanceof TLSSocket ? stream : request?.socket instanceof TLSSocket ? request.socket : null;
    const client = broker.handle(stream, request);
    transports.set(client, { protocol, address: address ?? null, tls, since: Date.now() });
    onParseError(client, (error) => access.refuseMalformedPacket(client, error.message));
    if (maxPacketBytes === undefined) return;
    // aedes would read the packet whole before authorizePublish could refuse its payload: cut it at its header.
    watchPacketSizes(stream, maxPacketBytes, (oversized) => {
      access.refuseOversizedPacket(client, oversized);
      // An MQTT 5 client is told (DISCONNECT 0x95); aedes stops reading from it meanwhile.
      if (client.version === 5 && client.connected) internals(client).rejectPacketTooLarge(oversized.declaredBytes);
      else stream.destroy();
    });
  };
  const listeners = await openListeners(specs, accept, broker, maxPacketBytes);
  const tcp = listeners[0]!;
  return {
    url: tcp.url,
    port: tcp.port,
    listeners: listeners.map(({ close: _close, ...address }) => address),
    anonymousAllowed: allowAnonymous,
    internalCredentials: access.internal.credentials,
    connectedClients: () => broker.connectedClients,
    clients: () => registeredClients(broker).map((client) => describeClient(client, transports.get(client)!, access, traffic)),
    topics: (prefix, limit) => traffic.topics(prefix, limit),
    publishAsWorkbench: (message) => publishInProcess(broker, intake, message),
    onDelivery: (listener) => {
      const heard = (packet: PublishPacket, client: Client | null) => listener(packet, client?.id ?? null);
      broker.on('publish', heard);
      return () => void broker.off('publish', heard);
    },
    limits: options.limits ?? {},
    refusals: () => access.refusals.snapshot(),
    deviceChanged: (deviceId) => {
      access.forget(deviceId);
      for (const client of registeredClients(broker)) if (access.isDevice(client, deviceId)) client.close();
    },
    subscribe: async (topicFilter, handler) => intake.subscribe(topicFilter, handler),
    close: async () => {
      await closeAedes(broker);
      await Promise.all(listeners.map((listener) => listener.close()));
    },
  };
}

/** TCP first, then the listeners that are on; the TLS files are read only when a TLS listener needs them. */
async function listenerSpecs({ host, port, wsPort, tlsPort, wssPort, tls = {} }: BrokerOptions): Promise<ListenerSpec[]> {
  const specs: ListenerSpec[] = [{ protocol: 'mqtt', host, port }];
  if (isOn(wsPort)) specs.push({ protocol: 'ws', host, port: wsPort });
  if (!isOn(tlsPort) && !isOn(wssPort)) return specs;
  const serverTls = await loadServerTls(tls);
  if (isOn(tlsPort)) specs.push({ protocol: 'mqtts', host, port: tlsPort, tls: serverTls });
  if (isOn(wssPort)) specs.push({ protocol: 'wss', host, port: wssPort, tls: serverTls });
  return specs;
}

function isOn(port: number | null | undefined): port is number {
  return port !== null && port !== undefined;
}

/** One after the other, so a port in use stops start-up with the listeners opened so far closed again. */
async function openListeners(specs: ListenerSpec[], accept: Accept, aedes: Aedes, maxPacketBytes: number | undefined): Promise<Listener[]> {
  const listeners: Listener[] = [];
  try {
    for (const spec of specs) listeners.push(await openListener(spec, accept, maxPacketBytes));
    return listeners;
  } catch (error) {
    await closeAedes(aedes);
    await Promise.all(listeners.map((listener) => listener.close()));
    throw error;
  }
}

function closeAedes(aedes: Aedes): Promise<void> {
  return new Promise((resolve) => aedes.close(() => resolve()));
}

/**
 * The client's MQTT parser's errors (mqtt-packet: "Invalid header flag bits…", "Invalid protocol
 * version", …). aedes re-emits them as plain client errors, indistinguishable by then from a reset
 * socket or its own refusals, so they are heard at their source, the parser aedes keeps per client.
 */
function onParseError(client: Client, refuse: (error: Error) => void): void {
  (client as Client & { _parser: EventEmitter })._parser.on('error', refuse);
}

/** Clients that completed CONNECT; aedes keeps them by id but does not declare the map in its types. */
function registeredClients(aedes: Aedes): Client[] {
  return Object.values((aedes as Aedes & { clients: Record<string, Client> }).clients);
}

function describeClient(client: Client, transport: Transport, access: BrokerAccess, traffic: BrokerTraffic): ConnectedClient {
  const { protocol, address, since, tls } = transport;
  const identity = access.identityOf(client);
  return {
    id: client.id,
    protocol,
    address,
    since,
    tls: tls !== null,
    certificateCn: tls ? certificateCn(tls) : null,
    deviceId: identity?.deviceId ?? null,
    workbench: identity?.internal ?? false,
    // aedes accepts only these levels, so a registered client has one of them.
    protocolVersion: client.version as ConnectedClient['protocolVersion'],
    ...traffic.client(client),
  };
}

function certificateCn(socket: TLSSocket): string | null {
  const cn: unknown = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === 'string' ? cn : null;
}

/** Whether aedes holds this QoS 2 publish already, waiting for its PUBREL: it was taken (and written) before. */
function receivedBefore(aedes: Aedes, client: Client, packet: PublishPacket): Promise<boolean> {
  // aedes' types leave the persistence out; aedes itself calls incomingGetPacket this way (handlers/publish.js).
  const { persistence } = aedes as unknown as { persistence: { incomingGetPacket(client: Client, packet: PublishPacket): Promise<unknown> } };
  return persistence.incomingGetPacket(client, packet).then(
    () => true,
    () => false,
  );
}

/** Through the intake like a client's publish, so that ingest has it before subscribers do. */
function publishInProcess(aedes: Aedes, intake: BrokerIntake, { topic, payload, qos, retain, properties, clientId }: WorkbenchMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    intake.take({ topic, payload, qos, properties }, clientId ?? null, () =>
      aedes.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false, ...(properties && { properties }) }, (error) => (error ? reject(error) : resolve())),
    );
  });
}
