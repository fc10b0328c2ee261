import type { Client, PublishPacket } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { ackReasonString } from './aedes-sessions.js';
import { internals } from './aedes-internals.js';

/**
 * What the broker answers a refused publish with. MQTT 3.1.1 has no negative acknowledgement, so
 * a 3.1.1 client is disconnected whatever the reason; an MQTT 5 client is told why and, where the
 * specification lets the connection go on, keeps it: a PUBACK (QoS 1) or PUBREC (QoS 2) with the
 * reason code, nothing for QoS 0 (dropped, counted), or a DISCONNECT with the reason code.
 */
export type PublishAnswer = { kind: 'ack' | 'disconnect'; reasonCode: number };

/** MQTT 5 reason codes (§2.4) the broker sends when it refuses, with their names in the specification. */
export const REASON_CODE_NAMES: Readonly<Record<number, string>> = {
  0x02: 'identifier rejected',
  0x03: 'server unavailable',
  0x04: 'bad user name or password',
  0x05: 'not authorized',
  0x80: 'unspecified error',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x90: 'topic name invalid',
  0x93: 'receive maximum exceeded',
  0x95: 'packet too large',
  0x97: 'quota exceeded',
};

export const NOT_AUTHORIZED: PublishAnswer = { kind: 'ack', reasonCode: 0x87 };
export const QUOTA_EXCEEDED: PublishAnswer = { kind: 'ack', reasonCode: 0x97 };
export const TOPIC_NAME_INVALID: PublishAnswer = { kind: 'ack', reasonCode: 0x90 };
export const PACKET_TOO_LARGE: PublishAnswer = { kind: 'disconnect', reasonCode: 0x95 };
export const RECEIVE_MAXIMUM_EXCEEDED: PublishAnswer = { kind: 'disconnect', reasonCode: 0x93 };

/** A publish refused by the broker's rules, with what an MQTT 5 client is answered. */
export class PublishRefused extends Error {
  constructor(
    reason: string,
    readonly answer: PublishAnswer,
  ) {
    super(reason);
  }
}

/** `0x97 quota exceeded`. */
export function reasonCodeText(code: number): string {
  const name = REASON_CODE_NAMES[code];
  return `0x${code.toString(16).padStart(2, '0')}${name ? ` ${name}` : ''}`;
}

/** How the refusal list shows what the client was answered: `PUBACK 0x97 quota exceeded`, `disconnected`, … */
export function describePublishAnswer(version: number, qos: number, answer: PublishAnswer): string {
  if (version !== 5) return 'disconnected';
  if (answer.kind === 'disconnect') return `DISCONNECT ${reasonCodeText(answer.reasonCode)}`;
  if (qos === 0) return 'dropped (QoS 0 has no acknowledgement)';
  return `${qos === 1 ? 'PUBACK' : 'PUBREC'} ${reasonCodeText(answer.reasonCode)}`;
}

/**
 * Answers a refused publish as PublishAnswer says, then lets aedes go on (`callback` is its
 * authorizePublish callback). aedes 2.0.0-beta.1 answers every refusal of a v5 publish with 0x87
 * (#1129's open list: "PUBACK/PUBREC emit 0x87 only"): that one is left to it; for the others the
 * acknowledgement is written here and the packet marked as aedes marks the ones it refused itself
 * (`_notAuthorized`), so that it neither acknowledges nor delivers it.
 */
export function answerRefusedPublish(client: Client, packet: PublishPacket, error: Error, callback: (error?: Error | null) => void): void {
  const answer = error instanceof PublishRefused ? error.answer : NOT_AUTHORIZED;
  if (client.version !== 5 || (answer.kind === 'ack' && answer.reasonCode === NOT_AUTHORIZED.reasonCode)) return callback(error);
  (packet as PublishPacket & { _notAuthorized?: boolean })._notAuthorized = true;
  if (answer.kind === 'disconnect') {
    internals(client).disconnect({ reasonCode: answer.reasonCode, properties: { reasonString: error.message } }, () => callback(null));
    return;
  }
  if (packet.qos === 0) return callback(null);
  const acknowledgement = { cmd: packet.qos === 1 ? 'puback' : 'pubrec', messageId: packet.messageId, reasonCode: answer.reasonCode, properties: ackReasonString(client, error.message) } as const;
  const written = mqttPacket.writeToStream(acknowledgement, client.conn, { protocolVersion: 5 });
  // As aedes writes its own acknowledgements: the client's next packets wait while its socket is full.
  if (written) callback(null);
  else client.conn.once('drain', () => callback(null));
}
