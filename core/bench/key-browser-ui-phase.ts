import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CDPSession, Page } from '@playwright/test';
import { LONG_TASK_PROBE } from './ui-load.js';

/** The key browser in Chromium over the filled keyspace: long tasks, heap, scan and scroll timings. */

export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url));
export const mb = (bytes: number) => Number((bytes / 1e6).toFixed(1));

const UI_TARGET_KEYS = 10_000;
/** Where a long task starts to feel like a frozen window. */
const FREEZE_MS = 200;

interface LongTasks {
  count: number;
  totalMs: number;
  longestMs: number;
}

async function takeLongTasks(page: Page): Promise<LongTasks> {
  // Long-task entries are delivered after the task ends; a short idle lets the last one arrive.
  await page.waitForTimeout(250);
  return (await page.evaluate('(() => { const tasks = window.__longTasks; window.__longTasks = { count: 0, totalMs: 0, longestMs: 0 }; return tasks; })()')) as LongTasks;
}

/** Live JS heap after a collection, so two readings differ by what the page holds rather than by garbage. */
async function jsHeapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  return mb(metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? 0);
}

/**
 * The Keys page in Chromium: Scan, then Scan more until 10,000 keys are in the tree, then a few
 * folders opened and the tree scrolled end to end, with the page's long tasks counted per step.
 */
export async function uiPhase(url: string, hasRenderer: boolean, chromiumPath: string, log: (line: string) => void): Promise<Record<string, unknown>> {
  const skipped = uiSkipReason(hasRenderer, chromiumPath);
  if (skipped) {
    log(`keys UI: skipped, ${skipped}`);
    return { keys_ui_skipped: skipped };
  }
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.addInitScript(LONG_TASK_PROBE);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(url);
    await page.getByRole('link', { name: 'Keys', exact: true }).click();
    await page.getByRole('button', { name: 'Scan', exact: true }).waitFor();
    const heapBeforeMb = await jsHeapMb(cdp);
    await takeLongTasks(page);
    const load = await scanUntil(page, UI_TARGET_KEYS);
    const loadTasks = await takeLongTasks(page);
    const heapLoadedMb = await jsHeapMb(cdp);
    log(
      `keys UI: ${load.found.toLocaleString('en')} keys in the tree after ${load.requests} scans in ${load.ms.toFixed(0)} ms; ` +
        `long tasks ${loadTasks.count} (longest ${loadTasks.longestMs.toFixed(0)} ms, total ${loadTasks.totalMs.toFixed(0)} ms); JS heap ${heapBeforeMb} → ${heapLoadedMb} MB`,
    );
    const rows = await expandFolders(page);
    const expandTasks = await takeLongTasks(page);
    const scroll = await scrollTree(page);
    const scrollTasks = await takeLongTasks(page);
    const heapScrolledMb = await jsHeapMb(cdp);
    log(
      `keys UI: ${EXPANDED_FOLDERS.length} folders opened (${rows.toLocaleString('en')} rows): long tasks ${expandTasks.count} (longest ${expandTasks.longestMs.toFixed(0)} ms); ` +
        `scrolled ${scroll.px.toLocaleString('en')} px in ${scroll.ms.toFixed(0)} ms: long tasks ${scrollTasks.count} (longest ${scrollTasks.longestMs.toFixed(0)} ms); JS heap ${heapScrolledMb} MB; ` +
        `${Math.max(loadTasks.longestMs, expandTasks.longestMs, scrollTasks.longestMs) > FREEZE_MS ? `a task over ${FREEZE_MS} ms froze the page` : `no task over ${FREEZE_MS} ms`}`,
    );
    return {
      keys_ui_keys_loaded: load.found,
      keys_ui_scan_requests: load.requests,
      keys_ui_scan_to_10k_ms: Math.round(load.ms),
      keys_ui_load_long_tasks: loadTasks.count,
      keys_ui_load_longest_task_ms: Math.round(loadTasks.longestMs),
      keys_ui_load_long_task_total_ms: Math.round(loadTasks.totalMs),
      keys_ui_heap_before_mb: heapBeforeMb,
      keys_ui_heap_loaded_mb: heapLoadedMb,
      keys_ui_expanded_rows: rows,
      keys_ui_expand_longest_task_ms: Math.round(expandTasks.longestMs),
      keys_ui_scroll_px: scroll.px,
      keys_ui_scroll_ms: Math.round(scroll.ms),
      keys_ui_scroll_long_tasks: scrollTasks.count,
      keys_ui_scroll_longest_task_ms: Math.round(scrollTasks.longestMs),
      keys_ui_scroll_long_task_total_ms: Math.round(scrollTasks.totalMs),
      keys_ui_heap_scrolled_mb: heapScrolledMb,
    };
  } finally {
    await browser.close();
  }
}

/** Why the UI part cannot run here, if it cannot: it needs the built renderer and a Chromium. */
function uiSkipReason(hasRenderer: boolean, chromiumPath: string): string | null {
  if (!hasRenderer) return `no built renderer in ${RENDERER_DIR}: run npm run build first`;
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath}: pass --chromium <path>`;
  return null;
}

/**
 * Scan, then Scan more as soon as each answer is in the tree, until `target` keys are or the walk is
 * complete. Run inside the page: Playwright's click waits for the button to be stable and enabled
 * (some 60 ms a click here), which would time Playwright rather than the page. Kept as a string so
 * tsx's helpers (it wraps named functions in __name) do not end up in code the page runs.
 */
const SCAN_UNTIL = `async (target) => {
  const summary = () => document.querySelector('[data-testid="scan-summary"]')?.textContent ?? '';
  // "12,345 keys found, …" in the page's locale: the digits are what count.
  const found = () => Number(summary().split(' keys found')[0].replace(/\\D/g, ''));
  const button = (name) => [...document.querySelectorAll('button')].find((one) => one.textContent === name);
  const failure = () => [...document.querySelectorAll('[role="alert"]')].find((one) => one.textContent.startsWith('Could not scan'))?.textContent;
  const until = (condition) =>
    new Promise((resolve) => {
      if (condition()) return resolve();
      const observer = new MutationObserver(() => {
        if (!condition()) return;
        observer.disconnect();
        resolve();
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
  const started = performance.now();
  let requests = 0;
  let shown = summary();
  do {
    const next = button(requests === 0 ? 'Scan' : 'Scan more');
    await until(() => !next.disabled);
    next.click();
    requests += 1;
    // The summary counts keys and keys examined, so every answered step changes it.
    await until(() => summary() !== shown || failure());
    if (failure()) throw new Error(failure());
    shown = summary();
  } while (found() < target && !shown.includes('complete'));
  return { found: found(), requests, ms: performance.now() - started };
}`;

async function scanUntil(page: Page, target: number): Promise<{ found: number; requests: number; ms: number }> {
  return (await page.evaluate(`(${SCAN_UNTIL})(${target})`)) as { found: number; requests: number; ms: number };
}

/**
 * Opened in this order so each folder is still in view (the tree renders only the rows in view):
 * a folder's rows push down only the folders after it.
 */
const EXPANDED_FOLDERS = ['session:', 'queue:', 'backend:', 'backend:dev:', 'backend:dev:energy:', 'backend:dev:devices:'];

/** Opens the folders and answers the rows the tree then shows. */
async function expandFolders(page: Page): Promise<number> {
  for (const prefix of EXPANDED_FOLDERS) await page.locator(`[data-testid="key-folder"][title="${prefix}*"]`).click();
  const shown = (await page.getByText(/rows shown$/).textContent()) ?? '';
  return Number(shown.replace(/\D/g, ''));
}

const WHEEL_STEP_PX = 600;
/** About one wheel event a frame, as a fast scroll gesture sends them. */
const WHEEL_INTERVAL_MS = 16;

/** Wheels the tree from top to bottom. */
async function scrollTree(page: Page): Promise<{ px: number; ms: number }> {
  const tree = page.getByTestId('key-tree');
  const scrollable = await tree.evaluate((box) => box.scrollHeight - box.clientHeight);
  await tree.hover();
  const started = performance.now();
  for (let wheeled = 0; wheeled < scrollable; wheeled += WHEEL_STEP_PX) {
    await page.mouse.wheel(0, WHEEL_STEP_PX);
    await page.waitForTimeout(WHEEL_INTERVAL_MS);
  }
  await page.waitForFunction((end) => (document.querySelector('[data-testid="key-tree"]')?.scrollTop ?? 0) >= end - 1, scrollable);
  return { px: scrollable, ms: performance.now() - started };
}
