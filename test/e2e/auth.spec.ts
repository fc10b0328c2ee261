import { expect, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { serve } from './e2e-helpers.js';

/** A raw WebSocket upgrade request: the HTTP status the server answers (101 when it upgrades). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      agent: false, // a connection of its own: never one a previous answer left open
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      },
      timeout: 5000,
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    req.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to the upgrade of ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

test('the API refuses requests without the right token (401) and takes them with it', async ({ request }) => {
  const { origin, token } = serve();

  const missing = await request.get(`${origin}/api/status`);
  expect(missing.status()).toBe(401);
  expect(((await missing.json()) as { error: string }).error).toMatch(/token/);

  expect((await request.get(`${origin}/api/status?token=wrong-${token}`)).status()).toBe(401);
  expect((await request.get(`${origin}/api/status`, { headers: { authorization: 'Bearer not-the-token' } })).status()).toBe(401);
  expect((await request.get(`${origin}/api/events?limit=5`)).status()).toBe(401);
  expect((await request.post(`${origin}/api/emulator`, { data: { action: 'start' } })).status()).toBe(401);

  // The same requests with the token go through.
  expect((await request.get(`${origin}/api/status`, { headers: { authorization: `Bearer ${token}` } })).status()).toBe(200);
  expect((await request.get(`${origin}/api/status?token=${encodeURIComponent(token)}`)).status()).toBe(200);
});

test('the live WebSocket refuses an upgrade without the token (401)', async ({ page }) => {
  const { origin, token } = serve();
  const wsBase = `${origin}/api/live`;

  expect(await upgradeStatus(wsBase)).toBe(401);
  expect(await upgradeStatus(`${wsBase}?token=wrong`)).toBe(401);
  expect(await upgradeStatus(`${wsBase}?token=${encodeURIComponent(token)}`)).toBe(101);

  // And from a browser: a socket without the token never opens; with it, it opens.
  await page.goto(`${origin}/`);
  const attempt = (url: string) =>
    page.evaluate(
      (target) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(target);
          socket.onopen = () => {
            socket.close();
            resolve('open');
          };
          socket.onclose = (event) => resolve(`closed ${event.code}`);
        }),
      url,
    );
  const wsUrl = wsBase.replace(/^http/, 'ws');
  expect(await attempt(wsUrl)).toBe('closed 1006');
  expect(await attempt(`${wsUrl}?token=${encodeURIComponent(token)}`)).toBe('open');
});

test('opening the UI without the token shows the page that asks for the printed address', async ({ browser }) => {
  // A fresh context: no sessionStorage left from a page that had the token.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const response = await page.goto(`${serve().origin}/`);
    expect(response?.status()).toBe(200); // the UI itself is served; only the API needs the token
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sensor Workbench');
    await expect(page.getByText('This page needs the access token of a running workbench')).toBeVisible();
    await expect(page.getByText('npm run serve')).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Pages' })).toHaveCount(0);
  } finally {
    await context.close();
  }
});
