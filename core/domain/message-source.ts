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
  /** What an MQTT 5 publisher said about the message; absent for 3.1.1 messages and v5 ones without either. */
  metadata?: MessageMetadata;
}

/** The MQTT 5 PUBLISH properties ingest reads. */
export interface MessageMetadata {
  /** Content Type, a MIME type such as application/json. */
  contentType?: string;
  /** User Properties, in the order sent; a name may come more than once. */
  userProperties?: ReadonlyArray<readonly [string, string]>;
}

/** The MQTT 5 properties as mqtt-packet decodes them (a repeated user property name becomes an array of values). */
interface PublishProperties {
  contentType?: string;
  userProperties?: Record<string, string | string[]>;
}

/** What ingest reads of a PUBLISH's properties; undefined when there is nothing. */
export function metadataOf(properties: PublishProperties | undefined): MessageMetadata | undefined {
  if (properties === undefined) return undefined;
  const { contentType, userProperties } = properties;
  if (contentType === undefined && userProperties === undefined) return undefined;
  const metadata: { contentType?: string; userProperties?: Array<readonly [string, string]> } = {};
  if (contentType !== undefined) metadata.contentType = contentType;
  if (userProperties !== undefined) {
    metadata.userProperties = Object.entries(userProperties).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((one) => [name, String(one)] as const),
    );
  }
  return metadata;
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
