import S3rver from 's3rver';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { AddressInfo } from 'node:net';
import { createS3Client, type S3Settings } from '../../core/archive/s3-client.js';
import { configSchema } from '../../core/config/schema.js';
import { makeTempDir } from './temp-dir.js';

export interface TestS3 {
  endpoint: string;
  port: number;
  /** The archive settings that point at this server (path-style, s3rver's fixed credentials). */
  settings(bucket: string): S3Settings;
  /** Creates a bucket (the archiver can also do it itself with createBucket). */
  createBucket(bucket: string): Promise<void>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
  /** Stops the server without removing its directory; start it again with restart(). */
  pause(): Promise<void>;
  restart(): Promise<void>;
}

/** A real S3 HTTP API (s3rver) on 127.0.0.1 with its files in a temp dir. */
export async function startTestS3(): Promise<TestS3> {
  const dir = await makeTempDir('sw-s3-');
  let port = 0;
  let server: S3rver | null = null;
  const launch = async () => {
    server = new S3rver({ address: '127.0.0.1', port, silent: true, directory: dir.path });
    port = ((await server.run()) as AddressInfo).port;
  };
  await launch();
  const endpoint = `http://127.0.0.1:${port}`;
  const settings = (bucket: string): S3Settings =>
    configSchema.parse({
      archive: { s3: { endpoint, bucket, pathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    }).archive.s3;
  return {
    endpoint,
    port,
    settings,
    createBucket: async (bucket) => {
      const client = createS3Client(settings(bucket));
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
    pause: async () => {
      await server?.close();
      server = null;
    },
    restart: launch,
    stop: async () => {
      await server?.close();
      server = null;
      await dir.remove();
    },
  };
}
