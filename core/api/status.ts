import { z } from 'zod';
import type { ActiveConnection } from './connections.js';
import type { MeterEmulatorStatus } from './energy.js';
import { EMULATOR_PRESET_NAMES } from '../domain/emulator-preset.js';

/** GET /api/status and POST /api/emulator: the stack's parts, live figures and the thermostat emulator. */

export type PartState = 'starting' | 'running' | 'stopped' | 'failed';

export interface PartStatus {
  state: PartState;
  address: string | null;
  detail: string | null;
}

export interface IngestFigures {
  /** Thermostat readings; meter readings are counted in the meterReadings* fields. */
  received: number;
  written: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  buffered: number;
  bufferLimit: number;
  bufferFull: boolean;
  /** Publishers currently held back because the buffer is full. */
  waitingPublishers: number;
  dropped: number;
  writeErrors: number;
  lastError: string | null;
  /** Smart-meter readings (one datagram or MQTT payload carries several). */
  meterReadingsReceived: number;
  meterReadingsWritten: number;
  /** Meter datagrams and payloads rejected (their reasons are counted in rejectedByReason too). */
  meterPayloadsRejected: number;
  /** Datagrams dropped because the ingest buffer was full (UDP cannot be held back). */
  meterDatagramsDropped: number;
}

export interface RateSample {
  /** ms since epoch at the end of the one-second interval. */
  at: number;
  receivedPerSec: number;
  writtenPerSec: number;
  rejectedPerSec: number;
  redisCommandsPerSec: number | null;
  meterWrittenPerSec: number;
}

export interface LiveFigures {
  ingest: IngestFigures;
  rates: RateSample | null;
  /** Up to the last 120 one-second samples, oldest first, for charts. */
  history: RateSample[];
  latencyMs: { p50: number | null; p99: number | null; samples: number; windowSeconds: number };
  mqttClients: number;
}

export interface EmulatorStatus {
  running: boolean;
  rate: number;
  devices: number;
  qos: 0 | 1;
  published: number;
  acknowledged: number;
  /** Ticks in which the broker was behind and the emulator held back. */
  throttledTicks: number;
  /** Share of readings forced hot; null is the document's uniform 1..110. */
  hotShare: number | null;
}

export interface StackStatus {
  startedAt: number;
  /** The active connection takes no writes: the emulator, ingest and archive do not write to it, the console sends only reads. */
  readOnly: boolean;
  /** The connection every page reads from. */
  connection: ActiveConnection;
  parts: {
    redis: PartStatus;
    broker: PartStatus;
    ingest: PartStatus;
    emulator: PartStatus;
    /** The meter datagram listener. */
    udp: PartStatus;
    meterEmulator: PartStatus;
    archive: PartStatus;
  };
  emulator: EmulatorStatus | null;
  meterEmulator: MeterEmulatorStatus | null;
  figures: LiveFigures;
}

export const emulatorCommandSchema = z.strictObject({
  action: z.enum(['start', 'stop', 'configure']),
  rate: z.number().positive().max(1_000_000).optional(),
  devices: z.int().min(1).max(10_000_000).optional(),
  hotShare: z.number().min(0).max(1).nullable().optional(),
  preset: z.enum(EMULATOR_PRESET_NAMES).optional(),
});
export type EmulatorCommand = z.infer<typeof emulatorCommandSchema>;
