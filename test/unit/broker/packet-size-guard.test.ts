import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketSizes, largestPacketBytes } from '../../../core/broker/packet-size-guard.js';

const MAX = 1000;

const publish = (payloadBytes: number) => mqttPacket.generate({ cmd: 'publish', topic: 'temp_readings', payload: Buffer.alloc(payloadBytes, 0x78), qos: 1, messageId: 1, retain: false, dup: false });
const pingreq = () => mqttPacket.generate({ cmd: 'pingreq' });
const connect = () => mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'c', clean: true, keepalive: 60 });

/** Feeds `bytes` in pieces of `size` and returns the first oversized packet reported. */
function feedInPieces(sizes: PacketSizes, bytes: Buffer, size: number) {
  for (let start = 0; start < bytes.length; start += size) {
    const oversized = sizes.feed(bytes.subarray(start, start + size));
    if (oversized) return oversized;
  }
  return null;
}

describe('PacketSizes', () => {
  it.each([1, 2, 3, 7, 64, 100_000])('lets packets up to the limit through whatever the read size (%i bytes)', (pieceSize) => {
    const stream = Buffer.concat([connect(), publish(MAX - 20), pingreq(), publish(0), publish(500), pingreq()]);
    expect(feedInPieces(new PacketSizes(MAX), stream, pieceSize)).toBeNull();
  });

  it.each([1, 2, 5, 100_000])('reports a packet whose header declares more than the limit, after good ones, in pieces of %i', (pieceSize) => {
    const header = Buffer.from([0x32, 0xe9, 0x07]); // PUBLISH QoS 1, remaining length 1001
    const stream = Buffer.concat([connect(), publish(10), pingreq(), header]);
    expect(feedInPieces(new PacketSizes(MAX), stream, pieceSize)).toEqual({ type: 3, declaredBytes: 1001 });
  });

  it('reports a 5 MB packet from its header alone, before any of its body', () => {
    expect(new PacketSizes(MAX).feed(Buffer.from([0x10, 0x80, 0x80, 0xc0, 0x02]))).toEqual({ type: 1, declaredBytes: 5 * 1024 * 1024 });
  });

  it('reports once, then stops looking', () => {
    const sizes = new PacketSizes(MAX);
    expect(sizes.feed(publish(MAX + 1))).toMatchObject({ type: 3 });
    expect(sizes.feed(publish(MAX + 1))).toBeNull();
  });

  it('leaves a remaining length of five bytes, which is malformed, to the parser and stops looking', () => {
    const sizes = new PacketSizes(MAX);
    expect(sizes.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toBeNull();
    expect(sizes.feed(publish(MAX + 1))).toBeNull();
  });

  it('allows a PUBLISH with the largest payload and the longest topic MQTT has', () => {
    const payload = 4096;
    const largest = mqttPacket.generate({ cmd: 'publish', topic: 't'.repeat(65_535), payload: Buffer.alloc(payload), qos: 1, messageId: 1, retain: false, dup: false });
    expect(new PacketSizes(largestPacketBytes(payload)).feed(largest)).toBeNull();
  });
});
