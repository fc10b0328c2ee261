import Fastify from 'fastify';

export interface MetricsExposition {
  contentType: string;
  body: string;
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/**
 * GET /metrics on a listener of its own, without the UI's token: Prometheus scrapes with no
 * credentials, and the figures it reads are counts, never data. Loopback unless --metrics-host.
 */
export async function startMetricsListener(host: string, port: number, expose: () => Promise<MetricsExposition>): Promise<MetricsListener> {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await expose();
    return reply.type(contentType).send(body);
  });
  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return { url: `http://${host}:${boundPort}/metrics`, close: () => app.close() };
}
