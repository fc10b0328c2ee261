import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { InternalCredentials } from '../broker/internal-identity.js';
import { Conflict, Unavailable } from '../domain/errors.js';
import { meterTopic } from '../domain/topics.js';

/** How the meter emulator's payloads leave: UDP datagrams to the meter listener, or MQTT QoS 1 publishes. */

export type MeterEmulatorTransport = 'udp' | 'mqtt';

export interface SenderOptions {
  transport: MeterEmulatorTransport;
  /** The meter datagram listener; null when it is off. */
  udp: { host: string; port: number } | null;
  brokerUrl: string | null;
  credentials: InternalCredentials | null;
}

/** One way of getting a meter's readings out: a UDP socket or an MQTT client. */
export interface PayloadSender {
  /** False while the connection is down. */
  ready(): boolean;
  /** Bytes the sender wraps around the JSON array of readings. */
  envelopeBytes(deviceId: string): number;
  /** `done` runs once the payload has left (UDP) or the broker has acknowledged it (MQTT). */
  send(deviceId: string, readingsArray: string, done: (error?: Error | null) => void): void;
  close(): Promise<void>;
}

type SenderAddress = { transport: 'udp'; udp: { host: string; port: number } } | { transport: 'mqtt'; brokerUrl: string; credentials: InternalCredentials | null };

/** Where the configured transport sends; throws when that listener or broker is not there. */
export function senderAddress({ transport, udp, brokerUrl, credentials }: SenderOptions): SenderAddress {
  if (transport === 'udp') {
    if (!udp) throw new Conflict('meter emulator: transport udp needs the meter datagram listener, which is off (no UDP address)');
    return { transport, udp };
  }
  if (!brokerUrl) throw new Conflict('meter emulator: transport mqtt needs an MQTT broker, and there is none (no broker URL)');
  return { transport, brokerUrl, credentials };
}

/** The sender for the configured transport, connected; fails with the address it could not reach. */
export async function openSender(options: SenderOptions, onConnectionError: (error: Error) => void): Promise<PayloadSender> {
  const address = senderAddress(options);
  return address.transport === 'udp' ? UdpSender.open(address.udp, onConnectionError) : MqttSender.open(address.brokerUrl, address.credentials, onConnectionError);
}

/** The document's datagram: {"deviceId": "D704206006772", "readings": [ … ]}. */
function datagram(deviceId: string, readingsArray: string): string {
  return `{"deviceId":${JSON.stringify(deviceId)},"readings":${readingsArray}}`;
}

class UdpSender implements PayloadSender {
  private constructor(private readonly socket: Socket) {}

  /** Connecting resolves the host once, and lets the kernel report a missing listener on later sends. */
  static async open({ host, port }: { host: string; port: number }, onError: (error: Error) => void): Promise<UdpSender> {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(port, host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      socket.close();
      throw new Error(`meter emulator cannot send datagrams to ${host}:${port}: ${(error as Error).message}`, { cause: error });
    }
    socket.on('error', onError);
    return new UdpSender(socket);
  }

  ready(): boolean {
    return true;
  }

  envelopeBytes(deviceId: string): number {
    return datagram(deviceId, '').length;
  }

  send(deviceId: string, readingsArray: string, done: (error?: Error | null) => void): void {
    this.socket.send(datagram(deviceId, readingsArray), (error) => done(error));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

class MqttSender implements PayloadSender {
  private constructor(private readonly client: MqttClient) {}

  static async open(brokerUrl: string, credentials: InternalCredentials | null, onError: (error: Error) => void): Promise<MqttSender> {
    const clientId = `sensor-workbench-meters-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
    // No retries while connecting: start() should fail with the broker's address instead of waiting forever.
    const client = await mqtt.connectAsync(brokerUrl, { clientId, reconnectPeriod: 1000, ...credentials }, false).catch((error: Error) => {
      throw new Unavailable('broker', `meter emulator cannot connect to the MQTT broker at ${brokerUrl}: ${error.message}`, { cause: error });
    });
    client.on('error', onError);
    return new MqttSender(client);
  }

  ready(): boolean {
    return this.client.connected;
  }

  envelopeBytes(): number {
    return 0;
  }

  send(deviceId: string, readingsArray: string, done: (error?: Error | null) => void): void {
    this.client.publish(meterTopic(deviceId), readingsArray, { qos: 1 }, (error) => done(error));
  }

  /** Forced: stop() has already waited for the acknowledgements, and mqtt.js drains slowly once ending. */
  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
