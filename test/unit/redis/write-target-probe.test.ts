import { describe, expect, it } from 'vitest';
import { deadLetterFrom, deadLetterWrites } from '../../../core/model/dead-letter-persist.js';
import { FINALIZE_ARCHIVED_BUCKET_SCRIPT, finalizeArchivedBucket, FORGET_MISSING_BUCKET_SCRIPT, forgetMissingBucket } from '../../../core/model/energy-archive-persist.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { METER_BATCH_SCRIPT } from '../../../core/model/meter-persist.js';
import { THERMOSTAT_BATCH_SCRIPT, thermostatWrites } from '../../../core/model/thermostat-persist.js';
import { topicHashWrites } from '../../../core/model/topic-hash-persist.js';
import { writeTargetProbe } from '../../../core/redis/write-target-check.js';

const keys = createKeySchema({ keyPrefix: 'sw:' });
const probed = new Set(writeTargetProbe(keys).map(([name]) => name));

/** The commands a persist script runs, however it calls them (redis.call, redis.pcall, its write helpers). */
function scriptCommands(script: string): string[] {
  return [...script.matchAll(/(?:call|write|writeVariadic)\('([A-Z]+)'/g)].map((match) => match[1]!);
}

describe('the start-up probe of a write target', () => {
  it('covers every command the persist scripts run, so a renamed or forbidden one is found at start', () => {
    const inScripts = [THERMOSTAT_BATCH_SCRIPT, METER_BATCH_SCRIPT, FINALIZE_ARCHIVED_BUCKET_SCRIPT, FORGET_MISSING_BUCKET_SCRIPT].flatMap(scriptCommands);
    expect(inScripts).toEqual(expect.arrayContaining(['ZADD', 'HSET', 'INCRBY', 'PUBLISH', 'RPUSH', 'HINCRBY', 'SADD', 'LLEN', 'DEL', 'SREM', 'EXISTS']));
    expect(inScripts.filter((name) => !probed.has(name))).toEqual([]);
  });

  it('covers every command the model writers send directly', () => {
    const reading = { deviceId: '7', temperature: 31, humidity: 40, deviceIP: '10.0.0.7', climate: 'hot' as const, timestamp: 1, requestId: 'r' };
    const letter = deadLetterFrom({ reason: 'not-json', detail: 'x' }, 't', null, Buffer.from('x'));
    const bucket = { deviceId: 'm1', bucketStart: 0 };
    const sent = [
      ...thermostatWrites([reading], keys),
      ...topicHashWrites([{ topic: 'a/b', fields: ['f', 'v'], receivedAt: 0 }], keys),
      ...deadLetterWrites([letter], new Map([['not-json', 1]]), keys, 10),
      finalizeArchivedBucket(keys, bucket, 1, 'etag', 1),
      forgetMissingBucket(keys, bucket),
    ].map(([name]) => name.toUpperCase());
    expect(sent.filter((name) => !probed.has(name))).toEqual([]);
  });

  it("probes the workbench's own key names, built by the key schema", () => {
    const probe = writeTargetProbe(keys);
    expect(probe).toContainEqual(['ZADD', 'sw:SensorData', 0, 'write-check']);
    expect(probe).toContainEqual(['PUBLISH', 'sw:Warnings', '']);
    expect(probe).toContainEqual(['SET', 'sw:workbench:ingest:writer:write-check', '', 'EX', 1]);
  });
});
