import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { preciseNow } from '../figures/precise-clock.js';
import type { MessageHandler, MessageSource } from '../ingest/message-source.js';
import { refuseAnonymousExposure } from './broker-exposure.js';
import { openListener, type Accept, type Listener, type ListenerAddress, type ListenerProtocol, type ListenerSpec } from './broker-listeners.js';
import { loadServerTls, type TlsFiles } from './broker-tls.js';

export interface BrokerOptions {
  host: string;
  /** MQTT over TCP, always on: the emulators publish through it. 0 picks a free port. */
  port: number;
  /** MQTT over WebSocket at /mqtt; 0 picks a free port, null or absent = off. Likewise tlsPort (MQTTS) and wssPort (WSS). */
  wsPort?: number | null;
  tlsPort?: number | null;
  wssPort?: number | null;
  /** Certificate and key for tlsPort and wssPort, and the CA client certificates are checked against. */
  tls?: TlsFiles;
  /** Listen on a non-loopback host although nothing authenticates clients yet. */
  allowLanAnonymous?: boolean;
}

export interface ConnectedClient {
  id: string;
  /** The listener the client came in through. */
  protocol: ListenerProtocol;
  address: string | null;
}

export interface Broker extends MessageSource {
  /** The MQTT over TCP listener. */
  url: string;
  port: number;
  /** Every listener that is on, TCP first. */
  listeners: ListenerAddress[];
  connectedClients(): number;
  clients(): ConnectedClient[];
  close(): Promise<void>;
}

type Transport = Omit<ConnectedClient, 'id'>;

/** The bundled aedes broker on each listener that is on; ingest subscribes in-process rather than through a loopback client. */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  refuseAnonymousExposure(options.host, options.allowLanAnonymous ?? false);
  const specs = await listenerSpecs(options);
  const aedes = await Aedes.createBroker();
  const transports = new WeakMap<Client, Transport>();
  const accept: Accept = (stream, protocol, address, request) => {
    transports.set(aedes.handle(stream, request), { protocol, address: address ?? null });
  };
  const listeners = await openListeners(specs, accept, aedes);
  const tcp = listeners[0]!;
  return {
    url: tcp.url,
    port: tcp.port,
    listeners: listeners.map(({ close: _close, ...address }) => address),
    connectedClients: () => aedes.connectedClients,
    clients: () => registeredClients(aedes).map((client) => ({ id: client.id, ...transports.get(client)! })),
    subscribe: (topicFilter, handler) => subscribeInProcess(aedes, topicFilter, handler),
    close: async () => {
      await closeAedes(aedes);
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
async function openListeners(specs: ListenerSpec[], accept: Accept, aedes: Aedes): Promise<Listener[]> {
  const listeners: Listener[] = [];
  try {
    for (const spec of specs) listeners.push(await openListener(spec, accept));
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

/** Clients that completed CONNECT; aedes keeps them by id but does not declare the map in its types. */
function registeredClients(aedes: Aedes): Client[] {
  return Object.values((aedes as Aedes & { clients: Record<string, Client> }).clients);
}

function subscribeInProcess(aedes: Aedes, topicFilter: string, handler: MessageHandler): Promise<() => Promise<void>> {
  const deliver = (packet: AedesPublishPacket, callback: () => void) => {
    const payload = packet.payload;
    handler(
      {
        topic: packet.topic,
        payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
        qos: packet.qos,
        clientId: (packet as AedesPublishPacket & { clientId?: string }).clientId ?? null,
        receivedAt: preciseNow(),
      },
      callback,
    );
  };
  return new Promise((resolve) => {
    aedes.subscribe(topicFilter, deliver, () =>
      resolve(() => new Promise<void>((done) => aedes.unsubscribe(topicFilter, deliver, () => done()))),
    );
  });
}
