import type { Cluster } from 'ioredis';
import { keySlot } from '../model/key-slot.js';
import type { RedisCommand } from '../model/redis-command.js';

export type Reply = [error: Error | null, result: unknown];

/** A command on at most one key, so one node serves it; null for a command without a key (PUBLISH). */
export interface RoutedCommand {
  key: string | null;
  command: RedisCommand;
}

/**
 * Every command's reply, in order: one pipeline per master (by the client's slot table), the masters
 * in parallel, no MULTI (a cluster refuses one over keys of two slots). A pipeline that failed as a
 * whole (its connection closed) gives every command of it that error. Never throws.
 */
export async function execPerNode(cluster: Cluster, commands: readonly RoutedCommand[]): Promise<Reply[]> {
  const replies: Reply[] = new Array(commands.length);
  await Promise.all(
    [...groupByNode(cluster, commands).values()].map(async (indexes) => {
      const groupReplies = await pipelineReplies(cluster, indexes.map((index) => commands[index]!.command));
      indexes.forEach((index, position) => (replies[index] = groupReplies[position]!));
    }),
  );
  return replies;
}

/**
 * Command indexes per master. A slot the table does not know yet forms a group of its own, which the
 * client routes once it knows; commands without a key join the first group.
 */
function groupByNode(cluster: Cluster, commands: readonly RoutedCommand[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  const keyless: number[] = [];
  commands.forEach(({ key }, index) => {
    if (key === null) {
      keyless.push(index);
      return;
    }
    const slot = keySlot(key);
    const node = cluster.slots[slot]?.[0] ?? `slot:${slot}`;
    const group = groups.get(node);
    if (group) group.push(index);
    else groups.set(node, [index]);
  });
  if (keyless.length > 0) {
    const first = groups.values().next();
    if (first.done) groups.set('any', keyless);
    else first.value.push(...keyless);
  }
  return groups;
}

async function pipelineReplies(cluster: Cluster, commands: readonly RedisCommand[]): Promise<Reply[]> {
  try {
    const replies = (await cluster.pipeline(commands.map((command) => [...command])).exec()) ?? [];
    return commands.map((_, index) => (replies[index] as Reply | undefined) ?? [new Error('no reply in the pipeline'), null]);
  } catch (error) {
    return commands.map((): Reply => [error as Error, null]);
  }
}
