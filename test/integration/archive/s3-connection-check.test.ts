import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, type S3Settings } from '../../../core/archive/s3-client.js';
import { checkS3Connection } from '../../../core/archive/s3-connection-check.js';
import type { S3ConnectionCheck } from '../../../core/api/archive.js';
import { freePort } from '../../helpers/free-port.js';
import { startTestS3, type TestS3 } from '../../helpers/s3rver.js';

/** The Archive page's "Test connection" against a real S3 API (s3rver) and against endpoints that are wrong in one way each. */

const BUCKET = 'connection-check';
/** s3rver does not check SigV4 signatures, so any secret passes; it must still never show up in the answer. */
const SECRET = 'do-not-show-this-secret';

let s3: TestS3;

beforeAll(async () => {
  s3 = await startTestS3();
  await s3.createBucket(BUCKET);
});

afterAll(async () => {
  await s3?.stop();
});

function settings(overrides: Partial<S3Settings> = {}): S3Settings {
  return { ...s3.settings(BUCKET), ...overrides };
}

function failedStep(check: S3ConnectionCheck): string | undefined {
  return check.steps.find((step) => !step.ok)?.step;
}

describe('checkS3Connection', () => {
  it('passes every step against a working S3 and leaves no test object behind', async () => {
    const check = await checkS3Connection(settings({ secretAccessKey: SECRET }));

    expect(check.problem).toBeNull();
    expect(check.ok).toBe(true);
    expect(check.steps.map((step) => step.step)).toEqual(['config', 'dns', 'connect', 'tls', 'credentials', 'bucket', 'write', 'read', 'delete']);
    expect(check.steps.every((step) => step.ok && step.ms >= 0 && step.detail !== '')).toBe(true);
    const client = createS3Client(settings());
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'energy/' }));
    client.destroy();
    expect(listed.Contents ?? []).toEqual([]);
    expect(JSON.stringify(check)).not.toContain(SECRET);
  });

  it('names a refused connection and the port', async () => {
    const port = await freePort();

    const check = await checkS3Connection(settings({ endpoint: `http://127.0.0.1:${port}` }));

    expect(check.ok).toBe(false);
    expect(failedStep(check)).toBe('connect');
    expect(check.problem).toContain('connection refused');
    expect(check.problem).toContain(`127.0.0.1:${port}`);
  });

  it('names a host that does not resolve', async () => {
    const check = await checkS3Connection(settings({ endpoint: 'http://nonexistent.invalid:9000' }));

    expect(failedStep(check)).toBe('dns');
    expect(check.problem).toMatch(/nonexistent\.invalid does not resolve \(ENOTFOUND\)/);
    expect(check.problem).toContain('--s3-endpoint');
  });

  it('says when an https endpoint does not speak TLS', async () => {
    const check = await checkS3Connection(settings({ endpoint: `https://127.0.0.1:${s3.port}` }));

    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['config', true],
      ['dns', true],
      ['connect', true],
      ['tls', false],
    ]);
    expect(check.problem).toMatch(/does not speak TLS/);
    expect(check.problem).toContain('http://');
  });

  it('says a missing bucket does not exist, and whether the archiver would create it', async () => {
    const withCreate = await checkS3Connection(settings({ bucket: 'no-such-bucket', createBucket: true }));
    const withoutCreate = await checkS3Connection(settings({ bucket: 'no-such-bucket', createBucket: false }));

    expect(failedStep(withCreate)).toBe('bucket');
    expect(withCreate.problem).toContain('Bucket "no-such-bucket" does not exist');
    expect(withCreate.problem).toContain('the archiver creates it');
    expect(withoutCreate.problem).toContain('set archive.s3.createBucket to true');
  });

  it('names an access key id S3 does not know, without showing it whole', async () => {
    const check = await checkS3Connection(settings({ accessKeyId: 'AKIAWRONGWRONGWRONG1' }));

    expect(failedStep(check)).toBe('credentials');
    expect(check.problem).toContain('wrong key id');
    expect(check.problem).toContain('archive.s3.accessKeyId');
    expect(JSON.stringify(check)).not.toContain('AKIAWRONGWRONGWRONG1');
  });

  it('says what to set when no bucket is configured', async () => {
    const check = await checkS3Connection(settings({ bucket: undefined }));

    expect(check.steps).toHaveLength(1);
    expect(failedStep(check)).toBe('config');
    expect(check.problem).toContain('--s3-bucket');
  });
});
