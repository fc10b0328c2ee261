/**
 * A bucket that was archived and then got late readings: the new object keeps everything the old one
 * had, in its order, followed by the list's readings that are not in it yet. Within a device a
 * reading is identified by its own `timestamp`; so a reading uploaded by a run that crashed before
 * it could clean up Redis is not added a second time.
 */
export function mergeReadings(archived: readonly string[], fromRedis: readonly string[]): string[] {
  const present = new Set(archived.map(readingIdentity));
  const merged = [...archived];
  for (const reading of fromRedis) {
    const identity = readingIdentity(reading);
    if (present.has(identity)) continue;
    present.add(identity);
    merged.push(reading);
  }
  return merged;
}

/** The reading's timestamp; a line without one (not written by this ingest) is identified by its text. */
function readingIdentity(json: string): string {
  try {
    const timestamp = (JSON.parse(json) as { timestamp?: unknown }).timestamp;
    if (typeof timestamp === 'number') return `t:${timestamp}`;
  } catch {
    // Falls through: an unparsable line is still kept, once.
  }
  return `line:${json}`;
}
