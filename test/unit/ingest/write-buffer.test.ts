import { ReplyError, type Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { IngestCounters } from '../../../core/ingest/ingest-figures.js';
import type { QueuedReading } from '../../../core/ingest/queued-reading.js';
import { WriteBuffer } from '../../../core/ingest/write-buffer.js';
import { createKeySchema } from '../../../core/model/keys.js';
import type { DeadLetter } from '../../../core/model/dead-letter-persist.js';

/**
 * A stand-in for ioredis that records transactions and lets each test decide when and how they
 * finish: the buffer's retry and backpressure logic is about timing that a real server won't stage.
 */
class ScriptedRedis {
  transactions: unknown[][][] = [];
  pending: Array<{ commands: unknown[][]; resolve: (value: unknown) => void; reject: (error: Error) => void }> = [];
  lastBatch: string | null = null;

  multi(commands: unknown[][]) {
    return {
      exec: () => {
        this.transactions.push(commands);
        return new Promise((resolve, reject) => this.pending.push({ commands, resolve, reject }));
      },
    };
  }

  async get(): Promise<string | null> {
    return this.lastBatch;
  }

  /** Finish the oldest open transaction as Redis would, optionally "losing" the reply. */
  apply(options: { loseReply?: boolean } = {}): void {
    const { commands, resolve, reject } = this.pending.shift()!;
    this.lastBatch = commands.find((command) => command[0] === 'set')![2] as string;
    if (options.loseReply) reject(new Error('Connection is closed.'));
    else resolve(commands.map(() => [null, 'OK']));
  }

  fail(error: string | Error): void {
    this.pending.shift()!.reject(typeof error === 'string' ? new Error(error) : error);
  }
}

const reading = (deviceId: string): QueuedReading => ({
  deviceId,
  temperature: 90,
  humidity: 40,
  deviceIP: '10.0.0.1',
  climate: 'hot',
  timestamp: 1_700_000_000_000,
  requestId: `r-${deviceId}`,
  receivedAt: performance.now(),
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

const deadLetter = (reason: DeadLetter['reason']): DeadLetter => ({ reason, detail: 'not JSON', at: 0, topic: 'temp_readings', clientId: null, payload: '{', payloadBytes: 1 });

function bufferWith(redis: ScriptedRedis, bufferLimit = 100, maxBatch = 1000) {
  const counters = new IngestCounters();
  const lines: string[] = [];
  const buffer = new WriteBuffer({
    redis: redis as unknown as Redis,
    keys: createKeySchema({ keyPrefix: '' }),
    counters,
    bufferLimit,
    maxBatch,
    deadLetterCap: 10,
    bucketSeconds: 86_400,
    log: (line) => lines.push(line),
  });
  return { buffer, counters, lines };
}

describe('WriteBuffer', () => {
  it('keeps at most two transactions in flight and batches whatever arrives meanwhile', async () => {
    const redis = new ScriptedRedis();
    const { buffer, counters } = bufferWith(redis);
    buffer.offerReading(reading('1'), () => undefined);
    await tick();
    buffer.offerReading(reading('2'), () => undefined);
    await tick();
    for (const id of ['3', '4', '5']) buffer.offerReading(reading(id), () => undefined);
    await tick();
    expect(redis.transactions).toHaveLength(2);
    redis.apply();
    await tick();
    expect(redis.transactions).toHaveLength(3);
    redis.apply();
    redis.apply();
    await tick();
    expect(counters.written).toBe(5);
    expect(counters.batches).toBe(3);
  });

  it('acknowledges each message only once the transaction holding its write is applied, in the order they arrived', async () => {
    const redis = new ScriptedRedis();
    const { buffer } = bufferWith(redis);
    const released: string[] = [];
    buffer.offerReading(reading('1'), () => released.push('1'));
    buffer.offerDeadLetter(deadLetter('not-json'), () => released.push('rejected'));
    await tick();
    buffer.offerReading(reading('2'), () => released.push('2'));
    await tick();
    expect(released).toEqual([]);
    redis.apply();
    await tick();
    expect(released).toEqual(['1', 'rejected']);
    redis.apply();
    await tick();
    expect(released).toEqual(['1', 'rejected', '2']);
  });

  it('reports itself full past the buffer limit and has room again once Redis catches up', async () => {
    const redis = new ScriptedRedis();
    const { buffer, lines } = bufferWith(redis, 3);
    for (const id of ['1', '2', '3', '4']) buffer.offerReading(reading(id), () => undefined);
    await tick();
    expect(buffer.isFull).toBe(true);
    expect(buffer.hasRoom).toBe(false);
    expect(buffer.waitingPublishers).toBe(4);
    expect(lines.some((line) => line.includes('FULL'))).toBe(true);
    redis.apply();
    await tick();
    expect(buffer.isFull).toBe(false);
    expect(buffer.waitingPublishers).toBe(0);
  });

  it('stops intake loudly when Redis refuses every batch, acknowledges nothing meanwhile, and resumes once Redis takes them', async () => {
    const redis = new ScriptedRedis();
    const { buffer, counters, lines } = bufferWith(redis);
    const released: string[] = [];
    buffer.offerReading(reading('1'), () => released.push('1'));
    await tick();
    redis.fail(new ReplyError("EXECABORT Transaction discarded because of: -CROSSSLOT Keys in request don't hash to the same slot"));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(buffer.refusal).toContain('EXECABORT');
    expect(lines.filter((line) => line.startsWith('INTAKE STOPPED'))).toHaveLength(1);
    redis.fail(new ReplyError('EXECABORT Transaction discarded'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines.filter((line) => line.startsWith('INTAKE STOPPED'))).toHaveLength(1);
    expect(released).toEqual([]);
    expect(counters.dropped).toBe(0);
    expect(buffer.buffered).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    redis.apply();
    await tick();
    expect(released).toEqual(['1']);
    expect(buffer.refusal).toBeNull();
    expect(lines.at(-1)).toContain('intake resumed');
  });

  it('never splits a source batch across transactions and records the last source batch each one completes', async () => {
    const redis = new ScriptedRedis();
    const { buffer } = bufferWith(redis, 100, 2);
    buffer.openSourceBatch();
    for (const id of ['1', '2', '3']) buffer.offerReading(reading(id), () => undefined);
    buffer.closeSourceBatch(0);
    buffer.openSourceBatch();
    for (const id of ['4', '5']) buffer.offerReading(reading(id), () => undefined);
    buffer.closeSourceBatch(1);
    await tick();
    const devicesOf = (transaction: unknown[][]) => JSON.parse(String(transaction.find((command) => command[0] === 'eval')!.find((arg) => String(arg).startsWith('{"z"')))) as { z: string[] };
    expect(devicesOf(redis.transactions[0]!).z.filter((_, index) => index % 2 === 1)).toEqual(['1', '2', '3']);
    expect(devicesOf(redis.transactions[1]!).z.filter((_, index) => index % 2 === 1)).toEqual(['4', '5']);
    const progress = (transaction: unknown[][]) => String(transaction.find((command) => command[0] === 'set')![2]).split(':').at(-1);
    expect(redis.transactions.map(progress)).toEqual(['0', '1']);
  });

  it('retries a failed batch and does not apply it twice when only the reply was lost', async () => {
    const redis = new ScriptedRedis();
    const { buffer, counters } = bufferWith(redis);
    buffer.offerReading(reading('1'), () => undefined);
    await tick();
    redis.apply({ loseReply: true });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(redis.transactions).toHaveLength(1);
    expect(counters.written).toBe(1);
    expect(await buffer.drain(1000)).toEqual({ thermostats: [], meters: [], topicHashes: [] });
  });

  it('writes meter readings in the same transactions, counts them, and holds an MQTT meter publisher when full', async () => {
    const redis = new ScriptedRedis();
    const { buffer, counters } = bufferWith(redis, 2);
    const meter = (timestamp: number) => ({ deviceId: 'D704206000001', timestamp, json: `{"timestamp":${timestamp}}`, transport: 'mqtt' as const, receivedAt: 0 });
    const released: string[] = [];
    buffer.offerMeterReadings([meter(1_793_577_600), meter(1_793_577_900)], () => released.push('first'));
    buffer.offerMeterReadings([meter(1_793_578_200)], () => released.push('second'));
    await tick();
    expect(released).toEqual([]);
    expect(buffer.isFull).toBe(true);
    const script = redis.transactions[0]!.find((command) => command[0] === 'eval')!;
    expect(script).toContain('backend:dev:energy:D704206000001:1793577600');
    expect(script.slice(-3)).toEqual(['{"timestamp":1793577600}', '{"timestamp":1793577900}', '{"timestamp":1793578200}']);
    redis.apply({ loseReply: true });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(redis.transactions).toHaveLength(1);
    expect(counters.meterReadingsWritten).toBe(3);
    expect(released).toEqual(['first', 'second']);
  });

  it('keeps the batch through a Redis outage and writes it once Redis answers', async () => {
    const redis = new ScriptedRedis();
    const { buffer, counters } = bufferWith(redis);
    buffer.offerReading(reading('1'), () => undefined);
    await tick();
    redis.fail('connect ECONNREFUSED 127.0.0.1:6379');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(redis.transactions).toHaveLength(2);
    expect(buffer.buffered).toBe(1);
    redis.apply();
    await tick();
    expect(counters.written).toBe(1);
    expect(buffer.buffered).toBe(0);
  });

  it('hands back what Redis never took when the drain deadline passes', async () => {
    const redis = new ScriptedRedis();
    const { buffer } = bufferWith(redis);
    buffer.offerReading(reading('7'), () => undefined);
    await tick();
    const left = await buffer.drain(50);
    expect(left.thermostats.map((r) => r.deviceId)).toEqual(['7']);
    expect(left.meters).toEqual([]);
  });
});
