import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { BadBucket } from '../api/replay.js';
import { CorruptObjectError, decodeBucket, energyObjectKey } from '../archive/energy-object.js';
import { s3FailureCause } from '../archive/s3-error.js';
import { Conflict } from '../domain/errors.js';
import { meterTopic } from '../domain/topics.js';
import { bucketStartOf } from '../model/energy-bucket.js';
import type { EnergyS3Target } from '../query/energy-query.js';
import { columnsOf } from '../query/reading-columns.js';
import type { ReplayMessage } from './replay-line.js';
import { SkipTally, type ReplaySourceReader } from './replay-source.js';

export interface ArchiveSourceOptions {
  s3: EnergyS3Target;
  deviceId: string;
  /** Unix seconds, both inclusive. */
  from: number;
  to: number;
  bucketSeconds: number;
}

/** A stalled S3 endpoint fails its bucket instead of holding the replay forever. */
const S3_TIMEOUT_MS = 20_000;

interface ArchivedBucket {
  bucketStart: number;
  objectKey: string;
}

type BucketReadings = { lines: string[]; timestamps: Float64Array } | { error: string };

/**
 * A meter's archived buckets straight from S3: listed once (ListObjectsV2 on the meter's key
 * prefix), then downloaded one ahead of the one playing and decoded as the energy query does (LZ4
 * frame, SHA-256 recorded at upload, one JSON reading per line, one reading per timestamp). Only
 * List and Get are ever sent: a replay never deletes or rewrites an archived object. A bucket that
 * cannot be read is named in badBuckets, and the rest of the range plays. Each reading is published
 * as the meter would send it over MQTT: `[reading]` on meters/<id>/energy, at its own timestamp.
 */
export class ArchiveSource implements ReplaySourceReader {
  readonly skipped = new SkipTally();
  readonly total = null;
  readonly label: string;
  private readonly bad = new Map<number, BadBucket>();
  private firstReading: number | null = null;
  /** The first bucket, read while opening to find where the replay starts, kept for the first pass. */
  private opened: { bucketStart: number; readings: BucketReadings } | null = null;

  private constructor(
    private readonly options: ArchiveSourceOptions,
    private readonly buckets: ArchivedBucket[],
  ) {
    const { s3, deviceId } = options;
    this.label = `meter ${deviceId} from s3://${s3.bucket}/${s3.keyPrefix}energy/${deviceId}/ (${buckets.length} archived bucket${buckets.length === 1 ? '' : 's'})`;
  }

  /** Lists the meter's archived buckets in the range and reads the first; Conflict when none is archived there. */
  static async open(options: ArchiveSourceOptions): Promise<ArchiveSource> {
    const buckets = await listBuckets(options);
    if (buckets.length === 0) {
      const { s3, deviceId, from, to } = options;
      throw new Conflict(`no archived bucket of meter ${deviceId} covers ${isoSeconds(from)} … ${isoSeconds(to)} in s3://${s3.bucket}/${s3.keyPrefix}energy/${deviceId}/`);
    }
    const source = new ArchiveSource(options, buckets);
    await source.findStart();
    return source;
  }

  get badBuckets(): BadBucket[] {
    return [...this.bad.values()].sort((a, b) => a.bucketStart - b.bucketStart);
  }

  get startTime(): number {
    return this.firstReading ?? this.options.from * 1000;
  }

  get endTime(): number {
    const last = this.buckets.at(-1)!;
    return Math.max(this.startTime, Math.min(this.options.to, last.bucketStart + this.options.bucketSeconds - 1) * 1000);
  }

  async *pages(fromTime: number): AsyncGenerator<ReplayMessage[]> {
    const { bucketSeconds } = this.options;
    const playing = this.buckets.filter(({ bucketStart }) => (bucketStart + bucketSeconds) * 1000 > fromTime);
    let next = playing.length > 0 ? this.read(playing[0]!) : null;
    for (let index = 0; index < playing.length; index += 1) {
      const readings = await next!;
      // One download ahead: the next bucket arrives while this one plays.
      next = index + 1 < playing.length ? this.read(playing[index + 1]!) : null;
      if ('error' in readings) continue;
      const page = this.messagesOf(readings, fromTime);
      if (page.length > 0) yield page;
    }
  }

  private messagesOf({ lines, timestamps }: { lines: string[]; timestamps: Float64Array }, fromTime: number): ReplayMessage[] {
    const { deviceId, from, to } = this.options;
    const topic = meterTopic(deviceId);
    const messages: ReplayMessage[] = [];
    for (let index = 0; index < lines.length; index += 1) {
      const timestamp = timestamps[index]!;
      if (timestamp < from || timestamp > to || timestamp * 1000 < fromTime) continue;
      messages.push({ time: timestamp * 1000, topic, payload: Buffer.from(`[${lines[index]}]`), qos: 1, retain: false });
    }
    return messages;
  }

  private async findStart(): Promise<void> {
    for (const bucket of this.buckets) {
      const readings = await this.read(bucket);
      if ('error' in readings) continue;
      const { timestamps } = readings;
      const first = timestamps.find((timestamp) => timestamp >= this.options.from && timestamp <= this.options.to);
      if (first !== undefined) {
        this.firstReading = first * 1000;
        this.opened = { bucketStart: bucket.bucketStart, readings };
        return;
      }
    }
  }

  /** A bucket's readings, sorted, one per timestamp; or why it cannot be read, noted in badBuckets. */
  private async read({ bucketStart, objectKey }: ArchivedBucket): Promise<BucketReadings> {
    if (this.opened?.bucketStart === bucketStart) {
      const { readings } = this.opened;
      this.opened = null;
      return readings;
    }
    const { client, bucket } = this.options.s3;
    let readings: BucketReadings;
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }), { abortSignal: AbortSignal.timeout(S3_TIMEOUT_MS) });
      if (!object.Body) throw new CorruptObjectError('the object has no body');
      const lines = decodeBucket(await object.Body.transformToByteArray(), object.Metadata?.['raw-sha256']);
      const { columns, invalidLines } = columnsOf(lines);
      if (invalidLines.length > 0) throw new CorruptObjectError(`line ${invalidLines[0]! + 1} of ${lines.length} is not a JSON reading with a timestamp`);
      readings = { lines: columns.lines, timestamps: columns.timestamps };
    } catch (error) {
      readings = { error: error instanceof CorruptObjectError ? `corrupt: ${error.message}` : `S3 could not give it: ${describeS3Failure(error)}` };
    }
    if ('error' in readings && !this.bad.has(bucketStart)) this.bad.set(bucketStart, { bucketStart, objectKey, reason: readings.error });
    return readings;
  }
}

/** The meter's objects whose bucket overlaps [from, to], oldest first: one ListObjectsV2 page after another. */
async function listBuckets({ s3, deviceId, from, to, bucketSeconds }: ArchiveSourceOptions): Promise<ArchivedBucket[]> {
  const prefix = energyObjectKey(s3.keyPrefix, deviceId, 0).replace(/0\.ndjson\.lz4$/, '');
  const first = bucketStartOf(from, bucketSeconds);
  const buckets: ArchivedBucket[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal: AbortSignal.timeout(S3_TIMEOUT_MS) });
    } catch (error) {
      throw new Conflict(`the archive cannot be listed (s3://${s3.bucket}/${prefix}): ${describeS3Failure(error)}`, { cause: error });
    }
    for (const { Key } of page.Contents ?? []) {
      const match = Key === undefined ? null : /^(\d+)\.ndjson\.lz4$/.exec(Key.slice(prefix.length));
      if (!match) continue;
      const bucketStart = Number(match[1]);
      if (bucketStart >= first && bucketStart <= to && Key === energyObjectKey(s3.keyPrefix, deviceId, bucketStart)) buckets.push({ bucketStart, objectKey: Key! });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return buckets.sort((a, b) => a.bucketStart - b.bucketStart);
}

function describeS3Failure(error: unknown): string {
  const { code, status, message } = s3FailureCause(error);
  return `${code}${status === null ? '' : ` (HTTP ${status})`}: ${message}`;
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
