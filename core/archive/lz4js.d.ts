/** lz4js ships no types; these are the calls the archive uses (LZ4 frame format, and its block compressor). */
declare module 'lz4js' {
  export function compress(source: Uint8Array): Uint8Array;
  export function decompress(source: Uint8Array, maxSize?: number): Uint8Array;
  /** The LZ4 worst case for `length` bytes. */
  export function compressBound(length: number): number;
  /**
   * Compresses source[start, start + length) into dst from index 0, with positions in `hashTable`
   * (2^16 entries, zero = empty) kept across the blocks of one frame. Returns the bytes written; 0
   * when nothing could be encoded.
   */
  export function compressBlock(source: Uint8Array, dst: Uint8Array, start: number, length: number, hashTable: Uint32Array): number;
}
