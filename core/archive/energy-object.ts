import { createHash } from 'node:crypto';
import { decompress } from 'lz4js';
import { lz4Frame } from './lz4-frame.js';

/**
 * One archived bucket: its readings as NDJSON (one reading per line, exactly as stored in the list),
 * compressed to a single LZ4 frame that the reference `lz4` CLI decodes. lz4js writes no content
 * checksum, so the SHA-256 of the NDJSON travels in the object's metadata and is checked on read.
 */
export interface EncodedBucket {
  body: Buffer;
  rawBytes: number;
  rawSha256: string;
  /** Base64 MD5 of the body, for Content-MD5 and to compare with the ETag. */
  md5Base64: string;
  md5Hex: string;
}

/** x-amz-meta-* fields written with every object. */
export interface EnergyObjectMetadata {
  readings: string;
  'raw-bytes': string;
  'raw-sha256': string;
}

export function energyObjectKey(keyPrefix: string, deviceId: string, bucketStart: number): string {
  return `${keyPrefix}energy/${deviceId}/${bucketStart}.ndjson.lz4`;
}

export function encodeBucket(readings: ReadonlyArray<string | Buffer>): EncodedBucket {
  return encodeNdjson(ndjsonOf(readings));
}

/** The readings as NDJSON bytes: one per line, each line ended. */
export function ndjsonOf(readings: ReadonlyArray<string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const reading of readings) parts.push(typeof reading === 'string' ? Buffer.from(reading, 'utf8') : reading, NEWLINE);
  return Buffer.concat(parts);
}

const NEWLINE = Buffer.from('\n');

export function encodeNdjson(raw: Uint8Array): EncodedBucket {
  const body = lz4Frame(raw);
  const md5 = createHash('md5').update(body).digest();
  return {
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    rawBytes: raw.byteLength,
    rawSha256: createHash('sha256').update(raw).digest('hex'),
    md5Base64: md5.toString('base64'),
    md5Hex: md5.toString('hex'),
  };
}

export function metadataFor(readings: number, encoded: EncodedBucket): EnergyObjectMetadata {
  return { readings: String(readings), 'raw-bytes': String(encoded.rawBytes), 'raw-sha256': encoded.rawSha256 };
}

export class CorruptObjectError extends Error {}

/**
 * The readings of an archived object, one JSON string each. Throws CorruptObjectError when the
 * frame does not decode or the NDJSON does not match the checksum recorded at upload.
 */
export function decodeBucket(body: Uint8Array, expectedSha256: string | undefined): string[] {
  let raw: Buffer;
  try {
    raw = Buffer.from(decompress(body));
  } catch (error) {
    throw new CorruptObjectError(`not a readable LZ4 frame (${(error as Error).message})`);
  }
  if (expectedSha256 !== undefined && createHash('sha256').update(raw).digest('hex') !== expectedSha256) {
    throw new CorruptObjectError('content does not match the SHA-256 recorded at upload');
  }
  const text = raw.toString('utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new CorruptObjectError('NDJSON is truncated (no final newline)');
  return text.slice(0, -1).split('\n');
}
