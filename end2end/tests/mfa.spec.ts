import { test, expect, open, demo, js, comeFromNewIp, enterPassword, lastMessageId, codeSentTo, settled } from './fixtures';

// Runs twice: hydrated, and with JavaScript disabled (see playwright.config.ts).

test('an account without MFA sets up its mobile number before anything else', async ({ page }, info) => {
  const user = demo.newcomer[info.project.name as 'hydrated' | 'no-js'];
  await comeFromNewIp(page, info);
  await open(page, '/login');
  await enterPassword(page, user.email, user.password);
  await expect(page.getByRole('heading', { name: 'Zwei-Faktor-Authentifizierung einrichten' })).toBeVisible();
  await expect(page.getByText('Ein Konto hat genau eine Mobilnummer.', { exact: false })).toBeVisible();
  // There is no way around setup.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login|\/mfa\/setup/);
  await open(page, '/mfa/setup');

  await page.getByLabel('Mobilnummer').fill('030 1234567');
  await page.getByRole('button', { name: 'Code senden' }).click();
  await expect(page.getByRole('alert')).toHaveText(/keine Mobilnummer/);
  await settled(page);

  const phone = info.project.name === 'hydrated' ? '+4915120000001' : '+4915120000002';
  const before = await lastMessageId(page, phone);
  await page.getByLabel('Mobilnummer').fill(`0${phone.slice(3, 6)} ${phone.slice(6)}`);
  await page.getByRole('button', { name: 'Code senden' }).click();
  await expect(page.getByText(/Wir haben einen Code per SMS an \+49 •+ 0[12] gesendet\./)).toBeVisible();
  await settled(page);
  const code = await codeSentTo(page, phone, before);
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Nummer bestätigen' }).click();

  // Ten recovery codes, shown once.
  await expect(page.getByRole('heading', { name: 'Ihre Wiederherstellungscodes' })).toBeVisible();
  const codes = page.getByRole('list', { name: 'Ihre Wiederherstellungscodes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.nth(2).innerText()).trim();
  expect(recovery).toMatch(/^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
  await page.getByRole('link', { name: 'Weiter zum Portal' }).click();
  await expect(page.getByRole('heading', { name: `Willkommen, ${user.name}` })).toBeVisible();
  await open(page, '/mfa/recovery-codes');
  await expect(page.getByText('Ihre Wiederherstellungscodes wurden bereits angezeigt.', { exact: false })).toBeVisible();

  // Later, from another address and without the phone: a recovery code gets in, once.
  await open(page, '/');
  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': `10.254.${info.project.name === 'hydrated' ? 1 : 2}.9` });
  await enterPassword(page, user.email, user.password);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await settled(page);
  await page.getByText('Kein Zugriff auf Ihr Telefon? Wiederherstellungscode verwenden').click();
  await page.getByLabel('Wiederherstellungscode').fill(recovery.toLowerCase());
  await page.getByRole('button', { name: 'Mit Wiederherstellungscode anmelden' }).click();
  await expect(page.getByRole('heading', { name: `Willkommen, ${user.name}` })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText(
    'Sie haben sich mit einem Wiederherstellungscode angemeldet. Es bleiben 9.',
  );
});

test('resend counts down, another method sends by e-mail, and wrong codes are counted', async ({ page }, info) => {
  const user = info.project.name === 'hydrated' ? demo.admin : demo.support;
  await comeFromNewIp(page, info);
  const smsBefore = await lastMessageId(page, user.phone);
  await open(page, '/login');
  await enterPassword(page, user.email, user.password);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await settled(page);
  await codeSentTo(page, user.phone, smsBefore);

  const resend = page.getByRole('button', { name: /Erneut senden/ });
  await expect(resend).toBeDisabled();
  await expect(resend).toHaveText(/^Erneut senden \(\d+ s\)$/);
  const first = Number((await resend.innerText()).match(/\((\d+) s\)/)?.[1]);
  expect(first).toBeGreaterThan(20);
  if (js(info)) {
    // The countdown is visible and moves.
    await expect.poll(async () => Number((await resend.innerText()).match(/\((\d+) s\)/)?.[1])).toBeLessThan(first);
  }

  await page.getByLabel('Code', { exact: true }).fill('000000');
  await page.getByRole('button', { name: 'Bestätigen' }).click();
  await expect(page.getByRole('alert')).toHaveText(/Der Code ist falsch oder abgelaufen\. Noch 4 Versuche\./);
  await settled(page);

  const mailBefore = await lastMessageId(page, user.email);
  await page.getByRole('button', { name: 'Authentifizierung über E-Mail' }).click();
  await expect(page.getByText(/Wir haben Ihnen einen Code per E-Mail an [a-z]•••@/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Authentifizierung über SMS' })).toBeVisible();
  await settled(page);
  const code = await codeSentTo(page, user.email, mailBefore);
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Bestätigen' }).click();
  await expect(page.getByRole('heading', { name: `Willkommen, ${user.name}` })).toBeVisible();
});
