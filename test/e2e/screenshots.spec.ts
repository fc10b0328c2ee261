import { expect, test, type Page } from '@playwright/test';
import {
  shoot,
  emulatorCommand,
  openDashboard,
  openPage,
  publishReadings,
  reading,
  stopEmulatorAndSettle,
  waitForEmulatorAcks,
  waitForIngestIdle,
  type PageTitle,
} from './e2e-helpers.js';

async function visit(page: Page, title: PageTitle): Promise<void> {
  await openPage(page, title);
  await expect(page.getByText(/^Loading /)).toHaveCount(0);
}

test.afterEach(async ({ request }) => {
  await stopEmulatorAndSettle(request);
  await emulatorCommand(request, { action: 'configure', preset: 'document' });
});

test('a screenshot of every page with live data', async ({ page, request }) => {
  test.setTimeout(90_000);
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
  await openDashboard(page);

  // Load: the Burst preset for a few seconds, started from the Emulator page (pictured running).
  await openPage(page, 'Emulator');
  await page.getByRole('button', { name: 'Burst', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Burst applied' })).toBeVisible();
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('emulator-running')).toHaveText('running');
  await page.waitForTimeout(3000);
  await shoot(page, 'emulator');
  // Back to the document's cadence until the broker has caught up (see stopEmulatorAndSettle), then Stop.
  await page.getByRole('button', { name: 'Document cadence', exact: true }).click();
  await expect(page.getByTestId('emulator-rate')).toHaveText('2.8 /s');
  await waitForEmulatorAcks(request);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByTestId('emulator-running')).toHaveText('stopped');
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeEnabled();
  await waitForIngestIdle(request);

  // Then a heat wave, watched on the Climate page (counters and their rates) and the Warnings page.
  await visit(page, 'Climate');
  await emulatorCommand(request, { action: 'configure', preset: 'heat-wave' });
  await emulatorCommand(request, { action: 'start' });
  await page.waitForTimeout(3000); // a few points of the rates chart
  await expect(page.getByTestId('climate-hot')).not.toHaveAttribute('data-value', '0');
  await shoot(page, 'climate');

  await visit(page, 'Warnings');
  await page.waitForTimeout(1500);
  await stopEmulatorAndSettle(request);
  // A few hot readings from outside devices (newest on top), and payloads ingest must refuse.
  await publishReadings([
    reading('greenhouse-7', 97, { deviceIP: '10.0.0.97', humidity: 62 }),
    reading('boiler-room', 104.5, { deviceIP: '10.0.3.14', humidity: 18 }),
    reading(4999, 91, { deviceIP: '10.0.0.49', humidity: 44 }),
    '{"deviceId": 42, "temperature": 91, "deviceIP": "10.0.0.7", "humidity": 40',
    'thermostat says hello',
    { deviceId: 43, temperature: 400, deviceIP: '10.0.0.8', humidity: 40 },
    { deviceId: 44, temperature: 70, humidity: 40 },
  ]);
  await waitForIngestIdle(request);
  await expect(page.getByTestId('warning').first().getByTestId('warning-device')).toHaveText('4999');
  await shoot(page, 'warnings');

  await visit(page, 'Overview');
  await expect(page.getByTestId('part-emulator')).toContainText('stopped');
  await page.waitForTimeout(1500); // a second or two of the throughput chart after the load
  await shoot(page, 'overview');

  await visit(page, 'Events');
  const first = page.getByTestId('events-list').getByRole('listitem').first();
  const deviceId = (await first.getByRole('button').textContent()) ?? '';
  await first.getByRole('button').click();
  await expect(page.getByTestId('device-hash').locator('dt')).toHaveCount(6);
  await expect(page.getByTestId('device-hash').getByRole('heading', { level: 2 })).toHaveText(`Device ${deviceId}`);
  await page.getByRole('button', { name: 'Last minute' }).click();
  await expect(page.getByTestId('range-result')).toBeVisible();
  await page.getByRole('region', { name: 'Pattern search' }).getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByTestId('search-result')).toBeVisible();
  await shoot(page, 'events');

  await visit(page, 'Data model');
  await expect(page.getByTestId('model-entry').first()).toBeVisible();
  await page.waitForTimeout(2200); // a second sample for the growth column
  await shoot(page, 'data-model');

  await visit(page, 'Rejected');
  await expect(page.getByTestId('rejected-letter').filter({ hasText: 'thermostat says hello' })).toHaveCount(1);
  await shoot(page, 'rejected');

  await visit(page, 'Overview');
  await page.getByRole('button', { name: 'Dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.waitForTimeout(300);
  await shoot(page, 'overview-dark');
  await waitForIngestIdle(request);
});
