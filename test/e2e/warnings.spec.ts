import { expect, test, type Page } from '@playwright/test';
import { openDashboard, openPage, publishReadings, reading, stopEmulatorAndSettle, uniqueDeviceId } from './e2e-helpers.js';

function warningRow(page: Page, deviceId: string) {
  const exactly = new RegExp(`^${deviceId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return page.getByTestId('warning').filter({ has: page.getByTestId('warning-device').filter({ hasText: exactly }) });
}

test('a hot reading published by an outside MQTT client appears under Warnings with its device and temperature', async ({ page, request }) => {
  await stopEmulatorAndSettle(request); // a quiet feed: only this test's warnings
  await openDashboard(page);
  await openPage(page, 'Warnings');

  const hot = uniqueDeviceId('hot');
  const numeric = 4_000_000_000 + Math.floor(Math.random() * 100_000_000); // a numeric id no emulator uses
  const notHot = uniqueDeviceId('warm');
  // The page subscribes to the Warnings topic when it opens; publish until it is listening (the
  // feed is live only: what was published before the subscription is not shown).
  await expect(async () => {
    await publishReadings([reading(notHot, 85), reading(hot, 97, { deviceIP: '10.0.0.97' }), reading(numeric, 101.25)]);
    await expect(warningRow(page, String(numeric))).toHaveCount(1, { timeout: 2000 });
  }).toPass({ timeout: 15_000 });

  const row = warningRow(page, hot).first();
  await expect(row).toBeVisible();
  await expect(row.getByTestId('warning-temperature')).toHaveText('97');
  await expect(warningRow(page, String(numeric)).getByTestId('warning-temperature')).toHaveText('101.25');
  // 85 is warm (hot is above 85): published just before, never a warning.
  await expect(warningRow(page, notHot)).toHaveCount(0);
  // Newest first.
  await expect(page.getByTestId('warning').first().getByTestId('warning-device')).toHaveText(String(numeric));

  // Pause holds new warnings back and counts them; Resume shows them again.
  await page.getByTestId('warnings-pause').click();
  await expect(page.getByTestId('warnings-pause')).toHaveText('Resume');
  const paused = uniqueDeviceId('paused');
  await publishReadings([reading(paused, 99)]);
  await expect(page.getByText(/Paused: 1 warning not shown since\./)).toBeVisible();
  await expect(warningRow(page, paused)).toHaveCount(0);
  await page.getByTestId('warnings-pause').click();
  await expect(page.getByTestId('warnings-pause')).toHaveText('Pause');
  const resumed = uniqueDeviceId('resumed');
  await publishReadings([reading(resumed, 88)]);
  await expect(warningRow(page, resumed).getByTestId('warning-temperature')).toHaveText('88');
});
