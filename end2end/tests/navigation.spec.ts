import { test, expect, demo, logIn, settled } from './fixtures';

// After the first load, the islands router changes pages in place (app/src/islands/routing.js):
// links, the back button and forms fetch the next page instead of loading a new document.
// Hydrated project only (playwright.config.ts): without JavaScript every step is a full load.

test('links, the back button and the language switch change the page without a new document', async ({ page }) => {
  await logIn(page, demo.admin);
  await settled(page);
  // A mark in this document's JavaScript: a full load would lose it.
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
  const sameDocument = () => page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);

  await page.getByRole('link', { name: 'Bankverbindung' }).click();
  await expect(page.getByRole('heading', { name: 'Bankverbindung für Auszahlungen' })).toBeVisible();
  await expect(page).toHaveURL(/\/bank$/);
  await expect(page).toHaveTitle(/Bankverbindung/);
  // Keyboard and screen readers start at the new page's content.
  await expect(page.locator('main')).toBeFocused();

  await page.getByRole('link', { name: 'Rechnungen' }).click();
  await expect(page.getByRole('heading', { name: 'Rechnungen', exact: true })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Bankverbindung für Auszahlungen' })).toBeVisible();
  await expect(page).toHaveURL(/\/bank$/);

  await page.getByRole('button', { name: 'Switch to English' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('link', { name: 'Invoices' })).toBeVisible();
  await settled(page);
  expect(await sameDocument(), 'every step stayed in the first document').toBe(true);
});
