import { createSocket, type Socket } from 'node:dgram';
import type { DatagramHandler } from './meter-rule.js';

/** Kernel receive buffer asked for, so a burst of datagrams waits in the socket instead of being lost. */
const RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;

/** The UDP socket meters send their datagrams to. */
export class MeterDatagramListener {
  private constructor(
    private readonly socket: Socket,
    readonly url: string,
  ) {}

  static async start(host: string, port: number, onDatagram: DatagramHandler, log: (line: string) => void): Promise<MeterDatagramListener> {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (error) => reject(new Error(`cannot listen for meter datagrams on ${host}:${port} (${error.message})`)));
      socket.bind(port, host, () => resolve());
    });
    socket.removeAllListeners('error');
    socket.on('error', (error) => log(`meter datagram socket: ${error.message}`));
    socket.on('message', onDatagram);
    const address = socket.address();
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new MeterDatagramListener(socket, `udp://${shownHost}:${address.port}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
