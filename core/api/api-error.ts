import { z } from 'zod';
import { ERROR_KINDS, UPSTREAM_SERVICES, type ErrorKind, type UpstreamService } from '../domain/errors.js';

/** The body of every error answer; the HTTP status follows from `kind` (README, "HTTP API"). */
export const apiErrorSchema = z.object({
  error: z.string(),
  kind: z.enum(ERROR_KINDS),
  /** invalid-input: the parameter or body field to fix, e.g. `limit` or `rules.0.filter`; a malformed answer: the answer's field that is wrong. */
  field: z.string().optional(),
  /** unavailable: which service behind the API failed. */
  service: z.enum(UPSTREAM_SERVICES).optional(),
  /** unexpected: the id the server's log has the stack under. */
  errorId: z.string().optional(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/** An error answer as the client rejects with it; the message is the server's `error`. */
export class ApiRequestError extends Error {
  readonly kind: ErrorKind;
  readonly field: string | null;
  readonly service: UpstreamService | null;
  readonly errorId: string | null;

  constructor(
    readonly status: number,
    answer: ApiError,
  ) {
    super(answer.error);
    this.name = 'ApiRequestError';
    this.kind = answer.kind;
    this.field = answer.field ?? null;
    this.service = answer.service ?? null;
    this.errorId = answer.errorId ?? null;
  }
}

/** The error answer in a response body; a body that is not one (a proxy's page) still gives a message. */
export function readApiError(payload: unknown, fallback: string): ApiError {
  const parsed = apiErrorSchema.safeParse(payload);
  return parsed.success ? parsed.data : { error: fallback, kind: 'unexpected' };
}

/**
 * A successful answer (or live frame) that does not match its schema: a bug on one side, so
 * 'unexpected', naming where it came from and the first field that is wrong (e.g. `figures.rates.at`).
 */
export function malformedAnswer(where: string, error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  const what = field === '' ? 'the answer' : field;
  return { error: `malformed answer from ${where}: ${what}: ${issue?.message ?? error.message}`, kind: 'unexpected', ...(field !== '' && { field }) };
}
