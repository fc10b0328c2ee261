import { MAX_TEST_PAYLOAD_BYTES } from '../api/broker.js';
import type { BrokerLimits } from '../broker/broker-access.js';
import type { Broker } from '../broker/broker.js';
import { Conflict, InvalidInput, Unavailable } from '../domain/errors.js';
import type { ApiBackend } from '../server/api-backend.js';

/** aedes refuses topics with more levels whatever the broker's own limit says. */
const AEDES_MAX_TOPIC_LEVELS = 100;

export type BrokerView = Pick<ApiBackend, 'brokerClients' | 'brokerTopics' | 'publishTestMessage'>;

/** The bundled broker's live view: who is connected, what is published where, and a test message from the workbench. */
export function brokerView(broker: Pick<Broker, 'clients' | 'topics' | 'publishAsWorkbench' | 'limits'>): BrokerView {
  return {
    brokerClients: (limit) => {
      const clients = broker.clients().sort((a, b) => a.since - b.since || a.id.localeCompare(b.id));
      return { total: clients.length, clients: clients.slice(0, limit) };
    },
    brokerTopics: (prefix, limit) => broker.topics(prefix, limit),
    publishTestMessage: async ({ topic, payload, qos, retain }) => {
      const bytes = Buffer.from(payload);
      checkBrokerLimits(topic, bytes.length, broker.limits);
      try {
        await broker.publishAsWorkbench({ topic, payload: bytes, qos, retain });
      } catch (error) {
        throw new Unavailable('broker', `the broker did not take the message: ${(error as Error).message}`, { cause: error });
      }
      return { topic, size: bytes.length, qos, retain, at: Date.now() };
    },
  };
}

/** Where this process runs no bundled broker (role ui alone, or ingest from --mqtt-source): nobody connected, no traffic, no test message. */
export function absentBrokerView(why: string): BrokerView {
  return {
    brokerClients: () => ({ total: 0, clients: [] }),
    brokerTopics: () => ({ topics: [], matched: 0, tracked: 0, maxTopics: 0, untrackedMessages: 0, at: Date.now() }),
    publishTestMessage: async () => {
      throw new Conflict(why);
    },
  };
}

/** A test message is held to the broker's own limits, as a device's would be. */
function checkBrokerLimits(topic: string, size: number, limits: BrokerLimits): void {
  const maxLevels = Math.min(limits.maxTopicLevels ?? AEDES_MAX_TOPIC_LEVELS, AEDES_MAX_TOPIC_LEVELS);
  const levels = topic.split('/').length;
  if (levels > maxLevels) throw new InvalidInput(`topic: topic has ${levels} levels, more than the broker allows (${maxLevels})`, 'topic');
  const maxPayload = Math.min(limits.maxPayloadBytes ?? MAX_TEST_PAYLOAD_BYTES, MAX_TEST_PAYLOAD_BYTES);
  if (size > maxPayload) throw new InvalidInput(`payload: ${size} bytes is more than a test message may carry (${maxPayload} bytes)`, 'payload');
}
