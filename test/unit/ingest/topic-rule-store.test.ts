import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TopicRuleStore } from '../../../core/ingest/topic-rule-store.js';
import { DEFAULT_TOPIC_RULES, type TopicRule } from '../../../core/domain/topic-rule.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

const EDITED: TopicRule[] = [{ filter: 'plant/#', handler: 'json-hash' }];

let dir: TempDir;
let file: string;

beforeEach(async () => {
  dir = await makeTempDir('sw-topic-rules-');
  file = join(dir.path, 'topic-rules.json');
});

afterEach(async () => {
  await dir.remove();
});

describe('TopicRuleStore', () => {
  it('uses the configured rules until rules are saved, and the saved ones from then on', async () => {
    const fresh = await TopicRuleStore.open(file, DEFAULT_TOPIC_RULES);
    expect(fresh.rules).toEqual(DEFAULT_TOPIC_RULES);
    expect(fresh.origin).toBe('config');
    await expect(stat(file)).rejects.toThrow(/ENOENT/);

    await fresh.save(EDITED);
    expect(fresh.rules).toEqual(EDITED);
    expect(fresh.origin).toBe('saved');

    const reopened = await TopicRuleStore.open(file, DEFAULT_TOPIC_RULES);
    expect(reopened.rules).toEqual(EDITED);
    expect(reopened.origin).toBe('saved');
  });

  it('refuses a hand-edited file with a bad rule, naming the file and the field, and leaves it alone', async () => {
    const broken = JSON.stringify({ version: 1, rules: [{ filter: 'plant/+x', handler: 'json-hash' }] });
    await writeFile(file, broken);
    await expect(TopicRuleStore.open(file, DEFAULT_TOPIC_RULES)).rejects.toThrow(`${file}: rules.0.filter: "plant/+x": "+" must occupy a whole level; fix or remove it`);
    expect(await readFile(file, 'utf8')).toBe(broken);
  });
});
