import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiKeyRecord } from '../api-access/api-key-store.js';
import { clientRoutes, OPENAPI_PATH, type ClientRouteName, type ClientRoutes } from '../api/client-api.js';
import type { Route } from '../api/route.js';
import { NotFound, Refused, Throttled, Unauthorized } from '../domain/errors.js';
import type { ClientApiAccess, ClientApiBackend } from './client-api-backend.js';
import { clientOpenApiDocument } from './client-openapi.js';
import { csvOf } from './client-csv.js';
import { errorAnswer } from './error-answer.js';
import { parseInput, type HandlersOf } from './route-registration.js';

export interface ClientApiServerOptions {
  backend: ClientApiBackend;
  host: string;
  /** 0 = any free port. */
  port: number;
  log: (line: string) => void;
}

export interface ClientApiServer {
  url: string;
  close(): Promise<void>;
}

/** Usage counters' name for a path that is no route. */
const UNKNOWN_ROUTE = 'unknown';

/**
 * The client API's own listener: every route needs an API key (401 otherwise), counts against the
 * key's limit per 5-second interval (429 past it) and answers with the RateLimit headers; a key
 * scoped to some devices reads only their routes (403 otherwise). Each answer is counted in the
 * usage statistics. Only the OpenAPI document and 404s are answered without a key.
 */
export async function startClientApiServer({ backend, host, port, log }: ClientApiServerOptions): Promise<ClientApiServer> {
  const app = Fastify({ logger: false });
  const keyOf = new WeakMap<FastifyRequest, ApiKeyRecord>();
  const admissionOf = new WeakMap<FastifyRequest, Promise<void>>();
  const refusals = new IntervalRefusals();
  const nameOf = new Map<string, ClientRouteName>(Object.entries(clientRoutes).map(([name, route]) => [route.path, name as ClientRouteName]));

  app.addHook('onRequest', async (request, reply) => {
    const path = request.routeOptions.url;
    if (path === undefined || path === OPENAPI_PATH) return;
    const key = await backend.access.authenticate(request.headers);
    if (!key) throw new Unauthorized('missing, unknown or revoked API key: send Authorization: Bearer <key> or X-API-Key: <key>');
    keyOf.set(request, key);
    const admission = admit(backend.access, refusals, key, reply);
    // Marked handled here; the handler awaits it, and a request that never reaches one has nothing to answer.
    admission.catch(() => undefined);
    admissionOf.set(request, admission);
    // A key already refused in this interval waits for its verdict, so that its requests cost the throttle and no reads.
    if (refusals.active(key.id)) await admission;
  });
  app.addHook('onResponse', async (request, reply) => {
    const path = request.routeOptions.url;
    if (path === OPENAPI_PATH) return;
    backend.access.record({ keyId: keyOf.get(request)?.id ?? null, route: (path !== undefined && nameOf.get(path)) || UNKNOWN_ROUTE, status: reply.statusCode });
  });
  app.setErrorHandler(async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = errorAnswer(error, log, `client API ${request.method} ${request.routeOptions.url ?? 'an unknown route'}`);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler(async (request) => {
    throw new NotFound(`no route ${request.method} ${request.url.split('?')[0]}: see ${OPENAPI_PATH}`);
  });

  let document: Record<string, unknown> | null = null;
  app.get(OPENAPI_PATH, async () => document);
  const handlers = clientHandlers(backend);
  for (const name of Object.keys(clientRoutes) as ClientRouteName[]) registerClientRoute(app, name, handlers, keyOf, admissionOf);

  await app.listen({ host, port });
  const address = app.server.address();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${typeof address === 'object' && address ? address.port : port}`;
  document = clientOpenApiDocument(url);
  return { url, close: () => app.close() };
}

function registerClientRoute<Name extends ClientRouteName>(
  app: FastifyInstance,
  name: Name,
  handlers: HandlersOf<ClientRoutes>,
  keyOf: WeakMap<FastifyRequest, ApiKeyRecord>,
  admissionOf: WeakMap<FastifyRequest, Promise<void>>,
): void {
  const route: Route = clientRoutes[name];
  const handler = handlers[name];
  app.route({
    method: route.method,
    url: route.path,
    handler: async (request, reply) => {
      // The reads start beside the throttle's round trip (they share its write to Redis); the answer,
      // or the error for bad input or scope, waits for the verdict, so a refused request is a 429 whatever it asked.
      const answer = (async () => {
        const input = parseInput(clientRoutes[name], request);
        refuseOutsideScope(keyOf.get(request)!, (input.params as { deviceId?: string }).deviceId);
        return { csv: (input.query as { format: string }).format === 'csv', body: await handler(input as never) };
      })();
      answer.catch(() => undefined);
      await admissionOf.get(request);
      const { csv, body } = await answer;
      return csv ? reply.type('text/csv; charset=utf-8').send(csvOf(name, body as never)) : body;
    },
  });
}

/**
 * The throttle's verdict on one request: the RateLimit headers set, and Throttled when it is over
 * the key's limit (the key is then remembered as refused until its interval ends).
 */
async function admit(access: ClientApiAccess, refusals: IntervalRefusals, key: ApiKeyRecord, reply: FastifyReply): Promise<void> {
  const verdict = await access.throttle(key);
  reply.header('RateLimit-Limit', verdict.limit).header('RateLimit-Remaining', verdict.remaining).header('RateLimit-Reset', verdict.resetSeconds);
  if (verdict.allowed) return;
  refusals.remember(key.id, verdict.resetSeconds);
  reply.header('Retry-After', verdict.resetSeconds);
  throw new Throttled(`over ${verdict.limit} requests per 5 seconds: retry in ${verdict.resetSeconds} s`, verdict.resetSeconds);
}

/** Keys refused in their current 5-second interval, until it ends. One entry per valid key at most. */
class IntervalRefusals {
  private readonly until = new Map<string, number>();

  remember(keyId: string, resetSeconds: number): void {
    this.until.set(keyId, Date.now() + resetSeconds * 1000);
  }

  active(keyId: string): boolean {
    const until = this.until.get(keyId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(keyId);
    return false;
  }
}

/** A key scoped to some devices reads those devices' routes only, not the lists and counters over every device. */
function refuseOutsideScope(key: ApiKeyRecord, deviceId: string | undefined): void {
  if (key.devices === null || (deviceId !== undefined && key.devices.includes(deviceId))) return;
  throw new Refused(deviceId === undefined ? 'this key is scoped to some devices and reads only their routes' : `this key may not read device ${deviceId}`);
}

function clientHandlers(backend: ClientApiBackend): HandlersOf<ClientRoutes> {
  return {
    meters: ({ query }) => backend.meters(query.limit),
    meter: async ({ params: { deviceId } }) => (await backend.meter(deviceId)) ?? notFound(`no meter ${deviceId}`),
    meterEnergy: ({ params, query: { from, to, interval } }) => backend.energySeries(params.deviceId, from, to, interval),
    meterReadings: ({ params, query: { from, to, limit } }) => backend.energyReadings(params.deviceId, from, to, limit),
    thermostat: async ({ params: { deviceId } }) => {
      const thermostat = await backend.thermostat(deviceId);
      return Object.keys(thermostat.fields).length > 0 ? thermostat : notFound(`no thermostat ${deviceId}`);
    },
    events: ({ query: { from, to, limit } }) => backend.events(from, to, limit),
    climate: () => backend.climate(),
  };
}

function notFound(message: string): never {
  throw new NotFound(message);
}
