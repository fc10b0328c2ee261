import { existsSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { liveChannel } from '../api/routes.js';
import { NotFound, Unauthorized } from '../domain/errors.js';
import type { ApiBackend } from './api-backend.js';
import { apiKeyHandlers } from './api-key-handlers.js';
import { brokerHandlers } from './broker-handlers.js';
import { connectionHandlers } from './connection-handlers.js';
import { deviceHandlers } from './device-handlers.js';
import { energyHandlers } from './energy-handlers.js';
import { exportHandlers } from './export-handlers.js';
import { indexHandlers } from './index-handlers.js';
import { errorAnswer } from './error-answer.js';
import { inspectHandlers } from './inspect-handlers.js';
import { LiveHub } from './live-hub.js';
import { recordReplayHandlers } from './record-replay-handlers.js';
import { registerRecordingFileRoutes } from './recording-file-routes.js';
import { registerRoutes } from './route-registration.js';
import { workbenchHandlers } from './workbench-handlers.js';

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

/** Routes @fastify/static registers for the built UI. */
const STATIC_ROUTES = new Set(['/', '/*']);

/** The UI's one door: the JSON API and the live WebSocket behind a per-launch token, and the built UI. */
export async function startHttpServer({ backend, host, port, token, rendererDir, log }: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({ logger: false });
  const expected = Buffer.from(token);
  const live = new LiveHub(
    {
      status: () => backend.status(),
      recentEvents: () => backend.inspect.recentEvents(24),
      climate: () => backend.inspect.climateCounters(),
      takeWarnings: () => backend.inspect.takeWarnings(),
    },
    log,
  );

  // Registered before the token hook: a refused upgrade must still be closed by the plugin, or the
  // half-open socket keeps app.close() (and shutdown) waiting.
  await app.register(fastifyWebsocket);

  // Only the built UI's files are public. Decided on the matched route, not the raw URL, so
  // /%61pi/status cannot slip past, and unknown paths need the token too.
  app.addHook('onRequest', async (request) => {
    if (isPublicAsset(request) || carriesToken(request, expected)) return;
    throw new Unauthorized('missing or wrong token: open the URL printed at start-up');
  });
  app.setErrorHandler(async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = errorAnswer(error, log, `${request.method} ${request.routeOptions.url ?? 'an unknown route'}`);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler(async (request) => {
    throw new NotFound(`no route ${request.method} ${request.url.split('?')[0]}`);
  });

  app.get(liveChannel.path, { websocket: true }, (socket) => live.add(socket));
  registerRoutes(app, {
    ...workbenchHandlers(backend),
    ...inspectHandlers(backend),
    ...energyHandlers(backend),
    ...connectionHandlers(backend),
    ...deviceHandlers(backend),
    ...brokerHandlers(backend),
    ...apiKeyHandlers(backend),
    ...indexHandlers(backend),
    ...recordReplayHandlers(backend),
    ...exportHandlers(backend),
  });

  await registerRecordingFileRoutes(app, backend.recordReplay);

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
