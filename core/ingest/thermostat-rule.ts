import type { IngestCounters } from './ingest-figures.js';
import { classifyClimate } from '../model/climate.js';
import { deadLetterFrom } from '../model/dead-letter-persist.js';
import type { InboundMessage, MessageHandler } from '../domain/message-source.js';
import { RequestIds } from './request-ids.js';
import { parseThermostatPayload } from './thermostat-payload.js';
import type { WriteBuffer } from './write-buffer.js';

export interface ThermostatRuleOptions {
  buffer: WriteBuffer;
  counters: IngestCounters;
  maxPayloadBytes: number;
}

/** The source document's IoT rule on `temp_readings`: validate, stamp, classify, hand to the buffer. */
export function thermostatRule({ buffer, counters, maxPayloadBytes }: ThermostatRuleOptions): MessageHandler {
  const requestIds = new RequestIds();
  return (message: InboundMessage, done: () => void) => {
    counters.received += 1;
    const parsed = parseThermostatPayload(message.payload, maxPayloadBytes);
    if (!parsed.ok) {
      counters.countRejected(parsed.rejection.reason);
      buffer.offerDeadLetter(deadLetterFrom(parsed.rejection, message.topic, message.clientId, message.payload), done);
      return;
    }
    const payload = parsed.value;
    buffer.offerReading(
      {
        deviceId: payload.deviceId,
        temperature: payload.temperature,
        humidity: payload.humidity,
        deviceIP: payload.deviceIP,
        climate: classifyClimate(payload.temperature),
        timestamp: payload.timestamp ?? Date.now(),
        requestId: requestIds.next(),
        receivedAt: message.receivedAt,
      },
      done,
    );
  };
}
