import { startBroker, type Broker } from '../broker/broker.js';
import type { TlsPem } from '../broker/broker-tls.js';
import { answerRequests } from './bench-child.js';
import { openFileLimit } from './proc-stats.js';

/**
 * The broker alone in its own process, for the idle-connection figures: its RSS, heap and CPU are
 * then the broker's, not the bench's or the client fleets'. Same broker code and listeners as the
 * app (TCP, and MQTTS with the demo CA as client CA, client certificates optional), no limits.
 */
export type BrokerHostRequest = { type: 'start'; tls: TlsPem } | { type: 'memory' } | { type: 'cpu' };

export interface BrokerHostStarted {
  tcpUrl: string;
  tlsUrl: string;
  /** Open files this process may hold (one per connection), null where unknown. */
  openFileLimit: number | null;
}

/** After a full garbage collection, so two samples differ by what is live, not by garbage. */
export interface BrokerMemory {
  rssBytes: number;
  heapUsedBytes: number;
  /** Buffers and other memory outside the JS heap that V8 is told of (not OpenSSL's own). */
  externalBytes: number;
  connectedClients: number;
}

/** Apart from the memory sample, whose collections would count as the broker's CPU. */
export interface BrokerCpu {
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  connectedClients: number;
}

/** The bench forks this process with --expose-gc. */
function exposedGc(): () => void {
  if (!globalThis.gc) throw new Error('the broker host needs --expose-gc');
  return globalThis.gc;
}

let broker: Broker | null = null;
const gc = exposedGc();

async function start(tls: TlsPem): Promise<BrokerHostStarted> {
  broker = await startBroker({ host: '127.0.0.1', port: 0, tlsPort: 0, tls });
  const tlsListener = broker.listeners.find((listener) => listener.protocol === 'mqtts')!;
  return { tcpUrl: broker.url, tlsUrl: tlsListener.url, openFileLimit: openFileLimit() };
}

function memory(): BrokerMemory {
  // Twice: the first collection can leave objects that only a second one frees (weak references, finalizers).
  gc();
  gc();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rssBytes: rss, heapUsedBytes: heapUsed, externalBytes: external, connectedClients: broker?.connectedClients() ?? 0 };
}

function cpu(): BrokerCpu {
  const { user, system } = process.cpuUsage();
  return { cpuSeconds: (user + system) / 1e6, connectedClients: broker?.connectedClients() ?? 0 };
}

answerRequests<BrokerHostRequest>('broker host', async (request) => {
  switch (request.type) {
    case 'start':
      return start(request.tls);
    case 'memory':
      return memory();
    case 'cpu':
      return cpu();
  }
});
