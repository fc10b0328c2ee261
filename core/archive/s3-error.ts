import { Unavailable } from '../domain/errors.js';
import type { S3Settings } from './s3-client.js';

/** What an S3 failure is, whichever layer raised it: S3's own error code, an HTTP status, a socket error. */
export interface S3FailureCause {
  /** S3's error code (NoSuchBucket, AccessDenied, …), a Node socket code (ECONNREFUSED, …) or the error's name. */
  code: string;
  /** HTTP status of S3's answer; null when none came back. */
  status: number | null;
  message: string;
  /** The region S3 says the bucket is in, when it redirected. */
  bucketRegion: string | null;
}

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

export function s3FailureCause(error: unknown): S3FailureCause {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  // Node reports a refused connection to every address of a host as one AggregateError.
  const first = Array.isArray(shape.errors) ? (shape.errors[0] as SdkErrorShape | undefined) : undefined;
  const code = [shape.code, first?.code, shape.name].find((value): value is string => typeof value === 'string' && value !== '' && value !== 'Error');
  const message = typeof shape.message === 'string' && shape.message !== '' ? shape.message : String(first?.message ?? error);
  return {
    code: code ?? 'Error',
    status: shape.$metadata?.httpStatusCode ?? null,
    message,
    bucketRegion: shape.$response?.headers?.['x-amz-bucket-region'] ?? null,
  };
}

/** Where the archive writes, for messages: the endpoint without any user info, or AWS S3 and its region. */
export function describeEndpoint(settings: S3Settings): string {
  if (settings.endpoint === undefined) return `AWS S3 (${settings.region})`;
  const url = new URL(settings.endpoint);
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}

/** One clause saying why S3 refused or could not be reached, with what to change where that is clear. */
export function explainS3Failure(cause: S3FailureCause, settings: S3Settings): string {
  const bucket = `bucket "${settings.bucket ?? ''}"`;
  switch (cause.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the S3 server running, and is the port in --s3-endpoint right?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the endpoint host does not resolve (check --s3-endpoint / --s3-region)';
    case 'ETIMEDOUT':
    case 'TimeoutError':
      return 'no answer in time (S3 overloaded, or a firewall drops the traffic)';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was reset (is the endpoint really S3, and http/https right?)';
    case 'CredentialsProviderError':
      return "no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the config file's archive.s3 keys";
    case 'InvalidAccessKeyId':
      return 'S3 does not know the access key id (wrong key id)';
    case 'SignatureDoesNotMatch':
      return 'the secret access key does not belong to the access key id (wrong secret)';
    case 'NoSuchBucket':
      return `${bucket} does not exist (create it, or set archive.s3.createBucket to true)`;
    case 'AccessDenied':
    case 'Forbidden':
      return `access to ${bucket} denied (the key needs s3:ListBucket, s3:GetObject and s3:PutObject on it)`;
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
      return wrongRegion(cause, settings);
  }
  if (cause.status === 301) return wrongRegion(cause, settings);
  if (cause.status === 403) return `access to ${bucket} denied (${cause.code})`;
  if (cause.status !== null && cause.status >= 500) return `S3 answered ${cause.status} ${cause.code}: ${cause.message}`;
  return `${cause.code}: ${cause.message}`;
}

function wrongRegion(cause: S3FailureCause, settings: S3Settings): string {
  const actual = cause.bucketRegion !== null ? `region ${cause.bucketRegion}` : 'another region';
  return `bucket "${settings.bucket ?? ''}" is in ${actual}, not ${settings.region} (set --s3-region${cause.bucketRegion !== null ? ` ${cause.bucketRegion}` : ''})`;
}

/**
 * An S3 request of the archive failed: S3 is down, refuses the credentials, or the bucket is missing.
 * The message names the operation, the endpoint and the cause, never a secret.
 */
export class S3RequestError extends Unavailable {
  readonly failure: S3FailureCause;

  constructor(operation: string, settings: S3Settings, error: unknown) {
    const failure = s3FailureCause(error);
    super('s3', `${operation} at ${describeEndpoint(settings)} failed: ${explainS3Failure(failure, settings)}`, { cause: error });
    this.failure = failure;
  }
}
