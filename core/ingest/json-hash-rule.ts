import type { IngestCounters } from './ingest-figures.js';
import { deadLetterFrom } from '../model/dead-letter-persist.js';
import type { TopicHashEntry } from '../model/topic-hash-persist.js';
import { parseJsonHashPayload } from './json-hash-payload.js';
import type { InboundMessage, MessageHandler } from '../domain/message-source.js';
import { markReplay } from './replay-mark.js';
import type { WriteBuffer } from './write-buffer.js';

export interface JsonHashRuleOptions {
  buffer: WriteBuffer;
  counters: IngestCounters;
  maxPayloadBytes: number;
  /** The rule for a replay kept apart from live data (see thermostatRule). */
  replay?: boolean;
}

/** The store-JSON-as-hash rule: a JSON object payload becomes the fields of the topic's hash, newer values over older. */
export function jsonHashRule({ buffer, counters, maxPayloadBytes, replay = false }: JsonHashRuleOptions): MessageHandler {
  return (message: InboundMessage, done: () => void) => {
    counters.hashMessagesReceived += 1;
    const parsed = parseJsonHashPayload(message.payload, maxPayloadBytes);
    if (!parsed.ok) {
      counters.countRejected(parsed.rejection.reason);
      buffer.offerDeadLetter(markReplay(deadLetterFrom(parsed.rejection, message.topic, message.clientId, message.payload), replay), done);
      return;
    }
    buffer.offerTopicHash(markReplay<TopicHashEntry>({ topic: message.topic, fields: parsed.value, receivedAt: message.receivedAt }, replay), done);
  };
}
