/**
 * What kind of failure an error is, said where it is raised, so the HTTP layer can answer every
 * error the same way (core/server/error-answer.ts) without knowing the layer it came from. An
 * error of none of these kinds is a bug: 'unexpected'.
 */

export const ERROR_KINDS = ['invalid-input', 'unauthorized', 'not-found', 'refused', 'conflict', 'throttled', 'unavailable', 'unexpected'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** The services behind the API whose failure is not the workbench's own. */
export const UPSTREAM_SERVICES = ['redis', 's3', 'broker'] as const;
export type UpstreamService = (typeof UPSTREAM_SERVICES)[number];

export abstract class KindedError extends Error {
  abstract readonly kind: Exclude<ErrorKind, 'unexpected'>;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request is wrong; `field` names the part to fix (`limit`, `rules.0.filter`) when one does. */
export class InvalidInput extends KindedError {
  readonly kind = 'invalid-input';

  constructor(
    message: string,
    readonly field: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The caller did not show the per-launch token. */
export class Unauthorized extends KindedError {
  readonly kind = 'unauthorized';
}

/** What the request names does not exist. */
export class NotFound extends KindedError {
  readonly kind = 'not-found';
}

/** Not allowed, whatever the state: a write on a read-only connection, an ACL that forbids the command. */
export class Refused extends KindedError {
  readonly kind = 'refused';
}

/** Not possible in the current state (already registered, in use, not configured); it may be once the state changes. */
export class Conflict extends KindedError {
  readonly kind = 'conflict';
}

/** Over a rate limit: the caller may try again once `retryAfterSeconds` have passed. */
export class Throttled extends KindedError {
  readonly kind = 'throttled';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A service behind the API failed or could not be reached. */
export class Unavailable extends KindedError {
  readonly kind = 'unavailable';

  constructor(
    readonly service: UpstreamService,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
