/**
 * Decoded S3 objects, least recently used first out, bounded by an estimate of their bytes.
 *
 * One entry per object key, tagged with the ETag it was decoded from: a lookup with another ETag
 * (the archiver re-uploaded the bucket after late readings) misses and drops the old copy, so a
 * re-upload is never served stale and never holds memory twice.
 */
export class ArchivedObjectCache<T> {
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  private readonly entries = new Map<string, { etag: string; value: T; bytes: number }>();
  private usedBytes = 0;

  constructor(private readonly maxBytes: number) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0) throw new Error(`cache size must be a number of bytes ≥ 0, got ${maxBytes}`);
  }

  get(objectKey: string, etag: string): T | undefined {
    const entry = this.entries.get(objectKey);
    if (!entry) return undefined;
    this.entries.delete(objectKey);
    if (entry.etag !== etag) {
      this.usedBytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(objectKey, entry);
    return entry.value;
  }

  /** An object larger than the whole cache is not kept (it would only evict everything else). */
  set(objectKey: string, etag: string, value: T, bytes: number): void {
    const previous = this.entries.get(objectKey);
    if (previous) {
      this.entries.delete(objectKey);
      this.usedBytes -= previous.bytes;
    }
    if (bytes > this.maxBytes) return;
    this.entries.set(objectKey, { etag, value, bytes });
    this.usedBytes += bytes;
    for (const [key, entry] of this.entries) {
      if (this.usedBytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.usedBytes -= entry.bytes;
    }
  }

  get bytes(): number {
    return this.usedBytes;
  }

  get size(): number {
    return this.entries.size;
  }
}
