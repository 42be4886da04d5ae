import { Page } from '@playwright/test';
import { test, expect, fresh, register, settled, confirmWithTan, enterPassword, lastMessageId, PASSWORD } from './fixtures';

// Passkeys (SPEC 14), hydrated, against the server at http://localhost (playwright.config.ts:
// WebAuthn knows no IP address as relying party). The authenticator is chromium's virtual one
// (DevTools protocol): a platform key with user verification, as a phone's or laptop's is.

async function virtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { cdp, authenticatorId };
}

async function logOutAndComeBackFrom(page: Page, ip: string, email: string) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': ip });
  await enterPassword(page, email, PASSWORD);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await settled(page);
}

test('a passkey is added behind a TAN, passes the challenge from new addresses, and once removed is offered no more', async ({ page }, info) => {
  const who = fresh(info, 'passkey');
  await register(page, who, 'Paula Passkey');
  const { cdp, authenticatorId } = await virtualAuthenticator(page);

  // Settings: name it, confirm with a TAN; the browser makes the key and the list shows it.
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await expect(page.getByRole('heading', { name: 'Passkeys' })).toBeVisible();
  await settled(page);
  await expect(page.getByText('Sie haben noch keinen Passkey.')).toBeVisible();
  await page.getByLabel('Name des neuen Passkeys').fill('Laptop');
  await confirmWithTan(page, who.phone, 'Passkey hinzufügen', 'Passkey einrichten');
  await expect(page.locator('.passkeys li')).toHaveCount(1);
  await expect(page.locator('.passkey-name')).toHaveText('Laptop');
  await expect(page.locator('.passkeys li')).toContainText('noch nicht verwendet');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].rpId).toBe('localhost');

  // From a new address the challenge opens on the SMS code; the passkey passes it instead.
  await logOutAndComeBackFrom(page, '10.254.1.1', who.email);
  await page.getByRole('button', { name: 'Authentifizierung über Passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Willkommen, Paula Passkey' })).toBeVisible();

  // The next login opens on the passkey: no code is sent, the passkey is the main way on.
  const sms = await lastMessageId(page, who.phone);
  await logOutAndComeBackFrom(page, '10.254.1.2', who.email);
  await expect(page.getByText('Melden Sie sich mit Ihrem Passkey an')).toBeVisible();
  expect(await lastMessageId(page, who.phone)).toBe(sms);
  await page.getByRole('button', { name: 'Authentifizierung über Passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Willkommen, Paula Passkey' })).toBeVisible();

  // Removed (no TAN), it is not offered at the next challenge.
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await settled(page);
  await expect(page.locator('.passkeys li')).not.toContainText('noch nicht verwendet');
  await page.locator('.passkeys li').getByRole('button', { name: 'Entfernen' }).click();
  await expect(page.getByText('Sie haben noch keinen Passkey.')).toBeVisible();
  await logOutAndComeBackFrom(page, '10.254.1.3', who.email);
  await expect(page.getByText(/einen Code per SMS an/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Authentifizierung über Passkey' })).toHaveCount(0);
});
