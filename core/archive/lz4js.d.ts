/** lz4js ships no types; these are the two calls the archive uses (LZ4 frame format). */
declare module 'lz4js' {
  export function compress(source: Uint8Array): Uint8Array;
  export function decompress(source: Uint8Array, maxSize?: number): Uint8Array;
}
