import type { S3Client } from '@aws-sdk/client-s3';
import type { Cluster, Redis } from 'ioredis';
import type { ApiAccess } from '../api-access/api-access.js';
import type { Archiver } from '../archive/archiver.js';
import type { Broker } from '../broker/broker.js';
import type { OutsideBroker } from '../broker/outside-broker.js';
import type { DemoCa } from '../certificates/certificate-authority.js';
import type { Config } from '../config/schema.js';
import type { ConnectionManager } from '../connections/connection-manager.js';
import type { DeviceRegistry } from '../devices/device-registry.js';
import type { IngestThread } from '../ingest/ingest-thread.js';
import type { TopicRuleStore } from '../ingest/topic-rule-store.js';
import type { KeySchema } from '../model/keys.js';
import type { EnergyS3Target } from '../query/energy-query.js';
import type { EmbeddedRedis } from '../redis/embedded-redis.js';
import type { ExportService } from './export-service.js';
import type { FiguresSampler } from './figures-sampler.js';
import type { StackPlan } from './stack-plan.js';

export type Log = (line: string) => void;

/** The running pieces of one stack, in start order; the backend, the status report and shutdown all read them. */
export interface StackParts {
  config: Config;
  /** Which parts this process runs, from its roles. */
  plan: StackPlan;
  keys: KeySchema;
  redisUrl: string;
  embeddedRedis: EmbeddedRedis | null;
  redis: Redis | Cluster;
  /** The client API's own connection, one write per turn of the event loop: its many small concurrent requests share round trips. */
  clientApiRedis: Redis | Cluster;
  /** The bundled broker; null where ingest takes readings from an outside broker, or where no role ingests MQTT. */
  broker: Broker | null;
  /** The outside broker of --mqtt-source. */
  source: OutsideBroker | null;
  /** Null in read-only mode, where nothing is ingested, and where no role ingests. */
  ingest: IngestThread | null;
  figures: FiguresSampler;
  archiver: Archiver;
  /** Where the workbench's own energy archive lives, for queries over its history. */
  energyArchive: EnergyS3Target | null;
  s3: S3Client | null;
  /** The connections the pages can read from; with role ui only. */
  connections: ConnectionManager | null;
  devices: DeviceRegistry;
  certificateAuthority: () => Promise<DemoCa>;
  topicRules: TopicRuleStore;
  /** The client API's keys, throttle and usage counters, on the workbench's own Redis. */
  apiAccess: ApiAccess;
  /** Streaming exports: the export thread and the rows counted. */
  exports: ExportService | null;
  log: Log;
}
