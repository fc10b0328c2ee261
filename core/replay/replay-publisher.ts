import mqtt, { type MqttClient } from 'mqtt';
import type { Broker } from '../broker/broker.js';
import type { InternalCredentials } from '../broker/internal-identity.js';
import type { ReplayMessage } from './replay-line.js';

/**
 * Where a replay publishes. The bundled broker is one (in-process, below); any MQTT broker reached
 * with mqtt.js is another — the outside broker of a scaled-out workbench takes a MqttReplayPublisher
 * on its URL, and nothing else of the replay changes.
 */
export interface ReplayPublisher {
  /** Where it publishes, in words. */
  readonly target: string;
  /**
   * `done` once the broker has the message: for QoS 1 its acknowledgement, which the bundled broker
   * gives once ingest has written the reading; for QoS 0 once it left. At most one `done` per call.
   */
  publish(message: ReplayMessage, done: (error: Error | null) => void): void;
  close(): Promise<void>;
}

/** Opens a publisher that publishes as `clientId`: the id tells ingest whether to keep the replay apart (core/domain/replay.ts). */
export type ReplayPublisherFactory = (clientId: string) => Promise<ReplayPublisher>;

/**
 * Into the bundled broker in-process, as the workbench's own test message goes: through ingest's
 * intake first (so QoS 1 is acknowledged once written), then to every subscriber. No socket, no
 * packet parsing: the replay costs the broker's thread only what ingest itself costs. QoS 2
 * is delivered as QoS 1 (in-process there is no second transmission to guard against).
 */
export function inProcessPublisher(broker: Pick<Broker, 'publishAsWorkbench'>, clientId: string): ReplayPublisher {
  let closed = false;
  return {
    target: 'the bundled broker (in-process)',
    publish: ({ topic, payload, qos, retain }, done) => {
      if (closed) return done(new Error('the replay publisher is closed'));
      broker.publishAsWorkbench({ topic, payload, qos: qos === 0 ? 0 : 1, retain, clientId }).then(
        () => done(null),
        (error: Error) => done(error),
      );
    },
    close: async () => {
      closed = true;
    },
  };
}

export interface MqttPublisherOptions {
  url: string;
  clientId: string;
  credentials?: InternalCredentials | null;
  /** CA of an mqtts:// or wss:// broker's certificate. */
  ca?: string;
}

/** An mqtt.js client: the bundled broker over its TCP listener, or any other broker. */
export async function mqttReplayPublisher({ url, clientId, credentials = null, ca }: MqttPublisherOptions): Promise<ReplayPublisher> {
  const client: MqttClient = await mqtt.connectAsync(url, {
    clientId,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(credentials && { username: credentials.username, password: credentials.password }),
    ...(ca !== undefined && { ca }),
  });
  const address = new URL(url);
  address.username = '';
  address.password = '';
  return {
    target: `${address.toString().replace(/\/$/, '')} (mqtt.js)`,
    publish: ({ topic, payload, qos, retain }, done) => {
      client.publish(topic, payload, { qos, retain }, (error) => done(error ?? null));
    },
    close: () => client.endAsync(),
  };
}
