/**
 * Where ingest gets messages from. Today the in-process aedes broker; an MQTT subscription to an
 * external broker (shared subscriptions for several workers, acknowledging manually) fits the same shape.
 */
export interface InboundMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  clientId: string | null;
  /** When the broker handed the message over, from preciseNow(): the start of publish→written latency. */
  receivedAt: number;
}

/**
 * Call `done` once the message is where ingest promised it (in Redis, or counted and
 * dead-lettered): the source acknowledges its publisher then and not before, and may hold the
 * publisher back meanwhile.
 */
export type MessageHandler = (message: InboundMessage, done: () => void) => void;

export interface MessageSource {
  /** Resolves with a function that removes the subscription. */
  subscribe(topicFilter: string, handler: MessageHandler): Promise<() => Promise<void>>;
}
