import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { topicRulesSchema } from '../domain/topic-rule.js';
import type { TopicRule } from '../domain/topic-rule.js';
import type { TopicRulesView } from '../api/devices.js';
import { parseRequest } from './request-validation.js';

/** What the topic-rule routes need from the stack. */
export interface TopicRuleBackend {
  topicRules(): TopicRulesView;
  /** Validated already; throws ReadOnlyRefusal in read-only mode. */
  saveTopicRules(rules: TopicRule[]): Promise<TopicRulesView>;
}

const updateBody = z.strictObject({ rules: topicRulesSchema });

/** The topic-filter → handler table ingest routes every broker message by. */
export function registerTopicRuleRoutes(app: FastifyInstance, backend: TopicRuleBackend): void {
  app.get('/api/ingest/topic-rules', async (): Promise<TopicRulesView> => backend.topicRules());

  app.put('/api/ingest/topic-rules', async (request): Promise<TopicRulesView> => {
    const { rules } = parseRequest(updateBody, request.body);
    return backend.saveTopicRules(rules);
  });
}
