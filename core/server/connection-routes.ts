import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { checkConnection } from '../connections/connection-check.js';
import { ConnectionNotFound, type ConnectionManager } from '../connections/connection-manager.js';
import { InvalidConnection } from '../connections/connection-settings.js';
import type { Inspection } from '../connections/inspection.js';
import { consoleExamples } from '../console/console-examples.js';
import { runConsoleLine } from '../console/console-session.js';
import type { ActiveConnection, ConnectionCheck, ConnectionInput, ConnectionList } from '../api/connections.js';
import type { ApiError } from '../api/api-error.js';
import type { ConsoleExample, ConsoleReply } from '../api/console.js';
import { BadRequest, parseRequest, UpstreamFailure } from './request-validation.js';

/** What the connection and console routes need from the stack. */
export interface ConnectionBackend {
  connections: ConnectionManager;
  inspection(): Inspection;
  activateConnection(id: string): Promise<ActiveConnection>;
}

const idParams = z.object({ id: z.string().min(1).max(100) });
const testQuery = z.object({ id: z.string().min(1).max(100).optional() });
const consoleBody = z.strictObject({ line: z.string().max(1_000_000) });

/** Saved connections (secrets go in, never out), switching the pages between them, and the console. */
export function registerConnectionRoutes(app: FastifyInstance, backend: ConnectionBackend): void {
  const { connections } = backend;
  app.get('/api/connections', async (): Promise<ConnectionList> => connections.list(backend.inspection().connection.id));
  app.post('/api/connections', async (request, reply) => reply.code(201).send(await asBadRequest(() => connections.add(request.body))));
  app.put('/api/connections/:id', async (request) => {
    const { id } = parseRequest(idParams, request.params);
    const view = await asBadRequest(() => connections.update(id, request.body));
    // The pages keep reading with the old settings until the connection is opened again.
    if (backend.inspection().connection.id === id) await backend.activateConnection(id).catch(() => undefined);
    return view;
  });
  app.delete('/api/connections/:id', async (request, reply) => {
    const { id } = parseRequest(idParams, request.params);
    if (backend.inspection().connection.id === id) {
      return reply.code(409).send({ error: 'this connection is in use: choose another one first' } satisfies ApiError);
    }
    await asBadRequest(() => connections.remove(id));
    return reply.code(204).send();
  });
  // With ?id=, the body is an edit of that saved connection: the secrets it leaves out are the stored ones.
  app.post('/api/connections/test', async (request): Promise<ConnectionCheck> => {
    const { id } = parseRequest(testQuery, request.query);
    const { settings, secrets } = await asBadRequest(async () => connections.resolve({ input: request.body as ConnectionInput, ...(id !== undefined && { id }) }));
    return checkConnection(settings, secrets, (client) => connections.commandTable(client, settings.name));
  });
  app.post('/api/connections/:id/test', async (request): Promise<ConnectionCheck> => {
    const { id } = parseRequest(idParams, request.params);
    const { settings, secrets } = await asBadRequest(async () => connections.resolve({ id }));
    return checkConnection(settings, secrets, (client) => connections.commandTable(client, settings.name));
  });
  app.post('/api/connections/:id/activate', async (request): Promise<ActiveConnection> => {
    const { id } = parseRequest(idParams, request.params);
    await asBadRequest(async () => connections.resolve({ id }));
    try {
      return await backend.activateConnection(id);
    } catch (error) {
      throw new UpstreamFailure((error as Error).message);
    }
  });

  app.post('/api/console', async (request): Promise<ConsoleReply> => runConsoleLine(backend.inspection(), parseRequest(consoleBody, request.body).line));
  app.get('/api/console/examples', async (): Promise<ConsoleExample[]> => consoleExamples(backend.inspection().keys));
}

/** Settings a client got wrong (400), or a connection that does not exist (404). */
async function asBadRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidConnection) throw new BadRequest(error.message);
    if (error instanceof ConnectionNotFound) throw Object.assign(new Error(error.message), { statusCode: 404 });
    throw error;
  }
}
