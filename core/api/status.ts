import { z } from 'zod';
import { activeConnectionSchema } from './connections.js';
import { meterEmulatorStatusSchema } from './energy.js';
import { EMULATOR_PRESET_NAMES } from '../domain/emulator-preset.js';

/** GET /api/status and POST /api/emulator: the stack's parts, live figures and the thermostat emulator. */

export const PART_STATES = ['starting', 'running', 'stopped', 'failed'] as const;
export type PartState = (typeof PART_STATES)[number];

export const partStatusSchema = z.object({
  state: z.enum(PART_STATES),
  address: z.string().nullable(),
  detail: z.string().nullable(),
});
export type PartStatus = z.infer<typeof partStatusSchema>;

export const ingestFiguresSchema = z.object({
  /** Thermostat readings; meter readings are counted in the meterReadings* fields. */
  received: z.number(),
  written: z.number(),
  rejected: z.number(),
  rejectedByReason: z.record(z.string(), z.number()),
  buffered: z.number(),
  bufferLimit: z.number(),
  bufferFull: z.boolean(),
  /** Publishers currently held back because the buffer is full. */
  waitingPublishers: z.number(),
  dropped: z.number(),
  writeErrors: z.number(),
  /** On a Redis Cluster: readings a counter or list may hold twice, their write resent after a lost reply. */
  possibleRecounts: z.number(),
  lastError: z.string().nullable(),
  /** Smart-meter readings (one datagram or MQTT payload carries several). */
  meterReadingsReceived: z.number(),
  meterReadingsWritten: z.number(),
  /** Meter datagrams and payloads rejected (their reasons are counted in rejectedByReason too). */
  meterPayloadsRejected: z.number(),
  /** Datagrams dropped because the ingest buffer was full (UDP cannot be held back). */
  meterDatagramsDropped: z.number(),
});
export type IngestFigures = z.infer<typeof ingestFiguresSchema>;

export const rateSampleSchema = z.object({
  /** ms since epoch at the end of the one-second interval. */
  at: z.number(),
  receivedPerSec: z.number(),
  writtenPerSec: z.number(),
  rejectedPerSec: z.number(),
  redisCommandsPerSec: z.number().nullable(),
  meterWrittenPerSec: z.number(),
});
export type RateSample = z.infer<typeof rateSampleSchema>;

export const liveFiguresSchema = z.object({
  ingest: ingestFiguresSchema,
  rates: rateSampleSchema.nullable(),
  /** Up to the last 120 one-second samples, oldest first, for charts. */
  history: z.array(rateSampleSchema),
  latencyMs: z.object({ p50: z.number().nullable(), p99: z.number().nullable(), samples: z.number(), windowSeconds: z.number() }),
  mqttClients: z.number(),
});
export type LiveFigures = z.infer<typeof liveFiguresSchema>;

export const emulatorStatusSchema = z.object({
  running: z.boolean(),
  rate: z.number(),
  devices: z.number(),
  qos: z.literal([0, 1]),
  published: z.number(),
  acknowledged: z.number(),
  /** Ticks in which the broker was behind and the emulator held back. */
  throttledTicks: z.number(),
  /** Share of readings forced hot; null is the document's uniform 1..110. */
  hotShare: z.number().nullable(),
});
export type EmulatorStatus = z.infer<typeof emulatorStatusSchema>;

export const stackStatusSchema = z.object({
  startedAt: z.number(),
  /** The active connection takes no writes: the emulator, ingest and archive do not write to it, the console sends only reads. */
  readOnly: z.boolean(),
  /** The connection every page reads from. */
  connection: activeConnectionSchema,
  parts: z.object({
    redis: partStatusSchema,
    broker: partStatusSchema,
    ingest: partStatusSchema,
    emulator: partStatusSchema,
    /** The meter datagram listener. */
    udp: partStatusSchema,
    meterEmulator: partStatusSchema,
    archive: partStatusSchema,
  }),
  emulator: emulatorStatusSchema.nullable(),
  meterEmulator: meterEmulatorStatusSchema.nullable(),
  figures: liveFiguresSchema,
});
export type StackStatus = z.infer<typeof stackStatusSchema>;

export const emulatorCommandSchema = z.strictObject({
  action: z.enum(['start', 'stop', 'configure']),
  rate: z.number().positive().max(1_000_000).optional(),
  devices: z.int().min(1).max(10_000_000).optional(),
  hotShare: z.number().min(0).max(1).nullable().optional(),
  preset: z.enum(EMULATOR_PRESET_NAMES).optional(),
});
export type EmulatorCommand = z.infer<typeof emulatorCommandSchema>;
