import { expect, test } from '@playwright/test';
import { openDashboard, openPage, publishReadings, reading, serve, shoot, uniqueDeviceId, useBuiltInConnection, waitForIngestIdle, withRedis } from './e2e-helpers.js';

test.afterEach(async ({ request }) => {
  await useBuiltInConnection(request);
});

test('the Broker page records an outside device, stops, replays the recording under the replay prefix and shows its progress', async ({ page, request }) => {
  test.setTimeout(60_000);
  const id = uniqueDeviceId('replay');
  const name = id.replace(/^e2e-/, 'rec-');
  const devices = Array.from({ length: 5 }, (_, index) => `${id}-${index}`);
  await openDashboard(page);
  await openPage(page, 'Broker');

  const record = page.getByTestId('record-panel');
  await record.getByLabel('Topic filter').fill('temp_readings');
  await record.getByLabel('Name (optional)').fill(name);
  await record.getByRole('button', { name: 'Start recording' }).click();
  await expect(record.getByTestId('recording-active')).toContainText(name);

  // 60 readings in four bursts over ~3 s: a span the replay at 1× takes as long to play.
  for (let burst = 0; burst < 4; burst += 1) {
    await publishReadings(Array.from({ length: 15 }, (_, index) => reading(devices[index % devices.length]!, 20 + burst * 15 + index)));
    if (burst < 3) await page.waitForTimeout(1000);
  }
  await expect(record.getByTestId('recording-messages')).toHaveText('60');
  await expect(record.getByTestId('recording-bytes')).not.toHaveText('0 B');
  await record.getByRole('button', { name: 'Stop recording' }).click();
  await expect(record.getByTestId('recording-last')).toContainText(`${name} stopped: 60 messages`);

  const row = page.getByTestId('recording-row').filter({ hasText: name });
  await expect(row).toContainText('60');
  await waitForIngestIdle(request);
  const liveHot = await withRedis((redis) => redis.hget(devices[0]!, 'temperature'));

  const replay = page.getByTestId('replay-panel');
  const form = replay.getByTestId('replay-form');
  await form.getByLabel('Replay source').selectOption(name);
  await form.getByLabel('Speed (× the original pace)').fill('1');
  await form.getByRole('button', { name: 'Start replay' }).click();

  const status = replay.getByTestId('replay-status');
  await expect(replay.getByTestId('replay-state')).toHaveText('playing');
  await expect(status).toContainText(`file ${name} at 1×, under replay:`);
  // Part way: the bar and the figures move between the ends.
  await expect
    .poll(async () => Number(await replay.getByTestId('replay-progress').getAttribute('aria-valuenow')), { timeout: 10_000, intervals: [100] })
    .toBeGreaterThan(0);
  await replay.getByRole('button', { name: 'Pause' }).click();
  await expect(replay.getByTestId('replay-state')).toHaveText('paused');
  const pausedAt = Number(await replay.getByTestId('replay-progress').getAttribute('aria-valuenow'));
  expect(pausedAt).toBeLessThan(100);
  await expect(replay.getByTestId('replay-emulated-time')).not.toHaveText('—');
  await shoot(page, 'broker-replay');
  await replay.getByRole('button', { name: 'Resume' }).click();
  await expect(replay.getByTestId('replay-state')).toHaveText('finished', { timeout: 20_000 });
  await expect(replay.getByTestId('replay-progress')).toHaveAttribute('aria-valuenow', '100');
  await expect(replay.getByTestId('replay-published')).toContainText('60');

  // Under the prefix, exactly as live; the live hash did not move.
  await expect.poll(() => withRedis((redis) => redis.hget(`replay:${devices[0]}`, 'temperature'))).toBe(liveHot);
  expect(await withRedis((redis) => redis.hget(devices[0]!, 'temperature'))).toBe(liveHot);

  // Every page can read the replay keys.
  await replay.getByRole('button', { name: 'Show the replay keys on every page' }).click();
  await expect(page.locator('.connection-switcher select')).toHaveValue('workbench-replay');
  await useBuiltInConnection(request);
  // The pages follow the switch at their next status poll, and start over on the new connection: wait for it.
  await expect(page.locator('.connection-switcher select')).not.toHaveValue('workbench-replay');

  await row.getByRole('button', { name: `Delete ${name}` }).click();
  await page.getByRole('alert').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('recording-row').filter({ hasText: name })).toHaveCount(0);
  await replay.getByRole('button', { name: 'Clear the replay keys' }).click();
  await page.getByRole('alert').getByRole('button', { name: 'Delete them' }).click();
  await expect(replay.getByTestId('replay-keys')).toContainText('replay keys deleted.');
  expect(await withRedis((redis) => redis.exists(`replay:${devices[0]}`))).toBe(0);
  expect(serve().mqtt).toMatch(/^mqtt:/);
});
