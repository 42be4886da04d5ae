import { resolve } from 'node:path';
import { test, expect, demo, logIn, open, comeFromNewIp, enterPassword, settled } from '../tests/fixtures';

const dir = resolve(__dirname, '..', '..', 'docs', 'screenshots');
const shot = (name: string) => resolve(dir, `${name}-${test.info().project.name}.png`);

test('login, MFA challenge, start page and TAN prompt', async ({ page }, info) => {
  await open(page, '/login');
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
  await page.screenshot({ path: shot('login'), fullPage: true });

  await comeFromNewIp(page, info);
  await enterPassword(page, demo.member.email, demo.member.password);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await settled(page);
  await page.screenshot({ path: shot('mfa'), fullPage: true });

  await logIn(page, demo.admin);
  await expect(page.getByRole('heading', { name: `Willkommen, ${demo.admin.name}` })).toBeVisible();
  await page.screenshot({ path: shot('start'), fullPage: true });

  await page.getByRole('link', { name: 'Bankverbindung', exact: true }).click();
  await settled(page);
  await page.getByLabel('Kontoinhaber').fill('Muster Lieferant GmbH');
  await page.getByLabel('IBAN').fill('DE89 3704 0044 0532 0130 00');
  await page.getByRole('button', { name: 'Bankverbindung ändern' }).click();
  await expect(page.getByText(/Wir haben eine TAN per SMS an .* gesendet für/)).toBeVisible();
  await page.screenshot({ path: shot('tan'), fullPage: true });
});
