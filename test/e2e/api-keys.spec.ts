import { expect, test } from '@playwright/test';
import { openDashboard, openPage, serve, shoot, withRedis } from './e2e-helpers.js';

test('an API key created in the UI reads the client API as curl would, and its usage shows on the page', async ({ page }) => {
  await openDashboard(page);
  await openPage(page, 'API keys');
  const form = page.getByTestId('create-api-key-form');
  const name = `e2e ${Date.now()}`;
  await form.getByLabel('Name').fill(name);
  await form.getByLabel(/Limit/).fill('2');
  await form.getByRole('button', { name: 'Create key' }).click();

  const secret = page.getByTestId('api-key-secret');
  const key = (await secret.getByTestId('api-key-value').textContent())!;
  const { api } = serve();
  await expect(secret.getByTestId('api-key-curl')).toHaveText(`curl -H 'Authorization: Bearer ${key}' ${api}/v1/climate`);
  // Redis holds the key object, never the secret.
  const id = key.slice(0, key.indexOf('.'));
  expect(await withRedis((redis) => redis.hget(`backend:dev:apiKeys:${id}`, 'secretHash'))).toMatch(/^[0-9a-f]{64}$/);

  // The request the curl example makes, three times on a limit of 2 within one 5-second interval.
  const intoInterval = (Date.now() / 1000) % 5;
  if (intoInterval > 3) await page.waitForTimeout((5 - intoInterval) * 1000 + 20);
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await fetch(`${api}/v1/climate`, { headers: { authorization: `Bearer ${key}` } })).status);
  expect(statuses).toEqual([200, 200, 429]);

  const usage = page.getByTestId('api-key-usage');
  await expect(usage).toContainText(`Usage of ${name}`);
  await expect(usage.getByTestId('api-key-requests')).toHaveText('3', { timeout: 15_000 });
  await expect(usage.getByTestId('api-key-throttled')).toHaveText('1');
  await expect(usage.getByTestId('api-key-usage-chart')).toBeVisible();
  await shoot(page, 'api-keys');

  await page.getByRole('button', { name: 'Done, hide the key' }).click();
  await page.getByTestId('api-key-row').filter({ hasText: name }).getByRole('button', { name: `Revoke ${name}` }).click();
  await page.getByRole('button', { name: `Yes, revoke ${name}` }).click();
  await expect(page.getByTestId('api-key-row').filter({ hasText: name })).toHaveCount(0);
  await expect.poll(async () => (await fetch(`${api}/v1/climate`, { headers: { authorization: `Bearer ${key}` } })).status, { timeout: 2000 }).toBe(401);
});
