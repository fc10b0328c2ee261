import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { openDashboard, openPage, serve, shoot, withRedis } from './e2e-helpers.js';

const run = promisify(execFile);
const DEFAULT_RULES = [
  { filter: 'temp_readings', handler: 'thermostat' },
  { filter: 'meters/+/energy', handler: 'meter' },
];

test('a json-hash rule added in the UI stores what mosquitto_pub sends, and its count shows', async ({ page, request }) => {
  const pump = `pump-${Date.now().toString(36)}`;
  const topic = `e2e/${pump}/status`;
  try {
    await openDashboard(page);
    await openPage(page, 'Topic rules');
    await expect(page.getByTestId('topic-rule')).toHaveCount(2);

    await page.getByRole('button', { name: 'Add a rule' }).click();
    await page.getByLabel('Topic filter of rule 3').fill('e2e/+/#/bad');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect(page.getByText(/^Not saved: rules\.2\.filter/)).toBeVisible();
    await expect(page.getByLabel('Topic filter of rule 3')).toHaveAttribute('aria-invalid', 'true');

    await page.getByLabel('Topic filter of rule 3').fill('e2e/+/status');
    await page.getByLabel('Handler of rule 3').selectOption({ label: 'Store JSON as hash' });
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect(page.getByTestId('topic-rules-origin')).toContainText('Saved in');

    const { port } = new URL(serve().mqtt);
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-t', topic, '-m', '{"running":true,"rpm":1450}'], { timeout: 15_000 });

    await expect.poll(() => withRedis((redis) => redis.hgetall(`topic:${topic}`)), { timeout: 10_000 }).toEqual({ running: 'true', rpm: '1450' });
    await expect(page.getByTestId('topic-rule').nth(2).getByTestId('rule-matched')).toHaveText('1', { timeout: 10_000 });
    await shoot(page, 'topic-rules');
  } finally {
    // Other specs share this serve: the source documents' rules go back, and the pump's hash goes.
    await request.put(`${serve().origin}/api/ingest/topic-rules`, { headers: { authorization: `Bearer ${serve().token}` }, data: { rules: DEFAULT_RULES } });
    await withRedis((redis) => redis.del(`topic:${topic}`));
  }
});
