import type { RemoteInfo } from 'node:dgram';
import type { IngestCounters } from './ingest-figures.js';
import { preciseNow } from '../domain/clock.js';
import { deadLetterFrom } from '../model/dead-letter-persist.js';
import type { MeterReading, MeterTransport } from '../model/meter-reading.js';
import type { ParseResult } from './json-payload.js';
import type { MessageHandler } from '../domain/message-source.js';
import { parseMeterDatagram, parseMeterMqttPayload, type MeterPayload } from './meter-payload.js';
import { markReplay } from './replay-mark.js';
import type { WriteBuffer } from './write-buffer.js';

export interface MeterRuleOptions {
  buffer: WriteBuffer;
  counters: IngestCounters;
  maxPayloadBytes: number;
  log: (line: string) => void;
  /** The MQTT rule for a replay kept apart from live data (see thermostatRule); datagrams are never a replay. */
  replay?: boolean;
}

/** The energy path's MQTT rule: `meters/<deviceId>/energy` carrying the document's JSON array. */
export function meterMqttRule({ buffer, counters, maxPayloadBytes, replay = false }: MeterRuleOptions): MessageHandler {
  return (message, done) => {
    const parsed = parseMeterMqttPayload(message.topic, message.payload, maxPayloadBytes);
    if (!parsed.ok) {
      counters.meterPayloadsRejected += 1;
      counters.countRejected(parsed.rejection.reason);
      buffer.offerDeadLetter(markReplay(deadLetterFrom(parsed.rejection, message.topic, message.clientId, message.payload), replay), done);
      return;
    }
    const readings = meterReadings(parsed.value, 'mqtt', message.receivedAt, counters);
    if (replay) for (const reading of readings) reading.replay = true;
    buffer.offerMeterReadings(readings, done);
  };
}

export type DatagramHandler = (datagram: Buffer, sender: RemoteInfo) => void;

/**
 * The source document's UDP server: one datagram is `{"deviceId", "readings": [...]}`. A sender
 * cannot be held back, so while the buffer is full datagrams are dropped, counted and logged once
 * per episode rather than queued without bound.
 */
export function meterDatagramHandler({ buffer, counters, maxPayloadBytes, log }: MeterRuleOptions): DatagramHandler {
  let droppingSince: number | null = null;
  return (datagram, sender) => {
    const receivedAt = preciseNow();
    if (!buffer.hasRoom) {
      counters.meterDatagramsDropped += 1;
      if (droppingSince === null) {
        droppingSince = Date.now();
        log(`meter datagrams DROPPED: the ingest buffer is full (Redis is behind or away); UDP senders cannot be slowed down`);
      }
      return;
    }
    if (droppingSince !== null) {
      log(`meter datagrams accepted again after ${((Date.now() - droppingSince) / 1000).toFixed(1)} s (${counters.meterDatagramsDropped} dropped so far)`);
      droppingSince = null;
    }
    const parsed: ParseResult<MeterPayload> = parseMeterDatagram(datagram, maxPayloadBytes);
    if (!parsed.ok) {
      counters.meterPayloadsRejected += 1;
      counters.countRejected(parsed.rejection.reason);
      buffer.offerDeadLetter(deadLetterFrom(parsed.rejection, `udp://${sender.address}:${sender.port}`, null, datagram), null);
      return;
    }
    buffer.offerMeterReadings(meterReadings(parsed.value, 'udp', receivedAt, counters), null);
  };
}

function meterReadings({ deviceId, readings, texts }: MeterPayload, transport: MeterTransport, receivedAt: number, counters: IngestCounters): MeterReading[] {
  counters.meterReadingsReceived += readings.length;
  return readings.map((reading, index) => ({ deviceId, timestamp: reading.timestamp, json: texts[index]!, transport, receivedAt }));
}
