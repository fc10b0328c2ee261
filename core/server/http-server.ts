import { existsSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { ReplyError } from 'ioredis';
import { z } from 'zod';
import { climateCounters } from '../query/climate-counters.js';
import { rejectedPayloads } from '../query/rejected-payloads.js';
import { deviceDetail, eventRange, recentEvents, searchEvents } from '../query/sensor-events.js';
import { ReadOnlyRefusal } from '../redis/command-table.js';
import { registerConnectionRoutes, type ConnectionBackend } from './connection-routes.js';
import { registerDeviceRoutes, type DeviceBackend } from './device-routes.js';
import { registerBrokerRoutes, type LiveBroker } from './broker-routes.js';
import { registerTopicRuleRoutes, type TopicRuleBackend } from './topic-rule-routes.js';
import type { EmulatorCommand, EmulatorStatus, StackStatus } from '../api/status.js';
import type { ApiError } from '../api/api-error.js';
import { registerEnergyRoutes, type EnergyBackend } from './energy-routes.js';
import { registerKeyBrowserRoutes } from './key-browser-routes.js';
import { LiveHub } from './live-hub.js';
import { BadRequest, parseRequest, UpstreamFailure } from './request-validation.js';

/** What the HTTP API serves; the Stack provides it. */
export interface ApiBackend extends EnergyBackend, ConnectionBackend, DeviceBackend, TopicRuleBackend {
  status(): StackStatus;
  controlEmulator(command: EmulatorCommand): Promise<EmulatorStatus | null>;
  /** The bundled broker's clients and traffic, and its test-message publish. */
  liveBroker(): LiveBroker;
}

export interface HttpServerOptions {
  backend: ApiBackend;
  host: string;
  port: number;
  token: string;
  /** The built UI to serve in browser mode; null serves the API only. */
  rendererDir: string | null;
  log: (line: string) => void;
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

const emulatorCommandSchema = z.strictObject({
  action: z.enum(['start', 'stop', 'configure']),
  rate: z.number().positive().max(1_000_000).optional(),
  devices: z.int().min(1).max(10_000_000).optional(),
  hotShare: z.number().min(0).max(1).nullable().optional(),
  preset: z.enum(['document', 'heat-wave', 'burst']).optional(),
});
const limitSchema = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const eventsQuery = z.object({ limit: limitSchema(1000, 24) });
const score = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, { message: 'must be a number (ms since epoch)' })
  .transform(Number);
const rangeQuery = z.object({ from: score, to: score, limit: limitSchema(10_000, 100) });
const searchQuery = z.object({
  match: z.string().min(1).max(256),
  cursor: z.string().regex(/^\d+$/).default('0'),
  count: limitSchema(10_000, 100),
});
const deviceParams = z.object({ deviceId: z.string().min(1).max(256) });
const rejectedQuery = z.object({ limit: limitSchema(10_000, 100) });

/** Routes @fastify/static registers for the built UI. */
const STATIC_ROUTES = new Set(['/', '/*']);

const parse = parseRequest;

/** The UI's one door: the JSON API and the live WebSocket behind a per-launch token, and the built UI. */
export async function startHttpServer({ backend, host, port, token, rendererDir, log }: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({ logger: false });
  const expected = Buffer.from(token);
  // Every request reads from the connection active when it arrives; a switch takes effect at once.
  const active = () => backend.inspection();
  const live = new LiveHub(
    {
      status: () => backend.status(),
      recentEvents: () => recentEvents(active().client, active().keys, 24),
      climate: () => climateCounters(active().client, active().keys),
      takeWarnings: () => active().warnings?.take() ?? { warnings: [], dropped: 0 },
    },
    log,
  );

  // Registered before the token hook: a refused upgrade must still be closed by the plugin, or the
  // half-open socket keeps app.close() (and shutdown) waiting.
  await app.register(fastifyWebsocket);

  // Only the built UI's files are public. Decided on the matched route, not the raw URL, so
  // /%61pi/status cannot slip past, and unknown paths need the token too.
  app.addHook('onRequest', async (request, reply) => {
    if (isPublicAsset(request)) return;
    if (carriesToken(request, expected)) return;
    await reply.code(401).send({ error: 'missing or wrong token: open the URL printed at start-up' } satisfies ApiError);
  });
  app.setErrorHandler(async (error: Error & { statusCode?: number }, _request, reply: FastifyReply) => {
    if (error instanceof BadRequest) return reply.code(400).send({ error: error.message } satisfies ApiError);
    if (error instanceof UpstreamFailure) return reply.code(502).send({ error: error.message } satisfies ApiError);
    if (error instanceof ReadOnlyRefusal) return reply.code(403).send({ error: error.message } satisfies ApiError);
    if (error.statusCode && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message } satisfies ApiError);
    // Redis answered, but refused (e.g. WRONGTYPE: the key exists with another type): not an outage.
    if (error instanceof ReplyError) return reply.code(409).send({ error: `Redis refused: ${error.message}` } satisfies ApiError);
    return reply.code(503).send({ error: `Redis is unavailable: ${error.message}` } satisfies ApiError);
  });

  app.get('/api/live', { websocket: true }, (socket) => live.add(socket));

  app.get('/api/status', async () => backend.status());
  app.post('/api/emulator', async (request, reply) => {
    const command = parse(emulatorCommandSchema, request.body);
    try {
      return await backend.controlEmulator(command);
    } catch (error) {
      return reply.code(409).send({ error: (error as Error).message } satisfies ApiError);
    }
  });
  app.get('/api/events', async (request) => recentEvents(active().client, active().keys, parse(eventsQuery, request.query).limit));
  app.get('/api/events/range', async (request) => {
    const { from, to, limit } = parse(rangeQuery, request.query);
    return eventRange(active().client, active().keys, from, to, limit);
  });
  app.get('/api/events/search', async (request) => {
    const { match, cursor, count } = parse(searchQuery, request.query);
    return searchEvents(active().client, active().keys, match, cursor, count);
  });
  app.get('/api/devices/:deviceId', async (request) => deviceDetail(active().client, active().keys, parse(deviceParams, request.params).deviceId));
  app.get('/api/climate', async () => climateCounters(active().client, active().keys));
  app.get('/api/rejected', async (request) => rejectedPayloads(active().client, active().keys, parse(rejectedQuery, request.query).limit));
  app.get('/api/model', async () => active().dataModel.inspect());
  registerEnergyRoutes(app, backend);
  registerKeyBrowserRoutes(app, active);
  registerConnectionRoutes(app, backend);
  registerDeviceRoutes(app, backend);
  registerBrokerRoutes(app, backend);
  registerTopicRuleRoutes(app, backend);

  if (rendererDir && existsSync(rendererDir)) await app.register(fastifyStatic, { root: rendererDir });

  await app.listen({ host, port });
  live.start();
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host}:${boundPort}`,
    close: async () => {
      live.stop();
      await app.close();
    },
  };
}

function isPublicAsset(request: FastifyRequest): boolean {
  if (!STATIC_ROUTES.has(request.routeOptions.url ?? '')) return false;
  try {
    return !decodeURIComponent(request.url.split('?')[0]!).startsWith('/api');
  } catch {
    return false;
  }
}

function carriesToken(request: FastifyRequest, expected: Buffer): boolean {
  const header = request.headers.authorization;
  const fromHeader = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.token;
  const offered = fromHeader ?? (typeof fromQuery === 'string' ? fromQuery : undefined);
  if (offered === undefined) return false;
  const candidate = Buffer.from(offered);
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}
