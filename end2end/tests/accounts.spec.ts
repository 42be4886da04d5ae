import {
  test,
  expect,
  demo,
  js,
  open,
  settled,
  comeFromNewIp,
  enterPassword,
  logIn,
  lastMessageId,
  codeSentTo,
  fresh,
  linkSentTo,
  setUpPhone,
  PASSWORD,
  newPage,
  register,
} from './fixtures';

test('a supplier registers: company, e-mail code, phone, and is the admin of the new organisation', async ({ page }, info) => {
  const who = fresh(info, 'reg');
  await register(page, who, 'Jana Becker');
  await expect(page.getByText('Administrator der Organisation')).toBeVisible();
  await expect(page.getByText('Jana Becker GmbH')).toBeVisible();
});

test('a forgotten password: e-mail link, SMS code, new password, and every session ends', async ({ page, browser }, info) => {
  const who = fresh(info, 'forgot');
  await register(page, who, 'Olga Vergessen');
  const other = await newPage(browser, info);
  await comeFromNewIp(other, info);
  const mail = await lastMessageId(other, who.email);
  await other.goto('/login');
  await other.getByRole('link', { name: 'Passwort vergessen?' }).click();
  await expect(other.getByRole('heading', { name: 'Passwort vergessen' })).toBeVisible();
  await settled(other);
  await other.getByLabel('E-Mail-Adresse').fill(who.email);
  await other.getByRole('button', { name: 'Link senden' }).click();
  await expect(other.getByRole('status')).toContainText('Wenn es ein Konto mit dieser Adresse gibt');
  const link = await linkSentTo(other, who.email, mail);
  const sms = await lastMessageId(other, who.phone);
  await other.goto(link);
  await settled(other);
  await other.getByRole('button', { name: 'Weiter zur Bestätigung' }).click();
  await expect(other).toHaveURL(/\/mfa$/);
  await expect(other.getByText('Sie haben ein neues Passwort angefordert.')).toBeVisible();
  await settled(other);
  await other.getByLabel('Code', { exact: true }).fill(await codeSentTo(other, who.phone, sms));
  await other.getByRole('button', { name: 'Bestätigen' }).click();
  await expect(other).toHaveURL(/\/password\/new$/);
  await settled(other);
  await other.getByLabel('Passwort', { exact: true }).fill('Ampel-Tunnel-Drossel-58');
  await other.getByRole('button', { name: 'Passwort speichern' }).click();
  await expect(other).toHaveURL(/\/login\?reset=done$/);
  await expect(other.getByRole('status')).toContainText('Ihr Passwort wurde geändert.');
  // The first browser's session ended with the reset.
  await page.reload();
  await expect(page).toHaveURL(/\/login$/);
  await settled(other);
  await enterPassword(other, who.email, 'Ampel-Tunnel-Drossel-58');
  await expect(other).toHaveURL(/\/mfa$/);
});

test('support sends a phone-reset link; the user logs in through it and sets a new phone', async ({ page, browser }, info) => {
  test.setTimeout(75_000); // includes the 30-second interval between two setup SMS below
  const who = fresh(info, 'phone');
  const setupSmsAt = await register(page, who, 'Paul Telefon');
  const agent = await newPage(browser, info);
  await logIn(agent, demo.support);
  await agent.getByRole('link', { name: 'Support-Konsole' }).click();
  await settled(agent);
  await agent.getByLabel('Konto suchen (E-Mail, Name oder Organisation)').fill(who.email);
  await agent.getByRole('button', { name: 'Suchen' }).click();
  await agent.getByRole('link', { name: new RegExp('Paul Telefon') }).click();
  await expect(agent.getByRole('heading', { name: new RegExp(`Paul Telefon`) })).toBeVisible();
  await settled(agent);
  const mail = await lastMessageId(agent, who.email);
  await agent.locator('#reason-reset').fill('Telefon verloren, Ticket 4711');
  await agent.getByRole('button', { name: 'Link zum Telefon-Reset senden' }).click();
  await expect(agent.getByRole('status')).toHaveText('Erledigt und protokolliert.');
  await expect(agent.getByRole('cell', { name: 'Link zum Telefon-Reset gesendet' })).toBeVisible();

  const link = await linkSentTo(agent, who.email, mail);
  const user = await newPage(browser, info);
  await comeFromNewIp(user, info);
  await user.goto(link);
  await expect(user.getByRole('heading', { name: 'Neue Mobilnummer einrichten' })).toBeVisible();
  await settled(user);
  await enterPassword(user, who.email, PASSWORD);
  await expect(user).toHaveURL(/\/mfa\/setup$/);
  await expect(user.getByText('Geben Sie Ihre neue Mobilnummer ein.')).toBeVisible();
  const newPhone = fresh(info, 'new').phone.replace('+491512', '+491522');
  // Setup SMS of one account are 30 s apart (SPEC 3.2), and this account had one moments ago.
  await user.waitForTimeout(Math.max(0, setupSmsAt + 31_000 - Date.now()));
  await setUpPhone(user, newPhone);
  await expect(user.getByRole('heading', { name: 'Willkommen, Paul Telefon' })).toBeVisible();
  // The first browser's session ended; the activity page names the support agent.
  await page.reload();
  await expect(page).toHaveURL(/\/login$/);
  await user.getByRole('link', { name: 'Aktivität' }).click();
  await expect(user.getByRole('row', { name: /Link zum Telefon-Reset gesendet.*Sam Support/ })).toBeVisible();
  await expect(user.getByRole('cell', { name: 'Neue Mobilnummer eingerichtet' })).toBeVisible();
});
