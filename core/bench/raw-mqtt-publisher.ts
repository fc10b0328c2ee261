import type { Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { connectRaw } from './raw-mqtt-connection.js';

/**
 * A lean MQTT 3.1.1 load generator: PUBLISH packets are encoded once with mqtt-packet (the codec
 * mqtt.js itself uses), copied into one buffer per tick with a fresh message id patched in, and
 * written with a single socket write. It spends a fraction of mqtt.js's CPU per message, so on a
 * 2-core machine the benchmark measures the broker, ingest and Redis rather than the fake devices.
 */
export class RawMqttPublisher {
  published = 0;
  acknowledged = 0;
  /** publish→PUBACK in ms of each acknowledgement once measuring starts (see measureFrom). */
  readonly pubackLatenciesMs: number[] = [];
  private nextMessageId = 1;
  /** When each message id was last sent, from performance.now(). */
  private readonly sentAt = new Float64Array(65_536);
  private measuringFrom = Number.POSITIVE_INFINITY;

  private constructor(
    private readonly socket: Socket,
    private readonly packets: PublishTemplates,
    private readonly firstTemplate: number,
  ) {}

  /**
   * `firstTemplate` is where in the shared templates this connection starts, so connections of one
   * process send different devices' readings rather than the same ones in step. `ca` verifies an mqtts:// broker.
   */
  static async connect(url: string, clientId: string, packets: PublishTemplates, firstTemplate = 0, ca?: string): Promise<RawMqttPublisher> {
    let publisher: RawMqttPublisher | null = null;
    // No PUBACK can come before the first PUBLISH, which needs the publisher.
    const socket = await connectRaw({ url, clientId, keepaliveSeconds: 0, ca }, (packet) => {
      if (packet.cmd === 'puback' && publisher) publisher.acknowledge(packet.messageId ?? 0);
    });
    publisher = new RawMqttPublisher(socket, packets, firstTemplate);
    return publisher;
  }

  /** Latencies of publishes sent from `at` (performance.now()) on are recorded. */
  measureFrom(at: number): void {
    this.measuringFrom = at;
  }

  private acknowledge(messageId: number): void {
    this.acknowledged += 1;
    const sentAt = this.sentAt[messageId]!;
    if (sentAt >= this.measuringFrom) this.pubackLatenciesMs.push(performance.now() - sentAt);
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Sends `count` PUBLISH packets in one write, copied straight into one buffer. */
  send(count: number): void {
    if (count <= 0) return;
    let total = 0;
    const { templates, idOffsets, qos } = this.packets;
    const first = this.firstTemplate + this.published;
    for (let i = 0; i < count; i++) total += templates[(first + i) % templates.length]!.length;
    const out = Buffer.allocUnsafe(total);
    let offset = 0;
    const now = performance.now();
    for (let i = 0; i < count; i++) {
      const index = (first + i) % templates.length;
      const template = templates[index]!;
      template.copy(out, offset);
      if (qos > 0) {
        const messageId = this.takeMessageId();
        this.sentAt[messageId] = now;
        out.writeUInt16BE(messageId, offset + idOffsets[index]!);
      }
      offset += template.length;
    }
    this.socket.write(out);
    this.published += count;
    if (qos === 0) this.acknowledged = this.published;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }), () => resolve()));
    this.socket.destroy();
  }

  private takeMessageId(): number {
    const id = this.nextMessageId;
    this.nextMessageId = id === 65535 ? 1 : id + 1;
    return id;
  }
}

/** PUBLISH packets encoded once, shared by every connection of a process: only the message id differs per send. */
export class PublishTemplates {
  readonly templates: Buffer[];
  /** Where each template's message id sits: after the fixed header and the topic. */
  readonly idOffsets: number[];

  constructor(
    topic: string,
    payloads: Buffer[],
    readonly qos: 0 | 1,
  ) {
    this.templates = payloads.map((payload) => mqttPacket.generate({ cmd: 'publish', topic, payload, qos, messageId: 1, retain: false, dup: false }));
    this.idOffsets = this.templates.map((template) => fixedHeaderLength(template) + 2 + Buffer.byteLength(topic));
  }
}

/** One type byte plus the variable-length "remaining length" (continuation bit 0x80). */
function fixedHeaderLength(packet: Buffer): number {
  let index = 1;
  while ((packet[index]! & 0x80) !== 0) index += 1;
  return index + 1;
}
