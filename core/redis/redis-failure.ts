import { ReplyError } from 'ioredis';
import { Conflict, Refused, Unavailable, type KindedError } from '../domain/errors.js';

/** ioredis' own errors for a server it cannot reach or gave up on (no offline queue: commands fail at once). */
const UNREACHABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const UNREACHABLE_MESSAGES =
  /^(Connection is closed|Stream isn't writeable|Command timed out|None of startup nodes is available|Cluster is disconnect|Cluster isn't ready|Node is disconnected|All sentinels are unreachable|Failed to refresh slots cache)/;
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Replies by which Redis says it cannot serve right now rather than that the command is wrong. */
const NOT_SERVING = /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/;
/** Replies that refuse the command for this user or this server, whatever its arguments. */
const FORBIDDEN = /^(NOPERM|READONLY|NOAUTH)\b/;

/**
 * What kind of failure an error from ioredis is, so the API can answer it: the server away, the
 * server refusing the command (ACL, read-only replica), or Redis answering an error reply. Null
 * for an error that is not Redis' at all, which the caller treats as a bug.
 */
export function redisFailure(error: Error): KindedError | null {
  if (error instanceof ReplyError) return replyFailure(error);
  if (UNREACHABLE_NAMES.has(error.name) || UNREACHABLE_MESSAGES.test(error.message) || UNREACHABLE_CODES.has(socketCode(error))) {
    return new Unavailable('redis', error.message, { cause: error });
  }
  return null;
}

function replyFailure(error: Error): KindedError {
  if (NOT_SERVING.test(error.message)) return new Unavailable('redis', error.message, { cause: error });
  if (FORBIDDEN.test(error.message)) return new Refused(`Redis refused: ${error.message}`, { cause: error });
  // Redis answered, but with an error (e.g. WRONGTYPE: the key exists with another type): not an outage.
  return new Conflict(`Redis refused: ${error.message}`, { cause: error });
}

function socketCode(error: Error): string {
  return 'code' in error && typeof error.code === 'string' ? error.code : '';
}
