import { createHash } from 'node:crypto';
import { indexEntry } from '../domain/index-definition.js';
import { CLIMATES, type Climate } from './climate.js';
import { deadLetterWrites, type DeadLetter } from './dead-letter-persist.js';
import { bucketStartOf } from './energy-bucket.js';
import type { IndexRecord } from './index-persist.js';
import { keySlot } from './key-slot.js';
import type { KeySchema } from './keys.js';
import type { MeterReading } from './meter-reading.js';
import type { RedisCommand } from './redis-command.js';
import { warningMessage } from './thermostat-persist.js';
import type { ThermostatReading } from './thermostat-reading.js';
import { topicHashWrites, type TopicHashEntry } from './topic-hash-persist.js';

/**
 * A batch laid out for a Redis Cluster, where no command, script or transaction may span two slots
 * and the source documents' key names (SensorData, <deviceId>, climate:*) carry no hash tag: the
 * batch's writes end up in many slots. They are grouped per slot:
 *
 * - idempotent single-key writes (ZADD SensorData, HSET of a device hash, ZADD of an index) go as
 *   plain commands; sent twice they leave the same state;
 * - per slot, the writes that are not idempotent (INCRBY of a climate counter with the Warnings
 *   PUBLISHes of its hot readings, RPUSH of a meter's bucket, HINCRBY of a meter's count, the dead
 *   letters and rejection counts), and the hash writes the live indexes follow, are one script: it
 *   first looks at the writer's marker of that slot and does nothing if this batch was applied
 *   there already, else writes and sets the marker. So a batch retried after a partial failure
 *   reaches every slot exactly once;
 * - what needs the first step's outcome (the index moves, the pending entries of meter buckets,
 *   which the archiver may only see once the list exists) follows in a second step.
 *
 * The end state equals the single-server batch script's, slot by slot.
 */

/** One slot's script: its keys, the ops in order, and the hashes whose indexed fields it reports. */
export interface SlotScript {
  slot: number;
  /** Every key the ops touch (all of `slot`), declared to the script. */
  keys: string[];
  ops: RedisCommand[];
  /** True when an op is not idempotent: the script then checks and sets the writer's marker of the slot. */
  once: boolean;
  /** Hashes whose fields the script reads before and after its writes (for the live indexes). */
  reports: Array<{ key: string; fields: string[] }>;
}

export interface ClusterBatchPlan {
  /** Step 1: per-slot scripts and plain idempotent commands, every node in parallel. */
  scripts: SlotScript[];
  plain: RedisCommand[];
  /** Step 2, once step 1 is applied: idempotent commands that must not come before it. */
  afterwards: RedisCommand[];
  /** The hashes the live indexes follow, with their definitions: the reports of step 1 become moves. */
  indexed: Array<{ key: string; defs: IndexRecord[] }>;
}

export interface ClusterBatchInput {
  readings: readonly ThermostatReading[];
  meterReadings: readonly MeterReading[];
  topicHashes: readonly TopicHashEntry[];
  deadLetters: readonly DeadLetter[];
  /** The live index definitions as the batch read them (HVALS of the definitions hash). */
  indexes: readonly IndexRecord[];
  keys: KeySchema;
  bucketSeconds: number;
  deadLetterCap: number;
  nowMs: number;
}

/** Most arguments one op of a script takes at once (Lua's unpack stops near 8,000). */
const MAX_OP_ARGS = 4000;

/**
 * Runs a slot's ops in one step. KEYS[1]: the writer's marker of this slot (or, without a marker, a
 * key of the slot); then the keys the ops touch. ARGV[1]: the batch id ('' = no marker), ARGV[2]:
 * marker TTL (s), ARGV[3]: report count R, then R × (hash, field count F, F fields), then the ops,
 * each as its argument count and its arguments. Every write goes through pcall, so one refused op
 * (a key of another type) costs that op only, as in the single-server scripts.
 * Reply: {1 | 0 (already applied: nothing done), {errors}, {{before…}, {after…}} per report}.
 */
export const SLOT_SCRIPT = `
local id = ARGV[1]
if id ~= '' and redis.call('GET', KEYS[1]) == id then return {0, {}, {}} end
local reports, at = {}, 4
for r = 1, tonumber(ARGV[3]) do
  local key, count = ARGV[at], tonumber(ARGV[at + 1])
  reports[r] = {key = key, fields = {unpack(ARGV, at + 2, at + 1 + count)}}
  at = at + 2 + count
end
local function read()
  local values = {}
  for r, report in ipairs(reports) do
    if #report.fields == 0 then values[r] = {} else values[r] = redis.call('HMGET', report.key, unpack(report.fields)) end
  end
  return values
end
local before = read()
local errors = {}
while at <= #ARGV do
  local count = tonumber(ARGV[at])
  local reply = redis.pcall(unpack(ARGV, at + 1, at + count))
  if type(reply) == 'table' and reply.err then errors[#errors + 1] = reply.err end
  at = at + count + 1
end
local after = read()
if id ~= '' then redis.call('SET', KEYS[1], id, 'EX', ARGV[2]) end
local answered = {}
for r = 1, #reports do answered[r] = {before[r], after[r]} end
return {1, errors, answered}
`;

export const SLOT_SCRIPT_SHA = createHash('sha1').update(SLOT_SCRIPT).digest('hex');

/** What the slot script answered: whether it wrote, its refusals, and per report the fields before and after. */
export interface SlotScriptReply {
  applied: boolean;
  errors: string[];
  reports: Array<{ before: Array<string | null>; after: Array<string | null> }>;
}

export function parseSlotScriptReply(reply: unknown): SlotScriptReply {
  const [applied, errors, reports] = reply as [number, unknown[], Array<[Array<string | null>, Array<string | null>]>];
  return {
    applied: applied === 1,
    errors: (errors ?? []).map(String),
    reports: (reports ?? []).map(([before, after]) => ({ before: before ?? [], after: after ?? [] })),
  };
}

/** The script as a command (EVALSHA first; EVAL when the node does not have it yet). */
export function slotScriptCommand(script: SlotScript, markerKey: string, batchId: string, ttlSeconds: number, withSource: boolean): RedisCommand {
  const first = script.once ? markerKey : script.keys[0]!;
  const keys = [first, ...script.keys.filter((key) => key !== first)];
  const args: Array<string | number> = [script.once ? batchId : '', ttlSeconds, script.reports.length];
  for (const { key, fields } of script.reports) args.push(key, fields.length, ...fields);
  for (const op of script.ops) args.push(op.length, ...op);
  return [withSource ? 'eval' : 'evalsha', withSource ? SLOT_SCRIPT : SLOT_SCRIPT_SHA, keys.length, ...keys, ...args];
}

/** The whole batch, laid out per slot (see the module comment). */
export function clusterBatchPlan(input: ClusterBatchInput): ClusterBatchPlan {
  const builder = new PlanBuilder();
  thermostatPlan(input, builder);
  meterPlan(input, builder);
  for (const command of topicHashWrites(input.topicHashes, input.keys)) builder.plain.push(command);
  const letters = deadLetterWrites(input.deadLetters, countByReason(input.deadLetters), input.keys, input.deadLetterCap);
  for (const command of letters) builder.once(String(command[1]), command);
  return builder.build();
}

class PlanBuilder {
  private readonly scripts = new Map<number, SlotScript>();
  readonly plain: RedisCommand[] = [];
  readonly afterwards: RedisCommand[] = [];
  readonly indexed: Array<{ key: string; defs: IndexRecord[] }> = [];

  /** A write that must reach its slot exactly once. */
  once(key: string, op: RedisCommand): void {
    const script = this.scriptOf(key);
    script.once = true;
    script.ops.push(op);
  }

  /** Writes to a hash the live indexes follow: in the slot's script, its fields reported before and after. */
  indexedHash(key: string, defs: IndexRecord[], ops: RedisCommand[], once: boolean): void {
    const script = this.scriptOf(key);
    script.once ||= once;
    script.ops.push(...ops);
    script.reports.push({ key, fields: [...new Set(defs.map((def) => def.field))] });
    this.indexed.push({ key, defs });
  }

  build(): ClusterBatchPlan {
    return { scripts: [...this.scripts.values()], plain: this.plain, afterwards: this.afterwards, indexed: this.indexed };
  }

  private scriptOf(key: string): SlotScript {
    const slot = keySlot(key);
    let script = this.scripts.get(slot);
    if (!script) this.scripts.set(slot, (script = { slot, keys: [], ops: [], once: false, reports: [] }));
    if (!script.keys.includes(key)) script.keys.push(key);
    return script;
  }
}

function thermostatPlan({ readings, keys, indexes }: ClusterBatchInput, builder: PlanBuilder): void {
  if (readings.length === 0) return;
  const latestByDevice = new Map<string, ThermostatReading>();
  const counts: Record<Climate, number> = { hot: 0, warm: 0, cool: 0, cold: 0 };
  const warnings: string[] = [];
  const sensorData: Array<string | number> = [];
  for (const reading of readings) {
    sensorData.push(String(reading.timestamp), reading.deviceId);
    latestByDevice.set(reading.deviceId, reading);
    counts[reading.climate] += 1;
    if (reading.climate === 'hot') warnings.push(warningMessage(reading));
  }
  for (let i = 0; i < sensorData.length; i += MAX_OP_ARGS) builder.plain.push(['zadd', keys.sensorData, ...sensorData.slice(i, i + MAX_OP_ARGS)]);
  const defs = indexes.filter((record) => record.live === 'thermostats');
  for (const reading of latestByDevice.values()) {
    const key = keys.deviceHash(reading.deviceId);
    const hset: RedisCommand = [
      'hset',
      key,
      'temperature',
      String(reading.temperature),
      'deviceIP',
      reading.deviceIP,
      'humidity',
      String(reading.humidity),
      'climate',
      reading.climate,
      'timestamp',
      String(reading.timestamp),
      'requestId',
      reading.requestId,
    ];
    if (defs.length === 0) builder.plain.push(hset);
    else builder.indexedHash(key, defs, [hset], false);
  }
  for (const climate of CLIMATES) {
    if (counts[climate] === 0) continue;
    const counter = keys.climateCounter(climate);
    builder.once(counter, ['incrby', counter, counts[climate]]);
    // The warnings go with the hot counter: a retried batch publishes them once, as it counts them once.
    if (climate === 'hot') for (const message of warnings) builder.once(counter, ['publish', keys.warningsChannel, message]);
  }
}

function meterPlan({ meterReadings, keys, indexes, bucketSeconds, nowMs }: ClusterBatchInput, builder: PlanBuilder): void {
  if (meterReadings.length === 0) return;
  const defs = indexes.filter((record) => record.live === 'meters');
  const meters = new Map<string, { readings: number; transport: string; buckets: Map<number, string[]> }>();
  for (const reading of meterReadings) {
    let meter = meters.get(reading.deviceId);
    if (!meter) meters.set(reading.deviceId, (meter = { readings: 0, transport: reading.transport, buckets: new Map() }));
    meter.readings += 1;
    meter.transport = reading.transport;
    const bucketStart = bucketStartOf(reading.timestamp, bucketSeconds);
    const lines = meter.buckets.get(bucketStart);
    if (lines) lines.push(reading.json);
    else meter.buckets.set(bucketStart, [reading.json]);
  }
  const pending: string[] = [];
  const seen: Array<string | number> = [];
  for (const [deviceId, meter] of meters) {
    const hash = keys.meterDevice(deviceId);
    const bucketIndex = keys.meterBuckets(deviceId);
    for (const [bucketStart, lines] of meter.buckets) {
      const list = keys.energyBucket(deviceId, bucketStart);
      for (let i = 0; i < lines.length; i += MAX_OP_ARGS) builder.once(list, ['rpush', list, ...lines.slice(i, i + MAX_OP_ARGS)]);
      // Idempotent, so sent every time rather than only when RPUSH created the list (that answer is in another slot).
      builder.plain.push(['zadd', bucketIndex, bucketStart, bucketStart]);
      pending.push(list);
    }
    const ops: RedisCommand[] = [
      ['hset', hash, 'kind', 'meter', 'lastSeen', nowMs, 'transport', meter.transport],
      ['hincrby', hash, 'readings', meter.readings],
      ['hsetnx', hash, 'firstSeen', nowMs],
    ];
    if (defs.length === 0) for (const op of ops) builder.once(hash, op);
    else builder.indexedHash(hash, defs, ops, true);
    seen.push(nowMs, deviceId);
  }
  for (let i = 0; i < seen.length; i += MAX_OP_ARGS) builder.plain.push(['zadd', keys.meters, ...seen.slice(i, i + MAX_OP_ARGS)]);
  // After the lists exist: the archiver drops a pending entry whose list is missing.
  for (let i = 0; i < pending.length; i += MAX_OP_ARGS) builder.afterwards.push(['sadd', keys.energyPending, ...pending.slice(i, i + MAX_OP_ARGS)]);
}

/**
 * The index moves of hashes whose fields changed, as variadic commands per index key: out of the
 * old value's set, into the new one's (and the new value into the values set); a zset entry
 * rescored or removed. The new entry is written even when unchanged: idempotent, and it repairs an
 * entry a crashed writer left out. `before` null means unknown (the slot was applied by an earlier
 * attempt of the batch whose report is lost): nothing is taken out then.
 */
export function indexMoves(moves: Array<{ key: string; defs: IndexRecord[]; fields: string[]; before: Array<string | null> | null; after: Array<string | null> }>): RedisCommand[] {
  const adds = new Map<string, Set<string>>();
  const removes = new Map<string, Set<string>>();
  const zadds = new Map<string, Array<string | number>>();
  const zrems = new Map<string, string[]>();
  const add = (map: Map<string, Set<string>>, key: string, member: string) => {
    let members = map.get(key);
    if (!members) map.set(key, (members = new Set()));
    members.add(member);
  };
  for (const { key, defs, fields, before, after } of moves) {
    for (const def of defs) {
      const position = fields.indexOf(def.field);
      const oldEntry = before === null ? null : indexEntry(def, before[position] ?? null);
      const newEntry = indexEntry(def, after[position] ?? null);
      if (def.kind === 'zset') {
        if (newEntry !== null) zadds.set(def.entriesKey, [...(zadds.get(def.entriesKey) ?? []), Number(newEntry), key]);
        else if (oldEntry !== null) zrems.set(def.entriesKey, [...(zrems.get(def.entriesKey) ?? []), key]);
        continue;
      }
      if (oldEntry !== null && oldEntry !== newEntry) add(removes, `${def.entriesKey}${oldEntry}`, key);
      if (newEntry !== null) {
        add(adds, `${def.entriesKey}${newEntry}`, key);
        add(adds, def.valuesKey, String(newEntry));
      }
    }
  }
  const commands: RedisCommand[] = [];
  for (const [key, members] of removes) commands.push(['srem', key, ...members]);
  for (const [key, members] of adds) commands.push(['sadd', key, ...members]);
  for (const [key, members] of zrems) commands.push(['zrem', key, ...members]);
  for (const [key, pairs] of zadds) commands.push(['zadd', key, ...pairs]);
  return commands;
}

function countByReason(letters: readonly DeadLetter[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const letter of letters) counts.set(letter.reason, (counts.get(letter.reason) ?? 0) + 1);
  return counts;
}
