import type { Duplex } from 'node:stream';

/** Room in a packet for a PUBLISH's header and topic (at most 65,535 bytes) besides its payload. */
const PUBLISH_OVERHEAD_BYTES = 65_545;

/** The largest packet a broker with this payload limit takes: the payload with a topic as long as MQTT allows. */
export function largestPacketBytes(maxPayloadBytes: number): number {
  return maxPayloadBytes + PUBLISH_OVERHEAD_BYTES;
}

/**
 * The Maximum Packet Size advertised to MQTT 5 clients, which counts the whole packet: the largest
 * remaining length taken, with the fixed header in front of it.
 */
export function advertisedPacketBytes(maxPacketBytes: number): number {
  const lengthBytes = maxPacketBytes < 128 ? 1 : maxPacketBytes < 16_384 ? 2 : maxPacketBytes < 2_097_152 ? 3 : 4;
  return 1 + lengthBytes + maxPacketBytes;
}

/** A packet too large, as its fixed header announced it. */
export interface OversizedPacket {
  /** MQTT control packet type, the fixed header's upper four bits: 1 CONNECT, 3 PUBLISH, 8 SUBSCRIBE, … */
  type: number;
  /** The remaining length the header declares, bytes. */
  declaredBytes: number;
}

/** The most bytes MQTT's remaining length takes; a longer one is malformed. */
const MAX_LENGTH_BYTES = 4;

/**
 * Follows the fixed headers in a connection's incoming bytes, skipping each packet's body, to tell
 * as soon as a header declares more than `maxPacketBytes`. The packet parser buffers a packet whole
 * before anyone sees it, up to the 256 MB the protocol allows; this sees its size first.
 */
export class PacketSizes {
  private state: 'type' | 'length' | 'body' | 'stopped' = 'type';
  private type = 0;
  private declaredBytes = 0;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** The bytes that came next; returns the first packet too large among them, or null. */
  feed(chunk: Buffer): OversizedPacket | null {
    let offset = 0;
    while (offset < chunk.length && this.state !== 'stopped') {
      if (this.state === 'body') {
        const skipped = Math.min(this.bodyLeft, chunk.length - offset);
        offset += skipped;
        this.bodyLeft -= skipped;
        if (this.bodyLeft === 0) this.state = 'type';
      } else if (this.state === 'type') {
        this.type = chunk[offset++]! >> 4;
        this.declaredBytes = 0;
        this.lengthBytes = 0;
        this.state = 'length';
      } else {
        const oversized = this.lengthByte(chunk[offset++]!);
        if (oversized) return oversized;
      }
    }
    return null;
  }

  private lengthByte(byte: number): OversizedPacket | null {
    this.declaredBytes += (byte & 0x7f) * 128 ** this.lengthBytes;
    this.lengthBytes += 1;
    if (byte & 0x80) {
      // A fifth length byte is malformed: the parser refuses it and closes the connection itself.
      if (this.lengthBytes === MAX_LENGTH_BYTES) this.state = 'stopped';
      return null;
    }
    if (this.declaredBytes > this.maxPacketBytes) {
      this.state = 'stopped';
      return { type: this.type, declaredBytes: this.declaredBytes };
    }
    this.bodyLeft = this.declaredBytes;
    this.state = this.bodyLeft === 0 ? 'type' : 'body';
    return null;
  }
}

/**
 * Calls `onOversized` once, as soon as a packet on `stream` declares more than `maxPacketBytes`.
 * It sees each chunk as aedes reads it (a 'data' listener beside a 'readable' one does not make the
 * stream flow), so an oversized packet is caught with at most one read chunk of it buffered.
 */
export function watchPacketSizes(stream: Duplex, maxPacketBytes: number, onOversized: (packet: OversizedPacket) => void): void {
  const sizes = new PacketSizes(maxPacketBytes);
  const check = (chunk: Buffer) => {
    const oversized = sizes.feed(chunk);
    if (!oversized) return;
    stream.off('data', check);
    onOversized(oversized);
  };
  stream.on('data', check);
}
