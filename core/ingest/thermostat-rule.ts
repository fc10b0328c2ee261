import type { IngestCounters } from './ingest-figures.js';
import { classifyClimate } from '../model/climate.js';
import { deadLetterFrom } from '../model/dead-letter-persist.js';
import type { InboundMessage, MessageHandler } from '../domain/message-source.js';
import { markReplay } from './replay-mark.js';
import { RequestIds } from './request-ids.js';
import { parseThermostatPayload } from './thermostat-payload.js';
import type { QueuedReading } from './queued-reading.js';
import type { WriteBuffer } from './write-buffer.js';

export interface ThermostatRuleOptions {
  buffer: WriteBuffer;
  counters: IngestCounters;
  maxPayloadBytes: number;
  /** The rule for a replay kept apart from live data: what it offers is written under the replay key prefix. */
  replay?: boolean;
}

/** The source document's IoT rule on `temp_readings`: validate, stamp, classify, hand to the buffer. */
export function thermostatRule({ buffer, counters, maxPayloadBytes, replay = false }: ThermostatRuleOptions): MessageHandler {
  const requestIds = new RequestIds();
  return (message: InboundMessage, done: () => void) => {
    counters.received += 1;
    const parsed = parseThermostatPayload(message.payload, maxPayloadBytes);
    if (!parsed.ok) {
      counters.countRejected(parsed.rejection.reason);
      buffer.offerDeadLetter(markReplay(deadLetterFrom(parsed.rejection, message.topic, message.clientId, message.payload), replay), done);
      return;
    }
    const payload = parsed.value;
    const reading: QueuedReading = {
      deviceId: payload.deviceId,
      temperature: payload.temperature,
      humidity: payload.humidity,
      deviceIP: payload.deviceIP,
      climate: classifyClimate(payload.temperature),
      timestamp: payload.timestamp ?? Date.now(),
      requestId: requestIds.next(),
      receivedAt: message.receivedAt,
    };
    // Set only on a replay's readings, so the live path's objects keep the one shape they had.
    if (replay) reading.replay = true;
    buffer.offerReading(reading, done);
  };
}
