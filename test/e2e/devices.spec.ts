import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { openDashboard, openPage, shoot, withRedis } from './e2e-helpers.js';

const run = promisify(execFile);

test('a meter registered in the UI sends over mutual TLS with only what the UI handed out; another meter\'s topic is refused and shown', async ({ page }) => {
  const deviceId = `D7042069${String(Date.now()).slice(-5)}`;
  const kitDir = await mkdtemp(join(tmpdir(), 'sw-e2e-kit-'));
  try {
    await openDashboard(page);
    await openPage(page, 'Devices');
    const form = page.getByTestId('connect-device-form');
    await form.getByLabel('Device id').fill(deviceId);
    await form.getByLabel('Kind').selectOption({ label: 'Smart meter' });
    await form.getByRole('button', { name: 'Register and get its kit' }).click();

    const kit = page.getByTestId('connection-kit');
    await expect(kit.getByTestId('download-link')).toHaveCount(3);
    for (const link of await kit.getByTestId('download-link').all()) {
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      await download.saveAs(join(kitDir, download.suggestedFilename()));
    }
    const snippet = (await kit.locator('pre[aria-label="mosquitto_pub snippet"]').textContent())!;
    expect(snippet).toContain('--cert');
    expect(snippet).toContain(`meters/${deviceId}/energy`);

    // The snippet as a user pastes it into a shell, next to the downloaded files.
    await run('bash', ['-c', snippet], { cwd: kitDir, timeout: 15_000 });
    await expect.poll(() => withRedis((redis) => redis.zscore('backend:dev:meters', deviceId)), { timeout: 10_000 }).not.toBeNull();

    const otherTopic = snippet.replace(`meters/${deviceId}/energy`, 'meters/D704206000001/energy');
    await run('bash', ['-c', otherTopic], { cwd: kitDir, timeout: 15_000 }).catch(() => undefined);
    const refusals = page.getByTestId('refusals');
    await expect(refusals.getByTestId('refusal-row').filter({ hasText: deviceId }).first()).toContainText('meters/D704206000001/energy', { timeout: 10_000 });
    // The kit panel's warning about the key is an alert; the picture shows the page after Done.
    await kit.getByRole('button', { name: 'Done' }).click();
    // Where and when it connected, once the registry list's next poll (every 5 s) brings it.
    await expect(page.getByTestId('device-row').filter({ hasText: deviceId })).toContainText('127.0.0.1', { timeout: 10_000 });
    await shoot(page, 'devices');
  } finally {
    await rm(kitDir, { recursive: true, force: true });
    await forgetMeter(deviceId);
  }
});

/** The meter's readings, indexes and registry entry go, so specs that count meters see only their own. */
async function forgetMeter(deviceId: string): Promise<void> {
  await withRedis(async (redis) => {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `backend:dev:*${deviceId}*`, count: 1000 })) keys.push(...(batch as string[]));
    const buckets = keys.filter((key) => key.startsWith('backend:dev:energy:'));
    const pipeline = redis.pipeline().zrem('backend:dev:meters', deviceId).srem('backend:dev:registered-devices', deviceId);
    if (buckets.length > 0) pipeline.srem('backend:dev:energy:pending', ...buckets);
    if (keys.length > 0) pipeline.del(...keys);
    await pipeline.exec();
  });
}
