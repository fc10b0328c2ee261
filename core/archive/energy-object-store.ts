import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type BucketLocationConstraint,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { EnergyBucketRef } from '../model/keys.js';
import type { ArchivedObjects } from '../api/archive.js';
import { CorruptObjectError, decodeBucket, energyObjectKey, metadataFor, type EncodedBucket } from './energy-object.js';
import type { S3Settings } from './s3-client.js';
import { S3RequestError, s3FailureCause } from './s3-error.js';

/** Rows per page of the Archive page's object list. */
const OBJECTS_PAGE = 100;
/** An ETag that is the MD5 of the body; S3 gives other ETags for multipart uploads and SSE-KMS / SSE-C objects. */
const MD5_ETAG = /^[0-9a-f]{32}$/;

/** S3 accepted the upload but holds something else than was sent: this bucket stays in Redis. */
export class UploadMismatchError extends Error {
  override name = 'UploadMismatchError';
}

/**
 * The archive's view of one S3 bucket: energy objects written and verified, read back for merging,
 * listed for the Archive page. Every S3 failure comes out as an S3RequestError naming its cause.
 */
export class EnergyObjectStore {
  private bucketReady: Promise<void> | null = null;

  constructor(
    private readonly client: S3Client,
    private readonly settings: S3Settings & { bucket: string },
  ) {}

  objectKey(bucket: EnergyBucketRef): string {
    return energyObjectKey(this.settings.keyPrefix, bucket.deviceId, bucket.bucketStart);
  }

  /**
   * Makes sure the bucket exists before the first upload, creating it when allowed. Asked once per
   * store; a failure (or a later NoSuchBucket) makes the next call ask again.
   */
  ensureBucket(): Promise<void> {
    this.bucketReady ??= this.headOrCreateBucket().catch((error: unknown) => {
      this.bucketReady = null;
      throw error;
    });
    return this.bucketReady;
  }

  /** The readings of an archived bucket; null when its object is gone (nothing left to keep). */
  async readReadings(bucket: EnergyBucketRef): Promise<string[] | null> {
    const key = this.objectKey(bucket);
    const object = await this.requestOrAbsent(`GetObject ${key}`, ['NoSuchKey'], () =>
      this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key })),
    );
    if (object === null) return null;
    const body = await this.request(`GetObject ${key}`, () => bodyBytes(object.Body));
    try {
      return decodeBucket(body, object.Metadata?.['raw-sha256']);
    } catch (error) {
      if (error instanceof CorruptObjectError) throw new CorruptObjectError(`${key} cannot be merged with late readings: ${error.message}`);
      throw error;
    }
  }

  /**
   * Uploads one encoded bucket and returns its ETag, without quotes, once S3 verifiably holds exactly
   * those bytes. That is the body's MD5 hex, except on buckets encrypted with SSE-KMS or SSE-C, where
   * S3's own ETag is returned so that the query side can still compare it with what S3 reports.
   */
  async write(bucket: EnergyBucketRef, encoded: EncodedBucket, readings: number): Promise<string> {
    const key = this.objectKey(bucket);
    const put = await this.request(`PutObject ${key}`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: key,
          Body: encoded.body,
          ContentMD5: encoded.md5Base64,
          ContentType: 'application/x-ndjson',
          // A copy: the SDK wants an index signature, which an interface type does not have.
          Metadata: { ...metadataFor(readings, encoded) },
        }),
      ),
    );
    // The ETag S3 answers the PUT with is the MD5 it computed over the bytes it stored: when it is
    // ours, that is the proof, and a HeadObject per bucket (half the archive's S3 requests) is saved.
    if ((put.ETag ?? '').replaceAll('"', '') === encoded.md5Hex) return encoded.md5Hex;
    return this.verify(key, encoded);
  }

  /** One ListObjectsV2 page of the energy objects, after `after` in key order. */
  async page(after: string | null): Promise<ArchivedObjects> {
    const prefix = `${this.settings.keyPrefix}energy/`;
    const listed = await this.request(`ListObjectsV2 ${prefix}`, () =>
      this.client.send(
        new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: prefix, MaxKeys: OBJECTS_PAGE, ...(after !== null && { StartAfter: after }) }),
      ),
    );
    const objects = (listed.Contents ?? []).map((object) => ({
      key: object.Key ?? '',
      bytes: object.Size ?? 0,
      lastModified: object.LastModified?.getTime() ?? 0,
    }));
    const last = objects.at(-1);
    return { objects, next: listed.IsTruncated === true && last !== undefined ? last.key : null };
  }

  private async verify(key: string, encoded: EncodedBucket): Promise<string> {
    const head = await this.request(`HeadObject ${key}`, () => this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key })));
    if (head.ContentLength !== encoded.body.length) {
      throw new UploadMismatchError(`${key}: S3 holds ${head.ContentLength ?? 'no'} bytes, ${encoded.body.length} were uploaded`);
    }
    const etag = (head.ETag ?? '').replaceAll('"', '');
    if (etagIsMd5(head, etag)) {
      if (etag !== encoded.md5Hex) throw new UploadMismatchError(`${key}: S3's ETag ${etag} is not the MD5 of the uploaded body (${encoded.md5Hex})`);
      return etag;
    }
    await this.compareReadBack(key, encoded.body);
    return etag;
  }

  /** For ETags that are not an MD5 the only proof is the bytes themselves. */
  private async compareReadBack(key: string, body: Buffer): Promise<void> {
    const stored = await this.request(`GetObject ${key}`, async () => {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return bodyBytes(object.Body);
    });
    if (!body.equals(stored)) throw new UploadMismatchError(`${key}: the object read back differs from the uploaded body`);
  }

  private async headOrCreateBucket(): Promise<void> {
    const { bucket, createBucket, region } = this.settings;
    const found = await this.requestOrAbsent(`HeadBucket ${bucket}`, ['NotFound', 'NoSuchBucket'], () =>
      this.client.send(new HeadBucketCommand({ Bucket: bucket })),
    );
    if (found !== null) return;
    if (!createBucket) {
      // HEAD answers carry no error code; say it the way S3 would on the upload.
      throw new S3RequestError(`HeadBucket ${bucket}`, this.settings, { name: 'NoSuchBucket', message: 'The specified bucket does not exist' });
    }
    // us-east-1 is S3's default location and rejects being named as a constraint.
    const location = region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
    await this.request(`CreateBucket ${bucket}`, () => this.client.send(new CreateBucketCommand({ Bucket: bucket, ...location })));
  }

  /** Runs one S3 call; its error becomes an S3RequestError. A NoSuchBucket makes the next upload check the bucket again. */
  private async request<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (s3FailureCause(error).code === 'NoSuchBucket') this.bucketReady = null;
      throw new S3RequestError(operation, this.settings, error);
    }
  }

  /** As request, but the error codes in `absentCodes` mean "not there" and give null. */
  private async requestOrAbsent<T>(operation: string, absentCodes: readonly string[], call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (error) {
      if (absentCodes.includes(s3FailureCause(error).code)) return null;
      throw new S3RequestError(operation, this.settings, error);
    }
  }
}

async function bodyBytes(body: { transformToByteArray(): Promise<Uint8Array> } | undefined): Promise<Uint8Array> {
  return body === undefined ? new Uint8Array() : body.transformToByteArray();
}

function etagIsMd5(head: HeadObjectCommandOutput, etag: string): boolean {
  const encrypted = head.ServerSideEncryption === 'aws:kms' || head.ServerSideEncryption === 'aws:kms:dsse' || head.SSECustomerAlgorithm !== undefined;
  return !encrypted && MD5_ETAG.test(etag);
}
