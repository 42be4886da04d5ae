import { test as base, expect, Page } from '@playwright/test';

/** The demo accounts the server seeds in development mode. */
export const demo = {
  admin: { email: 'anna.admin@muster-lieferant.example', password: 'Demo-Admin-Riegel-2026', name: 'Anna Admin' },
  member: { email: 'max.mitglied@muster-lieferant.example', password: 'Demo-Mitglied-Riegel-2026', name: 'Max Mitglied' },
  support: { email: 'sam.support@riegel.example', password: 'Demo-Support-Riegel-2026', name: 'Sam Support' },
};

/**
 * Opens a page and, with JavaScript on, waits until the app has hydrated, so the journey
 * exercises the hydrated app rather than the server-rendered form underneath it.
 */
export async function open(page: Page, path: string) {
  await page.goto(path);
  const js = test.info().project.use.javaScriptEnabled !== false;
  if (js) await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);
}

/**
 * Fails a test on any console error: a CSP violation, a hydration panic, a script error.
 * The browser's own line for an HTTP error status ("Failed to load resource: the server
 * responded with a status of 401") is not one: the journeys assert those statuses themselves.
 */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of'))
          errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await use(errors);
      expect(errors, 'console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
