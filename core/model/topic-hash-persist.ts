import type { KeySchema } from './keys.js';
import type { RedisCommand } from './redis-command.js';

/** One message stored by a json-hash topic rule. */
export interface TopicHashEntry {
  topic: string;
  /** HSET's field/value pairs. */
  fields: string[];
  /** preciseNow() when the broker handed the message over. */
  receivedAt: number;
  /** Published by a replay kept apart from live data: written under the replay key prefix. */
  replay?: boolean;
}

/**
 * One variadic HSET per topic for the whole batch, the fields merged in arrival order so the hash
 * ends as one HSET per message would leave it.
 */
export function topicHashWrites(entries: readonly TopicHashEntry[], keys: KeySchema): RedisCommand[] {
  if (entries.length === 0) return [];
  const byTopic = new Map<string, Map<string, string>>();
  for (const { topic, fields } of entries) {
    let merged = byTopic.get(topic);
    if (!merged) byTopic.set(topic, (merged = new Map()));
    for (let index = 0; index < fields.length; index += 2) merged.set(fields[index]!, fields[index + 1]!);
  }
  return [...byTopic].map(([topic, merged]): RedisCommand => ['hset', keys.topicHash(topic), ...[...merged].flat()]);
}
