import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AedesPublishPacket } from 'aedes';
import { preciseNow } from '../figures/precise-clock.js';
import type { MessageHandler, MessageSource } from '../ingest/message-source.js';

export interface BrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface Broker extends MessageSource {
  url: string;
  port: number;
  connectedClients(): number;
  close(): Promise<void>;
}

/** The bundled aedes broker on TCP; ingest subscribes in-process rather than through a loopback client. */
export async function startBroker({ host, port }: BrokerOptions): Promise<Broker> {
  const aedes = await Aedes.createBroker();
  const server = createServer((socket) => {
    corkWhileHandlingReads(socket);
    aedes.handle(socket);
  });
  await listen(server, host, port);
  const boundPort = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://${host}:${boundPort}`,
    port: boundPort,
    connectedClients: () => aedes.connectedClients,
    subscribe: (topicFilter, handler) => subscribeInProcess(aedes, topicFilter, handler),
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? `port ${port} is already in use (pick another with --mqtt-port, 0 = any free port)` : error.message;
      reject(new Error(`MQTT broker cannot listen on ${host}:${port}: ${reason}`));
    });
    server.listen(port, host, () => resolve());
  });
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
