import { expect, test } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { openDashboard, openPage, publishReadings, reading, stopEmulatorAndSettle, uniqueDeviceId, withRedis } from './e2e-helpers.js';

const READINGS = 25;

test('Export on the Events page downloads the time range as CSV: the header row and one row per SensorData entry in it', async ({ page, request }) => {
  await stopEmulatorAndSettle(request);
  const devices = Array.from({ length: READINGS }, (_, index) => uniqueDeviceId(`export-${index}`));
  await publishReadings(devices.map((deviceId, index) => reading(deviceId, 20 + index)));
  await expect.poll(() => withRedis(async (redis) => (await Promise.all(devices.map((id) => redis.zscore('SensorData', id)))).filter((score) => score !== null).length)).toBe(READINGS);

  // Without the save dialog (Firefox, Safari, or a Chromium that hides it) the file is a download.
  await page.addInitScript(() => Reflect.deleteProperty(window, 'showSaveFilePicker'));
  await openDashboard(page);
  await openPage(page, 'Events');
  const range = page.getByRole('region', { name: 'Time range' });
  await range.getByRole('button', { name: 'Last minute' }).click();
  await expect(range.getByTestId('range-result')).toBeVisible();

  const exportRange = range.getByRole('group', { name: 'Export every entry in the time range' });
  await exportRange.getByLabel('Format').selectOption('csv');
  const [download] = await Promise.all([page.waitForEvent('download'), exportRange.getByRole('button', { name: 'Export' }).click()]);

  const name = download.suggestedFilename();
  const [, from, to] = /^events-(\d+)-(\d+)\.csv$/.exec(name) ?? [];
  expect(from, `file name ${name}`).toBeDefined();
  const [header, ...rows] = parse(await readFile(await download.path(), 'utf8')) as string[][];
  expect(header).toEqual(['deviceId', 'score', 'temperature', 'humidity', 'climate', 'deviceIP', 'timestamp', 'requestId']);
  // The emulator is stopped and the readings are in: nothing enters the range while it is read.
  expect(rows).toHaveLength(await withRedis((redis) => redis.zcount('SensorData', Number(from), Number(to))));
  const exported = new Map(rows.map((row) => [row[0], row]));
  for (const [index, deviceId] of devices.entries()) expect(exported.get(deviceId)?.[2]).toBe(String(20 + index));
  await expect(exportRange.getByTestId('export-saved')).toContainText(`Downloaded ${name}: ${rows.length} rows`);
});
