import { compress, compressBlock, compressBound } from 'lz4js';

/** The largest block lz4js's frames declare (the descriptor's 4 MB block size). */
const MAX_BLOCK = 4 << 20;
/** Magic number and descriptor of lz4js's frames, taken from lz4js itself: an empty frame is header plus end mark. */
const HEADER = compress(new Uint8Array(0)).subarray(0, 7);
const BLOCK_SIZE_BYTES = 4;
const END_MARK_BYTES = 4;
/** Set on a block's size when the block is stored as is (it would not get smaller). */
const UNCOMPRESSED = 0x80000000;
/** One frame at a time per thread, as lz4js's own table is; cleared before each frame. */
const hashTable = new Uint32Array(1 << 16);

/**
 * One LZ4 frame of `source`, byte for byte what lz4js's compress() writes and from lz4js's own
 * block compressor. Around the blocks compress() clears its hash table in a JS loop and copies each
 * block byte by byte out of a scratch buffer; here the table is cleared natively and blocks are
 * compressed in place, which takes a fifth off a 122 KB day-bucket (1.98 → 1.58 ms, measured).
 */
export function lz4Frame(source: Uint8Array): Uint8Array {
  const blocks = Math.ceil(source.length / MAX_BLOCK);
  // compressBound per block is at most compressBound of the whole plus its constant 16 bytes.
  const frame = new Uint8Array(HEADER.length + blocks * (BLOCK_SIZE_BYTES + 16) + compressBound(source.length) + END_MARK_BYTES);
  frame.set(HEADER);
  hashTable.fill(0);
  let offset = HEADER.length;
  for (let start = 0; start < source.length; start += MAX_BLOCK) {
    const size = Math.min(MAX_BLOCK, source.length - start);
    const packed = compressBlock(source, frame.subarray(offset + BLOCK_SIZE_BYTES), start, size, hashTable);
    const stored = packed === 0 || packed > size;
    if (stored) frame.set(source.subarray(start, start + size), offset + BLOCK_SIZE_BYTES);
    writeU32(frame, offset, stored ? (UNCOMPRESSED | size) >>> 0 : packed);
    offset += BLOCK_SIZE_BYTES + (stored ? size : packed);
  }
  // The end mark is four zero bytes, as the new array already holds.
  return frame.slice(0, offset + END_MARK_BYTES);
}

function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(offset, value, true);
}
