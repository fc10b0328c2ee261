import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

/**
 * A lean MQTT 3.1.1 load generator: PUBLISH packets are encoded once with mqtt-packet (the codec
 * mqtt.js itself uses), copied into one buffer per tick with a fresh message id patched in, and
 * written with a single socket write. It spends a fraction of mqtt.js's CPU per message, so on a
 * 2-core machine the benchmark measures the broker, ingest and Redis rather than the fake devices.
 */
export class RawMqttPublisher {
  published = 0;
  acknowledged = 0;
  private nextMessageId = 1;
  private readonly templates: Buffer[];
  /** Where each template's message id sits: after the fixed header and the topic. */
  private readonly idOffsets: number[];

  private constructor(
    private readonly socket: Socket,
    topic: string,
    payloads: Buffer[],
    private readonly qos: 0 | 1,
  ) {
    this.templates = payloads.map((payload) => mqttPacket.generate({ cmd: 'publish', topic, payload, qos, messageId: 1, retain: false, dup: false }));
    this.idOffsets = this.templates.map((template) => fixedHeaderLength(template) + 2 + Buffer.byteLength(topic));
  }

  static async connect(url: string, clientId: string, topic: string, payloads: Buffer[], qos: 0 | 1): Promise<RawMqttPublisher> {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setNoDelay(true);
    const parser = mqttPacket.parser();
    const publisher = new RawMqttPublisher(socket, topic, payloads, qos);
    const connected = new Promise<void>((resolve, reject) => {
      parser.on('packet', (packet) => {
        if (packet.cmd === 'puback') publisher.acknowledged += 1;
        else if (packet.cmd === 'connack') {
          if (packet.returnCode === 0) resolve();
          else reject(new Error(`broker refused connection: ${packet.returnCode}`));
        }
      });
      socket.once('error', reject);
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 0 }));
    await connected;
    return publisher;
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Sends `count` PUBLISH packets in one write, copied straight into one buffer. */
  send(count: number): void {
    if (count <= 0) return;
    let total = 0;
    for (let i = 0; i < count; i++) total += this.templates[(this.published + i) % this.templates.length]!.length;
    const out = Buffer.allocUnsafe(total);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const index = (this.published + i) % this.templates.length;
      const template = this.templates[index]!;
      template.copy(out, offset);
      if (this.qos > 0) out.writeUInt16BE(this.takeMessageId(), offset + this.idOffsets[index]!);
      offset += template.length;
    }
    this.socket.write(out);
    this.published += count;
    if (this.qos === 0) this.acknowledged = this.published;
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

/** One type byte plus the variable-length "remaining length" (continuation bit 0x80). */
function fixedHeaderLength(packet: Buffer): number {
  let index = 1;
  while ((packet[index]! & 0x80) !== 0) index += 1;
  return index + 1;
}
