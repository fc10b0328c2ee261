import { existsSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Stack } from '../stack.js';
import type { ApiError } from './contract.js';

export interface HttpServerOptions {
  stack: Stack;
  host: string;
  port: number;
  token: string;
  /** The built UI to serve in browser mode; null serves the API only. */
  rendererDir: string | null;
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
});

/** The UI's one door: the JSON API behind a per-launch token, and the built UI in browser mode. */
export async function startHttpServer({ stack, host, port, token, rendererDir }: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({ logger: false });
  const expected = Buffer.from(token);

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    if (carriesToken(request, expected)) return;
    const body: ApiError = { error: 'missing or wrong token: open the URL printed at start-up' };
    await reply.code(401).send(body);
  });

  app.get('/api/status', async () => stack.status());

  app.post('/api/emulator', async (request, reply) => {
    const parsed = emulatorCommandSchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return reply.code(400).send({ error: `${issue.path.join('.') || 'body'}: ${issue.message}` } satisfies ApiError);
    }
    try {
      await stack.controlEmulator(parsed.data);
    } catch (error) {
      return reply.code(409).send({ error: (error as Error).message } satisfies ApiError);
    }
    return stack.status().emulator;
  });

  if (rendererDir && existsSync(rendererDir)) await app.register(fastifyStatic, { root: rendererDir });

  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return { url: `http://${host}:${boundPort}`, close: () => app.close() };
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
