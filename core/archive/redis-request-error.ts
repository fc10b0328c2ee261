import { Unavailable } from '../domain/errors.js';

/** A Redis command of the archive failed (Redis away, or refusing): the pass stops and says so. */
export class RedisRequestError extends Unavailable {
  constructor(operation: string, error: unknown) {
    super('redis', `Redis ${operation} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export async function redisRequest<T>(operation: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw new RedisRequestError(operation, error);
  }
}
