import type { Aedes, Client } from 'aedes';
import { brokerInternals, internals } from './aedes-internals.js';

/**
 * Two fixes aedes 1.2.0 has and 2.0.0-beta.1 (branched before them) lacks, put back from outside:
 *
 * - GHSA-52qw-whmv-87c5: aedes keys its client table, and each client's subscriptions and
 *   de-duplication counters, by strings from the wire in plain objects. A client id such as
 *   `constructor` reads back as an existing client, and the takeover that follows throws out of
 *   the broker: one anonymous CONNECT stopped the whole workbench. Null-prototype tables, as 1.2
 *   has them, make such names ordinary keys.
 * - A second PUBREL for a message already released (two in one read, or a resend racing the
 *   first) makes the persistence's incomingDelPacket reject, and beta.1 lets that rejection escape
 *   from a `.finally()` as an unhandled rejection, which ends the process. 1.2 swallows it; so
 *   does this: the PUBCOMP is owed either way.
 */
export function hardenBroker(aedes: Aedes): void {
  const broker = brokerInternals(aedes);
  broker.clients = Object.assign(Object.create(null) as Record<string, Client>, broker.clients);
  broker.brokers = Object.assign(Object.create(null) as Record<string, Date>, broker.brokers);
  const persistence = broker.persistence;
  const incomingDelPacket = persistence.incomingDelPacket.bind(persistence);
  persistence.incomingDelPacket = (client, packet) => incomingDelPacket(client, packet).catch(() => undefined);
}

/** Before the CONNECT is handled, while the client's tables are still empty. */
export function hardenClient(client: Client): void {
  const inner = internals(client);
  inner.subscriptions = Object.create(null) as typeof inner.subscriptions;
  inner.duplicates = Object.create(null) as typeof inner.duplicates;
}
