import { test, expect, open, demo, comeFromNewIp, enterPassword, lastMessageId, codeSentTo, settled } from './fixtures';

// Runs twice: hydrated, and with JavaScript disabled (see playwright.config.ts).

test('a supplier logs in from a new place with password and SMS code, and logs out', async ({ page }, info) => {
  await comeFromNewIp(page, info);
  const before = await lastMessageId(page, demo.member.phone);
  await open(page, '/login');
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
  await enterPassword(page, demo.member.email, demo.member.password);

  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await expect(page.getByText('Wir haben Ihnen einen Code per SMS an +49 ••••••••• 02 gesendet.')).toBeVisible();
  await settled(page);
  const field = page.getByLabel('Code', { exact: true });
  await expect(field).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(field).toHaveAttribute('inputmode', 'numeric');
  const code = await codeSentTo(page, demo.member.phone, before);
  await field.fill(`${code.slice(0, 3)} ${code.slice(3)}`); // pasted with a space
  await page.getByRole('button', { name: 'Bestätigen' }).click();

  await expect(page.getByRole('heading', { name: `Willkommen, ${demo.member.name}` })).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
  const session = (await page.context().cookies()).find((c) => c.name === 'riegel_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Lax');

  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  // The session ended on the server: the start page sends us back to the login.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);

  // From the same place again, the password is enough (trusted IP).
  await settled(page);
  await enterPassword(page, demo.member.email, demo.member.password);
  await expect(page.getByRole('heading', { name: `Willkommen, ${demo.member.name}` })).toBeVisible();
});

test('a wrong password and an unknown address get the same message', async ({ page }, info) => {
  await comeFromNewIp(page, info);
  const messages: string[] = [];
  for (const email of [demo.admin.email, `niemand-${info.project.name}@muster-lieferant.example`]) {
    await open(page, '/login');
    await enterPassword(page, email, 'falsches-passwort');
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
