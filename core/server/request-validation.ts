import type { z } from 'zod';

/** Bad input from a client: answered with 400 and the message. */
export class BadRequest extends Error {}

/** Validates a request part with a schema; the first issue becomes a one-line BadRequest naming the field. */
export function parseRequest<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new BadRequest(`${issue.path.join('.') || 'request'}: ${issue.message}`);
}

/** A service behind the API (S3) failed: answered with 502 and the message, so it is not mistaken for Redis. */
export class UpstreamFailure extends Error {}

/** Runs `work`, turning any failure into an UpstreamFailure that names the service. */
export async function fromUpstream<T>(service: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new UpstreamFailure(`${service}: ${(error as Error).message}`);
  }
}
