import type { EventEmitter } from 'node:events';
import type { Aedes, AedesPublishPacket, Client, PublishPacket } from 'aedes';

/**
 * The parts of aedes 2.0.0-beta.1 (pinned in package.json) that the workbench reaches past its
 * declared types: each is read or replaced by a workaround in aedes-sessions.ts or
 * aedes-hardening.ts for a gap recorded in README ("MQTT 5"). A different aedes version must be
 * checked against this list before the pin moves; test/unit/broker/aedes-version.test.ts holds
 * the pin.
 */
export const PINNED_AEDES_VERSION = '2.0.0-beta.1';

/** A message as aedes hands it to authorizeForward and the delivery functions. */
export type DeliveredPacket = AedesPublishPacket & { nl?: boolean };

export type Deliver = (packet: DeliveredPacket, callback: () => void) => void;

export interface ClientInternals extends Client {
  /** The client's MQTT parser (mqtt-packet): 'packet' and 'error' events for everything it reads. */
  _parser: EventEmitter;
  /** Set in init() only when the broker has a keepaliveLimit; setKeepAlive and the CONNACK read it. */
  _serverKeepAlive?: number;
  /** The CONNECT's Clean Start flag (client.clean tracks whether the session outlives the connection). */
  _cleanStart?: boolean;
  /** Set once the CONNACK is written; `connected` only once the queued messages are sent too. */
  connackSent?: boolean;
  errored?: boolean;
  /** false when the CONNECT asked for no Reason Strings on acknowledgements [MQTT-3.1.2-29]. */
  _requestProblemInformation?: boolean;
  /** Keyed by topic filter and by broker id from the wire: replaced by null-prototype objects (GHSA-52qw-whmv-87c5). */
  subscriptions: Record<string, { qos: number; si?: number }>;
  duplicates: Record<string, number>;
  /** Instance properties aedes builds per client; subscriptions capture them when they are made. */
  deliver0: Deliver;
  deliverQoS: Deliver;
  /** aedes's own oversized-frame answer: a 0x95 DISCONNECT for a connected v5 client, else an error that closes it. */
  rejectPacketTooLarge(size: number, done?: () => void): void;
}

interface PersistenceInternals {
  incomingGetPacket(client: Pick<Client, 'id'>, packet: Pick<PublishPacket, 'messageId'>): Promise<unknown>;
  incomingDelPacket(client: Pick<Client, 'id'>, packet: Pick<PublishPacket, 'messageId'>): Promise<unknown>;
}

export interface AedesInternals extends Omit<Aedes, 'brokers'> {
  clients: Record<string, Client>;
  brokers: Record<string, Date>;
  persistence: PersistenceInternals;
}

export function internals(client: Client): ClientInternals {
  return client as ClientInternals;
}

export function brokerInternals(aedes: Aedes): AedesInternals {
  return aedes as unknown as AedesInternals;
}
