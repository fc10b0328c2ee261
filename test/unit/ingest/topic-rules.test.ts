import { describe, expect, it } from 'vitest';
import { DEFAULT_TOPIC_RULES, topicRulesSchema, WRITING_HANDLERS } from '../../../core/domain/topic-rule.js';
import { ANOTHER_COPY, TopicRouter, UNROUTED } from '../../../core/ingest/topic-rules.js';

describe('TopicRouter', () => {
  it('takes exactly one copy of a message that overlapping rules\' subscriptions each deliver: the first matching rule\'s', () => {
    const router = new TopicRouter([
      { filter: 'sensors/lab/#', handler: 'ignore' },
      { filter: 'sensors/+/air', handler: 'thermostat' },
      { filter: 'sensors/#', handler: 'json-hash' },
    ]);
    // sensors/hall/air comes once through `sensors/+/air` and once through `sensors/#`.
    expect(router.handlerVia('sensors/hall/air', 'sensors/+/air')).toBe(WRITING_HANDLERS.indexOf('thermostat'));
    expect(router.handlerVia('sensors/hall/air', 'sensors/#')).toBe(ANOTHER_COPY);
    // The ignore rule's own copy counts (and writes nothing); the broader rules' copies are the other copies.
    expect(router.handlerVia('sensors/lab/air', 'sensors/lab/#')).toBeNull();
    expect(router.handlerVia('sensors/lab/air', 'sensors/+/air')).toBe(ANOTHER_COPY);
    expect(router.handlerVia('sensors/lab/air', 'sensors/#')).toBe(ANOTHER_COPY);
    expect(router.handlerVia('sensors/hall/door', 'sensors/#')).toBe(WRITING_HANDLERS.indexOf('json-hash'));
    // A copy through a filter no rule has any more (a subscription left from before a change).
    expect(router.handlerVia('sensors/hall/door', 'sensors/hall/+')).toBe(ANOTHER_COPY);
    expect(router.tally().rules.map(({ matched }) => matched)).toEqual([1, 1, 1]);
    expect(router.tally().unrouted).toBe(0);
  });

  it('routes the source documents\' topics by the default rules', () => {
    const router = new TopicRouter(DEFAULT_TOPIC_RULES);
    expect(router.handlerFor('temp_readings')).toBe(WRITING_HANDLERS.indexOf('thermostat'));
    expect(router.handlerFor('meters/D704206006772/energy')).toBe(WRITING_HANDLERS.indexOf('meter'));
    expect(router.handlerFor('meters/D704206006772/energy/extra')).toBeNull();
    expect(router.handlerFor('temp_readings/extra')).toBeNull();
    expect(router.tally()).toEqual({
      rules: [
        { filter: 'temp_readings', handler: 'thermostat', matched: 1 },
        { filter: 'meters/+/energy', handler: 'meter', matched: 1 },
      ],
      unrouted: 2,
    });
  });

  it('lets the first matching rule win, so an ignore rule can carve a hole in a broader one', () => {
    const router = new TopicRouter([
      { filter: 'sensors/lab/#', handler: 'ignore' },
      { filter: 'sensors/#', handler: 'json-hash' },
    ]);
    expect(router.route('sensors/lab/air')).toBe(0);
    expect(router.route('sensors/lab')).toBe(0);
    expect(router.handlerFor('sensors/lab/air')).toBeNull();
    expect(router.handlerFor('sensors/hall/air')).toBe(WRITING_HANDLERS.indexOf('json-hash'));
    expect(router.route('other')).toBe(UNROUTED);
  });

  it('never routes $SYS topics through a filter that starts with a wildcard', () => {
    const router = new TopicRouter([{ filter: '#', handler: 'json-hash' }]);
    expect(router.route('$SYS/broker/uptime')).toBe(UNROUTED);
    expect(router.route('anything/at/all')).toBe(0);
    expect(router.tally().unrouted).toBe(0);
  });
});

describe('topicRulesSchema', () => {
  it('accepts the defaults and an empty table', () => {
    expect(topicRulesSchema.parse(DEFAULT_TOPIC_RULES)).toEqual(DEFAULT_TOPIC_RULES);
    expect(topicRulesSchema.parse([])).toEqual([]);
  });

  it('refuses a malformed filter, naming it and the problem', () => {
    const result = topicRulesSchema.safeParse([{ filter: 'sensors/#/air', handler: 'json-hash' }]);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toBe('"sensors/#/air": "#" may only be the last level');
    expect(result.error!.issues[0]!.path).toEqual([0, 'filter']);
  });

  it('refuses an unknown handler and a filter given twice', () => {
    expect(topicRulesSchema.safeParse([{ filter: 'a', handler: 'lambda' }]).success).toBe(false);
    const twice = topicRulesSchema.safeParse([
      { filter: 'a/+', handler: 'json-hash' },
      { filter: 'a/+', handler: 'ignore' },
    ]);
    expect(twice.error!.issues[0]!.message).toBe('"a/+" appears twice; only the first would ever match');
    expect(twice.error!.issues[0]!.path).toEqual([1, 'filter']);
  });
});
