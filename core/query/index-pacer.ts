/**
 * Keeps a walk over the keyspace at or under `keysPerSecond` on average since it began, so a build
 * or a verify leaves Redis to ingest: each step's keys are paid for by waiting before the next.
 */
export class IndexPacer {
  private readonly startedAt = performance.now();
  private keys = 0;

  constructor(private readonly keysPerSecond: number) {}

  /** Keys per second since the walk began. */
  get rate(): number {
    const elapsedMs = performance.now() - this.startedAt;
    return elapsedMs > 0 ? (this.keys * 1000) / elapsedMs : 0;
  }

  /** Resolves once the walk may go on after `keys` more keys. */
  async paid(keys: number, signal: AbortSignal): Promise<void> {
    this.keys += keys;
    const dueMs = (this.keys * 1000) / this.keysPerSecond - (performance.now() - this.startedAt);
    if (dueMs <= 0 || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, dueMs);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
