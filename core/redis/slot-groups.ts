import { Cluster, Command, type Redis } from 'ioredis';
import { keySlot } from '../model/key-slot.js';
import type { RedisCommand } from '../model/redis-command.js';
import type { RedisClient } from './redis-target.js';

/**
 * Sending many commands to a Redis that may be a cluster: a pipeline on one server; on a cluster one
 * pipeline per node (the nodes in parallel), each command routed by its keys. No command here spans
 * two slots, and there is no MULTI: a cluster refuses both (CROSSSLOT), and a pipeline of ioredis'
 * cluster client refuses keys of two nodes. A command whose own keys lie in different slots is not
 * sent at all; its reply is a CrossSlotCommand error naming the slots.
 */

export type Reply = [error: Error | null, result: unknown];

/** A command whose keys lie in different cluster slots: never sent (Redis would answer CROSSSLOT). */
export class CrossSlotCommand extends Error {
  constructor(
    readonly command: string,
    readonly slots: number[],
  ) {
    super(`${command.toUpperCase()} names keys of ${slots.length} cluster slots (${slots.slice(0, 4).join(', ')}${slots.length > 4 ? ', …' : ''}): a cluster runs a command only on keys of one slot`);
  }
}

/** The keys a command names, found as ioredis routes it (COMMAND's key positions: EVAL's numkeys, MGET's every argument, …). */
export function commandKeys([name, ...args]: RedisCommand | [string, ...Array<string | number | Buffer>]): string[] {
  return new Command(name, args).getKeys().map((key) => (typeof key === 'string' ? key : String(key)));
}

/** The slots a command's keys hash to, in order of first appearance; empty for a keyless command. */
export function commandSlots(command: RedisCommand | [string, ...Array<string | number | Buffer>]): number[] {
  return [...new Set(commandKeys(command).map(keySlot))];
}

/** Every command's reply, in order; a cluster gets one pipeline per node. Never throws for a command's own error. */
export async function execGrouped(client: RedisClient, commands: readonly RedisCommand[]): Promise<Reply[]> {
  if (commands.length === 0) return [];
  if (!(client instanceof Cluster)) return pipelineReplies(client, commands);
  const replies: Reply[] = new Array(commands.length);
  const groups = new Map<string, { indexes: number[]; commands: RedisCommand[] }>();
  commands.forEach((command, index) => {
    const slots = commandSlots(command);
    if (slots.length > 1) {
      replies[index] = [new CrossSlotCommand(command[0], slots), null];
      return;
    }
    const node = slots.length === 0 ? 'any' : nodeOfSlot(client, slots[0]!);
    let group = groups.get(node);
    if (!group) groups.set(node, (group = { indexes: [], commands: [] }));
    group.indexes.push(index);
    group.commands.push(command);
  });
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const groupReplies = await pipelineReplies(client, group.commands);
      group.indexes.forEach((index, position) => (replies[index] = groupReplies[position]!));
    }),
  );
  return replies;
}

/** The results of execGrouped, or the first error among them. */
export async function readGrouped(client: RedisClient, commands: readonly RedisCommand[]): Promise<unknown[]> {
  const replies = await execGrouped(client, commands);
  const failed = replies.find(([error]) => error !== null);
  if (failed) throw failed[0]!;
  return replies.map(([, result]) => result);
}

/** MGET on one server; on a cluster a GET per key, grouped per node (an MGET over keys of several slots is refused there). */
export async function getMany(client: RedisClient, keys: readonly string[]): Promise<Array<string | null>> {
  if (keys.length === 0) return [];
  if (!(client instanceof Cluster)) return client.mget(...keys);
  return (await readGrouped(client, keys.map((key): RedisCommand => ['get', key]))) as Array<string | null>;
}

/**
 * Which master serves `slot`, by the client's slot table: commands for one node share a pipeline. A
 * slot the table does not know yet forms a group of its own, which the client routes when it knows.
 */
export function nodeOfSlot(cluster: Cluster, slot: number): string {
  return cluster.slots[slot]?.[0] ?? `slot:${slot}`;
}

/** The same command on every master, for what each node counts only for itself (DBSIZE, INFO, PUBSUB NUMSUB). */
export function onEveryMaster<T>(masters: readonly Redis[], ask: (node: Redis) => Promise<T>): Promise<T[]> {
  return Promise.all(masters.map(ask));
}

async function pipelineReplies(client: RedisClient, commands: readonly RedisCommand[]): Promise<Reply[]> {
  try {
    const replies = (await client.pipeline(commands.map(([name, ...args]) => [name, ...args])).exec()) ?? [];
    return commands.map((_, index) => (replies[index] as Reply | undefined) ?? [new Error('no reply in the pipeline'), null]);
  } catch (error) {
    // The whole pipeline refused (the cluster's slots moved under it, the client closed): every command shares the error.
    return commands.map((): Reply => [error as Error, null]);
  }
}
