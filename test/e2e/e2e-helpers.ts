import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import type { ConnectionList } from '../../core/api/connections.js';
import type { EmulatorCommand, EmulatorStatus, StackStatus } from '../../core/api/status.js';
import { serveUnderTest } from './serve-under-test.js';

/**
 * What the end-to-end specs share: the serve instance started by global-setup.ts, an outside MQTT
 * device (mqtt.js), a Redis client to compare with (ioredis), the API with the token, and moving
 * around the dashboard. Not a spec (testMatch is *.spec.ts).
 */

/** Read when first used, not at import: test files are collected before global setup runs. */
let cached: ReturnType<typeof serveUnderTest> | null = null;
export function serve(): ReturnType<typeof serveUnderTest> {
  cached ??= serveUnderTest();
  return cached;
}

/** The page titles in nav order, each the text of its link and of the page's <h1>. */
export const PAGE_TITLES = ['Overview', 'Events', 'Climate', 'Warnings', 'Emulator', 'Meters', 'Archive', 'Data model', 'Indexes', 'Keys', 'Console', 'Connections', 'Devices', 'API keys', 'Broker', 'Topic rules', 'Rejected'] as const;
export type PageTitle = (typeof PAGE_TITLES)[number];

/** The six fields the pipeline writes into every device hash. */
export const HASH_FIELDS = ['temperature', 'deviceIP', 'humidity', 'climate', 'timestamp', 'requestId'] as const;

/** A device id no other test (or the emulator, whose ids are 1..n) uses. */
export function uniqueDeviceId(prefix: string): string {
  return `e2e-${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

const auth = () => ({ authorization: `Bearer ${serve().token}` });

/** A Redis client on the bundled redis-server, to read what the UI should show. Quit it when done. */
export function connectRedis(): Redis {
  return new Redis(serve().redis, { lazyConnect: false, maxRetriesPerRequest: 2 });
}

/** Reads Redis once, closing the connection afterwards. */
export async function withRedis<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = connectRedis();
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Publishes payloads on temp_readings (QoS 1) as an outside device would, then disconnects. */
export async function publishReadings(payloads: ReadonlyArray<string | object>, topic = 'temp_readings'): Promise<void> {
  const client = await mqtt.connectAsync(serve().mqtt, {
    clientId: `e2e-device-${Math.random().toString(16).slice(2, 10)}`,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  try {
    for (const payload of payloads) {
      await client.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
    }
  } finally {
    await client.endAsync();
  }
}

/** A valid thermostat reading. */
export function reading(deviceId: string | number, temperature: number, extra: Partial<{ humidity: number; deviceIP: string }> = {}) {
  return { deviceId, temperature, deviceIP: extra.deviceIP ?? '10.0.0.7', humidity: extra.humidity ?? 40 };
}

export async function apiStatus(request: APIRequestContext): Promise<StackStatus> {
  const response = await request.get(`${serve().origin}/api/status`, { headers: auth() });
  expect(response.status()).toBe(200);
  return (await response.json()) as StackStatus;
}

/**
 * Points every page back at the workbench's own Redis. A spec that switches connections calls it
 * after each test, so that a failure half-way does not leave the other specs reading elsewhere.
 */
export async function useBuiltInConnection(request: APIRequestContext): Promise<void> {
  const { connections, activeId } = await listConnections(request);
  const builtIn = connections.find((connection) => connection.builtIn);
  if (!builtIn || builtIn.id === activeId) return;
  const activated = await request.post(`${serve().origin}/api/connections/${builtIn.id}/activate`, { headers: auth() });
  expect(activated.status(), await activated.text()).toBe(200);
}

/** Deletes the saved connections a spec added under this name, so that running it again starts clean. */
export async function deleteConnectionsNamed(request: APIRequestContext, name: string): Promise<void> {
  const { connections } = await listConnections(request);
  for (const connection of connections.filter((saved) => saved.name === name && !saved.builtIn)) {
    const deleted = await request.delete(`${serve().origin}/api/connections/${connection.id}`, { headers: auth() });
    expect(deleted.status(), await deleted.text()).toBe(204);
  }
}

async function listConnections(request: APIRequestContext): Promise<ConnectionList> {
  const listed = await request.get(`${serve().origin}/api/connections`, { headers: auth() });
  expect(listed.status()).toBe(200);
  return (await listed.json()) as ConnectionList;
}

export async function emulatorCommand(request: APIRequestContext, command: EmulatorCommand): Promise<EmulatorStatus> {
  const response = await request.post(`${serve().origin}/api/emulator`, { headers: auth(), data: command });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as EmulatorStatus;
}

/**
 * Stops the emulator (if it runs) and waits until ingest has written everything it received.
 *
 * First it lets the emulator's unacknowledged publishes drain at a low rate: stopping with thousands
 * in flight (a Burst leaves up to 20,000) makes mqtt.js end() count its outgoing map on every PUBACK,
 * which takes ~20 s of the server's main thread.
 */
export async function stopEmulatorAndSettle(request: APIRequestContext): Promise<void> {
  const status = await apiStatus(request);
  if (status.emulator?.running) {
    await emulatorCommand(request, { action: 'configure', rate: 1 });
    await waitForEmulatorAcks(request);
    await emulatorCommand(request, { action: 'stop' });
  }
  await waitForIngestIdle(request);
}

/** Waits until the broker has acknowledged every reading the emulator published. */
export async function waitForEmulatorAcks(request: APIRequestContext): Promise<void> {
  await expect
    .poll(
      async () => {
        const { emulator } = await apiStatus(request);
        return emulator ? emulator.published - emulator.acknowledged : 0;
      },
      { message: 'the emulator has no unacknowledged publishes', timeout: 30_000, intervals: [200, 300, 500] },
    )
    .toBeLessThanOrEqual(1);
}

/** Waits until nothing is buffered and `received` has stopped moving (QoS 1 stragglers included). */
export async function waitForIngestIdle(request: APIRequestContext): Promise<void> {
  let previous = -1;
  await expect
    .poll(
      async () => {
        const { ingest } = (await apiStatus(request)).figures;
        const settled = ingest.buffered === 0 && ingest.received === previous && ingest.written + ingest.rejected >= ingest.received;
        previous = ingest.received;
        // Not settled: the figures, so a failure says what was still moving.
        return settled ? 'settled' : { received: ingest.received, written: ingest.written, rejected: ingest.rejected, buffered: ingest.buffered };
      },
      { message: 'ingest settles (nothing buffered, received steady and all written or rejected)', timeout: 30_000, intervals: [200, 300, 500] },
    )
    .toBe('settled');
}

/** Opens the dashboard with the token and waits until the live connection is up. */
export async function openDashboard(page: Page): Promise<void> {
  await page.goto(serve().http);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await expect(page.getByTestId('live-indicator')).toHaveText('Live');
}

export function navLink(page: Page, title: PageTitle): Locator {
  return page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title, exact: true });
}

/** Clicks a nav link and waits for the page's <h1>. */
export async function openPage(page: Page, title: PageTitle): Promise<void> {
  await navLink(page, title).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(navLink(page, title)).toHaveAttribute('aria-current', 'page');
}

/** The integer a climate counter holds in Redis (GET climate:<name>; a missing key is 0). */
export async function climateFromRedis(redis: Redis): Promise<Record<'hot' | 'warm' | 'cool' | 'cold', number>> {
  const [hot, warm, cool, cold] = await redis.mget('climate:hot', 'climate:warm', 'climate:cool', 'climate:cold');
  return { hot: Number(hot ?? 0), warm: Number(warm ?? 0), cool: Number(cool ?? 0), cold: Number(cold ?? 0) };
}

export const CLIMATES = ['hot', 'warm', 'cool', 'cold'] as const;

/** The four raw counters the Climate page shows (data-value of each figure). */
export async function climateFromPage(page: Page): Promise<Record<(typeof CLIMATES)[number], number>> {
  const values = await Promise.all(CLIMATES.map((name) => page.getByTestId(`climate-${name}`).getAttribute('data-value')));
  return { hot: Number(values[0]), warm: Number(values[1]), cool: Number(values[2]), cold: Number(values[3]) };
}

/**
 * Full-page screenshots with real data in them go to test-results/screenshots/; with
 * SW_UPDATE_SCREENSHOTS=1 to resources/screenshots/ (the ones README shows).
 */
const ROOT = join(import.meta.dirname, '..', '..');
export const SHOTS_DIR = process.env.SW_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'resources', 'screenshots') : join(ROOT, 'test-results', 'screenshots');

export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await expect(page.getByRole('alert')).toHaveCount(0); // no error banner in a picture
  await page.mouse.move(0, 0); // no hover highlight
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky bar and nav where they belong
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
}
