import { WRITING_HANDLERS, type TopicRule, type TopicRuleHandler } from '../domain/topic-rule.js';
import type { TopicRulesView } from '../api/devices.js';
import { levelsMatchTopic } from '../domain/topic-filter.js';

/**
 * The topic rules: an ordered table of topic filter → handler, like the source document's IoT rule
 * on `temp_readings`. The first rule whose filter matches a message's topic decides what happens to
 * it; a message no rule matches is counted as unrouted and goes nowhere.
 */

/** What `route` answers for a topic no rule matches. */
export const UNROUTED = -1;
/** What `handlerVia` answers for a copy of a message that another subscription's copy stands for. */
export const ANOTHER_COPY = Symbol('another copy');

interface CompiledRule {
  /** The filter itself when it has no wildcard: most rules, and compared without walking levels. */
  exact: string | null;
  levels: readonly string[];
}

/** The rules compiled once for matching every message's topic against them in order, with a tally of what matched. */
export class TopicRouter {
  private readonly compiled: CompiledRule[];
  private readonly handlerIndexes: Array<number | null>;
  /** Messages each rule took, by rule index, since these rules were set. */
  readonly matched: number[];
  unrouted = 0;

  constructor(readonly rules: readonly TopicRule[]) {
    this.compiled = rules.map(({ filter }) => ({
      exact: filter.includes('+') || filter.includes('#') ? null : filter,
      levels: filter.split('/'),
    }));
    this.handlerIndexes = rules.map(({ handler }) => writingHandlerIndex(handler));
    this.matched = rules.map(() => 0);
  }

  /** The index of the first rule matching `topic`, or UNROUTED; counted either way. */
  route(topic: string): number {
    const index = this.firstMatch(topic);
    if (index !== UNROUTED) this.matched[index]! += 1;
    // `$SYS/…` is the broker's own chatter, which reaches the in-process `#` subscription too: not a device's message gone astray.
    else if (!topic.startsWith('$')) this.unrouted += 1;
    return index;
  }

  /**
   * For a source that delivers one copy of a message per matching subscription, one subscription
   * per rule (an outside broker): the handler index when this copy came through the filter of the
   * first rule matching its topic (counted then), null for an `ignore` rule, ANOTHER_COPY when a
   * copy through another rule's filter is the one that counts. Every worker decides alike, so of
   * overlapping filters' copies exactly one is taken, whichever worker each went to.
   */
  handlerVia(topic: string, filter: string): number | null | typeof ANOTHER_COPY {
    const index = this.firstMatch(topic);
    if (index === UNROUTED || this.rules[index]!.filter !== filter) return ANOTHER_COPY;
    this.matched[index]! += 1;
    return this.handlerIndexes[index]!;
  }

  private firstMatch(topic: string): number {
    for (let index = 0; index < this.compiled.length; index += 1) {
      const { exact, levels } = this.compiled[index]!;
      if (exact === null ? levelsMatchTopic(levels, topic) : exact === topic) return index;
    }
    return UNROUTED;
  }

  /** The handler index (see WRITING_HANDLERS) for `topic`, or null when no rule writes it. */
  handlerFor(topic: string): number | null {
    const rule = this.route(topic);
    return rule === UNROUTED ? null : this.handlerIndexes[rule]!;
  }

  /** What each rule took and how many messages no rule matched, for the UI. */
  tally(): TopicRuleTally {
    return { rules: this.rules.map((rule, index) => ({ ...rule, matched: this.matched[index]! })), unrouted: this.unrouted };
  }
}

export type TopicRuleTally = Pick<TopicRulesView, 'rules' | 'unrouted'>;

/** The WRITING_HANDLERS index of a rule's handler, or null for `ignore`. */
export function writingHandlerIndex(handler: TopicRuleHandler): number | null {
  const index = (WRITING_HANDLERS as readonly string[]).indexOf(handler);
  return index === -1 ? null : index;
}
