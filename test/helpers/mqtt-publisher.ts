import mqtt, { type MqttClient } from 'mqtt';

/** A real mqtt.js client connected to the broker, as a device would be. Call end() in afterEach/afterAll. */
export async function connectPublisher(brokerUrl: string, clientId = `test-${Math.random().toString(16).slice(2, 10)}`): Promise<MqttClient> {
  return mqtt.connectAsync(brokerUrl, { clientId, reconnectPeriod: 0, connectTimeout: 5000 });
}

/** Publishes each payload on `topic` at QoS 1 and resolves once the broker has acknowledged all of them. */
export async function publishAll(client: MqttClient, topic: string, payloads: ReadonlyArray<string | Buffer | object>): Promise<void> {
  await Promise.all(
    payloads.map((payload) =>
      client.publishAsync(topic, typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload), { qos: 1 }),
    ),
  );
}
