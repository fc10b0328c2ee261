import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const port = z.int().min(0).max(65535);
const host = z.string().min(1);

export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'sensor-workbench');
}

/** The whole configuration; every value has its default here and is validated here. */
export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default(defaultDataDir),
  readOnly: z.boolean().default(false),
  http: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.default(0),
    })
    .prefault({}),
  mqtt: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.default(1883),
    })
    .prefault({}),
  redis: z
    .strictObject({
      /** Use this Redis instead of starting the embedded one. */
      url: z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' }).optional(),
      /** Port of the embedded redis-server; 0 picks a free one. */
      port: port.default(0),
      /** Append-only file in the data dir, so readings survive a restart of the app. */
      persistence: z.boolean().default(true),
      /** A redis-server binary to use instead of searching PATH (also REDISMS_SYSTEM_BINARY). */
      systemBinary: z.string().min(1).optional(),
    })
    .prefault({}),
  emulator: z
    .strictObject({
      mode: z.enum(['none', 'thermostats']).default('none'),
      /** Readings per second; the source document's cadence is 11 every 4 s. */
      rate: z.number().positive().max(1_000_000).default(11 / 4),
      /** Device ids run 1..devices; the document uses 5000. */
      devices: z.int().min(1).max(10_000_000).default(5000),
      qos: z.union([z.literal(0), z.literal(1)]).default(1),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      /** Readings held in memory while Redis is slow or away; past it publishers are slowed down. */
      bufferLimit: z.int().min(100).max(10_000_000).default(200_000),
      maxBatch: z.int().min(1).max(100_000).default(5000),
      maxPayloadBytes: z.int().min(64).max(268_435_455).default(4096),
      deadLetterCap: z.int().min(1).max(1_000_000).default(1000),
      /** How long shutdown waits for Redis to take what is still buffered. */
      shutdownFlushMs: z.int().min(0).max(600_000).default(10_000),
    })
    .prefault({}),
  model: z
    .strictObject({
      /** Prefix of the thermostat keys; empty so the source document's redis-cli queries work verbatim. */
      keyPrefix: z.string().regex(/^[^\s]*$/, { message: 'must not contain white space' }).default(''),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
