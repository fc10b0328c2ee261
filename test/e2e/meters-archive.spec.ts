import { execFileSync } from 'node:child_process';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../core/archive/s3-client.js';
import { configSchema } from '../../core/config/schema.js';
import { meterId, meterReading } from '../../core/emulator/meter-generator.js';
import type { ArchivedObjects, ArchiveStatus } from '../../core/api/archive.js';
import type { EnergyReadings, MeterEmulatorStatus } from '../../core/api/energy.js';
import { openDashboard, openPage, serve, shoot } from './e2e-helpers.js';

const DAY = 86_400;
const auth = () => ({ authorization: `Bearer ${serve().token}` });

async function apiGet<T>(request: APIRequestContext, path: string): Promise<T> {
  const response = await request.get(`${serve().origin}${path}`, { headers: auth() });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as T;
}

/** The object's bytes from the s3rver serve archives to, decoded by the reference lz4 CLI. */
async function decodeWithLz4Cli(key: string): Promise<string[]> {
  const { endpoint, bucket } = serve().s3;
  const client = createS3Client(configSchema.parse({ archive: { s3: { endpoint, bucket, pathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } }).archive.s3);
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const compressed = Buffer.from(await object.Body!.transformToByteArray());
    return execFileSync('lz4', ['-d', '-c'], { input: compressed }).toString('utf8').trimEnd().split('\n');
  } finally {
    client.destroy();
  }
}

test.afterEach(async ({ request }) => {
  await request.post(`${serve().origin}/api/emulator/meters`, { headers: auth(), data: { action: 'stop' } });
});

test('accelerated meters fill days that are archived to S3, read back by lz4, and charted as one series across S3 and Redis', async ({ page, request }) => {
  test.setTimeout(120_000);
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
  await openDashboard(page);

  // Three meters, three days of history at a day per 5 s: the emulated clock reaches now in ~15 s.
  await openPage(page, 'Meters');
  const emulator = page.getByTestId('meter-emulator');
  await emulator.getByLabel('Meters', { exact: true }).fill('3');
  await emulator.getByRole('button', { name: 'A day per 5 s' }).click();
  await emulator.getByLabel('History (days)').fill('3');
  // Other specs' devices may have sent meter readings before: count from here.
  const writtenBefore = await meterReadingsWritten(request);
  await emulator.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('meter-emulator-caught-up')).toContainText('yes', { timeout: 60_000 });
  await expect(page.getByTestId('meter')).toHaveCount(3);
  const status = await apiGet<{ meterEmulator: MeterEmulatorStatus }>(request, '/api/status');
  const sent = status.meterEmulator.sent;
  await expect.poll(async () => (await meterReadingsWritten(request)) - writtenBefore).toBe(sent);

  // Archive page: the connection works, and Run now archives every stale day.
  await openPage(page, 'Archive');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('connection-ok')).toBeVisible();
  await page.getByRole('button', { name: 'Run now' }).click();
  await expect(page.getByTestId('last-run-buckets')).toContainText(/(\d+) of \1/);
  // The one serve archives, so it holds the archiver lease, and the page says so.
  await expect(page.getByTestId('archive-lease-holder')).toContainText('(this workbench)');
  await expect(page.getByTestId('archive-lease-host')).toContainText(' / ');
  const archive = await apiGet<ArchiveStatus>(request, '/api/archive');
  expect(archive.lastRun).toMatchObject({ bucketsFailed: 0, error: null });
  // Three full days before today, plus the partial day the history started in, for each meter.
  expect(archive.lastRun!.bucketsDone).toBeGreaterThanOrEqual(9);
  await shoot(page, 'archive');

  // Every archived object of meter 1 decodes with `lz4 -d` to exactly the readings the emulator sent.
  const deviceId = meterId(1);
  const objects = await apiGet<ArchivedObjects>(request, '/api/archive/objects');
  const keys = objects.objects.map((object) => object.key).filter((key) => key.startsWith(`energy/${deviceId}/`));
  expect(keys.length).toBeGreaterThanOrEqual(3);
  for (const key of keys) {
    const lines = await decodeWithLz4Cli(key);
    const bucketStart = Number(/\/(\d+)\.ndjson\.lz4$/.exec(key)![1]);
    const timestamps = lines.map((line) => (JSON.parse(line) as { timestamp: number }).timestamp);
    expect(lines).toEqual(timestamps.map((timestamp) => JSON.stringify(meterReading(deviceId, timestamp, 300))));
    expect(timestamps.every((timestamp, i) => timestamp >= bucketStart && timestamp < bucketStart + DAY && (i === 0 || timestamp === timestamps[i - 1]! + 300))).toBe(true);
  }

  // One continuous series: every 5-minute reading since the history began, once, from S3 then Redis.
  const now = Math.floor(Date.now() / 1000);
  const readings = await apiGet<EnergyReadings>(request, `/api/meters/${deviceId}/readings?from=${now - 4 * DAY}&to=${now}&limit=5000`);
  const sources = readings.buckets.map((bucket) => bucket.source).filter((source) => source !== 'none');
  expect(sources.slice(0, -1).every((source) => source === 's3')).toBe(true);
  expect(sources.at(-1)).toBe('redis');
  const times = readings.readings.map((reading) => reading.timestamp);
  expect(times.every((timestamp, i) => i === 0 || timestamp === times[i - 1]! + 300)).toBe(true);
  expect(times.length).toBe(sent / 3);

  // The Meters page charts it, the spans shaded by source, with nothing failing.
  await openPage(page, 'Meters');
  await page.getByTestId('meter').filter({ hasText: deviceId }).getByRole('button').click();
  const energy = page.getByTestId('energy');
  await energy.getByRole('button', { name: 'Last 7 days' }).click();
  await expect(energy.getByTestId('energy-readings')).toContainText(times.length.toLocaleString('en'));
  // Days before the history began are 'none'; then the archived days, then today's live bucket.
  await expect(energy.getByTestId('source-run').last()).toHaveAttribute('data-source', 'redis');
  await expect(energy.getByTestId('source-run').nth(-2)).toHaveAttribute('data-source', 's3');
  await expect(page.getByTestId('bucket-errors')).toHaveCount(0);
  await emulator.getByRole('button', { name: 'Stop', exact: true }).click();
  await shoot(page, 'meters');
});

async function meterReadingsWritten(request: APIRequestContext): Promise<number> {
  return (await apiGet<{ figures: { ingest: { meterReadingsWritten: number } } }>(request, '/api/status')).figures.ingest.meterReadingsWritten;
}
