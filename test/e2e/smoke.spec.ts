import { expect, test } from '@playwright/test';
import { PAGE_TITLES, navLink, openDashboard, openPage, serve } from './e2e-helpers.js';

test('the page loads with the token and every nav link opens the page its name says', async ({ page }) => {
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));

  await openDashboard(page);
  await expect(page).toHaveTitle('Overview · Sensor Workbench');
  // The stack is healthy: no "cannot reach" or "part failed" banner.
  await expect(page.getByRole('alert')).toHaveCount(0);

  const links = page.getByRole('navigation', { name: 'Pages' }).getByRole('link');
  await expect(links).toHaveText([...PAGE_TITLES]);
  for (const title of [...PAGE_TITLES.slice(1), PAGE_TITLES[0]]) {
    await openPage(page, title);
    await expect(page).toHaveTitle(`${title} · Sensor Workbench`);
    await expect(page.getByRole('alert')).toHaveCount(0);
  }
  // Navigation is in-app state: the address (with its token) never changes.
  expect(page.url()).toBe(serve().http);
  expect(failures).toEqual([]);
});

test('keyboard: Tab reaches the page links, Enter and Space open them, arrows move between them', async ({ page }) => {
  await openDashboard(page);

  // The first Tab stop is the skip link; it moves focus into the page.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#main')).toBeFocused();

  // From the top again: Tab until a page link has focus (theme toggle and links come first).
  await page.locator('body').focus();
  const events = navLink(page, 'Events');
  for (let presses = 0; presses < 12 && !(await events.evaluate((el) => el === document.activeElement)); presses += 1) {
    await page.keyboard.press('Tab');
  }
  await expect(events).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Events');
  await expect(events).toHaveAttribute('aria-current', 'page');

  // Arrow down to the next link, Space opens it.
  await events.focus();
  await page.keyboard.press('ArrowDown');
  await expect(navLink(page, 'Climate')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Climate');

  // End jumps to the last link, Home back to the first, ArrowUp wraps around.
  await page.keyboard.press('End');
  await expect(navLink(page, 'Rejected')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rejected');
  await navLink(page, 'Rejected').focus();
  await page.keyboard.press('Home');
  await expect(navLink(page, 'Overview')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(navLink(page, 'Rejected')).toBeFocused();
});

test('the dark theme toggle switches the page to dark colours and is kept across a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await openDashboard(page);
  const html = page.locator('html');
  const toggle = page.getByRole('button', { name: 'Dark theme' });
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const luminance = (css: string) => {
    const [r = 0, g = 0, b = 0] = (css.match(/\d+(\.\d+)?/g) ?? []).map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };

  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  const light = await background();

  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(background).not.toBe(light);
  const dark = await background();
  expect(luminance(dark)).toBeLessThan(luminance(light));

  // The choice is kept (localStorage) and wins over the system preference.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await expect(html).toHaveAttribute('data-theme', 'dark');

  await page.getByRole('button', { name: 'Dark theme' }).click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect.poll(background).toBe(light);
});
