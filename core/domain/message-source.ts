/**
 * Where ingest gets messages from: the in-process aedes broker, or an MQTT 5 subscription to an
 * outside broker (shared subscriptions for several workers, acknowledged after the write).
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
  /**
   * Set by a source that delivers only what is subscribed to (an outside broker): ingest then
   * subscribes to each topic rule's filter. Without it ingest subscribes to every topic once and
   * routes itself (the bundled broker's intake).
   */
  readonly subscribesPerRule?: boolean;
  /** Resolves with a function that removes the subscription. */
  subscribe(topicFilter: string, handler: MessageHandler): Promise<() => Promise<void>>;
}
