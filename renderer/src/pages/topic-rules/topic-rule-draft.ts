import type { TopicRule, TopicRuleHandler } from '../../../../core/domain/topic-rule.js';

export const HANDLERS: ReadonlyArray<{ id: TopicRuleHandler; name: string }> = [
  { id: 'thermostat', name: 'Thermostat reading' },
  { id: 'meter', name: 'Meter readings' },
  { id: 'json-hash', name: 'Store JSON as hash' },
  { id: 'ignore', name: 'Ignore' },
];

/** A rule being edited; `key` keeps React's rows stable while rules move up and down. */
export interface DraftRule extends TopicRule {
  key: number;
}

let nextKey = 0;

export function toDraft(rules: readonly TopicRule[]): DraftRule[] {
  return rules.map(({ filter, handler }) => ({ filter, handler, key: nextKey++ }));
}

export function newDraftRule(): DraftRule {
  return { filter: '', handler: 'json-hash', key: nextKey++ };
}

export function fromDraft(draft: readonly DraftRule[]): TopicRule[] {
  return draft.map(({ filter, handler }) => ({ filter: filter.trim(), handler }));
}

export function sameRules(left: readonly TopicRule[], right: readonly TopicRule[]): boolean {
  return left.length === right.length && left.every((rule, index) => rule.filter === right[index]!.filter && rule.handler === right[index]!.handler);
}

/** `list` with the item at `from` moved to `to`. */
export function moved<T>(list: readonly T[], from: number, to: number): T[] {
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item!);
  return next;
}

/** The rule a server error names ("rules.2.filter: …"), or null. */
export function ruleNamedBy(error: string | null): number | null {
  const match = /^rules\.(\d+)\b/.exec(error ?? '');
  return match ? Number(match[1]) : null;
}
