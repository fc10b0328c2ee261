/** The source document publishes 11 readings every 4 seconds. */
export const DOCUMENT_BURST = 11;
export const DOCUMENT_INTERVAL_MS = 4000;
const FASTEST_TICK_MS = 10;

/**
 * How often to wake up for a given rate: the document's 4 s cadence at its own rate, shorter ticks
 * for higher rates so a benchmark load arrives smoothly rather than in 4-second bursts.
 */
export function tickIntervalMs(ratePerSecond: number): number {
  const msPerDocumentBurst = (DOCUMENT_BURST / ratePerSecond) * 1000;
  return Math.max(FASTEST_TICK_MS, Math.min(DOCUMENT_INTERVAL_MS, msPerDocumentBurst));
}

/** Readings owed since `startedAt` at `ratePerSecond`, minus those already sent; never negative. */
export function readingsDue(ratePerSecond: number, elapsedMs: number, alreadySent: number): number {
  return Math.max(0, Math.floor((ratePerSecond * elapsedMs) / 1000 + 1e-9) - alreadySent);
}
