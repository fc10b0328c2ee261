import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLines, type FileLine } from '../../../core/replay/line-reader.js';
import { FileSource } from '../../../core/replay/file-source.js';
import { parseReplayLine, recordedLine, type ReplayMessage } from '../../../core/replay/replay-line.js';
import type { ReplayPublisher } from '../../../core/replay/replay-publisher.js';
import { ReplayRun } from '../../../core/replay/replay-run.js';
import { SkipTally, type ReplaySourceReader } from '../../../core/replay/replay-source.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

/** `count` messages `stepMs` apart from t = 1000, in pages of 7, their index in the payload. */
function memorySource(count: number, stepMs: number): ReplaySourceReader {
  const messages = Array.from({ length: count }, (_, index): ReplayMessage => ({ time: 1000 + index * stepMs, topic: 't', payload: Buffer.from(String(index)), qos: 1, retain: false }));
  return {
    label: 'memory',
    startTime: 1000,
    endTime: 1000 + (count - 1) * stepMs,
    total: count,
    skipped: new SkipTally(),
    badBuckets: [],
    async *pages(fromTime: number) {
      const rest = messages.filter((message) => message.time >= fromTime).map((message) => ({ ...message }));
      for (let index = 0; index < rest.length; index += 7) yield rest.slice(index, index + 7);
    },
  };
}

/** Holds every publish until the test acknowledges it. */
class HeldPublisher implements ReplayPublisher {
  readonly target = 'held';
  readonly held: Array<{ message: ReplayMessage; done: (error: Error | null) => void }> = [];
  seen: number[] = [];
  closed = false;
  publish(message: ReplayMessage, done: (error: Error | null) => void): void {
    this.seen.push(Number(message.payload.toString()));
    this.held.push({ message, done });
  }
  ackAll(): void {
    for (const { done } of this.held.splice(0)) done(null);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a replay run', () => {
  it('keeps at most maxInFlight unacknowledged, and goes on as acknowledgements make room', async () => {
    const publisher = new HeldPublisher();
    const run = new ReplayRun({ source: memorySource(100, 1), publisher, speed: 10_000, loop: false, maxInFlight: 10 });
    await tick(20);
    expect(publisher.held).toHaveLength(10);
    expect(run.figures()).toMatchObject({ state: 'playing', published: 10, acknowledged: 0, inFlight: 10 });
    for (let round = 0; round < 30 && run.running; round += 1) {
      publisher.ackAll();
      await tick(5);
      expect(run.figures().inFlight).toBeLessThanOrEqual(10);
    }
    await run.whenEnded();
    expect(run.figures()).toMatchObject({ state: 'finished', published: 100, acknowledged: 100, inFlight: 0, progress: 1 });
    expect(publisher.seen).toEqual(Array.from({ length: 100 }, (_, index) => index));
    expect(publisher.closed).toBe(true);
  });

  it('keeps the original pace times the speed', async () => {
    const publisher = new HeldPublisher();
    // 20 messages 100 ms apart (1.9 s) at 10×: about 190 ms.
    const started = performance.now();
    const run = new ReplayRun({ source: memorySource(20, 100), publisher, speed: 10, loop: false });
    const acking = setInterval(() => publisher.ackAll(), 5);
    await tick(95);
    const halfway = run.figures().published;
    expect(halfway).toBeGreaterThanOrEqual(7);
    expect(halfway).toBeLessThanOrEqual(13);
    await run.whenEnded();
    clearInterval(acking);
    expect(performance.now() - started).toBeGreaterThanOrEqual(185);
  });

  it('fails on a publish error, says why, and waits only a while for the rest', async () => {
    const run = new ReplayRun({
      source: memorySource(50, 1),
      publisher: { target: 'broken', publish: (_message, done) => setImmediate(() => done(new Error('connection closed'))), close: async () => undefined },
      speed: 10_000,
      loop: false,
    });
    await run.whenEnded();
    expect(run.figures()).toMatchObject({ state: 'failed', error: 'connection closed' });
  });

  it('stops with its in-flight messages acknowledged first, if they come', async () => {
    const publisher = new HeldPublisher();
    const run = new ReplayRun({ source: memorySource(1000, 1000), publisher, speed: 1, loop: false });
    await tick(10);
    expect(run.figures().published).toBe(1);
    const stopping = run.stop();
    await tick(60);
    expect(run.figures().state).toBe('playing');
    publisher.ackAll();
    await stopping;
    expect(run.figures()).toMatchObject({ state: 'stopped', published: 1, acknowledged: 1 });
  });
});

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('sw-lines-');
});
afterEach(() => dir.remove());

async function allLines(path: string, maxLineBytes: number, chunkBytes: number): Promise<FileLine[]> {
  const lines: FileLine[] = [];
  for await (const page of readLines(path, { maxLineBytes, chunkBytes })) lines.push(...page);
  return lines;
}

describe('reading a replay file', () => {
  it('splits lines across chunks, drops CRs and blank lines, takes a last line without a newline, and cuts an overlong one', async () => {
    const path = join(dir.path, 'f.ndjson');
    await writeFile(path, `first\r\n\n${'x'.repeat(50)}\nsecond line\n   \nlast`);
    const lines = await allLines(path, 20, 8);
    expect(lines.map(({ line, text }) => [line, text])).toEqual([
      [1, 'first'],
      [3, null],
      [4, 'second line'],
      [6, 'last'],
    ]);
    expect(lines[1]).toMatchObject({ offset: 8, bytes: 50 });
    expect(lines[2]!.offset).toBe(59);
  });

  it('indexes the file so a pass can start anywhere, and keeps time from going backwards', async () => {
    const path = join(dir.path, 'timeline.ndjson');
    const times = Array.from({ length: 2500 }, (_, index) => 10_000 + index * 10);
    // One line out of order: it plays at the latest time before it.
    times[1500] = 5;
    await writeFile(path, times.map((time, index) => recordedLine(time, 'temp_readings', 1, false, null, String(index))).join(''));
    const source = await FileSource.open({ path, maxLineBytes: 1000, checks: { maxPayloadBytes: 100, unknownTopic: () => null } });
    expect(source).toMatchObject({ startTime: 10_000, endTime: 10_000 + 2499 * 10, total: 2500 });
    const played: ReplayMessage[] = [];
    for await (const page of source.pages(10_000 + 1495 * 10)) played.push(...page);
    expect(played.map((message) => Number(message.payload.toString())).slice(0, 7)).toEqual([1495, 1496, 1497, 1498, 1499, 1500, 1501]);
    expect(played[5]!.time).toBe(10_000 + 1499 * 10);
    expect(played).toHaveLength(1005);
  });

  it('reads an events export row as the thermostat reading it was', () => {
    const row = JSON.stringify({ deviceId: '42', score: 1_762_000_000_000, temperature: '91', humidity: '40', climate: 'hot', deviceIP: '10.0.0.7', timestamp: '1762000000000', requestId: 'r-1' });
    const parsed = parseReplayLine(row, { maxPayloadBytes: 1000, unknownTopic: () => null });
    expect(parsed).toEqual({ ok: true, message: { time: 1_762_000_000_000, topic: 'temp_readings', qos: 1, retain: false, payload: Buffer.from('{"deviceId":"42","temperature":91,"deviceIP":"10.0.0.7","humidity":40}') } });
  });
});
