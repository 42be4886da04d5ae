import AxeBuilder from '@axe-core/playwright';
import { test, expect, open, demo, logIn, comeFromNewIp, enterPassword, settled } from './fixtures';

// axe needs JavaScript in the page, so this runs in the hydrated project only.

for (const path of ['/login', '/register', '/password/forgot']) {
  test(`${path} has no accessibility violations (WCAG 2.1 AA)`, async ({ page }) => {
    await open(page, path);
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(result.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });
}

test('the push device page has no accessibility violations (WCAG 2.1 AA)', async ({ page }) => {
  await page.goto('/device');
  await expect(page.getByRole('status').first()).toHaveText(/Dieses Gerät ist nicht gekoppelt/);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(result.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

test('the MFA page has no accessibility violations (WCAG 2.1 AA)', async ({ page }, info) => {
  await comeFromNewIp(page, info);
  await open(page, '/login');
  await enterPassword(page, demo.admin.email, demo.admin.password);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(result.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

test('the start page has no accessibility violations (WCAG 2.1 AA)', async ({ page }) => {
  await logIn(page, demo.admin);
  await expect(page.getByRole('heading', { name: `Willkommen, ${demo.admin.name}` })).toBeVisible();
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(result.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

test('the team and activity pages have no accessibility violations (WCAG 2.1 AA)', async ({ page }) => {
  await logIn(page, demo.admin);
  for (const [link, heading] of [
    ['Team', 'Team'],
    ['Aktivität', 'Ihre Sicherheitsaktivität'],
  ]) {
    await page.getByRole('link', { name: link, exact: true }).click();
    await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible();
    await settled(page);
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(result.violations.map((v) => `${v.id}: ${v.help}`), link).toEqual([]);
  }
});

test('the support console has no accessibility violations (WCAG 2.1 AA)', async ({ page }) => {
  await logIn(page, demo.support);
  await page.getByRole('link', { name: 'Support-Konsole' }).click();
  await settled(page);
  await page.getByLabel('Konto suchen (E-Mail, Name oder Organisation)').fill('muster');
  await page.getByRole('button', { name: 'Suchen' }).click();
  await page.getByRole('link', { name: /Max Mitglied/ }).click();
  await expect(page.getByRole('heading', { name: /Max Mitglied/ })).toBeVisible();
  await settled(page);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(result.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});
