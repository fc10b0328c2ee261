import { z } from 'zod';
import { topicNameProblem } from '../domain/topic-filter.js';
import { BROKER_PROTOCOLS } from './devices.js';
import { pageSize } from './query-params.js';

/** The bundled broker's live view: clients, topics, the test publish. */

/** A client connected to the bundled broker. */
export const brokerClientViewSchema = z.object({
  id: z.string(),
  /** The listener it came in through. */
  protocol: z.enum(BROKER_PROTOCOLS),
  address: z.string().nullable(),
  /** ms since epoch the connection was accepted. */
  since: z.number(),
  tls: z.boolean(),
  /** The CN of the client certificate it presented; null without one. */
  certificateCn: z.string().nullable(),
  /** The registered device it authenticated as; null for anonymous clients and the workbench's own. */
  deviceId: z.string().nullable(),
  /** The workbench's own client (an emulator). */
  workbench: z.boolean(),
  /** The MQTT protocol level of its CONNECT: 3 (MQTT 3.1), 4 (MQTT 3.1.1) or 5 (MQTT 5). */
  protocolVersion: z.literal([3, 4, 5]),
  /** Messages the broker accepted from it. */
  messagesIn: z.number(),
  lastMessageAt: z.number().nullable(),
});
export type BrokerClientView = z.infer<typeof brokerClientViewSchema>;

export const brokerClientsQuery = z.object({ limit: pageSize(10_000, 1000) });

/** GET /api/broker/clients?limit=: the longest-connected first. */
export const brokerClientListSchema = z.object({
  /** Clients connected; more than `clients` holds when the limit cut the list. */
  total: z.number(),
  clients: z.array(brokerClientViewSchema),
});
export type BrokerClientList = z.infer<typeof brokerClientListSchema>;

/** The start of a payload, as text or hex. */
export const payloadPreviewSchema = z.object({
  /** utf8: the text as published; hex: the bytes, as the payload is not printable text. */
  encoding: z.enum(['utf8', 'hex']),
  /** The first 512 bytes. */
  text: z.string(),
  /** The whole payload's size, bytes. */
  size: z.number(),
  truncated: z.boolean(),
});
export type PayloadPreview = z.infer<typeof payloadPreviewSchema>;

/** The MQTT 5 properties a message was published with; every field null (or empty) for a 3.1.1 message. */
export const messagePropertiesViewSchema = z.object({
  contentType: z.string().nullable(),
  /** Payload Format Indicator: utf8 (1) or unspecified bytes (0); null when not sent. */
  payloadFormat: z.enum(['utf8', 'bytes']).nullable(),
  responseTopic: z.string().nullable(),
  correlationData: payloadPreviewSchema.nullable(),
  /** In the order sent; a name may repeat. */
  userProperties: z.array(z.tuple([z.string(), z.string()])),
  /** Message Expiry Interval as published, seconds; null = does not expire. */
  messageExpirySeconds: z.number().nullable(),
});
export type MessagePropertiesView = z.infer<typeof messagePropertiesViewSchema>;

/** One topic published to since the broker started. */
export const brokerTopicViewSchema = z.object({
  topic: z.string(),
  messages: z.number(),
  /** Messages per second over the last complete seconds (up to 10). */
  ratePerSecond: z.number(),
  /** Messages in each of the last 30 complete seconds, oldest first. */
  recent: z.array(z.number()),
  /** ms since epoch of the last message. */
  lastAt: z.number(),
  lastPayload: payloadPreviewSchema,
  /** The last message's MQTT 5 properties; null when it had none (every 3.1.1 message). */
  lastProperties: messagePropertiesViewSchema.nullable(),
});
export type BrokerTopicView = z.infer<typeof brokerTopicViewSchema>;

/** A test message is typed into a form: a longer topic or payload is a mistake, not a test. */
export const MAX_TEST_TOPIC_CHARS = 1024;
export const MAX_TEST_PAYLOAD_BYTES = 65_536;

export const brokerTopicsQuery = z.object({ prefix: z.string().max(MAX_TEST_TOPIC_CHARS).default(''), limit: pageSize(10_000, 1000) });

/** GET /api/broker/topics?prefix=&limit=: topics in topic order ($SYS/ left out). */
export const brokerTopicListSchema = z.object({
  topics: z.array(brokerTopicViewSchema),
  /** Topics starting with the prefix; more than `topics` holds when the limit cut the list. */
  matched: z.number(),
  /** Topics tracked, of at most maxTopics; topics idle for 5 minutes make room when it is full. */
  tracked: z.number(),
  maxTopics: z.number(),
  /** Messages on topics that arrived while the map was full: counted, not tracked. */
  untrackedMessages: z.number(),
  at: z.number(),
});
export type BrokerTopicList = z.infer<typeof brokerTopicListSchema>;

/**
 * POST /api/broker/publish: one message published by the workbench itself. The server also holds
 * it to the broker's own limits (topic levels, payload size), as a device would be.
 */
export const brokerPublishRequestSchema = z.strictObject({
  topic: z
    .string()
    .max(MAX_TEST_TOPIC_CHARS, { message: `a test topic may be at most ${MAX_TEST_TOPIC_CHARS} characters` })
    .superRefine((topic, context) => {
      const problem = testTopicProblem(topic);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
  /** Sent as UTF-8. */
  payload: z.string(),
  qos: z.literal([0, 1], { message: 'must be 0 or 1 (QoS 2 is not offered)' }).default(0),
  retain: z.boolean().default(false),
});
export type BrokerPublishRequest = z.input<typeof brokerPublishRequestSchema>;
/** A publish request as the server reads it, qos and retain filled in. */
export type BrokerTestMessage = z.output<typeof brokerPublishRequestSchema>;

function testTopicProblem(topic: string): string | null {
  const problem = topicNameProblem(topic);
  if (problem) return problem;
  if (topic.startsWith('$')) return 'topics starting with "$" ($SYS/…) are the broker\'s own';
  return null;
}

export const brokerPublishResultSchema = z.object({
  topic: z.string(),
  /** Payload size, bytes. */
  size: z.number(),
  qos: z.literal([0, 1]),
  retain: z.boolean(),
  /** ms since epoch the broker took it. */
  at: z.number(),
});
export type BrokerPublishResult = z.infer<typeof brokerPublishResultSchema>;
