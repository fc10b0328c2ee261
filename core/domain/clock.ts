/**
 * Milliseconds since the epoch with sub-millisecond resolution, comparable across worker threads
 * (performance.now() alone counts from each thread's own start).
 */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
