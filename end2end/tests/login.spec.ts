import { test, expect, open, demo } from './fixtures';

// Runs twice: hydrated, and with JavaScript disabled (see playwright.config.ts).

test('a supplier logs in with e-mail and password and logs out again', async ({ page }) => {
  await open(page, '/login');
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
  await page.getByLabel('E-Mail-Adresse').fill(demo.member.email);
  await page.getByLabel('Passwort').fill(demo.member.password);
  await page.getByRole('button', { name: 'Anmelden' }).click();

  await expect(page.getByRole('heading', { name: `Willkommen, ${demo.member.name}` })).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(demo.member.email)).toBeVisible();
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'riegel_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Lax');

  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  // The old session is gone on the server: the start page sends us back to the login.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
});

test('a wrong password and an unknown address get the same message', async ({ page }, info) => {
  const messages: string[] = [];
  for (const [email, password] of [
    [demo.admin.email, 'falsches-passwort'],
    [`niemand-${info.project.name}@muster-lieferant.example`, 'falsches-passwort'],
  ]) {
    await open(page, '/login');
    await page.getByLabel('E-Mail-Adresse').fill(email);
    await page.getByLabel('Passwort').fill(password);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    const alert = page.getByRole('alert');
    await expect(alert).toBeVisible();
    messages.push((await alert.innerText()).trim());
    await expect(page).toHaveURL(/\/login/);
  }
  expect(messages[0]).toBe('E-Mail-Adresse oder Passwort ist nicht korrekt.');
  expect(messages[1]).toBe(messages[0]);
});

test('the page switches to English and stays English', async ({ page }) => {
  await open(page, '/login');
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await expect(page.getByLabel('E-mail address')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await open(page, '/login');
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await page.getByRole('button', { name: 'Auf Deutsch umstellen' }).click();
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
});

test('an unknown page says so', async ({ page }) => {
  const res = await page.goto('/gibt-es-nicht');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Seite nicht gefunden' })).toBeVisible();
});
