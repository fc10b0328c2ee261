import { randomBytes } from 'node:crypto';

/**
 * Unique ids for readings, the role awsRequestId plays in the source document: a per-process random
 * prefix plus a counter, so minting one per reading costs no entropy and no syscall.
 */
export class RequestIds {
  private readonly prefix = randomBytes(5).toString('hex');
  private sequence = 0;

  next(): string {
    return `${this.prefix}-${(this.sequence++).toString(36)}`;
  }
}
