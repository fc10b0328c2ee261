import { createServer, Socket } from 'node:net';

/**
 * Ports below Linux's ephemeral range (32768–60999): a port handed out by `listen(0)` comes from
 * that range, and so do the source ports of every outgoing connection, so another test's client
 * could take such a port in the seconds between freePort() and the bind — or while a test restarts
 * a server on the same port (seen in CI as EADDRINUSE).
 */
const FIRST_PORT = 20_000;
const LAST_PORT = 32_767;
const ATTEMPTS = 50;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: for servers that cannot take port 0 themselves
 * (redis-server treats --port 0 as "no TCP") or must be restarted on the same port.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${FIRST_PORT} and ${LAST_PORT} after ${ATTEMPTS} tries`);
}

function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** True when something accepts TCP connections on host:port. */
export function acceptsConnections(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.connect(port, host);
  });
}
