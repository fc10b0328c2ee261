export const REJECTION_REASONS = [
  'too-large',
  'not-json',
  'missing-field',
  'wrong-type',
  'out-of-range',
  'invalid-value',
  'unknown-topic',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rejection {
  reason: RejectionReason;
  /** Human-readable detail naming the field, e.g. "temperature: must be <= 300". */
  detail: string;
}
