import { expect, test } from '@playwright/test';
import { serveUnderTest } from './serve-under-test.js';

test('the page loads with the token and the API refuses requests without it', async ({ page, request }) => {
  const serve = serveUnderTest();
  await page.goto(serve.http);
  await expect(page.getByRole('heading').first()).toBeVisible();
  const refused = await request.get(`${serve.origin}/api/status`);
  expect(refused.status()).toBe(401);
});
