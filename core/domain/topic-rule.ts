import { z } from 'zod';
import { topicFilterProblem } from './topic-filter.js';
import { METER_TOPIC_FILTER, THERMOSTAT_TOPIC } from './topics.js';

/** Topic rules: an MQTT topic filter and what ingest does with the messages it matches. */

/** What a rule does with the messages it matches. `ignore` drops them on purpose, e.g. ahead of a broader rule. */
export const TOPIC_RULE_HANDLERS = ['thermostat', 'meter', 'json-hash', 'ignore'] as const;
export type TopicRuleHandler = (typeof TOPIC_RULE_HANDLERS)[number];
/** The handlers that hand messages to ingest, numbered in this order on the way to the ingest worker. */
export const WRITING_HANDLERS = ['thermostat', 'meter', 'json-hash'] as const satisfies readonly TopicRuleHandler[];
export type WritingHandler = (typeof WRITING_HANDLERS)[number];

export const MAX_TOPIC_RULES = 64;

export const topicFilterSchema = z.string().superRefine((filter, context) => {
  const problem = topicFilterProblem(filter);
  if (problem) context.addIssue({ code: 'custom', message: `${JSON.stringify(filter)}: ${problem}` });
});

export const topicRuleSchema = z.strictObject({
  /** An MQTT topic filter: `+` one level, `#` the rest. */
  filter: topicFilterSchema,
  handler: z.enum(TOPIC_RULE_HANDLERS),
});
export type TopicRule = z.infer<typeof topicRuleSchema>;

export const topicRulesSchema = z
  .array(topicRuleSchema)
  .max(MAX_TOPIC_RULES, { message: `at most ${MAX_TOPIC_RULES} topic rules` })
  .superRefine((rules, context) => {
    const seen = new Set<string>();
    for (const [index, { filter }] of rules.entries()) {
      // A second rule with the same filter could never match anything: the first one always wins.
      if (seen.has(filter)) context.addIssue({ code: 'custom', path: [index, 'filter'], message: `${JSON.stringify(filter)} appears twice; only the first would ever match` });
      seen.add(filter);
    }
  });

/** The source documents' two rules: thermostats on `temp_readings`, meters on `meters/<id>/energy`. */
export const DEFAULT_TOPIC_RULES: readonly TopicRule[] = [
  { filter: THERMOSTAT_TOPIC, handler: 'thermostat' },
  { filter: METER_TOPIC_FILTER, handler: 'meter' },
];
