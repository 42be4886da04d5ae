import { Page } from '@playwright/test';
import { test, expect, fresh, register, settled, confirmWithTan, enterPassword, lastMessageId, wireBytes, passkeyRelyingParty, PASSWORD } from './fixtures';
import { verified } from './oidc-fixtures';

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

type Authenticator = Awaited<ReturnType<typeof virtualAuthenticator>>;

/**
 * Whether the authenticator answers at once, as if the user touched it. The login page offers
 * passkeys in its autofill as soon as it is ready, and a virtual authenticator would answer
 * that at once: a journey that means to type the password turns it off first.
 */
async function presence(a: Authenticator, enabled: boolean) {
  await a.cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: a.authenticatorId, enabled });
}

async function logOut(page: Page, ip: string) {
  await page.goto('/');
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': ip });
  await page.getByRole('button', { name: 'Abmelden' }).click();
}

/** The next answer of a passkey login the page sends (the page it leads to comes after). */
function passkeyAnswer(page: Page) {
  return page.waitForResponse((r) => new URL(r.url()).pathname === '/api/login/passkey');
}

/**
 * Presses "Mit Passkey anmelden" and waits for the answer it sends; checks that the answer
 * goes with the ceremony the button asked for. Returns that ceremony.
 */
async function pressPasskeyButton(page: Page): Promise<string> {
  const asked = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/login/passkey/options');
  const answered = passkeyAnswer(page);
  await page.getByRole('button', { name: 'Mit Passkey anmelden' }).click();
  const { ceremony } = await (await asked).json();
  const sent = new URLSearchParams((await answered).request().postData() ?? '');
  expect(sent.get('ceremony')).toBe(ceremony);
  return ceremony;
}

async function logOutAndComeBackFrom(page: Page, a: Authenticator, ip: string, email: string) {
  await presence(a, false);
  await logOut(page, ip);
  await expect(page).toHaveURL(/\/login/);
  await enterPassword(page, email, PASSWORD);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await settled(page);
  await presence(a, true);
}

/** Settings → Passkeys: names a new key and confirms it with a TAN; the browser makes it. */
async function addPasskey(page: Page, who: { phone: string }, name: string) {
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await expect(page.getByRole('heading', { name: 'Passkeys' })).toBeVisible();
  await settled(page);
  await page.getByLabel('Name des neuen Passkeys').fill(name);
  await confirmWithTan(page, who.phone, 'Passkey hinzufügen', 'Passkey einrichten');
  await expect(page.locator('.passkey-name')).toHaveText(name);
}

test('a passkey is added behind a TAN, passes the challenge from new addresses, and once removed is offered no more', async ({ page }, info) => {
  const who = fresh(info, 'passkey');
  await register(page, who, 'Paula Passkey');
  const a = await virtualAuthenticator(page);

  // Settings: name it, confirm with a TAN; the browser makes the key and the list shows it.
  await addPasskey(page, who, 'Laptop');
  await expect(page.locator('.passkeys li')).toHaveCount(1);
  await expect(page.locator('.passkeys li')).toContainText('noch nicht verwendet');
  const { credentials } = await a.cdp.send('WebAuthn.getCredentials', { authenticatorId: a.authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].rpId).toBe('localhost');
  expect(credentials[0].isResidentCredential, 'a discoverable key: it can log in without a password').toBe(true);

  // From a new address the challenge opens on the SMS code; the passkey passes it instead.
  await logOutAndComeBackFrom(page, a, '10.254.1.1', who.email);
  await page.getByRole('button', { name: 'Authentifizierung über Passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Willkommen, Paula Passkey' })).toBeVisible();

  // The next login opens on the passkey: no code is sent, the passkey is the main way on.
  const sms = await lastMessageId(page, who.phone);
  await logOutAndComeBackFrom(page, a, '10.254.1.2', who.email);
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
  await logOutAndComeBackFrom(page, a, '10.254.1.3', who.email);
  await expect(page.getByText(/einen Code per SMS an/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Authentifizierung über Passkey' })).toHaveCount(0);
});

test('a passkey alone logs in through the autofill and through the button from new addresses, with no password and no code', async ({ page }, info) => {
  const who = fresh(info, 'passwordless');
  await register(page, who, 'Pia Passwortlos');
  const a = await virtualAuthenticator(page);
  await addPasskey(page, who, 'Telefon');
  const sms = await lastMessageId(page, who.phone);

  // Logged out, from a new address: the login page offers the key in the e-mail field's
  // autofill, the authenticator (answering at once) picks it, and she is in.
  const answered = passkeyAnswer(page);
  await logOut(page, '10.254.2.1');
  await answered;
  await expect(page.getByRole('heading', { name: 'Willkommen, Pia Passwortlos' })).toBeVisible();
  expect(await lastMessageId(page, who.phone), 'no code was sent').toBe(sms);

  // That address is trusted now: the password alone logs in from it.
  await presence(a, false);
  await logOut(page, '10.254.2.1');
  await enterPassword(page, who.email, PASSWORD);
  await expect(page.getByRole('heading', { name: 'Willkommen, Pia Passwortlos' })).toBeVisible();

  // The button, from another new address, in a browser that offers no passkeys in its
  // autofill (as older ones): it asks at once, and its own ceremony is the one answered.
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await presence(a, true);
  await logOut(page, '10.254.2.2');
  await settled(page);
  await pressPasskeyButton(page);
  await expect(page.getByRole('heading', { name: 'Willkommen, Pia Passwortlos' })).toBeVisible();
  expect(await lastMessageId(page, who.phone), 'no code was sent').toBe(sms);

  // Removed, the key logs in no more: its answer is refused, the password stays.
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await settled(page);
  await page.locator('.passkeys li').getByRole('button', { name: 'Entfernen' }).click();
  await expect(page.getByText('Sie haben noch keinen Passkey.')).toBeVisible();
  await logOut(page, '10.254.2.3');
  await settled(page);
  await pressPasskeyButton(page);
  await expect(page.getByText('Mit diesem Passkey ist keine Anmeldung möglich.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
});

test('the login page with its passkey script stays within its first-load budget', async ({ page }) => {
  // A browser that never saw the portal: everything the login page needs to offer passkeys
  // (its script asks for the autofill's options at once), as sent over the wire.
  const wire = wireBytes(page);
  const asked = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/login/passkey/options');
  await page.goto('/login');
  await asked;
  await page.waitForLoadState('networkidle');
  const listing = () => [...wire.files].map(([p, f]) => `${p} ${f.bytes} B ${f.encoding}`).join('\n');
  expect(await wire.total(), `the login page, first load (budget.spec.ts):\n${listing()}`).toBeLessThanOrEqual(100 * 1024);
});

test('TANs by passkey: chosen behind a TAN, a bank change confirmed with its IBAN shown, changed data need a new ceremony', async ({ page }, info) => {
  const who = fresh(info, 'passkeytan');
  await register(page, who, 'Tanja Passkey');
  await virtualAuthenticator(page);
  await addPasskey(page, who, 'Laptop');

  // The TAN settings offer the passkey once there is one; the choice itself needs a TAN.
  await page.reload();
  await settled(page);
  await page.getByLabel('TANs kommen per').selectOption('passkey');
  await confirmWithTan(page, who.phone, 'TAN-Einstellungen speichern', 'TAN-Einstellungen ändern');
  await expect(page.getByRole('status')).toHaveText('Die TAN-Einstellungen wurden gespeichert.');

  await page.getByRole('link', { name: 'Bankverbindung' }).click();
  await expect(page.getByRole('heading', { name: 'Bankverbindung für Auszahlungen' })).toBeVisible();
  await settled(page);
  const sms = await lastMessageId(page, who.phone);
  await page.getByLabel('Kontoinhaber').fill('Passkey Lieferant GmbH');
  await page.getByLabel('IBAN').fill('DE89 3704 0044 0532 0130 00');
  await page.getByRole('button', { name: 'Bankverbindung ändern' }).click();
  await expect(page.getByText('Bestätigen Sie mit Ihrem Passkey: Bankverbindung ändern auf DE89 •••• 3000')).toBeVisible();

  // The IBAN changed after the ceremony began: the key's answer is for the old data.
  await page.getByLabel('IBAN').fill('DE02 1203 0000 0000 2020 51');
  await page.getByRole('button', { name: 'Mit Passkey bestätigen' }).click();
  await expect(page.getByText(/Die Daten wurden nach dem Versand der TAN geändert/)).toBeVisible();
  await expect(page.getByText('DE02 1203 0000 0000 2020 51')).toHaveCount(0);

  // Asked again, the page names the new IBAN, and the key confirms exactly that.
  await page.getByRole('button', { name: 'Bankverbindung ändern' }).click();
  await expect(page.getByText('Bestätigen Sie mit Ihrem Passkey: Bankverbindung ändern auf DE02 •••• 2051')).toBeVisible();
  await page.getByRole('button', { name: 'Mit Passkey bestätigen' }).click();
  await expect(page.getByRole('status')).toHaveText('Die Bankverbindung wurde geändert.');
  await expect(page.getByText('DE02 1203 0000 0000 2020 51')).toBeVisible();
  expect(await lastMessageId(page, who.phone), 'no TAN SMS was sent for the bank change').toBe(sms);
});

test('an application asking for a phishing-resistant login gets one by passkey, as its OpenID Connect library verifies', async ({ page }, info) => {
  const who = fresh(info, 'phr');
  await register(page, who, 'Philipp Phishingfest');
  await virtualAuthenticator(page);
  await addPasskey(page, who, 'Laptop');
  const sms = await lastMessageId(page, who.phone);

  // Logged in by password and SMS code, that login does not fit: a new login, where the
  // passkey (in the e-mail field's autofill) answers, and the application is back.
  await page.goto(`${passkeyRelyingParty}/login?acr_values=urn:riegel:acr:phr`);
  const back = await verified(page);
  expect(back.claims.email).toBe(who.email);
  expect(back.claims.acr).toBe('urn:riegel:acr:phr');
  expect(back.claims.amr).toEqual(['swk', 'user', 'mfa']);
  expect(await lastMessageId(page, who.phone), 'no code was sent').toBe(sms);
});
