/**
 * The one contract between core and every client (renderer, tests, scripts): request and response
 * shapes of the HTTP API. The renderer imports types from here and nothing else from core.
 */

export type PartState = 'starting' | 'running' | 'stopped' | 'failed';

export interface PartStatus {
  state: PartState;
  address: string | null;
  detail: string | null;
}

export interface IngestFigures {
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
}

export interface RateSample {
  /** ms since epoch at the end of the one-second interval. */
  at: number;
  receivedPerSec: number;
  writtenPerSec: number;
  rejectedPerSec: number;
  redisCommandsPerSec: number | null;
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
  throttledTicks: number;
}

export interface StackStatus {
  startedAt: number;
  readOnly: boolean;
  parts: { redis: PartStatus; broker: PartStatus; ingest: PartStatus; emulator: PartStatus };
  emulator: EmulatorStatus | null;
  figures: LiveFigures;
}

export interface EmulatorCommand {
  action: 'start' | 'stop' | 'configure';
  rate?: number;
  devices?: number;
  hotShare?: number | null;
}

export interface ApiError {
  error: string;
}
