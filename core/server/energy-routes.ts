import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type {
  ArchivedObjects,
  ArchiveStatus,
  PendingBuckets,
  S3ConnectionCheck,
} from '../api/archive.js';
import type {
  EnergyReadings,
  EnergySeries,
  MeterEmulatorCommand,
  MeterEmulatorStatus,
  MeterList,
} from '../api/energy.js';
import { meterDeviceIdSchema } from '../ingest/meter-payload.js';
import { InvalidEnergyQuery } from '../query/energy-query.js';
import { BadRequest, fromUpstream, parseRequest } from './request-validation.js';

/** The smart-meter and archive side of the API; the Stack provides it. */
export interface EnergyBackend {
  listMeters(limit: number): Promise<MeterList>;
  energySeries(deviceId: string, fromSeconds: number, toSeconds: number, intervalSeconds: number): Promise<EnergySeries>;
  energyReadings(deviceId: string, fromSeconds: number, toSeconds: number, limit: number): Promise<EnergyReadings>;
  controlMeterEmulator(command: MeterEmulatorCommand): Promise<MeterEmulatorStatus | null>;
  archiveStatus(): Promise<ArchiveStatus>;
  /** Starts a pass, or joins the running one, without waiting for it. */
  startArchiveRun(): Promise<ArchiveStatus>;
  pendingBuckets(cursor: string, count: number): Promise<PendingBuckets>;
  archivedObjects(after: string | null): Promise<ArchivedObjects>;
  testS3Connection(): Promise<S3ConnectionCheck>;
}

const unixSeconds = z.coerce.number().int().min(0).max(4_102_444_800);
const meterParams = z.object({ deviceId: meterDeviceIdSchema });
// Shapes only: the ranges, interval and point limits are EnergyQuery's own checks (InvalidEnergyQuery → 400).
const seriesQuery = z.object({ from: unixSeconds, to: unixSeconds, interval: z.coerce.number().int() });
const readingsQuery = z.object({ from: unixSeconds, to: unixSeconds, limit: z.coerce.number().int().default(500) });
const metersQuery = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(200) });
const meterEmulatorCommand = z.strictObject({
  action: z.enum(['start', 'stop', 'configure']),
  meters: z.int().min(1).max(1_000_000).optional(),
  speed: z.number().min(1).max(1_000_000).optional(),
  historyDays: z.number().min(0).max(366).optional(),
  transport: z.enum(['udp', 'mqtt']).optional(),
});
const pendingQuery = z.object({ cursor: z.string().regex(/^\d+$/).default('0'), count: z.coerce.number().int().min(1).max(1000).default(100) });
const objectsQuery = z.object({ after: z.string().min(1).max(1024).optional() });

export function registerEnergyRoutes(app: FastifyInstance, backend: EnergyBackend): void {
  app.get('/api/meters', async (request) => backend.listMeters(parseRequest(metersQuery, request.query).limit));
  app.get('/api/meters/:deviceId/energy', async (request) => {
    const { deviceId } = parseRequest(meterParams, request.params);
    const { from, to, interval } = parseRequest(seriesQuery, request.query);
    return asBadRequest(() => backend.energySeries(deviceId, from, to, interval));
  });
  app.get('/api/meters/:deviceId/readings', async (request) => {
    const { deviceId } = parseRequest(meterParams, request.params);
    const { from, to, limit } = parseRequest(readingsQuery, request.query);
    return asBadRequest(() => backend.energyReadings(deviceId, from, to, limit));
  });
  app.post('/api/emulator/meters', async (request, reply) => {
    const command = parseRequest(meterEmulatorCommand, request.body);
    try {
      return await backend.controlMeterEmulator(command);
    } catch (error) {
      return reply.code(409).send({ error: (error as Error).message });
    }
  });
  app.get('/api/archive', async () => backend.archiveStatus());
  app.post('/api/archive/run', async (_request, reply) => {
    try {
      return await backend.startArchiveRun();
    } catch (error) {
      return reply.code(409).send({ error: (error as Error).message });
    }
  });
  app.get('/api/archive/pending', async (request) => {
    const { cursor, count } = parseRequest(pendingQuery, request.query);
    return backend.pendingBuckets(cursor, count);
  });
  app.get('/api/archive/objects', async (request) => {
    const { after } = parseRequest(objectsQuery, request.query);
    return fromUpstream('S3', () => backend.archivedObjects(after ?? null));
  });
  app.post('/api/archive/test', async () => backend.testS3Connection());
}

/** The query's own argument checks (e.g. too many buckets) are the client's to fix: 400, not 503. */
async function asBadRequest<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (error instanceof InvalidEnergyQuery) throw new BadRequest(error.message);
    throw error;
  }
}
