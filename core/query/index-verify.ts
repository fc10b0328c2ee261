import type { IndexVerifyReport } from '../api/indexes.js';
import { NotFound } from '../domain/errors.js';
import { verifyMissingCommand, verifyStaleCommand, type IndexRecord } from '../model/index-persist.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisCommand } from '../model/redis-command.js';
import type { RedisClient } from '../redis/redis-target.js';
import { IndexPacer } from './index-pacer.js';

export interface VerifyOptions {
  repair: boolean;
  /** Keys per second at most, as for a build. */
  rate: number;
  scanCount: number;
}

/** [cursor, looked at, found, sample keys…], from the verify scripts. */
type StepReply = [string, number, number, ...string[]];

const SAMPLES = 10;

/**
 * Compares an index with its hashes in two walks of atomic steps: a SCAN of the hashes for entries
 * the index lacks (missing), then a walk of the index's own sets or zset for entries their hash no
 * longer has (stale). Each step checks and, repairing, fixes its keys in one script, so a live
 * batch can never fall between a check and its fix; only looking, the steps run as EVAL_RO.
 */
export async function verifyIndex(redis: RedisClient, keys: KeySchema, record: IndexRecord, options: VerifyOptions): Promise<IndexVerifyReport> {
  const startedAt = Date.now();
  const pacer = new IndexPacer(options.rate);
  const never = new AbortController().signal;
  const send = async ([name, ...args]: RedisCommand): Promise<StepReply> => {
    const reply = (await redis.call(name, ...args)) as StepReply;
    if (reply[1] < 0) throw new NotFound(`the index ${record.name} was deleted during the verify`);
    await pacer.paid(reply[1], never);
    return reply;
  };
  const report: IndexVerifyReport = {
    scanned: 0,
    checked: 0,
    missing: 0,
    stale: 0,
    missingSamples: [],
    staleSamples: [],
    repaired: options.repair,
    at: 0,
    durationMs: 0,
  };

  let cursor = '0';
  do {
    const [next, scanned, missing, ...samples] = await send(verifyMissingCommand(record.name, keys, cursor, options.scanCount, options.repair));
    report.scanned += scanned;
    report.missing += missing;
    report.missingSamples.push(...samples.slice(0, SAMPLES - report.missingSamples.length));
    cursor = next;
  } while (cursor !== '0');

  for await (const value of indexedValues(redis, record)) {
    do {
      const [next, checked, stale, ...samples] = await send(verifyStaleCommand(record.name, keys, value, cursor, options.scanCount, options.repair));
      report.checked += checked;
      report.stale += stale;
      report.staleSamples.push(...samples.slice(0, SAMPLES - report.staleSamples.length));
      cursor = next;
    } while (cursor !== '0');
  }
  report.at = Date.now();
  report.durationMs = report.at - startedAt;
  return report;
}

/** The values whose sets to walk; a zset index is one walk (value ''). */
async function* indexedValues(redis: RedisClient, record: IndexRecord): AsyncGenerator<string> {
  if (record.kind === 'zset') {
    yield '';
    return;
  }
  let cursor = '0';
  do {
    const [next, values] = await redis.sscan(record.valuesKey, cursor, 'COUNT', 500);
    yield* values;
    cursor = next;
  } while (cursor !== '0');
}
