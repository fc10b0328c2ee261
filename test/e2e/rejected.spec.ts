import { expect, test } from '@playwright/test';
import { openDashboard, openPage, publishReadings, waitForIngestIdle, withRedis } from './e2e-helpers.js';

test('the Rejected page lists a non-JSON payload with reason not-json, and its count matches Redis', async ({ page, request }) => {
  const marker = `e2e this is not json ${Date.now().toString(36)}`;
  await publishReadings([marker]);
  await waitForIngestIdle(request);

  await openDashboard(page);
  await openPage(page, 'Rejected');
  const letter = page.getByTestId('rejected-letter').filter({ hasText: marker });
  await expect(letter).toHaveCount(1);
  await expect(letter.locator('.badge')).toHaveText('not-json');
  await expect(letter.getByRole('cell').nth(3)).toHaveText('temp_readings');
  await expect(letter.locator('code.payload')).toHaveText(marker);

  const stored = await withRedis((redis) => redis.hget('workbench:ingest:rejected', 'not-json'));
  expect(Number(stored)).toBeGreaterThan(0);
  await expect(page.getByTestId('rejected-reason-not-json')).toHaveText(new Intl.NumberFormat('en-US').format(Number(stored)));
});
