/** A Redis command of the archive failed (Redis away, or refusing): the pass stops and says so. */
export class RedisRequestError extends Error {
  constructor(operation: string, error: unknown) {
    super(`Redis ${operation} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    this.name = 'RedisRequestError';
  }
}

export async function redisRequest<T>(operation: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw new RedisRequestError(operation, error);
  }
}
