import type { IndexDefinition } from '../domain/index-definition.js';
import type { KeySchema } from './keys.js';
import type { RedisCommand } from './redis-command.js';

/** Which batch script keeps an index current: those of the hashes ingest itself writes. */
export type LiveSource = 'thermostats' | 'meters';

/**
 * An index as stored in the definitions hash: the definition plus the key names it writes, so the
 * Lua scripts never build a key name themselves (they only append a value to entriesKey).
 */
export interface IndexRecord extends IndexDefinition {
  /** The set index's value-set prefix, or the zset index's key. */
  entriesKey: string;
  valuesKey: string;
  /** Null: ingest does not write these hashes, so only a build or a repair touches the index. */
  live: LiveSource | null;
}

export function indexRecord(definition: IndexDefinition, keys: KeySchema): IndexRecord {
  return {
    ...definition,
    entriesKey: definition.kind === 'set' ? keys.indexValueSetPrefix(definition.name) : keys.indexSortedSet(definition.name),
    valuesKey: keys.indexValues(definition.name),
    live: liveSourceOf(definition.match, keys),
  };
}

function liveSourceOf(match: string, keys: KeySchema): LiveSource | null {
  if (match === keys.deviceHash('*')) return 'thermostats';
  if (match === keys.meterDevice('*')) return 'meters';
  return null;
}

/**
 * Lua shared by every script that writes an index: the entry of a field value (the same rule as
 * indexEntry in core/domain/index-definition.ts) and the writes that move a key between entries.
 * It expects a `write(...)` function (pcall that collects refusals) defined before it.
 */
const INDEX_LUA = `
local function indexEntry(def, value)
  if not value or value == '' then return nil end
  if def.kind == 'zset' then
    if not string.match(value, '^%-?[%d%.]+[eE]?[-+]?%d*$') then return nil end
    local score = tonumber(value)
    if not score or score ~= score or score == math.huge or score == -math.huge then return nil end
    return score
  end
  if def.transform == 'ipv4-24' then
    local a, b, c, d = string.match(value, '^(%d%d?%d?)%.(%d%d?%d?)%.(%d%d?%d?)%.(%d%d?%d?)$')
    if not a or tonumber(a) > 255 or tonumber(b) > 255 or tonumber(c) > 255 or tonumber(d) > 255 then return nil end
    return a .. '.' .. b .. '.' .. c .. '.0/24'
  end
  return value
end
local function fieldOf(key, field)
  local value = redis.pcall('HGET', key, field)
  if type(value) ~= 'string' then return nil end
  return value
end
local function putEntry(def, key, entry)
  if def.kind == 'zset' then return write('ZADD', def.entriesKey, entry, key) end
  local added = write('SADD', def.entriesKey .. entry, key)
  if added == 1 then write('SADD', def.valuesKey, entry) end
  return added
end
local function dropEntry(def, key, entry)
  if def.kind == 'zset' then return write('ZREM', def.entriesKey, key) end
  return write('SREM', def.entriesKey .. entry, key)
end
local function liveIndexes(definitionsKey, source)
  local defs = {}
  for _, json in ipairs(redis.call('HVALS', definitionsKey)) do
    local def = cjson.decode(json)
    if def.live == source then defs[#defs + 1] = def end
  end
  return defs
end
local function entriesOf(defs, key)
  local entries = {}
  for i, def in ipairs(defs) do entries[i] = indexEntry(def, fieldOf(key, def.field)) or false end
  return entries
end
local function reindex(defs, key, before)
  for i, def in ipairs(defs) do
    local after = indexEntry(def, fieldOf(key, def.field))
    if before[i] and before[i] ~= after and (def.kind == 'set' or after == nil) then dropEntry(def, key, before[i]) end
    if after ~= nil and after ~= before[i] then putEntry(def, key, after) end
  end
end
`;

/**
 * The part of a batch script that keeps the live indexes of `source` current: call `beforeWrite`
 * for a hash before writing it and `afterWrite` after. With no index defined it costs one HVALS of
 * an empty key per batch. The entries move inside the batch's own script, so a reading is
 * acknowledged with its index entries written, and a replayed batch moves them again to the same
 * place (the move follows the hash's value, not the reading).
 */
export function liveIndexLua(definitionsKeyExpression: string, source: LiveSource): string {
  return `${INDEX_LUA}
local liveDefs = liveIndexes(${definitionsKeyExpression}, '${source}')
local function beforeWrite(key)
  if #liveDefs == 0 then return nil end
  return entriesOf(liveDefs, key)
end
local function afterWrite(key, before)
  if before then reindex(liveDefs, key, before) end
end
`;
}

const WRITE_LUA = `
local errors = {}
local function write(...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err then errors[#errors + 1] = reply.err; return 0 end
  return reply
end
`;

/**
 * Creates an index and its build state in one step, refused (0) when the name is taken or the keys
 * of a dropped index of that name are still being removed. From this step on every batch script
 * keeps the index current, so live maintenance starts before the backfill's first step.
 * KEYS: definitions, build. ARGV: name, record JSON, now (ms).
 */
const DEFINE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], 'state', 'building', 'cursor', '0', 'scanned', 0, 'entries', 0, 'startedAt', ARGV[3], 'updatedAt', ARGV[3])
return 1
`;

export function defineIndexCommand(record: IndexRecord, keys: KeySchema, nowMs: number): RedisCommand {
  return ['eval', DEFINE_SCRIPT, 2, keys.indexDefinitions, keys.indexBuild(record.name), record.name, JSON.stringify(record), nowMs];
}

/**
 * One backfill step, atomic: SCAN from the saved cursor, the field of each key found, the entries
 * written, and the new cursor and counts saved. A live batch runs wholly before or after a step,
 * never between its read and its write, and a crash loses no step half-done: the next build
 * resumes from the saved cursor. Keys that begin with the index keys' prefix are not indexed.
 * KEYS: definitions, build. ARGV: name, SCAN COUNT, index keys prefix, now (ms), rate (keys/s).
 * Reply: [state, cursor, keys scanned, entries added].
 */
const BACKFILL_STEP_SCRIPT = `${WRITE_LUA}${INDEX_LUA}
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return {'gone', '0', 0, 0} end
local def = cjson.decode(json)
local state = redis.call('HGET', KEYS[2], 'state')
local cursor = redis.call('HGET', KEYS[2], 'cursor') or '0'
if state ~= 'building' then return {state or 'gone', cursor, 0, 0} end
local reply = redis.call('SCAN', cursor, 'MATCH', def.match, 'COUNT', ARGV[2])
local skip, scanned, added = ARGV[3], 0, 0
for _, key in ipairs(reply[2]) do
  if string.sub(key, 1, #skip) ~= skip then
    scanned = scanned + 1
    local entry = indexEntry(def, fieldOf(key, def.field))
    if entry ~= nil then added = added + putEntry(def, key, entry) end
  end
end
redis.call('HSET', KEYS[2], 'cursor', reply[1], 'updatedAt', ARGV[4], 'rate', ARGV[5])
redis.call('HINCRBY', KEYS[2], 'scanned', scanned)
redis.call('HINCRBY', KEYS[2], 'entries', added)
if reply[1] == '0' then
  redis.call('HSET', KEYS[2], 'state', 'ready', 'finishedAt', ARGV[4])
  state = 'ready'
end
if #errors > 0 then redis.call('HSET', KEYS[2], 'lastError', errors[1]) end
return {state, reply[1], scanned, added}
`;

export function backfillStepCommand(name: string, keys: KeySchema, count: number, nowMs: number, rate: number): RedisCommand {
  return ['eval', BACKFILL_STEP_SCRIPT, 2, keys.indexDefinitions, keys.indexBuild(name), name, count, keys.indexKeysPrefix, nowMs, Math.round(rate)];
}

/** Moves the build from one state to another only if it is in the first; reply 1 if it moved. KEYS: build. ARGV: from, to, now. */
const MOVE_STATE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'updatedAt', ARGV[3])
return 1
`;

export function moveBuildStateCommand(name: string, keys: KeySchema, from: string, to: string, nowMs: number): RedisCommand {
  return ['eval', MOVE_STATE_SCRIPT, 1, keys.indexBuild(name), from, to, nowMs];
}

/**
 * One step of the missing-entries check: SCAN like the backfill, and for each hash whose entry is
 * not in the index count it (and, repairing, write it). Read-only unless repairing, so a read-only
 * connection runs it with EVAL_RO. KEYS: definitions. ARGV: name, cursor, COUNT, index keys
 * prefix, repair (1/0). Reply: [cursor, scanned, missing, sample keys…].
 */
const VERIFY_MISSING_SCRIPT = `${WRITE_LUA}${INDEX_LUA}
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return {'0', -1, 0} end
local def = cjson.decode(json)
local reply = redis.call('SCAN', ARGV[2], 'MATCH', def.match, 'COUNT', ARGV[3])
local skip, scanned, missing, samples = ARGV[4], 0, 0, {}
for _, key in ipairs(reply[2]) do
  if string.sub(key, 1, #skip) ~= skip then
    scanned = scanned + 1
    local entry = indexEntry(def, fieldOf(key, def.field))
    if entry ~= nil then
      local present
      if def.kind == 'zset' then present = tonumber(redis.call('ZSCORE', def.entriesKey, key)) == entry
      else present = redis.call('SISMEMBER', def.entriesKey .. entry, key) == 1 end
      if not present then
        missing = missing + 1
        if #samples < 10 then samples[#samples + 1] = key end
        if ARGV[5] == '1' then putEntry(def, key, entry) end
      end
    end
  end
end
local result = {reply[1], scanned, missing}
for _, key in ipairs(samples) do result[#result + 1] = key end
return result
`;

/**
 * One step of the stale-entries check over the index itself: SSCAN of one value's set (or ZSCAN of
 * the zset) and for each member whose hash no longer has that entry count it (and, repairing,
 * move it where it belongs). KEYS: definitions. ARGV: name, value ('' for a zset), cursor, COUNT,
 * repair (1/0). Reply: [cursor, checked, stale, sample keys…].
 */
const VERIFY_STALE_SCRIPT = `${WRITE_LUA}${INDEX_LUA}
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return {'0', -1, 0} end
local def = cjson.decode(json)
local members, stored, cursor = {}, {}, '0'
if def.kind == 'zset' then
  local reply = redis.call('ZSCAN', def.entriesKey, ARGV[3], 'COUNT', ARGV[4])
  for i = 1, #reply[2], 2 do
    members[#members + 1] = reply[2][i]
    stored[#stored + 1] = tonumber(reply[2][i + 1])
  end
  cursor = reply[1]
else
  local reply = redis.call('SSCAN', def.entriesKey .. ARGV[2], ARGV[3], 'COUNT', ARGV[4])
  for i, member in ipairs(reply[2]) do
    members[i] = member
    stored[i] = ARGV[2]
  end
  cursor = reply[1]
end
local stale, samples = 0, {}
for i, key in ipairs(members) do
  local entry = indexEntry(def, fieldOf(key, def.field))
  if entry ~= stored[i] then
    stale = stale + 1
    if #samples < 10 then samples[#samples + 1] = key end
    if ARGV[5] == '1' then
      dropEntry(def, key, stored[i])
      if entry ~= nil then putEntry(def, key, entry) end
    end
  end
end
local result = {cursor, #members, stale}
for _, key in ipairs(samples) do result[#result + 1] = key end
return result
`;

/** EVAL_RO when only looking, so that a read-only connection can verify. */
export function verifyMissingCommand(name: string, keys: KeySchema, cursor: string, count: number, repair: boolean): RedisCommand {
  return [repair ? 'eval' : 'eval_ro', VERIFY_MISSING_SCRIPT, 1, keys.indexDefinitions, name, cursor, count, keys.indexKeysPrefix, repair ? 1 : 0];
}

export function verifyStaleCommand(name: string, keys: KeySchema, value: string, cursor: string, count: number, repair: boolean): RedisCommand {
  return [repair ? 'eval' : 'eval_ro', VERIFY_STALE_SCRIPT, 1, keys.indexDefinitions, name, value, cursor, count, repair ? 1 : 0];
}
