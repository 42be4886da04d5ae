import type { Page } from '@playwright/test';
import { test, expect, demo, logIn, comeFromNewIp, open, enterPassword, settled } from './fixtures';

// Every page on a small phone (360 × 740), hydrated and with JavaScript off: the document is
// never wider than the viewport, so nothing scrolls sideways.

test.use({ viewport: { width: 360, height: 740 } });

async function fits(page: Page, path: string) {
  await settled(page);
  const { doc, view } = await page.evaluate(() => ({
    doc: document.documentElement.scrollWidth,
    view: document.documentElement.clientWidth,
  }));
  expect(doc, `${path} is ${doc} px wide in a ${view} px viewport`).toBeLessThanOrEqual(view);
}

test('the anonymous pages fit a phone', async ({ page }) => {
  for (const path of ['/login', '/register', '/password/forgot', '/no-such-page']) {
    await open(page, path);
    await fits(page, path);
  }
});

test('the MFA challenge fits a phone', async ({ page }, info) => {
  await comeFromNewIp(page, info);
  await open(page, '/login');
  await enterPassword(page, demo.member.email, demo.member.password);
  await expect(page).toHaveURL(/\/mfa$/);
  await fits(page, '/mfa');
});

test('every portal page fits a phone', async ({ page }) => {
  await logIn(page, demo.admin);
  for (const path of ['/', '/invoices', '/bank', '/team', '/settings', '/activity']) {
    await open(page, path);
    await expect(page.getByRole('navigation', { name: 'Hauptnavigation' })).toBeVisible();
    await fits(page, path);
  }
});

test('the support console fits a phone', async ({ page }) => {
  await logIn(page, demo.support);
  await open(page, '/support?id=2');
  await expect(page.getByRole('heading').first()).toBeVisible();
  await fits(page, '/support');
});
