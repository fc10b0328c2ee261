import { expect, test } from '@playwright/test';
import { openDashboard, openPage, publishReadings, reading, shoot, uniqueDeviceId, withRedis } from './e2e-helpers.js';

test('the Indexes page builds an index over the live thermostat hashes, ingest keeps it current, and the trade-off runs both ways', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
  const device = uniqueDeviceId('index');
  await publishReadings([reading(device, 70)]);
  await expect.poll(() => withRedis((redis) => redis.hget(device, 'climate'))).toBe('cool');
  const name = `e2e-climate-${Date.now().toString(36)}`;

  await openDashboard(page);
  await openPage(page, 'Indexes');
  const form = page.getByTestId('define-index-form');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Hashes (SCAN MATCH)').fill('*');
  await form.getByLabel('Field').fill('climate');
  await form.getByRole('button', { name: 'Define and build' }).click();
  const row = page.locator(`[data-testid="index-row"][data-index="${name}"]`);
  await expect(row.getByTestId('index-state')).toHaveText('ready', { timeout: 30_000 });
  await expect(row.getByTestId('index-progress')).toContainText('keys scanned');
  await expect(row.getByRole('progressbar')).toBeVisible();
  expect(await withRedis((redis) => redis.sismember(`workbench:index:${name}:cool`, device))).toBe(1);

  // A reading over MQTT moves the device from cool to hot in the index, in ingest's own batch.
  await publishReadings([reading(device, 95)]);
  await expect.poll(() => withRedis((redis) => redis.sismember(`workbench:index:${name}:hot`, device))).toBe(1);
  expect(await withRedis((redis) => redis.sismember(`workbench:index:${name}:cool`, device))).toBe(0);

  await row.getByRole('button', { name: 'Verify' }).click();
  await expect(row.getByTestId('index-verify')).toContainText('0 missing, 0 stale');

  const tradeOff = page.getByTestId('trade-off');
  await tradeOff.getByRole('button', { name: 'Thermostats that are hot now' }).click();
  await expect(tradeOff.getByTestId('trade-off-index')).toContainText(name);
  await tradeOff.getByRole('button', { name: 'Run both ways' }).click();
  const runs = tradeOff.getByTestId('trade-off-run');
  await expect(runs).toHaveCount(2);
  await expect(runs.nth(0)).toContainText('SCAN <cursor> MATCH * COUNT 1000');
  await expect(runs.nth(1)).toContainText(`SMEMBERS workbench:index:${name}:hot`);
  await expect(tradeOff.getByTestId('trade-off-chart')).toBeVisible();
  for (const run of [runs.nth(0), runs.nth(1)]) expect(Number((await run.getByTestId('trade-off-results').textContent())!.replace(/\D/g, ''))).toBeGreaterThan(0);
  await shoot(page, 'indexes');

  await openPage(page, 'Data model');
  await expect(page.getByTestId('model-table')).toContainText(`workbench:index:${name}:<value>`);

  await openPage(page, 'Indexes');
  await row.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
  expect(await withRedis((redis) => redis.exists(`workbench:index:${name}:hot`, `workbench:indexes:${name}:build`))).toBe(0);
});
