/**
 * Every connection, publish or subscription the broker refused, for the UI: counted by code since
 * start, and the most recent ones kept in a fixed-size ring so a flood of refusals costs no memory.
 */

/** Why something was refused, one word each, so counting by code stays a small fixed table. */
export const REFUSAL_CODES = [
  'invalid-input',
  'anonymous-not-allowed',
  'unknown-device',
  'wrong-auth-method',
  'missing-password',
  'wrong-password',
  'username-mismatch',
  /** A client certificate the listener could not verify: another CA, expired, … */
  'certificate-untrusted',
  /** A verified certificate whose fingerprint is not the one registered for its device. */
  'certificate-mismatch',
  'registry-error',
  /** A malformed topic or filter; one merely too deep is limit-exceeded. */
  'invalid-topic',
  'publish-not-allowed',
  'subscribe-not-allowed',
  /** Over one of the broker's limits: payload or packet size, topic levels, message rate, connections, keepalive. */
  'limit-exceeded',
  /** Bytes that are not MQTT: a packet the parser could not read, after which the connection is closed. */
  'malformed-packet',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** `packet`: bytes the broker could not read as any packet. */
export type RefusalAction = 'connect' | 'publish' | 'subscribe' | 'packet';

export interface Refusal {
  /** ms since epoch. */
  at: number;
  action: RefusalAction;
  /** '' for a client refused before its CONNECT named it. */
  clientId: string;
  /** The client's remote address, when the connection has one (not an in-process client). */
  address: string | null;
  /** The authenticated device, null before authentication or for an anonymous client. */
  deviceId: string | null;
  /** The topic published to or the filter subscribed to; null for a connection. */
  topic: string | null;
  code: RefusalCode;
  reason: string;
  /** What the client was answered: `disconnected`, `PUBACK 0x97 quota exceeded`, `SUBACK 0x80 …`, `CONNACK 0x05 …`; null where not noted. */
  answer: string | null;
}

export interface RefusalSnapshot {
  total: number;
  byCode: Record<RefusalCode, number>;
  /** The most recent refusals, newest first. */
  recent: Refusal[];
}

export const DEFAULT_REFUSALS_KEPT = 200;
/** Client ids and topics come from clients and may be 64 KiB long; the log keeps a readable prefix. */
const MAX_TEXT_LENGTH = 256;

export class RefusalLog {
  private readonly ring: Refusal[] = [];
  /** Where the next refusal goes once the ring is full. */
  private next = 0;
  private total = 0;
  private readonly byCode = Object.fromEntries(REFUSAL_CODES.map((code) => [code, 0])) as Record<RefusalCode, number>;

  constructor(private readonly capacity = DEFAULT_REFUSALS_KEPT) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`a refusal log keeps at least 1 refusal, not ${capacity}`);
  }

  record(refusal: Refusal): void {
    const kept: Refusal = {
      ...refusal,
      clientId: shorten(refusal.clientId),
      address: refusal.address === null ? null : shorten(refusal.address),
      topic: refusal.topic === null ? null : shorten(refusal.topic),
      reason: shorten(refusal.reason),
    };
    if (this.ring.length < this.capacity) this.ring.push(kept);
    else this.ring[this.next] = kept;
    this.next = (this.next + 1) % this.capacity;
    this.total += 1;
    this.byCode[refusal.code] += 1;
  }

  snapshot(): RefusalSnapshot {
    const recent: Refusal[] = [];
    for (let back = 1; back <= this.ring.length; back += 1) {
      recent.push({ ...this.ring[(this.next - back + this.capacity) % this.capacity]! });
    }
    return { total: this.total, byCode: { ...this.byCode }, recent };
  }
}

function shorten(text: string): string {
  return text.length <= MAX_TEXT_LENGTH ? text : `${text.slice(0, MAX_TEXT_LENGTH - 1)}…`;
}
