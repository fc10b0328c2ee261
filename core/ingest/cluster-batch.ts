import { ReplyError, type Cluster } from 'ioredis';
import { clusterBatchPlan, indexMoves, parseSlotScriptReply, slotScriptCommand, type SlotScript, type SlotScriptReply } from '../model/cluster-persist.js';
import type { DeadLetter } from '../model/dead-letter-persist.js';
import type { IndexRecord } from '../model/index-persist.js';
import type { KeySchema } from '../model/keys.js';
import type { MeterReading } from '../model/meter-reading.js';
import type { RedisCommand } from '../model/redis-command.js';
import type { TopicHashEntry } from '../model/topic-hash-persist.js';
import { execGrouped, type Reply } from '../redis/slot-groups.js';
import type { QueuedReading } from './queued-reading.js';

/** What one batch writes, and what the cluster writer keeps about it between attempts. */
export interface ClusterBatch {
  /** `<buffer>:<batch>`: the writer's slot markers record it. */
  id: string;
  readings: QueuedReading[];
  meterReadings: MeterReading[];
  topicHashes: TopicHashEntry[];
  deadLetters: DeadLetter[];
  /** Set by the writer: an attempt of this batch reached some slots and failed in others. */
  partial?: boolean;
  /** Indexed hashes' fields before the batch wrote them, from the attempt that wrote them (a retry finds them written). */
  before?: Map<string, Array<string | null>>;
}

export interface ClusterWriteOptions {
  keys: KeySchema;
  writerId: string;
  deadLetterCap: number;
  bucketSeconds: number;
  /** How long the slot markers live: long enough for any retry or a successor's replay. */
  markerTtlSeconds: number;
}

export interface ClusterWriteOutcome {
  /** Writes Redis refused for good (e.g. WRONGTYPE), as in the single-server batch's reply. */
  refused: string[];
  /** Slot scripts this attempt found applied already (by an earlier attempt of the same batch). */
  skippedSlots: number;
}

/** Error replies that are Redis saying "not now" (or "elsewhere"): the batch is retried, never counted as refused. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|MOVED|ASK)\b/;

/** A batch that reached only some slots: retried as a whole, each slot's script skipping itself where it ran. */
export class PartialBatchFailure extends Error {
  constructor(
    cause: Error,
    readonly reached: boolean,
  ) {
    super(cause.message, { cause });
  }
}

/**
 * Writes a batch to a Redis Cluster in steps of one slot each (core/model/cluster-persist.ts): the
 * live index definitions and the writer's intent, then every slot's script and plain command (one
 * pipeline per node, the nodes in parallel), then the index moves and pending entries, then the
 * writer's progress marker. Any failure throws, and the write buffer retries the batch whole; the
 * slot scripts make that retry apply each slot once.
 */
export class ClusterBatchWriter {
  constructor(
    private readonly cluster: Cluster,
    private readonly options: ClusterWriteOptions,
  ) {}

  async apply(batch: ClusterBatch, progress: RedisCommand, intent: RedisCommand): Promise<ClusterWriteOutcome> {
    const { keys } = this.options;
    const [[definitionsError, definitions]] = (await this.step(batch, [['hvals', keys.indexDefinitions], intent], false)) as [Reply, Reply];
    if (definitionsError) throw definitionsError;
    const indexes = (definitions as string[]).map((json) => JSON.parse(json) as IndexRecord);
    const plan = clusterBatchPlan({ ...batch, indexes, keys, bucketSeconds: this.options.bucketSeconds, deadLetterCap: this.options.deadLetterCap, nowMs: Date.now() });
    const refused: string[] = [];
    const scriptReplies = await this.runScripts(batch, plan.scripts, plan.plain, refused);
    const skippedSlots = scriptReplies.filter((reply) => !reply.applied).length;
    const reported = new Map<string, { before: Array<string | null> | null; after: Array<string | null>; fields: string[] }>();
    plan.scripts.forEach((script, index) => {
      const reply = scriptReplies[index]!;
      script.reports.forEach(({ key, fields }, position) => {
        const answer = reply.reports[position];
        batch.before ??= new Map();
        if (answer && !batch.before.has(key)) batch.before.set(key, answer.before);
        reported.set(key, { before: batch.before.get(key) ?? null, after: answer?.after ?? [], fields });
      });
    });
    const moves = plan.indexed.flatMap(({ key, defs }) => {
      const report = reported.get(key);
      return report && report.after.length > 0 ? [{ key, defs, ...report }] : [];
    });
    const second = [...plan.afterwards, ...indexMoves(moves)];
    refused.push(...collectRefusals(await this.step(batch, second, true)));
    await this.step(batch, [progress], true);
    return { refused, skippedSlots };
  }

  /** Step 1: the slot scripts (EVALSHA, then EVAL where a node did not know the script) and the plain commands. */
  private async runScripts(batch: ClusterBatch, scripts: SlotScript[], plain: RedisCommand[], refused: string[]): Promise<SlotScriptReply[]> {
    const { keys, writerId, markerTtlSeconds } = this.options;
    const command = (script: SlotScript, withSource: boolean) => slotScriptCommand(script, keys.writerSlotMarker(writerId, script.slot), batch.id, markerTtlSeconds, withSource);
    const replies = await execGrouped(this.cluster, [...scripts.map((script) => command(script, false)), ...plain]);
    const unknown = scripts.flatMap((script, index) => (isNoScript(replies[index]![0]) ? [index] : []));
    if (unknown.length > 0) {
      const resent = await execGrouped(this.cluster, unknown.map((index) => command(scripts[index]!, true)));
      unknown.forEach((index, position) => (replies[index] = resent[position]!));
    }
    this.failOnTransient(batch, replies, true);
    refused.push(...collectRefusals(replies.slice(scripts.length)));
    return scripts.map((_, index) => {
      const [error, result] = replies[index]!;
      if (error) {
        refused.push(error.message);
        return { applied: true, errors: [], reports: [] };
      }
      const reply = parseSlotScriptReply(result);
      refused.push(...reply.errors);
      return reply;
    });
  }

  private async step(batch: ClusterBatch, commands: RedisCommand[], afterWrites: boolean): Promise<Reply[]> {
    const replies = await execGrouped(this.cluster, commands);
    this.failOnTransient(batch, replies, afterWrites);
    return replies;
  }

  /** Throws when a command failed for a reason a retry can fix; a batch some of whose slots were written is marked partial. */
  private failOnTransient(batch: ClusterBatch, replies: Reply[], writes: boolean): void {
    const failed = replies.find(([error]) => error !== null && isTransient(error));
    if (!failed) return;
    const reached = writes && replies.some(([error]) => error === null);
    if (reached) batch.partial = true;
    throw new PartialBatchFailure(failed[0]!, reached);
  }
}

function isNoScript(error: Error | null): boolean {
  return error instanceof ReplyError && (error as Error).message.startsWith('NOSCRIPT');
}

/** A connection error, or an error reply that says "not now": anything but Redis judging the command itself. */
function isTransient(error: Error): boolean {
  if (!(error instanceof ReplyError)) return true;
  return TRANSIENT_REPLY.test(error.message);
}

function collectRefusals(replies: Reply[]): string[] {
  return replies.flatMap(([error]) => (error ? [error.message] : []));
}
