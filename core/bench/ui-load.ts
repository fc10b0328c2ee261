import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../config/schema.js';
import { Stack } from '../app/stack.js';
import { runPublisher } from './publisher-runner.js';

export interface UiLoadSettings {
  minutes: number;
  rate: number;
  publishers: number;
  chromium: string;
}

interface PageSample {
  at: number;
  heapBytes: number;
  longTasks: number;
  longTaskMs: number;
  longestTaskMs: number;
}

/** Pages the run cycles through, by their navigation link names, so every live view is exercised. */
const PAGES = ['Overview', 'Events', 'Climate', 'Warnings', 'Data model'];
const SAMPLE_EVERY_MS = 10_000;

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Records main-thread long tasks (> 50 ms) in the page from the first script on, in window.__longTasks. */
export const LONG_TASK_PROBE = `
  window.__longTasks = { count: 0, totalMs: 0, longestMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__longTasks.count += 1;
      window.__longTasks.totalMs += entry.duration;
      window.__longTasks.longestMs = Math.max(window.__longTasks.longestMs, entry.duration);
    }
  }).observe({ type: 'longtask', buffered: true });
`;

/**
 * `npm run bench -- --ui`: the whole stack with the dashboard open in Chromium while publishers
 * drive readings at `rate`, sampling the page's long tasks and JS heap every 10 s.
 */
export async function runUiLoad(settings: UiLoadSettings): Promise<Record<string, unknown>> {
  const { chromium } = await import('@playwright/test');
  const dataDir = await mkdtemp(join(tmpdir(), 'sw-ui-load-'));
  const config = configSchema.parse({ dataDir, http: { port: 0 }, api: { port: 0 }, mqtt: { port: 0 } });
  const rendererDir = fileURLToPath(new URL('../../out/renderer/', import.meta.url));
  const stack = await Stack.start(config, { log: (line) => log(`  stack: ${line}`), rendererDir });
  const browser = await chromium.launch({
    executablePath: settings.chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--enable-precise-memory-info'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.addInitScript(LONG_TASK_PROBE);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(stack.addresses().http!);
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    const durationMs = settings.minutes * 60_000;
    log(`ui load: ${settings.minutes} min at ${settings.rate} readings/s, dashboard open in ${settings.chromium}`);
    const publishers = Array.from({ length: settings.publishers }, () =>
      runPublisher({ brokerUrl: stack.addresses().mqtt!, connections: 1, rate: settings.rate / settings.publishers, durationMs, qos: 1, devices: 5000, client: 'raw' }),
    );
    const started = Date.now();
    const samples: PageSample[] = [];
    const writtenAtStart = stack.status().figures.ingest.written;
    for (let tick = 1; Date.now() - started < durationMs; tick++) {
      await page.getByRole('link', { name: PAGES[Math.floor(tick / 3) % PAGES.length]! }).click();
      await page.waitForTimeout(SAMPLE_EVERY_MS);
      samples.push(await samplePage(page, cdp, started));
      const last = samples.at(-1)!;
      log(
        `  ${(last.at / 1000).toFixed(0)} s: heap ${(last.heapBytes / 1e6).toFixed(1)} MB, long tasks ${last.longTasks} ` +
          `(longest ${last.longestTaskMs.toFixed(0)} ms), written ${stack.status().figures.ingest.written - writtenAtStart}`,
      );
    }
    const elapsedSeconds = (Date.now() - started) / 1000;
    const written = stack.status().figures.ingest.written - writtenAtStart;
    await Promise.all(publishers);
    const heaps = samples.map((sample) => sample.heapBytes);
    const last = samples.at(-1)!;
    return {
      ui_minutes: settings.minutes,
      ui_target_rate: settings.rate,
      ui_achieved_readings_per_s: Math.round(written / elapsedSeconds),
      ui_long_tasks: last.longTasks,
      ui_long_tasks_per_min: Number((last.longTasks / (elapsedSeconds / 60)).toFixed(1)),
      ui_long_task_total_ms: Math.round(last.longTaskMs),
      ui_longest_task_ms: Math.round(last.longestTaskMs),
      ui_heap_first_mb: Number((heaps[0]! / 1e6).toFixed(1)),
      ui_heap_last_mb: Number((heaps.at(-1)! / 1e6).toFixed(1)),
      ui_heap_max_mb: Number((Math.max(...heaps) / 1e6).toFixed(1)),
    };
  } finally {
    await browser.close();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function samplePage(
  page: import('@playwright/test').Page,
  cdp: import('@playwright/test').CDPSession,
  started: number,
): Promise<PageSample> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  const longTasks = (await page.evaluate('window.__longTasks')) as { count: number; totalMs: number; longestMs: number };
  return {
    at: Date.now() - started,
    heapBytes: metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? 0,
    longTasks: longTasks.count,
    longTaskMs: longTasks.totalMs,
    longestTaskMs: longTasks.longestMs,
  };
}
