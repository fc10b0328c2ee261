import { expect, test } from '@playwright/test';
import { HASH_FIELDS, openDashboard, openPage, publishReadings, reading, stopEmulatorAndSettle, uniqueDeviceId, withRedis } from './e2e-helpers.js';

test('clicking a device on Events shows its six hash fields, equal to HGETALL in Redis', async ({ page, request }) => {
  // Nothing else writes meanwhile, so the device's hash cannot change under the comparison.
  await stopEmulatorAndSettle(request);
  const deviceId = uniqueDeviceId('hash');
  await publishReadings([reading(deviceId, 72.5, { humidity: 55, deviceIP: '192.168.7.42' })]);
  await expect.poll(() => withRedis((redis) => redis.exists(deviceId))).toBe(1);

  await openDashboard(page);
  await openPage(page, 'Events');
  const deviceButton = page.getByTestId('events-list').getByRole('button', { name: deviceId, exact: true });
  await deviceButton.click();
  await expect(deviceButton).toHaveAttribute('aria-pressed', 'true');

  const panel = page.getByTestId('device-hash');
  await expect(panel.getByRole('heading', { level: 2 })).toHaveText(`Device ${deviceId}`);
  await expect(panel.locator('dt')).toHaveText([...HASH_FIELDS]);

  const hash = await withRedis((redis) => redis.hgetall(deviceId));
  expect(Object.keys(hash).sort()).toEqual([...HASH_FIELDS].sort());
  // What was published, as the pipeline stored it.
  expect(hash).toMatchObject({ temperature: '72.5', humidity: '55', deviceIP: '192.168.7.42', climate: 'cool' });
  for (const field of HASH_FIELDS) {
    const value = panel.locator(`[data-field="${field}"] dd`);
    if (field === 'timestamp') {
      // The raw value, then the time it stands for in brackets.
      await expect(value).toHaveText(new RegExp(`^${hash.timestamp} \\(.+\\)$`));
    } else {
      await expect(value).toHaveText(hash[field]!);
    }
  }
  await expect(panel.locator('.command code')).toHaveText(`HGETALL ${deviceId}`);
});
