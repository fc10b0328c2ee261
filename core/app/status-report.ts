import { describeTarget } from '../archive/s3-client.js';
import type { Broker } from '../broker/broker.js';
import type { OutsideBroker } from '../broker/outside-broker.js';
import { requiresAuthentication } from '../broker/broker-exposure.js';
import type { ActiveConnection } from '../api/connections.js';
import type { MeterEmulatorStatus } from '../api/energy.js';
import type { EmulatorStatus, PartStatus, StackStatus } from '../api/status.js';
import type { TopicRule } from '../domain/topic-rule.js';
import type { WorkerHealth } from '../ingest/ingest-thread.js';
import { redactUrl } from '../redis/connect.js';
import type { StackParts } from './stack-parts.js';

/** What GET /api/status reports besides the parts themselves. */
export interface StatusInputs {
  startedAt: number;
  connection: ActiveConnection;
  emulator: EmulatorStatus | null;
  meterEmulator: MeterEmulatorStatus | null;
}

const running = (address: string | null, detail: string | null = null): PartStatus => ({ state: 'running', address, detail });
const stopped = (detail: string | null = null): PartStatus => ({ state: 'stopped', address: null, detail });
const NOTHING_WRITTEN = 'read-only mode: nothing is written to Redis';

/** Every part's state, address and a line a person can act on, for the Overview page and the CLI's log. */
export function stackStatus(parts: StackParts, { startedAt, connection, emulator, meterEmulator }: StatusInputs): StackStatus {
  const udp = parts.ingest?.udpUrl ?? null;
  const brokerUrl = parts.broker?.url ?? null;
  return {
    startedAt,
    readOnly: connection.readOnly,
    connection,
    parts: {
      redis: redisPart(parts),
      broker: brokerPart(parts),
      ingest: ingestPart(parts),
      emulator: emulator?.running ? running(brokerUrl, `thermostats on ${brokerUrl}`) : stopped(),
      udp: udp ? running(udp, `meter datagrams → energy buckets of ${parts.config.energy.bucketSeconds} s in ${parts.keys.namespace}`) : stopped(NOTHING_WRITTEN),
      meterEmulator: meterEmulator?.running
        ? running(meterEmulator.transport === 'udp' ? udp : brokerUrl, `${meterEmulator.meters} meters over ${meterEmulator.transport}`)
        : stopped(),
      archive: archivePart(parts),
    },
    emulator,
    meterEmulator,
    figures: parts.figures.snapshot(),
  };
}

export function describeTopicRules(rules: readonly TopicRule[]): string {
  return rules.length === 0 ? 'no topic rules: MQTT messages are not stored' : rules.map(({ filter, handler }) => `${filter} → ${handler}`).join(', ');
}

function redisPart({ redis, redisUrl, embeddedRedis }: StackParts): PartStatus {
  const address = redactUrl(redisUrl);
  if (redis.status !== 'ready') return { state: 'failed', address, detail: `not reachable (connection ${redis.status}); the workbench keeps retrying` };
  return running(address, embeddedRedis ? `embedded, ${embeddedRedis.binary}` : 'external');
}

function ingestPart({ ingest, topicRules }: StackParts): PartStatus {
  if (!ingest) return stopped(NOTHING_WRITTEN);
  if (ingest.failure) return { state: 'failed', address: null, detail: `the ingest worker is not running (${ingest.failure}); restarting it` };
  const { refusal } = ingest.snapshot();
  if (refusal) return { state: 'failed', address: null, detail: `INTAKE STOPPED: Redis refuses every batch (${refusal}); readings are held and nothing is acknowledged until Redis takes them` };
  return running(null, `${describeTopicRules(topicRules.rules)}; UDP → energy buckets (worker thread)${describeRestarts(ingest.health)}`);
}

function describeRestarts({ restarts, lastCrash }: WorkerHealth): string {
  if (!lastCrash) return '';
  return `; worker restarted ${restarts}× (last ${new Date(lastCrash.at).toISOString()}: ${lastCrash.reason})`;
}

function archivePart({ config }: StackParts): PartStatus {
  if (config.readOnly) return stopped('read-only mode: nothing is archived');
  const target = describeTarget(config.archive.s3);
  if (!target) return stopped('no S3 bucket set (--s3-bucket)');
  const where = `s3://${target.bucket}/${target.keyPrefix}energy/`;
  const every = config.archive.intervalSeconds > 0 ? `every ${config.archive.intervalSeconds} s` : 'on demand';
  return running(target.endpoint ?? `AWS S3 ${target.region}`, `stale buckets → ${where}, ${every}`);
}

/** The bundled broker, or the outside broker ingest takes readings from, or neither in this process. */
function brokerPart({ broker, source, config }: StackParts): PartStatus {
  if (broker) return running(broker.url, describeBroker(broker));
  if (source) return outsideBrokerPart(source);
  return stopped(`no broker in this process (role ${config.roles.join(',')})`);
}

function outsideBrokerPart(source: OutsideBroker): PartStatus {
  const { url, clientId, state, since, lastError, subscriptions, received, redelivered, leftUnacknowledged, reconnects } = source.status();
  const figures = `${received} received, ${redelivered} redelivered, ${leftUnacknowledged} left unacknowledged at a disconnect, ${reconnects} reconnects`;
  const subscribed = `as ${clientId}: ${subscriptions.join(', ') || 'no subscriptions'}`;
  if (state === 'connected') return running(url, `outside broker ${subscribed}; ${figures}`);
  if (state === 'closed') return stopped(`outside broker ${url}: disconnected`);
  return { state: 'failed', address: url, detail: `OUTSIDE BROKER GONE since ${new Date(since).toISOString()} (${lastError ?? 'connecting'}); reconnecting with back-off, nothing is acknowledged meanwhile; ${figures}` };
}

/** Every MQTT listener with its client-certificate rule, who may connect, and the refusals so far, for the Overview. */
function describeBroker(broker: Broker): string {
  const certificates = { required: ', client certificate required', optional: ', client certificate optional', none: '' } as const;
  const urls = broker.listeners.map(({ url, clientCertificates }) => `${url}${certificates[clientCertificates]}`).join('; ');
  const { host } = broker.listeners[0]!;
  const anonymous = !broker.anonymousAllowed
    ? 'anonymous clients refused'
    : requiresAuthentication(host)
      ? 'anonymous clients from the network allowed (--mqtt-allow-lan-anonymous)'
      : 'anonymous clients allowed (loopback only)';
  return `${urls}; authentication: registered devices, ${anonymous}; ${broker.refusals().total} refused`;
}
