import { afterAll, describe, expect, it } from 'vitest';
import { BucketEncoder } from '../../../core/archive/bucket-encoder.js';
import { decodeBucket, encodeBucket } from '../../../core/archive/energy-object.js';

const encoder = new BucketEncoder(() => undefined);
afterAll(() => encoder.close());

describe('BucketEncoder', () => {
  it('gives on its worker thread exactly what encodeBucket gives in this one, for many buckets at once', async () => {
    const buckets = Array.from({ length: 20 }, (_, bucket) => Array.from({ length: 288 }, (_, i) => JSON.stringify({ bucket, i, eReal: [i, -i, 0, 1, 2, 3] })));
    const encoded = await Promise.all(buckets.map((readings) => encoder.encode(readings)));
    encoded.forEach((bucket, index) => {
      expect(bucket).toEqual(encodeBucket(buckets[index]!));
      expect(decodeBucket(bucket.body, bucket.rawSha256)).toEqual(buckets[index]);
    });
  });
});
