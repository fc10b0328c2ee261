import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, createSecureContext, type SecureContext } from 'node:tls';
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface RawConnectOptions {
  /** mqtt://host:port, or mqtts://host:port for MQTT over TLS. */
  url: string;
  clientId: string;
  /** Seconds; 0 turns the broker's keepalive check off. */
  keepaliveSeconds: number;
  /** The CA an mqtts:// broker's certificate is checked against. */
  ca?: string;
  /** Give up when CONNACK has not come by then: a broker that stops answering must not hang a benchmark. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** One per CA: building a context parses the PEM, which per connection would be the fleet's main cost. */
const secureContexts = new Map<string, SecureContext>();

function secureContextFor(ca: string | undefined): SecureContext | undefined {
  if (ca === undefined) return undefined;
  let context = secureContexts.get(ca);
  if (!context) secureContexts.set(ca, (context = createSecureContext({ ca })));
  return context;
}

/**
 * A bare MQTT 3.1.1 connection for load generators: a socket, CONNECT, and the CONNACK awaited,
 * with none of mqtt.js's per-client machinery (stores, timers, reconnects), so thousands of them
 * fit in one process. Every packet after CONNACK goes to `onPacket`; a later socket error only
 * closes the socket (watch 'close'), it does not throw.
 */
export function connectRaw(options: RawConnectOptions, onPacket: (packet: Packet) => void): Promise<Socket> {
  const { protocol, hostname, port } = new URL(options.url);
  const socket =
    protocol === 'mqtts:'
      ? connectTls({ host: hostname, port: Number(port), secureContext: secureContextFor(options.ca) })
      : connectTcp({ host: hostname, port: Number(port) });
  socket.setNoDelay(true);
  const parser = mqttPacket.parser();
  socket.on('data', (chunk: Buffer) => parser.parse(chunk));
  const connected = new Promise<Socket>((resolve, reject) => {
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => fail(new Error(`no CONNACK from ${options.url} in time`)));
    socket.once('error', fail);
    parser.once('packet', (packet) => {
      if (packet.cmd !== 'connack') return fail(new Error(`expected CONNACK, got ${packet.cmd}`));
      if (packet.returnCode !== 0) return fail(new Error(`broker refused connection: ${packet.returnCode}`));
      socket.setTimeout(0);
      parser.on('packet', onPacket);
      resolve(socket);
    });
  });
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: options.clientId, keepalive: options.keepaliveSeconds }));
  return connected;
}
