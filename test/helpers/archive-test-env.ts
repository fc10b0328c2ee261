import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createS3Client } from '../../core/archive/s3-client.js';
import { redisClient } from './redis-client.js';
import { startTestS3, type TestS3 } from './s3rver.js';
import { startTestRedis, type TestRedis } from './test-redis.js';

/** What an archive test file runs against; its fields are set by the hooks of useArchiveTestEnv. */
export class ArchiveTestEnv {
  redisServer!: TestRedis;
  s3!: TestS3;
  redis!: Redis;
  s3Client!: S3Client;
  /** This test's S3 bucket: a name of its own in every test. */
  bucket = '';
}

/**
 * A real redis-server and a real S3 API (s3rver) for the file, started once and always stopped;
 * before each test Redis is flushed and the test gets a bucket name of its own (created, if asked).
 */
export function useArchiveTestEnv(bucketPrefix: string, { createBucket = false } = {}): ArchiveTestEnv {
  const env = new ArchiveTestEnv();
  let buckets = 0;
  beforeAll(async () => {
    [env.redisServer, env.s3] = await Promise.all([startTestRedis(), startTestS3()]);
    env.redis = redisClient(env.redisServer.url);
    env.s3Client = createS3Client(env.s3.settings('unused'));
  });
  afterAll(async () => {
    env.s3Client?.destroy();
    env.redis?.disconnect();
    await Promise.all([env.redisServer?.stop(), env.s3?.stop()]);
  });
  beforeEach(async () => {
    await env.redis.flushall();
    buckets += 1;
    env.bucket = `${bucketPrefix}-${buckets}`;
    if (createBucket) await env.s3.createBucket(env.bucket);
  });
  return env;
}
