import { expect, test } from '@playwright/test';
import { Redis } from 'ioredis';
import { freePort } from '../helpers/free-port.js';
import { startRedisServer, type RedisServerProcess } from '../helpers/redis-server-process.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { deleteConnectionsNamed, openDashboard, openPage, shoot, useBuiltInConnection } from './e2e-helpers.js';

/** A "production" Redis the workbench did not fill, with its own key names. */
let production: RedisServerProcess;
let productionDir: TempDir;

test.beforeAll(async () => {
  productionDir = await makeTempDir('sw-e2e-production-');
  production = await startRedisServer({ port: await freePort(), dir: productionDir.path, appendonly: false });
  const redis = new Redis(production.url);
  await redis
    .multi()
    .zadd('plant7:Events', Date.now() - 2000, 'boiler-1', Date.now() - 1000, 'boiler-2')
    .hset('plant7:thermostat:boiler-2', { temperature: '91', humidity: '40', climate: 'hot' })
    .mset('plant7:climate:hot', '12', 'plant7:climate:warm', '4', 'plant7:climate:cool', '2', 'plant7:climate:cold', '1')
    .exec();
  redis.disconnect();
});

test.afterEach(async ({ request }) => {
  await useBuiltInConnection(request);
  await deleteConnectionsNamed(request, 'plant 7');
});

test.afterAll(async () => {
  await production?.stop();
  await productionDir?.remove();
});

test('a saved read-only connection shows another Redis on every page, and its console refuses writes', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
  await openDashboard(page);
  await openPage(page, 'Connections');

  await page.getByRole('button', { name: 'Add connection' }).first().click();
  const form = page.getByTestId('connection-form');
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill('plant 7');
  await form.getByLabel('Paste a redis:// or rediss:// URL').fill(production.url);
  await form.getByRole('textbox', { name: 'Key prefix' }).fill('plant7:');
  await form.getByRole('textbox', { name: 'Events sorted set' }).fill('Events');
  await form.getByRole('textbox', { name: 'Device hash prefix' }).fill('thermostat:');
  await expect(form.getByRole('checkbox', { name: 'Read-only' })).toBeChecked();
  await form.getByRole('button', { name: 'Test' }).click();
  await expect(form.getByText(/keys/).first()).toBeVisible();
  await form.getByRole('button', { name: 'Add connection' }).click();

  await page.getByRole('button', { name: 'Use plant 7' }).click();
  // The top bar's badge: the connection's row on this page carries one too.
  await expect(page.getByTestId('readonly-badge')).toBeVisible();
  await shoot(page, 'connections');

  await openPage(page, 'Events');
  const events = page.getByTestId('events-list');
  await expect(events.getByTestId('event').first()).toContainText('boiler-2');
  await expect(events.getByTestId('event')).toHaveCount(2);

  await openPage(page, 'Console');
  const input = page.getByRole('textbox', { name: /Command to/ });
  await input.fill('hgetall plant7:thermostat:boiler-2');
  await input.press('Enter');
  const outputs = page.getByTestId('console-output');
  await expect(outputs.last()).toContainText('1) "temperature"\n2) "91"');
  await input.fill('set plant7:climate:hot 0');
  await input.press('Enter');
  await expect(outputs.last()).toContainText('plant 7 is read-only: SET may write');
  await page.getByRole('button', { name: /zrevrangebyscore plant7:Events/ }).click();
  await expect(outputs.last()).toContainText('"boiler-2"');
  await shoot(page, 'console');

  const redis = new Redis(production.url);
  expect(await redis.get('plant7:climate:hot')).toBe('12');
  redis.disconnect();

  // Back to the workbench's own Redis, so the other specs see it.
  await page.getByLabel('Connection').selectOption({ label: 'Workbench Redis (embedded)' });
  await expect(page.getByTestId('readonly-badge')).toHaveCount(0);
});
