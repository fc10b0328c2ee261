import type { Rejection } from '../domain/rejection.js';
import type { KeySchema } from './keys.js';
import type { RedisCommand } from './redis-command.js';

export interface DeadLetter extends Rejection {
  at: number;
  topic: string;
  clientId: string | null;
  /** The start of the payload as text, at most DEAD_LETTER_PAYLOAD_CHARS characters. */
  payload: string;
  payloadBytes: number;
  /** Rejected from a replay kept apart from live data: listed and counted under the replay key prefix. */
  replay?: boolean;
}

export const DEAD_LETTER_PAYLOAD_CHARS = 256;

export function deadLetterFrom(
  rejection: Rejection,
  topic: string,
  clientId: string | null,
  payload: Buffer,
): DeadLetter {
  return {
    ...rejection,
    at: Date.now(),
    topic,
    clientId,
    payload: payload.subarray(0, DEAD_LETTER_PAYLOAD_CHARS * 4).toString('utf8').slice(0, DEAD_LETTER_PAYLOAD_CHARS),
    payloadBytes: payload.length,
  };
}

/** Newest first, capped, plus a per-reason counter that survives restarts of the app. */
export function deadLetterWrites(
  letters: readonly DeadLetter[],
  countsByReason: ReadonlyMap<string, number>,
  keys: KeySchema,
  cap: number,
): RedisCommand[] {
  const commands: RedisCommand[] = [];
  if (letters.length > 0) {
    const newest = letters.slice(-cap).map((letter) => JSON.stringify(letter));
    commands.push(['lpush', keys.deadLetters, ...newest], ['ltrim', keys.deadLetters, 0, cap - 1]);
  }
  for (const [reason, count] of countsByReason) commands.push(['hincrby', keys.rejectedCounts, reason, count]);
  return commands;
}
