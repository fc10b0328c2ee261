/**
 * A token bucket per client: up to `perSecond` messages in any second, refilled continuously, so a
 * device that sends a burst after a quiet spell is not punished but a flood is cut off within one.
 */
export class MessageRate {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = perSecond;
    this.refilledAt = now();
  }

  /** Takes one message's token; false when the client is over its rate. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
