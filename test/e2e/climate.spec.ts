import { expect, test } from '@playwright/test';
import {
  CLIMATES,
  climateFromPage,
  climateFromRedis,
  emulatorCommand,
  openDashboard,
  openPage,
  publishReadings,
  reading,
  stopEmulatorAndSettle,
  uniqueDeviceId,
  waitForIngestIdle,
  withRedis,
} from './e2e-helpers.js';

test.afterEach(async ({ request }) => {
  await stopEmulatorAndSettle(request);
});

test("the Climate page's counters and chart match GET climate:hot … cold in Redis", async ({ page, request }) => {
  await stopEmulatorAndSettle(request);
  await openDashboard(page);
  await openPage(page, 'Climate');
  await expect(page.getByTestId('climate-hot')).toHaveAttribute('data-value', /^\d+$/);

  // Live while readings flow: the hot counter climbs on the page without a reload.
  const hotBefore = (await climateFromPage(page)).hot;
  await emulatorCommand(request, { action: 'configure', preset: 'heat-wave' });
  await emulatorCommand(request, { action: 'start' });
  await expect.poll(async () => (await climateFromPage(page)).hot, { timeout: 10_000 }).toBeGreaterThan(hotBefore);

  // Stop, let ingest write what it has, then the page must show exactly what Redis holds.
  await stopEmulatorAndSettle(request);
  await expect
    .poll(async () => {
      const [shown, stored] = [await climateFromPage(page), await withRedis(climateFromRedis)];
      return JSON.stringify(shown) === JSON.stringify(stored) ? stored : { shown, stored };
    })
    .toEqual(await withRedis(climateFromRedis));
  const stored = await withRedis(climateFromRedis);
  expect(await climateFromPage(page)).toEqual(stored);
  expect(stored.hot).toBeGreaterThan(0);
  // The chart is drawn from the same numbers (its accessible label lists them).
  await expect(page.getByTestId('climate-chart').locator('canvas')).toHaveAttribute(
    'aria-label',
    `Climate counters: ${CLIMATES.map((name) => `${name} ${stored[name]}`).join(', ')}`,
  );
  await expect(page.getByTestId('climate-total')).toHaveText(
    new Intl.NumberFormat('en-US').format(CLIMATES.reduce((sum, name) => sum + stored[name], 0)),
  );

  // Readings from an outside device, both sides of each class boundary: exactly +2 hot, +2 warm, +2 cool, +3 cold.
  const device = uniqueDeviceId('climate');
  await publishReadings([
    reading(device, 97),
    reading(device, 85.5),
    reading(device, 85), // warm: hot is > 85
    reading(device, 75.5),
    reading(device, 75), // cool: warm is > 75
    reading(device, 65.5),
    reading(device, 65), // cold: cool is > 65
    reading(device, 20),
    reading(device, -5),
  ]);
  await waitForIngestIdle(request);
  const expected = { hot: stored.hot + 2, warm: stored.warm + 2, cool: stored.cool + 2, cold: stored.cold + 3 };
  expect(await withRedis(climateFromRedis)).toEqual(expected);
  await expect.poll(() => climateFromPage(page)).toEqual(expected);
});
