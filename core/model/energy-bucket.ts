/** Time buckets of the energy lists: each starts at a multiple of the bucket length, in Unix seconds (UTC). */
export function bucketStartOf(timestampSeconds: number, bucketSeconds: number): number {
  return timestampSeconds - (((timestampSeconds % bucketSeconds) + bucketSeconds) % bucketSeconds);
}

/** Every bucket start whose bucket overlaps [fromSeconds, toSeconds], oldest first. */
export function bucketsCovering(fromSeconds: number, toSeconds: number, bucketSeconds: number): number[] {
  const starts: number[] = [];
  for (let start = bucketStartOf(fromSeconds, bucketSeconds); start <= toSeconds; start += bucketSeconds) starts.push(start);
  return starts;
}

/** A bucket may be archived once its end plus the grace period has passed. */
export function isStale(bucketStart: number, bucketSeconds: number, graceSeconds: number, nowSeconds: number): boolean {
  return bucketStart + bucketSeconds + graceSeconds <= nowSeconds;
}
