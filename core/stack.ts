import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startBroker, type Broker } from './broker/broker.js';
import type { Config } from './config/schema.js';
import { ThermostatEmulator } from './emulator/thermostat-emulator.js';
import { FiguresSampler } from './figures/figures-sampler.js';
import { IngestThread } from './ingest/ingest-thread.js';
import { THERMOSTAT_TOPIC } from './ingest/thermostat-rule.js';
import { openRedis, redactUrl } from './redis/connect.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './redis/embedded-redis.js';
import type { EmulatorCommand, EmulatorStatus, PartStatus, StackStatus } from './server/contract.js';
import { startHttpServer, type ApiBackend, type HttpServer } from './server/http-server.js';
import { EMULATOR_PRESETS } from './emulator/presets.js';
import { createKeySchema, type KeySchema } from './model/keys.js';
import { DataModelInspector } from './query/data-model.js';
import { WarningsFeed } from './query/warnings-feed.js';

export interface StackAddresses {
  http: string;
  mqtt: string;
  redis: string;
}

export interface StopReport {
  /** Readings Redis did not take before the flush deadline, saved to this file (null when none). */
  unwrittenFile: string | null;
  unwritten: number;
}

type Log = (line: string) => void;

export interface StackOptions {
  log: Log;
  /** The built renderer to serve over HTTP (browser mode and the desktop window alike). */
  rendererDir: string | null;
}

/** The running pieces, in start order. */
interface StackParts {
  config: Config;
  keys: KeySchema;
  redisUrl: string;
  embeddedRedis: EmbeddedRedis | null;
  redis: Redis;
  warnings: WarningsFeed;
  broker: Broker;
  ingest: IngestThread | null;
  figures: FiguresSampler;
  log: Log;
}

/**
 * The whole local stack in start order: Redis, broker, ingest, figures, HTTP API, emulator. The CLI
 * and the Electron shell each hold one of these and nothing else.
 */
export class Stack implements ApiBackend {
  private emulator: ThermostatEmulator | null = null;
  private readonly startedAt = Date.now();
  private http: HttpServer | null = null;
  readonly config: Config;
  readonly token = randomBytes(24).toString('base64url');
  readonly redis: Redis;
  readonly keys: KeySchema;
  readonly warnings: WarningsFeed;
  readonly dataModel: DataModelInspector;

  private constructor(private readonly parts: StackParts) {
    this.config = parts.config;
    this.redis = parts.redis;
    this.keys = parts.keys;
    this.warnings = parts.warnings;
    this.dataModel = new DataModelInspector(parts.redis, this.keys);
  }

  static async start(config: Config, { log, rendererDir }: StackOptions): Promise<Stack> {
    const embeddedRedis = config.redis.url
      ? null
      : await startEmbeddedRedis({
          dataDir: config.dataDir,
          port: config.redis.port,
          persistence: config.redis.persistence,
          systemBinary: config.redis.systemBinary,
        });
    const redisUrl = config.redis.url ?? embeddedRedis!.url;
    const keys = createKeySchema(config.model);
    const cleanup: Array<() => Promise<unknown>> = [];
    if (embeddedRedis) cleanup.push(() => embeddedRedis.stop());
    try {
      const redis = await openRedis(redisUrl, { connectionName: 'sensor-workbench:api' });
      cleanup.push(() => redis.quit().catch(() => redis.disconnect()));
      const warnings = await WarningsFeed.start(redisUrl, keys);
      cleanup.push(() => warnings.stop());
      const broker = await startBroker(config.mqtt);
      cleanup.push(() => broker.close());
      const ingest = config.readOnly
        ? null
        : await IngestThread.start({ source: broker, redisUrl, keyPrefix: config.model.keyPrefix, settings: config.ingest, log });
      if (ingest) cleanup.push(() => ingest.stop());
      const figures = new FiguresSampler({
        ingest,
        redis,
        bufferLimit: config.ingest.bufferLimit,
        mqttClients: () => broker.connectedClients(),
      });
      figures.start();
      const stack = new Stack({ config, keys, redisUrl, embeddedRedis, redis, warnings, broker, ingest, figures, log });
      stack.http = await startHttpServer({ backend: stack, host: config.http.host, port: config.http.port, token: stack.token, rendererDir, log });
      if (config.emulator.mode === 'thermostats') await stack.controlEmulator({ action: 'start' });
      return stack;
    } catch (error) {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      throw error;
    }
  }

  addresses(): StackAddresses {
    return {
      http: `${this.http!.url}/?token=${this.token}`,
      mqtt: this.parts.broker.url,
      redis: redactUrl(this.parts.redisUrl),
    };
  }

  status(): StackStatus {
    const running = (address: string | null, detail: string | null = null): PartStatus => ({ state: 'running', address, detail });
    const emulator = this.emulator?.status() ?? null;
    return {
      startedAt: this.startedAt,
      readOnly: this.config.readOnly,
      parts: {
        redis:
          this.redis.status === 'ready'
            ? running(redactUrl(this.parts.redisUrl), this.parts.embeddedRedis ? `embedded, ${this.parts.embeddedRedis.binary}` : 'external')
            : { state: 'failed', address: redactUrl(this.parts.redisUrl), detail: `not reachable (connection ${this.redis.status}); the workbench keeps retrying` },
        broker: running(this.parts.broker.url),
        ingest: this.parts.ingest?.failure
          ? { state: 'failed', address: null, detail: this.parts.ingest.failure }
          : this.parts.ingest
          ? running(null, `rule ${THERMOSTAT_TOPIC} → thermostat persist (worker thread)`)
          : { state: 'stopped', address: null, detail: 'read-only mode: nothing is written to Redis' },
        emulator: emulator?.running
          ? running(this.parts.broker.url, `thermostats on ${this.parts.broker.url}`)
          : { state: 'stopped', address: null, detail: null },
      },
      emulator,
      figures: this.parts.figures.snapshot(),
    };
  }

  async controlEmulator(command: EmulatorCommand): Promise<EmulatorStatus | null> {
    if (command.action !== 'stop' && this.config.readOnly) throw new Error('read-only mode: the emulator cannot write');
    const changes = {
      ...(command.preset !== undefined && EMULATOR_PRESETS[command.preset]),
      ...(command.rate !== undefined && { rate: command.rate }),
      ...(command.devices !== undefined && { devices: command.devices }),
      ...(command.hotShare !== undefined && { hotShare: command.hotShare }),
    };
    if (command.action === 'stop') {
      await this.emulator?.stop();
      return this.emulator?.status() ?? null;
    }
    this.emulator ??= new ThermostatEmulator({ brokerUrl: this.parts.broker.url, ...this.config.emulator, ...changes });
    this.emulator.reconfigure(changes);
    if (command.action === 'start') await this.emulator.start();
    return this.emulator.status();
  }

  /** Stop taking readings, flush them, then stop the servers and the embedded Redis. */
  async stop(): Promise<StopReport> {
    await this.emulator?.stop();
    await this.parts.broker.close();
    const unwritten = (await this.parts.ingest?.stop()) ?? [];
    this.parts.figures.stop();
    await this.http?.close();
    await this.warnings.stop();
    await this.redis.quit().catch(() => this.redis.disconnect());
    await this.parts.embeddedRedis?.stop();
    if (unwritten.length === 0) return { unwrittenFile: null, unwritten: 0 };
    const dir = join(this.config.dataDir, 'unwritten');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `thermostats-${new Date().toISOString().replaceAll(':', '-')}.ndjson`);
    await writeFile(file, unwritten.map(({ receivedAt: _receivedAt, ...reading }) => JSON.stringify(reading)).join('\n') + '\n');
    this.parts.log(`Redis did not take ${unwritten.length} readings before shutdown; they are saved in ${file}`);
    return { unwrittenFile: file, unwritten: unwritten.length };
  }
}
