import { randomBytes } from 'node:crypto';
import type { ApiError } from '../api/api-error.js';
import { InvalidInput, KindedError, Unavailable, type ErrorKind, type UpstreamService } from '../domain/errors.js';
import { redisFailure } from '../redis/redis-failure.js';

/** The one place an error kind becomes an HTTP status. */
const STATUS_OF_KIND: Record<ErrorKind, number> = {
  'invalid-input': 400,
  unauthorized: 401,
  refused: 403,
  'not-found': 404,
  conflict: 409,
  throttled: 429,
  unavailable: 503,
  unexpected: 500,
};

const SERVICE_NAMES: Record<UpstreamService, string> = { redis: 'Redis', s3: 'S3', broker: 'The MQTT broker' };

export interface ErrorAnswer {
  status: number;
  body: ApiError;
}

/**
 * How the API answers a failure: by the kind the error carries (or its cause carries, for an error
 * that wraps one), Redis' errors by what ioredis says, Fastify's own refusals of a request (bad
 * JSON, an unsupported content type, a body too large) with their status. Anything else is a bug:
 * 500 with an id that the log line with the stack carries too.
 */
export function errorAnswer(error: unknown, log: (line: string) => void, where: string): ErrorAnswer {
  const known = classify(error);
  if (known) return answer(known.failure, known.message);
  const clientError = fastifyClientError(error);
  if (clientError) return { status: clientError.statusCode, body: { error: `body: ${clientError.message}`, kind: 'invalid-input', field: 'body' } };
  const errorId = randomBytes(4).toString('hex');
  const message = error instanceof Error ? error.message : String(error);
  log(`error ${errorId} answering ${where}: ${error instanceof Error ? (error.stack ?? message) : message}`);
  return { status: STATUS_OF_KIND.unexpected, body: { error: `unexpected error ${errorId}: ${message} (the log has the details)`, kind: 'unexpected', errorId } };
}

/**
 * The kind of the error, or of the first error down its `cause` chain that has one; the message is
 * the outermost one, which says what was being done.
 */
function classify(error: unknown): { failure: KindedError; message: string } | null {
  if (!(error instanceof Error)) return null;
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const failure = current instanceof KindedError ? current : redisFailure(current);
    if (failure) return { failure, message: current === error ? failure.message : error.message };
  }
  return null;
}

function answer(failure: KindedError, message: string): ErrorAnswer {
  const status = STATUS_OF_KIND[failure.kind];
  const { kind } = failure;
  if (failure instanceof InvalidInput && failure.field !== null) return { status, body: { error: message, kind, field: failure.field } };
  if (failure instanceof Unavailable) return { status, body: { error: `${SERVICE_NAMES[failure.service]} is unavailable: ${message}`, kind, service: failure.service } };
  return { status, body: { error: message, kind } };
}

function fastifyClientError(error: unknown): { statusCode: number; message: string } | null {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string' || !error.code.startsWith('FST_')) return null;
  const statusCode = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
  return statusCode >= 400 && statusCode < 500 ? { statusCode, message: error.message } : null;
}
