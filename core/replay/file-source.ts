import { basename } from 'node:path';
import { readLines } from './line-reader.js';
import { parseReplayLine, type LineChecks, type ReplayMessage } from './replay-line.js';
import { SkipTally, type ReplaySourceReader } from './replay-source.js';

/** Where a replay can start without reading the file from its beginning: every INDEX_EVERY-th message. */
interface IndexEntry {
  offset: number;
  line: number;
  /** The message's time on the timeline (never earlier than any before it). */
  time: number;
}

const INDEX_EVERY = 1000;
/** Messages handed to the replay per page. */
const PAGE_MESSAGES = 1000;

export interface FileSourceOptions {
  path: string;
  maxLineBytes: number;
  checks: LineChecks;
  /** "recording r1" or "file export.ndjson": how the status names it. */
  label?: string;
}

/** What one read of the whole file found, for the file list. */
export interface FileScan {
  messages: number;
  firstAt: number | null;
  lastAt: number | null;
}

/**
 * A recording or an events export on disk. Opening reads it once: every line is checked (bad JSON,
 * not a message, a topic the pipeline does not know, oversize — each counted and the first listed
 * with its line number), and every thousandth message's offset is kept, so seeking reads from the
 * nearest one instead of the start. A pass reads the file again as it plays, a chunk at a time: a
 * recording of any size replays in bounded memory.
 */
export class FileSource implements ReplaySourceReader {
  readonly skipped = new SkipTally();
  readonly badBuckets = [];
  readonly label: string;
  private readonly index: IndexEntry[] = [];
  private messages = 0;
  private first: number | null = null;
  private last: number | null = null;

  private constructor(private readonly options: FileSourceOptions) {
    this.label = options.label ?? `file ${basename(options.path)}`;
  }

  /** Reads the whole file once; a file without one message to replay opens too (and plays nothing). */
  static async open(options: FileSourceOptions): Promise<FileSource> {
    const source = new FileSource(options);
    await source.scan();
    return source;
  }

  get startTime(): number {
    return this.first ?? 0;
  }

  get endTime(): number {
    return this.last ?? 0;
  }

  get total(): number {
    return this.messages;
  }

  /** What the scan found, for the file's entry in the list. */
  found(): FileScan {
    return { messages: this.messages, firstAt: this.first, lastAt: this.last };
  }

  async *pages(fromTime: number): AsyncGenerator<ReplayMessage[]> {
    const entry = this.entryBefore(fromTime);
    if (entry === null) return;
    let latest = entry.time;
    let page: ReplayMessage[] = [];
    for await (const lines of readLines(this.options.path, { offset: entry.offset, line: entry.line, maxLineBytes: this.options.maxLineBytes })) {
      for (const { text } of lines) {
        if (text === null) continue;
        const parsed = parseReplayLine(text, this.options.checks);
        if (!parsed.ok) continue;
        const { message } = parsed;
        if (message.time > latest) latest = message.time;
        else message.time = latest;
        if (latest < fromTime) continue;
        page.push(message);
        if (page.length >= PAGE_MESSAGES) {
          yield page;
          page = [];
        }
      }
    }
    if (page.length > 0) yield page;
  }

  /** The last indexed message before `time` (so that every message at `time` comes after it); the first when none is. */
  private entryBefore(time: number): IndexEntry | null {
    const { index } = this;
    if (index.length === 0) return null;
    let low = 0;
    let high = index.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (index[middle]!.time < time) low = middle + 1;
      else high = middle;
    }
    return index[Math.max(0, low - 1)]!;
  }

  private async scan(): Promise<void> {
    const { path, maxLineBytes, checks } = this.options;
    let latest = Number.NEGATIVE_INFINITY;
    for await (const lines of readLines(path, { maxLineBytes })) {
      for (const { line, offset, bytes, text } of lines) {
        if (text === null) {
          this.skipped.add(line, 'oversize', `the line is ${bytes} bytes, more than a replay line may be (${maxLineBytes}, --replay-max-line-bytes)`);
          continue;
        }
        const parsed = parseReplayLine(text, checks);
        if (!parsed.ok) {
          this.skipped.add(line, parsed.reason, parsed.detail);
          continue;
        }
        latest = Math.max(latest, parsed.message.time);
        if (this.messages % INDEX_EVERY === 0) this.index.push({ offset, line, time: latest });
        this.messages += 1;
        this.first ??= latest;
        this.last = latest;
      }
    }
  }
}
