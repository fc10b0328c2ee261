/** Waits between automatic attempts while archiving fails; the last one repeats. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [5_000, 15_000, 30_000, 60_000, 120_000, 300_000];

export interface Failing {
  error: string;
  /** When the current run of failures began (ms since epoch). */
  since: number;
  /** When the next automatic attempt is due. */
  retryAt: number;
}

/**
 * The archive's failure state: while S3 (or Redis) keeps failing, each further attempt waits longer,
 * so an endpoint that is down is not hammered every few seconds. One success resets it.
 */
export class FailureBackoff {
  private state: Failing | null = null;
  private failures = 0;

  constructor(private readonly delaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS) {
    if (delaysMs.length === 0) throw new Error('retry delays must not be empty');
  }

  get failing(): Failing | null {
    return this.state;
  }

  failed(error: string, nowMs: number): Failing {
    const delay = this.delaysMs[Math.min(this.failures, this.delaysMs.length - 1)] as number;
    this.failures += 1;
    this.state = { error, since: this.state?.since ?? nowMs, retryAt: nowMs + delay };
    return this.state;
  }

  succeeded(): void {
    this.state = null;
    this.failures = 0;
  }
}
