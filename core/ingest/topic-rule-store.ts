import { z } from 'zod';
import { readSettingsFile, writeSettingsFile } from '../config/settings-file.js';
import { topicRulesSchema, type TopicRule } from '../domain/topic-rule.js';

const fileSchema = z.strictObject({ version: z.literal(1), rules: topicRulesSchema });

/** Where the rules in force came from: the Topic rules page's saved file, or the config (its default unless set). */
export type TopicRulesOrigin = 'saved' | 'config';

/**
 * The topic rules as edited on the Topic rules page, in `<dataDir>/topic-rules.json`. Once saved
 * they win over `ingest.topicRules` of the config; removing the file brings the config's back.
 */
export class TopicRuleStore {
  private constructor(
    private readonly file: string,
    private current: readonly TopicRule[],
    private currentOrigin: TopicRulesOrigin,
  ) {}

  static async open(file: string, configured: readonly TopicRule[]): Promise<TopicRuleStore> {
    const saved = await readSettingsFile(file, fileSchema);
    return saved ? new TopicRuleStore(file, saved.rules, 'saved') : new TopicRuleStore(file, configured, 'config');
  }

  get rules(): readonly TopicRule[] {
    return this.current;
  }

  get origin(): TopicRulesOrigin {
    return this.currentOrigin;
  }

  get path(): string {
    return this.file;
  }

  /** `rules` must have passed topicRulesSchema. */
  async save(rules: readonly TopicRule[]): Promise<void> {
    await writeSettingsFile(this.file, { version: 1, rules });
    this.current = rules;
    this.currentOrigin = 'saved';
  }
}
