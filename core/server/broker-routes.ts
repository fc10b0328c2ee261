import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { BrokerLimits } from '../broker/broker-access.js';
import type { Broker } from '../broker/broker.js';
import { topicNameProblem } from '../domain/topic-filter.js';
import type { ApiError } from '../api/api-error.js';
import type { BrokerClientList, BrokerPublishResult, BrokerTopicList } from '../api/broker.js';
import { parseRequest } from './request-validation.js';

/** The parts of the broker its live view reads and publishes through. */
export type LiveBroker = Pick<Broker, 'clients' | 'topics' | 'publishAsWorkbench' | 'limits'>;

/** What the broker routes need from the stack. */
export interface BrokerBackend {
  liveBroker(): LiveBroker;
}

/** A test message is typed into a form: a longer topic or payload is a mistake, not a test. */
const MAX_TEST_TOPIC_CHARS = 1024;
const MAX_TEST_PAYLOAD_BYTES = 65_536;
/** aedes refuses topics with more levels whatever the broker's own limit says. */
const AEDES_MAX_TOPIC_LEVELS = 100;

const limitSchema = (fallback: number) => z.coerce.number().int().min(1).max(10_000).default(fallback);
const clientsQuery = z.object({ limit: limitSchema(1000) });
const topicsQuery = z.object({ prefix: z.string().max(MAX_TEST_TOPIC_CHARS).default(''), limit: limitSchema(1000) });

/** The broker's live view: who is connected, what is published where, and a test message from the workbench. */
export function registerBrokerRoutes(app: FastifyInstance, backend: BrokerBackend): void {
  app.get('/api/broker/clients', async (request): Promise<BrokerClientList> => {
    const { limit } = parseRequest(clientsQuery, request.query);
    const clients = backend.liveBroker().clients().sort((a, b) => a.since - b.since || a.id.localeCompare(b.id));
    return { total: clients.length, clients: clients.slice(0, limit) };
  });

  app.get('/api/broker/topics', async (request): Promise<BrokerTopicList> => {
    const { prefix, limit } = parseRequest(topicsQuery, request.query);
    return backend.liveBroker().topics(prefix, limit);
  });

  app.post('/api/broker/publish', async (request, reply) => {
    const broker = backend.liveBroker();
    const { topic, payload, qos, retain } = parseRequest(publishSchema(broker.limits), request.body);
    const bytes = Buffer.from(payload);
    try {
      await broker.publishAsWorkbench({ topic, payload: bytes, qos, retain });
    } catch (error) {
      return failed(reply, `the broker did not take the message: ${(error as Error).message}`);
    }
    const result: BrokerPublishResult = { topic, size: bytes.length, qos, retain, at: Date.now() };
    return result;
  });
}

/** The publish request, held to the broker's own limits as a device would be, and to a test message's size. */
function publishSchema(limits: BrokerLimits) {
  const maxLevels = Math.min(limits.maxTopicLevels ?? AEDES_MAX_TOPIC_LEVELS, AEDES_MAX_TOPIC_LEVELS);
  const maxPayload = Math.min(limits.maxPayloadBytes ?? MAX_TEST_PAYLOAD_BYTES, MAX_TEST_PAYLOAD_BYTES);
  return z.strictObject({
    topic: z
      .string()
      .max(MAX_TEST_TOPIC_CHARS, { message: `a test topic may be at most ${MAX_TEST_TOPIC_CHARS} characters` })
      .superRefine((topic, context) => {
        const problem = testTopicProblem(topic, maxLevels);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      }),
    payload: z.string().superRefine((payload, context) => {
      const size = Buffer.byteLength(payload);
      if (size > maxPayload) context.addIssue({ code: 'custom', message: `${size} bytes is more than a test message may carry (${maxPayload} bytes)` });
    }),
    qos: z.literal([0, 1], { message: 'must be 0 or 1 (QoS 2 is not offered)' }).default(0),
    retain: z.boolean().default(false),
  });
}

function testTopicProblem(topic: string, maxLevels: number): string | null {
  const problem = topicNameProblem(topic);
  if (problem) return problem;
  if (topic.startsWith('$')) return 'topics starting with "$" ($SYS/…) are the broker\'s own';
  const levels = topic.split('/').length;
  if (levels > maxLevels) return `topic has ${levels} levels, more than the broker allows (${maxLevels})`;
  return null;
}

function failed(reply: FastifyReply, message: string) {
  return reply.code(500).send({ error: message } satisfies ApiError);
}
