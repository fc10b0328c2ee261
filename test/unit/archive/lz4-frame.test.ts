import { randomBytes } from 'node:crypto';
import { compress, decompress } from 'lz4js';
import { describe, expect, it } from 'vitest';
import { lz4Frame } from '../../../core/archive/lz4-frame.js';

const ndjson = (lines: number) =>
  Buffer.from(Array.from({ length: lines }, (_, i) => `${JSON.stringify({ deviceId: 'meter-000001', timestamp: 1_700_000_000 + i * 300, eReal: [i, i * 7, 0] })}\n`).join(''));

describe('lz4Frame', () => {
  it.each([
    ['empty', new Uint8Array(0)],
    ['shorter than a match', Buffer.from('{"a":1}\n')],
    ['a day-bucket of readings', ndjson(288)],
    ['incompressible bytes (stored blocks)', randomBytes(100_000)],
    ['more than one 4 MB block', ndjson(60_000)],
    ['a compressible block after a stored one', Buffer.concat([randomBytes(4 << 20), ndjson(2_000)])],
  ])('writes exactly the frame lz4js compress() writes: %s', (_, source) => {
    const frame = lz4Frame(source);
    expect(Buffer.from(frame).equals(Buffer.from(compress(source)))).toBe(true);
    expect(Buffer.from(decompress(frame)).equals(Buffer.from(source))).toBe(true);
  });

  it('starts every frame with a clean hash table', () => {
    const first = ndjson(300);
    lz4Frame(ndjson(500));
    expect(Buffer.from(lz4Frame(first)).equals(Buffer.from(compress(first)))).toBe(true);
  });
});
