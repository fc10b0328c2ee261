import { describe, expect, it } from 'vitest';
import type { S3Settings } from '../../../core/archive/s3-client.js';
import { describeEndpoint, explainS3Failure, S3RequestError, s3FailureCause } from '../../../core/archive/s3-error.js';
import { configSchema } from '../../../core/config/schema.js';

const settings: S3Settings = configSchema.parse({
  archive: { s3: { endpoint: 'http://minio:9000', bucket: 'meters', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret' } },
}).archive.s3;

/** An error shaped as the AWS SDK throws it for an S3 error answer. */
function s3Answer(name: string, status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: status }, $response: { headers } });
}

describe('S3 failures', () => {
  it('reads the code of socket errors, including a refusal by every address of a host', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });

    expect(s3FailureCause(refused)).toMatchObject({ code: 'ECONNREFUSED', status: null });
    expect(s3FailureCause(new AggregateError([refused], ''))).toMatchObject({ code: 'ECONNREFUSED', message: refused.message });
  });

  it.each([
    [s3Answer('NoSuchBucket', 404), /bucket "meters" does not exist .*createBucket/],
    [s3Answer('AccessDenied', 403), /access to bucket "meters" denied/],
    [s3Answer('InvalidAccessKeyId', 403), /wrong key id/],
    [s3Answer('SignatureDoesNotMatch', 403), /wrong secret/],
    [s3Answer('PermanentRedirect', 301, { 'x-amz-bucket-region': 'eu-west-1' }), /is in region eu-west-1, not us-east-1 \(set --s3-region eu-west-1\)/],
    [s3Answer('ServiceUnavailable', 503), /S3 answered 503 ServiceUnavailable/],
    [Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), /no credentials: set AWS_ACCESS_KEY_ID/],
    [Object.assign(new Error('getaddrinfo ENOTFOUND minio'), { code: 'ENOTFOUND' }), /does not resolve/],
  ])('explains %s', (error, expected) => {
    expect(explainS3Failure(s3FailureCause(error), settings)).toMatch(expected);
  });

  it('names the operation and the endpoint, never the secret or user info', () => {
    const error = new S3RequestError('PutObject energy/D1/0.ndjson.lz4', { ...settings, endpoint: 'http://user:pass@minio:9000' }, s3Answer('AccessDenied', 403));

    expect(error.message).toBe(
      'PutObject energy/D1/0.ndjson.lz4 at http://minio:9000 failed: access to bucket "meters" denied (the key needs s3:ListBucket, s3:GetObject and s3:PutObject on it)',
    );
    expect(error.message).not.toContain('very-secret');
    expect(describeEndpoint({ ...settings, endpoint: undefined })).toBe('AWS S3 (us-east-1)');
  });
});
