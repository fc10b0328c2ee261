import { z } from 'zod';
import { topicNameProblem } from '../domain/topic-filter.js';
import { pageSize } from './query-params.js';

/** The bundled broker's live view: clients, topics, the test publish. */

/** A client connected to the bundled broker. */
export interface BrokerClientView {
  id: string;
  /** The listener it came in through. */
  protocol: 'mqtt' | 'ws' | 'mqtts' | 'wss';
  address: string | null;
  /** ms since epoch the connection was accepted. */
  since: number;
  tls: boolean;
  /** The CN of the client certificate it presented; null without one. */
  certificateCn: string | null;
  /** The registered device it authenticated as; null for anonymous clients and the workbench's own. */
  deviceId: string | null;
  /** The workbench's own client (an emulator). */
  workbench: boolean;
  /** Messages the broker accepted from it. */
  messagesIn: number;
  lastMessageAt: number | null;
}

export const brokerClientsQuery = z.object({ limit: pageSize(10_000, 1000) });

/** GET /api/broker/clients?limit=: the longest-connected first. */
export interface BrokerClientList {
  /** Clients connected; more than `clients` holds when the limit cut the list. */
  total: number;
  clients: BrokerClientView[];
}

/** The start of a payload, as text or hex. */
export interface PayloadPreview {
  /** utf8: the text as published; hex: the bytes, as the payload is not printable text. */
  encoding: 'utf8' | 'hex';
  /** The first 512 bytes. */
  text: string;
  /** The whole payload's size, bytes. */
  size: number;
  truncated: boolean;
}

/** One topic published to since the broker started. */
export interface BrokerTopicView {
  topic: string;
  messages: number;
  /** Messages per second over the last complete seconds (up to 10). */
  ratePerSecond: number;
  /** Messages in each of the last 30 complete seconds, oldest first. */
  recent: number[];
  /** ms since epoch of the last message. */
  lastAt: number;
  lastPayload: PayloadPreview;
}

/** A test message is typed into a form: a longer topic or payload is a mistake, not a test. */
export const MAX_TEST_TOPIC_CHARS = 1024;
export const MAX_TEST_PAYLOAD_BYTES = 65_536;

export const brokerTopicsQuery = z.object({ prefix: z.string().max(MAX_TEST_TOPIC_CHARS).default(''), limit: pageSize(10_000, 1000) });

/** GET /api/broker/topics?prefix=&limit=: topics in topic order ($SYS/ left out). */
export interface BrokerTopicList {
  topics: BrokerTopicView[];
  /** Topics starting with the prefix; more than `topics` holds when the limit cut the list. */
  matched: number;
  /** Topics tracked, of at most maxTopics; topics idle for 5 minutes make room when it is full. */
  tracked: number;
  maxTopics: number;
  /** Messages on topics that arrived while the map was full: counted, not tracked. */
  untrackedMessages: number;
  at: number;
}

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

function testTopicProblem(topic: string): string | null {
  const problem = topicNameProblem(topic);
  if (problem) return problem;
  if (topic.startsWith('$')) return 'topics starting with "$" ($SYS/…) are the broker\'s own';
  return null;
}

export interface BrokerPublishResult {
  topic: string;
  /** Payload size, bytes. */
  size: number;
  qos: 0 | 1;
  retain: boolean;
  /** ms since epoch the broker took it. */
  at: number;
}
