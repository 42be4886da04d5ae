import { test, expect, demo, logIn, settled, lastMessageId, tanSentTo } from './fixtures';

// Hydrated only: the TAN prompt keeps the form's data on the page while the TAN is typed.

test('the payout bank account changes only with a TAN from the SMS', async ({ page }) => {
  await logIn(page, demo.admin);
  await page.getByRole('link', { name: 'Bankverbindung' }).click();
  await expect(page.getByRole('heading', { name: 'Bankverbindung für Auszahlungen' })).toBeVisible();
  await settled(page);
  const before = await lastMessageId(page, demo.admin.phone);
  await page.getByLabel('Kontoinhaber').fill('Muster Lieferant GmbH');
  await page.getByLabel('IBAN').fill('DE89 3704 0044 0532 0130 00');
  await page.getByRole('button', { name: 'Bankverbindung ändern' }).click();

  await expect(
    page.getByText('Wir haben eine TAN per SMS an +49 ••••••••• 01 gesendet für: Bankverbindung ändern auf DE89 •••• 3000'),
  ).toBeVisible();
  const tan = await tanSentTo(page, demo.admin.phone, before);
  await page.getByLabel('TAN', { exact: true }).fill(tan.toLowerCase());
  await page.getByRole('button', { name: 'Mit TAN bestätigen' }).click();
  await expect(page.getByRole('status')).toHaveText('Die Bankverbindung wurde geändert.');
  await expect(page.getByText('DE89 3704 0044 0532 0130 00')).toBeVisible();
});

test('invoices past the daily threshold need a TAN', async ({ page }) => {
  await logIn(page, demo.admin);
  await page.getByRole('link', { name: 'Rechnungen' }).click();
  await expect(page.getByRole('heading', { name: 'Rechnungen', exact: true })).toBeVisible();
  await settled(page);
  const submit = async (number: string, amount: string) => {
    await page.getByLabel('Rechnungsnummer').fill(number);
    await page.getByLabel('Rechnungsdatum').fill('2026-11-20');
    await page.getByLabel('Betrag (EUR)').fill(amount);
    await page.getByRole('button', { name: 'Einreichen' }).click();
  };
  const run = test.info().repeatEachIndex;
  await submit(`RE-${run}-001`, '9.990,00');
  await expect(page.getByRole('status')).toHaveText('Die Rechnung wurde eingereicht.');
  await expect(page.getByRole('cell', { name: `RE-${run}-001` })).toBeVisible();

  const before = await lastMessageId(page, demo.admin.phone);
  await submit(`RE-${run}-002`, '250,00');
  await expect(page.getByText(new RegExp(`gesendet für: Rechnung RE-${run}-002 über 250,00 EUR einreichen`))).toBeVisible();
  const tan = await tanSentTo(page, demo.admin.phone, before);
  await page.getByLabel('TAN', { exact: true }).fill(tan);
  await page.getByRole('button', { name: 'Mit TAN bestätigen' }).click();
  await expect(page.getByRole('cell', { name: `RE-${run}-002` })).toBeVisible();
  await expect(page.getByRole('cell', { name: '250,00 EUR' })).toBeVisible();
});

test('three wrong TANs lock the TAN system and the page says to contact support', async ({ page }) => {
  await logIn(page, demo.member);
  await page.getByRole('link', { name: 'Bankverbindung' }).click();
  await settled(page);
  const before = await lastMessageId(page, demo.member.phone);
  await page.getByLabel('Kontoinhaber').fill('Muster Lieferant GmbH');
  await page.getByLabel('IBAN').fill('DE02 1203 0000 0000 2020 51');
  await page.getByRole('button', { name: 'Bankverbindung ändern' }).click();
  const tan = await tanSentTo(page, demo.member.phone, before);
  const wrong = tan === 'ABCDEF' ? 'GHJKMN' : 'ABCDEF';
  for (const left of [2, 1]) {
    await page.getByLabel('TAN', { exact: true }).fill(wrong);
    await page.getByRole('button', { name: 'Mit TAN bestätigen' }).click();
    await expect(page.getByRole('alert')).toHaveText(`Die TAN ist falsch. Noch ${left} Versuche, danach wird das TAN-System gesperrt.`);
  }
  await page.getByLabel('TAN', { exact: true }).fill(wrong);
  await page.getByRole('button', { name: 'Mit TAN bestätigen' }).click();
  await expect(page.getByRole('alert')).toContainText('Das TAN-System ist nach drei falschen TANs gesperrt');
  await expect(page.getByRole('alert')).toContainText('am besten von Ihrem üblichen Arbeitsplatz aus');

  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await expect(page.getByRole('alert')).toContainText('Gesperrt nach drei falschen TANs');
});
