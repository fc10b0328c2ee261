import type { DeadLetter } from '../model/dead-letter-persist.js';
import type { MeterReading } from '../model/meter-reading.js';
import type { TopicHashEntry } from '../model/topic-hash-persist.js';
import type { QueuedReading } from './queued-reading.js';

/** What one transaction writes, and whom it lets go once Redis has it. */
export interface QueuedBatch {
  readings: QueuedReading[];
  meterReadings: MeterReading[];
  topicHashes: TopicHashEntry[];
  deadLetters: DeadLetter[];
  /** The releases of the messages whose writes all lie in this batch or an earlier one, in offer order. */
  releases: Array<() => void>;
  /** The last source batch wholly written once this transaction is applied; -1 before the first. */
  sourceSeq: number;
}

/** How many of each kind had been offered when one message's writes ended. */
interface Boundary {
  readings: number;
  meterReadings: number;
  topicHashes: number;
  deadLetters: number;
  release: (() => void) | null;
  /** False inside a source batch: a transaction never holds part of one, so that a replay of it cannot write anything twice. */
  cuttable: boolean;
  sourceSeq: number | null;
}

interface Counts {
  readings: number;
  meterReadings: number;
  topicHashes: number;
  deadLetters: number;
}

/**
 * The writes offered and not yet taken into a transaction, in offer order, with each message's
 * boundary. A message is released only once the transaction holding its last write is applied,
 * and transactions are applied in order, so releases follow the order messages arrived in.
 *
 * A source that numbers its batches of messages (the broker thread feeding the ingest worker)
 * opens and closes each batch; transactions then end only between source batches, so the marker
 * each transaction records ("source batches up to N are in Redis") is exact, and a source that
 * replays everything after N after a crash writes nothing twice.
 */
export class WriteQueue {
  private readings: QueuedReading[] = [];
  private meterReadings: MeterReading[] = [];
  private topicHashes: TopicHashEntry[] = [];
  private deadLetters: DeadLetter[] = [];
  private boundaries: Boundary[] = [];
  private readonly offered: Counts = { readings: 0, meterReadings: 0, topicHashes: 0, deadLetters: 0 };
  private readonly taken: Counts = { readings: 0, meterReadings: 0, topicHashes: 0, deadLetters: 0 };
  private sourceBatchOpen = false;
  private boundariesAtOpen = 0;
  private lastSourceSeq = -1;
  private releases = 0;

  /** Readings, meter readings and stored messages waiting; dead letters are not readings. */
  get readingCount(): number {
    return this.readings.length + this.meterReadings.length + this.topicHashes.length;
  }

  /** Everything held, dead letters included: what the buffer limit bounds. */
  get itemCount(): number {
    return this.readingCount + this.deadLetters.length;
  }

  /** Messages waiting whose senders wait for their writes. */
  get releaseCount(): number {
    return this.releases;
  }

  get isEmpty(): boolean {
    return this.boundaries.length === 0;
  }

  addReading(reading: QueuedReading, release: (() => void) | null): void {
    this.readings.push(reading);
    this.offered.readings += 1;
    this.endMessage(release);
  }

  addMeterReadings(readings: readonly MeterReading[], release: (() => void) | null): void {
    for (const reading of readings) this.meterReadings.push(reading);
    this.offered.meterReadings += readings.length;
    this.endMessage(release);
  }

  addTopicHash(entry: TopicHashEntry, release: (() => void) | null): void {
    this.topicHashes.push(entry);
    this.offered.topicHashes += 1;
    this.endMessage(release);
  }

  addDeadLetter(letter: DeadLetter, release: (() => void) | null): void {
    this.deadLetters.push(letter);
    this.offered.deadLetters += 1;
    this.endMessage(release);
  }

  openSourceBatch(): void {
    this.sourceBatchOpen = true;
    this.boundariesAtOpen = this.boundaries.length;
  }

  closeSourceBatch(seq: number): void {
    this.sourceBatchOpen = false;
    if (this.boundaries.length === this.boundariesAtOpen) return;
    const last = this.boundaries[this.boundaries.length - 1]!;
    last.cuttable = true;
    last.sourceSeq = seq;
  }

  /**
   * The oldest messages whose writes stay within `maxBatch` of each kind, cut at a message
   * boundary outside any open source batch; at least one message even if it is larger. Null when
   * nothing can be taken yet.
   */
  take(maxBatch: number): QueuedBatch | null {
    const cut = this.cutIndex(maxBatch);
    if (cut < 0) return null;
    const boundaries = this.boundaries.splice(0, cut + 1);
    const end = boundaries[cut]!;
    const releases: Array<() => void> = [];
    for (const boundary of boundaries) {
      if (boundary.release) releases.push(boundary.release);
      if (boundary.sourceSeq !== null) this.lastSourceSeq = boundary.sourceSeq;
    }
    const batch: QueuedBatch = {
      readings: this.readings.splice(0, end.readings - this.taken.readings),
      meterReadings: this.meterReadings.splice(0, end.meterReadings - this.taken.meterReadings),
      topicHashes: this.topicHashes.splice(0, end.topicHashes - this.taken.topicHashes),
      deadLetters: this.deadLetters.splice(0, end.deadLetters - this.taken.deadLetters),
      releases,
      sourceSeq: this.lastSourceSeq,
    };
    this.releases -= releases.length;
    Object.assign(this.taken, { readings: end.readings, meterReadings: end.meterReadings, topicHashes: end.topicHashes, deadLetters: end.deadLetters });
    return batch;
  }

  /** What is waiting, for a drain that gave up. */
  remaining(): Pick<QueuedBatch, 'readings' | 'meterReadings' | 'topicHashes'> {
    return { readings: this.readings, meterReadings: this.meterReadings, topicHashes: this.topicHashes };
  }

  private endMessage(release: (() => void) | null): void {
    const { readings, meterReadings, topicHashes, deadLetters } = this.offered;
    const cuttable = !this.sourceBatchOpen;
    if (release) this.releases += 1;
    this.boundaries.push({ readings, meterReadings, topicHashes, deadLetters, release, cuttable, sourceSeq: null });
  }

  private cutIndex(maxBatch: number): number {
    let cut = -1;
    for (let index = 0; index < this.boundaries.length; index++) {
      const boundary = this.boundaries[index]!;
      if (!boundary.cuttable) continue;
      if (cut >= 0 && this.exceeds(boundary, maxBatch)) break;
      cut = index;
    }
    return cut;
  }

  private exceeds(boundary: Boundary, maxBatch: number): boolean {
    return (
      boundary.readings - this.taken.readings > maxBatch ||
      boundary.meterReadings - this.taken.meterReadings > maxBatch ||
      boundary.topicHashes - this.taken.topicHashes > maxBatch
    );
  }
}
