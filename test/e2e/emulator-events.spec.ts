import { expect, test } from '@playwright/test';
import { openDashboard, openPage, stopEmulatorAndSettle, withRedis } from './e2e-helpers.js';

test.afterEach(async ({ request }) => {
  // Whatever happened above, leave the emulator stopped for the next test.
  await stopEmulatorAndSettle(request);
});

test('starting the emulator on the Emulator page makes its readings appear on the Events page; Stop stops it', async ({ page, request }) => {
  await stopEmulatorAndSettle(request);
  const before = await withRedis((redis) => redis.zcard('SensorData'));
  const startedAt = Date.now();

  await openDashboard(page);
  await openPage(page, 'Emulator');
  // A moderate, known rate whatever an earlier test left configured.
  await page.getByRole('button', { name: 'Heat wave', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Heat wave applied' })).toBeVisible();
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('emulator-running')).toHaveText('running');
  await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeEnabled();
  await expect.poll(async () => Number((await page.getByTestId('emulator-published').textContent())?.replace(/\D/g, ''))).toBeGreaterThan(0);

  await openPage(page, 'Events');
  const list = page.getByTestId('events-list');
  const items = list.getByRole('listitem');
  await expect(items.first()).toBeVisible();
  // The newest entry is one the emulator wrote after Start: a numeric device id (1..5000) and a fresh score.
  await expect
    .poll(async () => {
      const score = Number((await items.first().locator('time').getAttribute('title'))?.replace('score ', ''));
      return score >= startedAt;
    })
    .toBe(true);
  await expect(items.first().getByRole('button')).toHaveText(/^\d+$/);
  // Live: the list keeps moving while the emulator runs.
  const firstScore = await items.first().locator('time').getAttribute('title');
  await expect(items.first().locator('time')).not.toHaveAttribute('title', firstScore ?? '');
  expect(await items.count()).toBeGreaterThan(0);
  expect(await items.count()).toBeLessThanOrEqual(24);
  await expect.poll(() => withRedis((redis) => redis.zcard('SensorData'))).toBeGreaterThan(before);

  await openPage(page, 'Emulator');
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByTestId('emulator-running')).toHaveText('stopped');
  await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeDisabled();
});
