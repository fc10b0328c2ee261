import { parentPort } from 'node:worker_threads';
import { encodeNdjson } from './energy-object.js';
import type { EncodeReply, EncodeRequest } from './bucket-encoder.js';

/** LZ4 and the checksums of archived buckets, off the archiver's thread (see bucket-encoder.ts). */
const port = parentPort!;
port.on('message', ({ id, ndjson }: EncodeRequest) => {
  const { body, ...sums } = encodeNdjson(ndjson);
  const reply: EncodeReply = { id, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), ...sums };
  port.postMessage(reply, [body.buffer as ArrayBuffer]);
});
