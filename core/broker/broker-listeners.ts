import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { ClientCertificates, ServerTls } from './broker-tls.js';

export type ListenerProtocol = 'mqtt' | 'ws' | 'mqtts' | 'wss';

export interface ListenerAddress {
  protocol: ListenerProtocol;
  url: string;
  host: string;
  port: number;
  clientCertificates: ClientCertificates;
}

export interface Listener extends ListenerAddress {
  /** Stops accepting and drops connections still open, including ones that never sent CONNECT. */
  close(): Promise<void>;
}

/** A new MQTT connection: the stream carries MQTT packets whatever the transport; request is the WebSocket upgrade. */
export type Accept = (stream: Duplex, protocol: ListenerProtocol, remoteAddress: string | undefined, request?: IncomingMessage) => void;

interface Binding {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export type ListenerSpec = Binding & ({ protocol: 'mqtt' | 'ws' } | { protocol: 'mqtts' | 'wss'; tls: ServerTls });

/** Where MQTT over WebSocket is served: the path HiveMQ, EMQX and the mqtt.js examples use. */
const WEBSOCKET_PATH = '/mqtt';

const PORT_FLAGS: Record<ListenerProtocol, string> = {
  mqtt: '--mqtt-port',
  ws: '--mqtt-ws-port',
  mqtts: '--mqtts-port',
  wss: '--mqtt-wss-port',
};

/** maxPacketBytes also bounds WebSocket messages, so an oversized one is refused before it is buffered whole. */
export async function openListener(spec: ListenerSpec, accept: Accept, maxPacketBytes?: number): Promise<Listener> {
  const server = createListenerServer(spec, accept, maxPacketBytes);
  const dropConnections = trackConnections(server);
  await listen(server, spec);
  const port = (server.address() as AddressInfo).port;
  const path = spec.protocol === 'ws' || spec.protocol === 'wss' ? WEBSOCKET_PATH : '';
  return {
    protocol: spec.protocol,
    url: `${spec.protocol}://${urlHost(spec.host)}:${port}${path}`,
    host: spec.host,
    port,
    clientCertificates: 'tls' in spec ? spec.tls.clientCertificates : 'none',
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        dropConnections();
      }),
  };
}

function createListenerServer(spec: ListenerSpec, accept: Accept, maxMessageBytes: number | undefined): Server {
  switch (spec.protocol) {
    case 'mqtt':
      // noDelay: a PUBACK held back by Nagle waits for the publisher's next packet (10 ms at the bench's 10,000/s).
      return createTcpServer({ noDelay: true }, (socket) => acceptSocket(socket, 'mqtt', accept));
    case 'mqtts':
      // Without noDelay Nagle holds the CONNACK's TLS record for the client's delayed ACK: 53 ms per connect instead of 10 (the HTTP servers set it already).
      return createTlsServer({ ...spec.tls.options, noDelay: true }, (socket) => acceptSocket(socket, 'mqtts', accept));
    case 'ws':
      return serveWebSocket(createHttpServer(refusePlainHttp), 'ws', accept, maxMessageBytes);
    case 'wss':
      return serveWebSocket(createHttpsServer(spec.tls.options, refusePlainHttp), 'wss', accept, maxMessageBytes);
  }
}

function acceptSocket(socket: Socket, protocol: ListenerProtocol, accept: Accept): void {
  corkWhileHandlingReads(socket);
  accept(socket, protocol, socket.remoteAddress);
}

/**
 * aedes answers each QoS 1 PUBLISH with its own PUBACK write, one syscall per reading. Corking the
 * socket while a read chunk is handled sends all of that chunk's PUBACKs in one write.
 */
function corkWhileHandlingReads(socket: Socket): void {
  const uncork = () => socket.uncork();
  socket.prependListener('readable', () => {
    if (socket.writableCorked > 0) return;
    socket.cork();
    process.nextTick(uncork);
  });
}

/** Upgrades at WEBSOCKET_PATH become MQTT streams; the ws server is bound to no port, so its errors stay the HTTP server's. */
function serveWebSocket<S extends Server>(server: S, protocol: ListenerProtocol, accept: Accept, maxPayload: number | undefined): S {
  const webSockets = new WebSocketServer({ noServer: true, path: WEBSOCKET_PATH, clientTracking: false, ...(maxPayload !== undefined && { maxPayload }) });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    webSockets.handleUpgrade(request, socket, head, (webSocket) => accept(createWebSocketStream(webSocket), protocol, request.socket.remoteAddress, request));
  });
  return server;
}

/** A browser opening the address gets told what it is rather than a request that hangs. */
function refusePlainHttp(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'close' });
  response.end(`MQTT over WebSocket: connect an MQTT client to path ${WEBSOCKET_PATH}\n`);
}

/** Returns a function that destroys every connection still open; server.close() alone waits for them forever. */
function trackConnections(server: Server): () => void {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return () => {
    for (const socket of open) socket.destroy();
  };
}

function listen(server: Server, { protocol, host, port }: ListenerSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const flag = PORT_FLAGS[protocol];
      const reason = error.code === 'EADDRINUSE' ? `port ${port} is already in use (pick another with ${flag}, 0 = any free port)` : error.message;
      reject(new Error(`MQTT broker cannot listen for ${protocol} on ${host}:${port}: ${reason}`));
    });
    server.listen(port, host, () => resolve());
  });
}

/** IPv6 addresses go in brackets inside a URL. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
