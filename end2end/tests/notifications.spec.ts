import { Page } from '@playwright/test';
import { test, expect, fresh, register, confirmWithTan, enterPassword, open, settled, pushService, PASSWORD } from './fixtures';

// Web Push to the paired device (SPEC 15.1), hydrated. Debian's chromium has no browser push
// service, so `pushManager.subscribe()` cannot succeed here: the journey registers the
// subscription that the test push service (npm's web-push-testing) hands out, as the device
// page would send its own, reads what Riegel sent there (decrypted by that service), and hands
// it to the device's service worker with the DevTools protocol's
// `ServiceWorker.deliverPushMessage`, the bridge a browser's push service would be.

/** A subscription of the test push service for Riegel's VAPID key, registered for `device`. */
async function subscribeThroughTheTestService(device: Page) {
  // As the device page's own fetch: same origin (Riegel refuses cross-site posts).
  const headers = { Accept: 'application/json', Origin: new URL(device.url()).origin };
  const asked = await device.request.post('/api/device/vapid-key', { headers });
  expect(asked.status(), await asked.text()).toBe(200);
  const vapid = await asked.json();
  const res = await device.request.post(`${pushService}/subscribe`, {
    form: { userVisibleOnly: 'true', applicationServerKey: vapid },
  });
  const body = await res.json();
  expect(body.data, JSON.stringify(body)).toBeTruthy();
  const { data } = body;
  const sent = await device.request.post('/api/device/push-subscription', {
    headers,
    form: { endpoint: data.endpoint, p256dh: data.keys.p256dh, auth: data.keys.auth },
  });
  expect(sent.status(), await sent.text()).toBe(200);
  return data.clientHash as string;
}

/** The messages the test push service received for the subscription, as sent (decrypted). */
async function received(device: Page, clientHash: string): Promise<string[]> {
  const res = await device.request.post(`${pushService}/get-notifications`, { data: { clientHash } });
  return (await res.json()).data.messages;
}

test('a login is approved on a device whose page was closed: the push wakes its service worker and the notification opens the request', async ({ page, browser }, info) => {
  const who = fresh(info, 'webpush');
  await register(page, who, 'Wanda Webpush');
  await page.getByRole('link', { name: 'Einstellungen' }).click();
  await expect(page.getByRole('heading', { name: 'Push-Bestätigung' })).toBeVisible();
  await settled(page);
  await confirmWithTan(page, who.phone, 'Gerät koppeln', 'Gerät für Push-Bestätigung koppeln');
  const link = await page.locator('#pairing-link').getAttribute('href');

  // The device: its page pairs and registers the service worker.
  const context = await browser.newContext({ javaScriptEnabled: true, locale: 'de-DE', permissions: ['notifications'] });
  const device = await context.newPage();
  const cdp = await context.newCDPSession(device);
  await cdp.send('ServiceWorker.enable');
  const registered = new Promise<string>((resolve) =>
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const r = registrations.find((r) => r.scopeURL.endsWith('/device') && !r.isDeleted);
      if (r) resolve(r.registrationId);
    }),
  );
  await device.goto(link!);
  await expect(device.getByRole('status').first()).toHaveText(/Dieses Gerät ist gekoppelt/);
  const registrationId = await registered;
  const clientHash = await subscribeThroughTheTestService(device);
  await page.reload();
  await expect(page.locator('#push-reception')).toHaveText(/empfängt Anfragen als Push/);

  // The device's page is closed (nothing listens to its event stream) when the login begins.
  await device.goto('about:blank');
  const ip = '10.253.1.9';
  await open(page, '/');
  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': ip });
  await open(page, '/login');
  await enterPassword(page, who.email, PASSWORD);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await settled(page);
  await page.getByRole('button', { name: 'Authentifizierung über Push-Bestätigung' }).click();
  const number = (await page.locator('#push-number').innerText()).trim();

  // Riegel sent the push to the push service: it names the request, not the number.
  await expect.poll(async () => (await received(device, clientHash)).length, { timeout: 15_000 }).toBe(1);
  const [message] = await received(device, clientHash);
  const sent = JSON.parse(message);
  expect(sent).toMatchObject({ kind: 'login', ip });
  expect(message).not.toContain(`:${number}`);

  // The push service hands it to the service worker, which shows a notification.
  const { origin } = new URL(page.url());
  await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: message });
  await device.goto('/healthz');
  const shown = async () =>
    device.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration('/device');
      const notes = (await registration?.getNotifications()) ?? [];
      return notes.map((n) => ({ body: n.body, url: (n.data as { url: string }).url }));
    });
  await expect.poll(async () => (await shown()).length).toBe(1);
  const [note] = await shown();
  expect(note.body).toMatch(new RegExp(`^Anmeldung um \\d\\d:\\d\\d von ${ip.replace(/\./g, '\\.')} – Zahl wählen$`));
  expect(note.url).toBe(`/device?request=${sent.id}`);

  // Tapping it opens the device page on the request; the right number approves the login.
  await device.goto(note.url);
  const request = device.locator(`#request-${sent.id}`);
  await expect(request).toContainText(`von ${ip}`);
  await expect(request).toBeFocused();
  await request.getByRole('button', { name: number, exact: true }).click();
  await expect(device.getByText('Bestätigt. Die Anmeldung geht weiter.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Willkommen, Wanda Webpush' })).toBeVisible();
  await context.close();
});
