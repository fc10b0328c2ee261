import { expect, test } from '@playwright/test';
import { openDashboard, openPage, publishReadings, reading, shoot, uniqueDeviceId, withRedis } from './e2e-helpers.js';

test('the Keys page finds keys with SCAN, groups them on ":" and shows a value equal to Redis', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
  await publishReadings([reading(uniqueDeviceId('keys'), 95)]);
  await expect.poll(() => withRedis((redis) => redis.get('climate:hot'))).not.toBeNull();

  await openDashboard(page);
  await openPage(page, 'Keys');
  await page.getByLabel('Match').fill('climate:*');
  await page.getByRole('button', { name: 'Scan', exact: true }).click();
  const tree = page.getByTestId('key-tree');
  const climate = tree.getByTestId('key-folder').filter({ hasText: 'climate:' });
  await expect(climate).toBeVisible();
  await climate.click();
  await tree.getByTestId('key-row').filter({ hasText: 'hot' }).click();
  const detail = page.getByTestId('key-detail');
  const hot = await withRedis((redis) => redis.get('climate:hot'));
  await expect(detail.getByTestId('string-value')).toHaveText(hot!);

  // Other specs leave thousands of keys behind, so a pattern rather than the first page of '*'.
  await page.getByLabel('Match').fill('SensorData');
  await page.getByRole('button', { name: 'Scan', exact: true }).click();
  await expect(page.getByTestId('scan-summary')).toContainText('examined');
  await tree.getByTestId('key-row').filter({ hasText: 'SensorData' }).click();
  await expect(detail.getByTestId('key-value-table')).toBeVisible();
  const members = await withRedis((redis) => redis.zcard('SensorData'));
  await expect(detail.getByTestId('key-length')).toContainText(members.toLocaleString('en'));
  await shoot(page, 'keys');
});
