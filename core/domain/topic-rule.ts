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

/** The handlers that write a hash, into which MQTT 5 user properties can go. */
export const HASH_WRITING_HANDLERS = ['thermostat', 'json-hash'] as const satisfies readonly TopicRuleHandler[];

export const topicRuleSchema = z
  .strictObject({
    /** An MQTT topic filter: `+` one level, `#` the rest. */
    filter: topicFilterSchema,
    handler: z.enum(TOPIC_RULE_HANDLERS),
    /**
     * MQTT 5 user properties become fields of the hash the rule writes (the device hash of a
     * thermostat reading, the topic's hash of json-hash), never over a field the reading or
     * payload itself has. Off (absent) by default: the hash keeps exactly the source document's fields.
     */
    userProperties: z.boolean().optional(),
  })
  .superRefine((rule, context) => {
    if (rule.userProperties && !(HASH_WRITING_HANDLERS as readonly string[]).includes(rule.handler)) {
      context.addIssue({ code: 'custom', path: ['userProperties'], message: `only the ${HASH_WRITING_HANDLERS.join(' and ')} handlers write a hash user properties can go into` });
    }
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
