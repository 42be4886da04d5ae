import { createHmac } from 'node:crypto';
import { test, expect, fresh, register, settled, confirmWithTan, enterPassword, PASSWORD } from './fixtures';

// Hydrated only: the TAN prompt keeps the form on the page while the TAN is typed.

/** The code an authenticator app shows for a base32 secret at `unix` seconds (RFC 6238). */
function appCode(secret: string, unix: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unix / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

test('an authenticator app is set up behind a TAN, then its code logs in', async ({ page }, info) => {
  const who = fresh(info, 'totp');
  await register(page, who, 'Tom Taktgeber');

  // Settings: set up the app, behind a TAN.
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await expect(page.getByRole('heading', { name: 'Authenticator-App' })).toBeVisible();
  await settled(page);
  await confirmWithTan(page, who.phone, 'Authenticator-App einrichten', 'Authenticator-App einrichten');
  await expect(page.locator('.qr svg')).toBeVisible();
  const secret = (await page.locator('code.totp-secret').innerText()).trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel('Code aus der Authenticator-App').fill(appCode(secret, Date.now() / 1000));
  await page.getByRole('button', { name: 'App bestätigen' }).click();
  await expect(page.getByRole('status')).toHaveText('Die Authenticator-App ist eingerichtet.');

  // From another address: the app's next code passes the challenge.
  await page.goto('/');
  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': '10.253.7.7' });
  await enterPassword(page, who.email, PASSWORD);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await settled(page);
  await page.getByText('Authentifizierung über Authenticator-App').click();
  await page.getByLabel('Code aus der Authenticator-App').fill(appCode(secret, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Mit App-Code anmelden' }).click();
  await expect(page.getByRole('heading', { name: 'Willkommen, Tom Taktgeber' })).toBeVisible();
});
