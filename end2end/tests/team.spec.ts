import { test, expect, demo, logIn, settled, comeFromNewIp, lastMessageId, tanSentTo, fresh, linkSentTo, setUpPhone, newPage, PASSWORD } from './fixtures';

// Hydrated only: the TAN prompt keeps the form's data on the page while the TAN is typed.

test('an invited colleague sets a password and their own phone at the first login', async ({ page, browser }, info) => {
  const colleague = fresh(info, 'kai');
  await logIn(page, demo.admin);
  await page.getByRole('link', { name: 'Team' }).click();
  await expect(page.getByRole('heading', { name: 'Team', exact: true })).toBeVisible();
  await settled(page);
  const sms = await lastMessageId(page, demo.admin.phone);
  const mail = await lastMessageId(page, colleague.email);
  await page.getByLabel('Vollständiger Name').fill('Kai Kollege');
  await page.getByLabel('E-Mail-Adresse').fill(colleague.email);
  await page.getByRole('button', { name: 'Einladung senden' }).click();
  await expect(page.getByText(new RegExp(`gesendet für: ${colleague.email.replace(/[.+]/g, '\\$&')} einladen`))).toBeVisible();
  await page.getByLabel('TAN', { exact: true }).fill(await tanSentTo(page, demo.admin.phone, sms));
  await page.getByRole('button', { name: 'Mit TAN bestätigen' }).click();
  await expect(page.getByRole('status')).toHaveText('Die Einladung ist unterwegs (72 Stunden gültig).');
  await expect(page.getByRole('row', { name: new RegExp(`Kai Kollege.*eingeladen`) })).toBeVisible();

  const link = await linkSentTo(page, colleague.email, mail);
  const kai = await newPage(browser, info);
  await comeFromNewIp(kai, info);
  await kai.goto(link);
  await expect(kai.getByText(/Willkommen, Kai Kollege! Sie wurden eingeladen, für Muster Lieferant GmbH/)).toBeVisible();
  await settled(kai);
  await kai.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
  await kai.getByRole('button', { name: 'Passwort festlegen und weiter' }).click();
  await expect(kai).toHaveURL(/\/mfa\/setup$/);
  await expect(kai.locator('.steps [aria-current="step"]')).toHaveText('Mobiltelefon einrichten');
  await setUpPhone(kai, colleague.phone);
  await expect(kai.getByRole('heading', { name: 'Willkommen, Kai Kollege' })).toBeVisible();
  // The link worked once.
  await kai.goto(link);
  await expect(kai.getByRole('alert')).toContainText('ungültig, wurde schon verwendet oder ist abgelaufen');

  await page.reload();
  await expect(page.getByRole('row', { name: /Kai Kollege.*MFA aktiv/ })).toBeVisible();
});

