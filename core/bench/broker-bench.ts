import type { Redis } from 'ioredis';
import { startBroker } from '../broker/broker.js';
import type { TlsPem } from '../broker/broker-tls.js';
import { loadOrCreateDemoCa } from '../certificates/certificate-authority.js';
import { loadOrCreateServerCertificate } from '../certificates/server-certificate.js';
import type { KeySchema } from '../model/keys.js';
import { BenchChild } from './bench-child.js';
import type { BrokerCpu, BrokerHostStarted, BrokerMemory } from './broker-host-process.js';
import type { IdleFleetConnected, IdleFleetReport, IdleFleetJob } from './idle-client-process.js';
import { ingestPhase, round, type BenchSettings, type PhaseResult } from './ingest-phase.js';

export interface BrokerBenchContext {
  bench: BenchSettings;
  redis: Redis;
  redisUrl: string;
  keys: KeySchema;
  /** Where the demo CA and the broker's certificate are made. */
  certificatesDir: string;
  log: (line: string) => void;
}

export interface BrokerBenchSettings {
  /** Idle connections held, per transport. */
  connections: number;
  /** Publishing clients, spread over the bench's publisher processes. */
  publishingClients: number;
}

type Transport = 'tcp' | 'tls';

interface IdleFigures {
  /** Open files the broker process may hold, one per connection; null where unknown. */
  open_file_limit: number | null;
  held: number;
  failed: number;
  /** Connections the broker closed during the idle window: should be none. */
  dropped: number;
  connect_s: number;
  connect_cpu_ms_per_connection: number;
  /** The client processes' CPU per connect, for comparison: if theirs is the larger, they set the pace. */
  client_cpu_ms_per_connection: number;
  rss_before_mb: number;
  rss_after_mb: number;
  rss_kb_per_connection: number;
  heap_before_mb: number;
  heap_after_mb: number;
  heap_kb_per_connection: number;
  external_kb_per_connection: number;
  idle_cpu_cores: number;
  /** In the idle window; a few responses may still be on their way when it ends. */
  pings_sent: number;
  ping_responses: number;
}

interface PublishingFigures {
  readings_per_s: number;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  cpu_cores_process: number;
  cpu_cores_broker_thread: number | null;
  /** CPU per reading written: steadier than readings/s when other work competes for the cores. */
  process_cpu_us_per_reading: number;
  broker_thread_cpu_us_per_reading: number | null;
  cpu_cores_redis: number;
  cpu_cores_publishers: number;
}

/** Client processes the idle connections come from: two, so one process's event loop does not pace the connects. */
const FLEETS = 2;
/** Within what devices use (mqtt.js defaults to 60 s); each client pings once per period. */
const KEEPALIVE_SECONDS = 60;
/** Time for the broker to finish what a start or a burst of connects left behind before memory is sampled. */
const SETTLE_MS = 1000;
/** Open files the broker host needs besides its connections: listeners, IPC, stdio, the loader. */
const SPARE_FILES = 100;
/** The broker host runs with the app's heap flag (npm run serve) and gc() for clean heap samples. */
const BROKER_HOST_FLAGS = ['--max-semi-space-size=64', '--expose-gc'];
/** Measured part of each uncounted warm-up publishing phase, after the usual warm-up. */
const WARM_UP_PHASE_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => round(bytes / 1e6, 1);

/**
 * Issue 5's broker figures: how many idle connections the broker holds on this machine and what
 * each costs in memory and CPU, over TCP and over TLS; then readings/s with many publishing
 * clients through ingest into Redis, over TCP against over TLS, in the same run on the same Redis.
 */
export async function runBrokerBench(context: BrokerBenchContext, settings: BrokerBenchSettings): Promise<{ broker: Record<string, unknown> }> {
  const { log, bench } = context;
  const tls = await demoTls(context.certificatesDir);
  log(
    `broker: ${settings.connections.toLocaleString('en')} idle connections per transport from ${FLEETS} client processes (keepalive ${KEEPALIVE_SECONDS} s), ` +
      `broker in a process of its own; ${bench.measureMs / 1000} s idle window`,
  );
  const idle = { tcp: await idlePhase(context, settings, tls, 'tcp'), tls: await idlePhase(context, settings, tls, 'tls') };
  const perProcess = Math.ceil(settings.publishingClients / bench.publishers);
  log(`broker: ${perProcess * bench.publishers} publishing clients in ${bench.publishers} processes (${bench.client} client), QoS ${bench.qos}, as fast as ingest takes them`);
  const publishing = await publishingPhases(context, tls, perProcess);
  printTable(log, idle, publishing);
  return {
    broker: {
      idle_connections: settings.connections,
      keepalive_s: KEEPALIVE_SECONDS,
      idle,
      publishing_clients: perProcess * bench.publishers,
      publishing,
      tls_to_tcp_readings_ratio: round(publishing.tls.readings_per_s / publishing.tcp.readings_per_s, 2),
    },
  };
}

/** The demo CA's server certificate for 127.0.0.1, and the CA as client CA: the app's MQTTS listener without --mqtt-tls-cert. */
async function demoTls(dir: string): Promise<TlsPem> {
  const ca = await loadOrCreateDemoCa(dir);
  const server = await loadOrCreateServerCertificate(dir, ca, { hostnames: ['localhost'], addresses: ['127.0.0.1'] });
  return { ...server, ca: ca.cert };
}

/**
 * A fresh broker process per transport, so TLS's figures do not start from memory TCP's
 * connections left allocated: memory with no clients, connect them all, memory again, then CPU
 * over an idle window with every client connected and pinging.
 */
async function idlePhase(context: BrokerBenchContext, settings: BrokerBenchSettings, tls: TlsPem, transport: Transport): Promise<IdleFigures> {
  const host = BenchChild.fork(new URL('./broker-host-process.ts', import.meta.url), BROKER_HOST_FLAGS);
  const fleets = Array.from({ length: FLEETS }, () => BenchChild.fork(new URL('./idle-client-process.ts', import.meta.url)));
  try {
    const started = await host.request<BrokerHostStarted>({ type: 'start', tls });
    checkOpenFiles(started.openFileLimit, settings.connections);
    await sleep(SETTLE_MS);
    const before = await host.request<BrokerMemory>({ type: 'memory' });

    const connectStart = { at: performance.now(), cpu: await host.request<BrokerCpu>({ type: 'cpu' }) };
    const url = transport === 'tls' ? started.tlsUrl : started.tcpUrl;
    const connected = await Promise.all(
      fleets.map((fleet, index) => fleet.request<IdleFleetConnected>({ type: 'connect', job: fleetJob(url, tls.ca, settings.connections, index) })),
    );
    const connectSeconds = (performance.now() - connectStart.at) / 1000;
    const connectCpu = await host.request<BrokerCpu>({ type: 'cpu' });
    const failed = connected.reduce((sum, fleet) => sum + fleet.failed, 0);
    const firstError = connected.find((fleet) => fleet.firstError !== null)?.firstError;
    if (firstError) context.log(`  ${transport}: ${failed} connections failed, the first with: ${firstError}`);

    await sleep(SETTLE_MS);
    const after = await host.request<BrokerMemory>({ type: 'memory' });
    const fleetsAtStart = await fleetReport(fleets);
    const idleStart = { at: performance.now(), cpu: await host.request<BrokerCpu>({ type: 'cpu' }) };
    await sleep(context.bench.measureMs);
    const idleEnd = await host.request<BrokerCpu>({ type: 'cpu' });
    const idleSeconds = (performance.now() - idleStart.at) / 1000;
    const fleetsAtEnd = await fleetReport(fleets);

    const count = after.connectedClients;
    const perConnectionKb = (bytes: number) => (count === 0 ? 0 : round(bytes / count / 1e3, 1));
    const perConnectionMs = (seconds: number) => (count === 0 ? 0 : round((seconds * 1000) / count, 3));
    const figures: IdleFigures = {
      open_file_limit: started.openFileLimit,
      held: idleEnd.connectedClients,
      failed,
      dropped: fleetsAtEnd.dropped,
      connect_s: round(connectSeconds, 2),
      connect_cpu_ms_per_connection: perConnectionMs(connectCpu.cpuSeconds - connectStart.cpu.cpuSeconds),
      client_cpu_ms_per_connection: perConnectionMs(connected.reduce((sum, fleet) => sum + fleet.cpuSeconds, 0)),
      rss_before_mb: mb(before.rssBytes),
      rss_after_mb: mb(after.rssBytes),
      rss_kb_per_connection: perConnectionKb(after.rssBytes - before.rssBytes),
      heap_before_mb: mb(before.heapUsedBytes),
      heap_after_mb: mb(after.heapUsedBytes),
      heap_kb_per_connection: perConnectionKb(after.heapUsedBytes - before.heapUsedBytes),
      external_kb_per_connection: perConnectionKb(after.externalBytes - before.externalBytes),
      idle_cpu_cores: round((idleEnd.cpuSeconds - idleStart.cpu.cpuSeconds) / idleSeconds, 3),
      pings_sent: fleetsAtEnd.pingsSent - fleetsAtStart.pingsSent,
      ping_responses: fleetsAtEnd.pingResponses - fleetsAtStart.pingResponses,
    };
    context.log(
      `idle ${transport}: ${figures.held} held (${failed} failed, ${figures.dropped} dropped), connected in ${figures.connect_s} s; ` +
        `broker RSS ${figures.rss_before_mb} → ${figures.rss_after_mb} MB (${figures.rss_kb_per_connection} kB/connection), ` +
        `heap ${figures.heap_before_mb} → ${figures.heap_after_mb} MB (${figures.heap_kb_per_connection} kB/connection); ` +
        `idle CPU ${figures.idle_cpu_cores} cores with ${figures.pings_sent} pings in ${idleSeconds.toFixed(1)} s`,
    );
    return figures;
  } finally {
    await Promise.all([host, ...fleets].map((child) => child.end()));
  }
}

/** The fleets' counts added up. */
async function fleetReport(fleets: BenchChild[]): Promise<IdleFleetReport> {
  const reports = await Promise.all(fleets.map((fleet) => fleet.request<IdleFleetReport>({ type: 'report' })));
  const sum = (count: (report: IdleFleetReport) => number) => reports.reduce((total, report) => total + count(report), 0);
  return { dropped: sum((r) => r.dropped), pingsSent: sum((r) => r.pingsSent), pingResponses: sum((r) => r.pingResponses) };
}

/** Fleet `index`'s share of the connections, the first fleets taking the remainder. */
function fleetJob(url: string, ca: string, connections: number, index: number): IdleFleetJob {
  const share = Math.floor(connections / FLEETS) + (index < connections % FLEETS ? 1 : 0);
  return { url, ca, connections: share, keepaliveSeconds: KEEPALIVE_SECONDS, clientIdPrefix: `idle-${index}-` };
}

/** Each connection holds a file descriptor in the broker; past the limit accept() fails with EMFILE, which aedes does not report. */
function checkOpenFiles(limit: number | null, connections: number): void {
  if (limit !== null && connections + SPARE_FILES > limit) {
    throw new Error(`--broker-connections ${connections} needs ${connections + SPARE_FILES} open files, but processes here may open ${limit}: raise the hard limit (ulimit -Hn)`);
  }
}

/** The same broker (in this process, as in the app, with ingest behind it), publishers over TCP and then over TLS. */
async function publishingPhases(context: BrokerBenchContext, tls: TlsPem, connectionsPerProcess: number): Promise<Record<Transport, PublishingFigures>> {
  const broker = await startBroker({ host: '127.0.0.1', port: 0, tlsPort: 0, tls });
  try {
    const phaseContext = { settings: context.bench, broker, redis: context.redis, redisUrl: context.redisUrl, keys: context.keys, log: context.log };
    const tlsUrl = broker.listeners.find((listener) => listener.protocol === 'mqtts')!.url;
    const clients = connectionsPerProcess * context.bench.publishers;
    const tcpTarget = { url: broker.url, connectionsPerProcess };
    const tlsTarget = { url: tlsUrl, ca: tls.ca, connectionsPerProcess };
    // On a busy machine whichever transport went first was the slower, in either order (JIT, Redis): both warm up uncounted.
    const warmUp = { ...phaseContext, settings: { ...context.bench, measureMs: WARM_UP_PHASE_MS } };
    await ingestPhase(warmUp, 'publishing warm-up over TCP (not counted)', 'batched', 'max', tcpTarget);
    await ingestPhase(warmUp, 'publishing warm-up over TLS (not counted)', 'batched', 'max', tlsTarget);
    const tcp = await ingestPhase(phaseContext, `${clients} publishers over TCP`, 'batched', 'max', tcpTarget);
    const overTls = await ingestPhase(phaseContext, `${clients} publishers over TLS`, 'batched', 'max', tlsTarget);
    return { tcp: publishingFigures(tcp), tls: publishingFigures(overTls) };
  } finally {
    await broker.close();
  }
}

function publishingFigures(phase: PhaseResult): PublishingFigures {
  const perReadingUs = (cores: number) => round((cores / phase.writtenPerSec) * 1e6, 1);
  return {
    readings_per_s: Math.round(phase.writtenPerSec),
    latency_p50_ms: phase.latencyP50Ms === null ? null : round(phase.latencyP50Ms, 1),
    latency_p99_ms: phase.latencyP99Ms === null ? null : round(phase.latencyP99Ms, 1),
    cpu_cores_process: phase.cpu.ingestProcess,
    cpu_cores_broker_thread: phase.cpu.brokerThread,
    process_cpu_us_per_reading: perReadingUs(phase.cpu.ingestProcess),
    broker_thread_cpu_us_per_reading: phase.cpu.brokerThread === null ? null : perReadingUs(phase.cpu.brokerThread),
    cpu_cores_redis: phase.cpu.redis,
    cpu_cores_publishers: phase.cpu.publishers,
  };
}

/** TCP and TLS side by side, as the README's tables show them. */
function printTable(log: (line: string) => void, idle: Record<Transport, IdleFigures>, publishing: Record<Transport, PublishingFigures>): void {
  const rows: Array<[string, (transport: Transport) => string]> = [
    ['idle connections held', (t) => `${idle[t].held.toLocaleString('en')} (${idle[t].failed} failed, ${idle[t].dropped} dropped)`],
    ['open files allowed', (t) => idle[t].open_file_limit?.toLocaleString('en') ?? 'unknown'],
    ['time to connect all', (t) => `${idle[t].connect_s} s`],
    ['CPU per connect: broker / clients', (t) => `${idle[t].connect_cpu_ms_per_connection} / ${idle[t].client_cpu_ms_per_connection} ms`],
    ['broker RSS, 0 → all connected', (t) => `${idle[t].rss_before_mb} → ${idle[t].rss_after_mb} MB`],
    ['RSS per connection', (t) => `${idle[t].rss_kb_per_connection} kB`],
    ['heap per connection (+ external)', (t) => `${idle[t].heap_kb_per_connection} kB (+ ${idle[t].external_kb_per_connection} kB)`],
    ['broker CPU, all connected and idle', (t) => `${idle[t].idle_cpu_cores} cores`],
    ['readings/s, publishing clients', (t) => publishing[t].readings_per_s.toLocaleString('en')],
    ['publish→written p50 / p99', (t) => `${publishing[t].latency_p50_ms ?? '–'} / ${publishing[t].latency_p99_ms ?? '–'} ms`],
    ['CPU: process (broker thread)', (t) => `${publishing[t].cpu_cores_process} (${publishing[t].cpu_cores_broker_thread ?? '–'}) cores`],
    ['CPU: redis / publishers', (t) => `${publishing[t].cpu_cores_redis} / ${publishing[t].cpu_cores_publishers} cores`],
    ['CPU per reading: process (broker thread)', (t) => `${publishing[t].process_cpu_us_per_reading} (${publishing[t].broker_thread_cpu_us_per_reading ?? '–'}) µs`],
  ];
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const cells = rows.map(([label, value]) => [label.padEnd(labelWidth), value('tcp'), value('tls')] as const);
  const tcpWidth = Math.max('TCP'.length, ...cells.map(([, tcp]) => tcp.length));
  log(`${''.padEnd(labelWidth)} | ${'TCP'.padEnd(tcpWidth)} | TLS`);
  for (const [label, tcp, tls] of cells) log(`${label} | ${tcp.padEnd(tcpWidth)} | ${tls}`);
}
