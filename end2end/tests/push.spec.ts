import { Page } from '@playwright/test';
import {
  test,
  expect,
  fresh,
  register,
  confirmWithTan,
  enterPassword,
  open,
  settled,
  js,
  PASSWORD,
} from './fixtures';

// Runs twice: the login page hydrated, and with JavaScript off (then "Weiter" asks the server
// whether the device answered). The device and the settings always run with JavaScript.

async function hydrated(page: Page) {
  await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);
}

test('a device paired in a second browser approves a login with the right number; a wrong number denies', async ({ page, browser }, info) => {
  const who = fresh(info, 'push');
  const setup = await (await browser.newContext({ javaScriptEnabled: true, locale: 'de-DE' })).newPage();
  await register(setup, who, 'Paula Push');

  // Settings: pairing needs a TAN, then shows a link and its QR code.
  await setup.getByRole('link', { name: 'Einstellungen' }).click();
  await expect(setup.getByRole('heading', { name: 'Push-Bestätigung' })).toBeVisible();
  await hydrated(setup);
  await confirmWithTan(setup, who.phone, 'Gerät koppeln', 'Gerät für Push-Bestätigung koppeln');
  await expect(setup.locator('.qr svg')).toBeVisible();
  const link = await setup.locator('#pairing-link').getAttribute('href');
  expect(link).toMatch(/\/device\?pair=[\w-]{43}$/);

  // The device: a second browser with its own key pair.
  const device = await (await browser.newContext({ javaScriptEnabled: true, locale: 'de-DE' })).newPage();
  const deviceErrors: string[] = [];
  device.on('pageerror', (e) => deviceErrors.push(String(e)));
  device.on('console', (m) => m.type() === 'error' && deviceErrors.push(m.text()));
  await device.goto(link!);
  await expect(device.getByRole('status').first()).toHaveText(/Dieses Gerät ist gekoppelt/);
  await expect(device).toHaveURL(/\/device$/);
  await setup.reload();
  await expect(setup.getByText(/Gekoppelt: Browser auf/)).toBeVisible();

  // A login from a new address asks for a push; the device offers three numbers.
  // Another address than the registration's (which is now trusted).
  const ip = `10.251.${js(info) ? 1 : 2}.9`;
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': ip });
  await open(page, '/login');
  await enterPassword(page, who.email, PASSWORD);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await settled(page);
  await page.getByRole('button', { name: 'Authentifizierung über Push-Bestätigung' }).click();
  const number = (await page.locator('#push-number').innerText()).trim();
  expect(number).toMatch(/^[1-9]\d$/);
  const request = device.locator('.push-request');
  await expect(request).toContainText(`von ${ip}`);
  await expect(request.locator('.push-choice')).toHaveCount(3);
  await request.getByRole('button', { name: number, exact: true }).click();
  await expect(device.getByText('Bestätigt. Die Anmeldung geht weiter.')).toBeVisible();
  // With JavaScript the page goes on by itself; without, "Weiter" asks.
  if (!js(info)) await page.getByRole('button', { name: 'Weiter' }).click();
  await expect(page.getByRole('heading', { name: 'Willkommen, Paula Push' })).toBeVisible();

  // Next login: push was the last method, so the challenge opens with a push.
  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': `10.252.${js(info) ? 1 : 2}.7` });
  await enterPassword(page, who.email, PASSWORD);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await settled(page);
  const shown = (await page.locator('#push-number').innerText()).trim();
  const offered = device.locator('.push-request .push-choice');
  await expect(offered).toHaveCount(3);
  const wrong = (await offered.allInnerTexts()).map((n) => n.trim()).find((n) => n !== shown)!;
  await device.locator('.push-request').getByRole('button', { name: wrong, exact: true }).click();
  await expect(device.getByText('Abgelehnt. Die Anmeldung wurde verweigert.')).toBeVisible();
  if (!js(info)) await page.getByRole('button', { name: 'Weiter' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'Die Anmeldung wurde auf Ihrem Gerät abgelehnt. Wenn Sie das nicht waren, ändern Sie Ihr Passwort.',
  );
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();

  // A lost device is removed in the settings; the device page then says it is not paired.
  await setup.getByRole('button', { name: 'Gerät entfernen' }).click();
  await expect(setup.getByText(/Gekoppelt: Browser auf/)).toHaveCount(0);
  await expect(device.getByRole('status').first()).toHaveText(/Dieses Gerät ist nicht gekoppelt/, { timeout: 20_000 });
  expect(deviceErrors.filter((e) => !e.includes('401'))).toEqual([]);
});
