import { test as base, expect, Browser, Page, TestInfo } from '@playwright/test';

/** The relying party playwright.config.ts starts beside the server (rp/relying-party.mjs). */
export const relyingParty = `http://127.0.0.1:${Number(process.env.RIEGEL_E2E_PORT ?? 3100) + 100}`;
/** The Web Push service of the tests (playwright.config.ts), as this machine reaches it. */
export const pushService = `http://127.0.0.1:${Number(process.env.RIEGEL_E2E_PORT ?? 3100) + 50}`;
/** The same application in front of the passkeys server (playwright.config.ts). */
export const passkeyRelyingParty = `http://127.0.0.1:${Number(process.env.RIEGEL_E2E_PORT ?? 3100) + 102}`;

/** The demo accounts the server seeds in development mode. */
export const demo = {
  admin: { email: 'anna.admin@muster-lieferant.example', password: 'Demo-Admin-Riegel-2026', name: 'Anna Admin', phone: '+4915110000001' },
  member: { email: 'max.mitglied@muster-lieferant.example', password: 'Demo-Mitglied-Riegel-2026', name: 'Max Mitglied', phone: '+4915110000002' },
  // Two accounts without MFA, one per project, so each project sets one up.
  newcomer: {
    hydrated: { email: 'nora.neu@muster-lieferant.example', password: 'Demo-Neu-Riegel-2026', name: 'Nora Neu' },
    'no-js': { email: 'otto.offen@muster-lieferant.example', password: 'Demo-Offen-Riegel-2026', name: 'Otto Offen' },
  },
  support: { email: 'sam.support@riegel.example', password: 'Demo-Support-Riegel-2026', name: 'Sam Support', phone: '+4915110000009' },
};

export const js = (info: TestInfo) => info.project.use.javaScriptEnabled !== false;

/**
 * Gives the test its own client IP (the e2e server trusts X-Forwarded-For from 127.0.0.1),
 * so "a new IP gets the MFA challenge" holds whatever ran before.
 */
export async function comeFromNewIp(page: Page, info: TestInfo): Promise<string> {
  let h = 0;
  for (const ch of `${info.project.name}:${info.titlePath.join('/')}:${info.retry}`) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const ip = `10.${(h >> 16) & 255}.${(h >> 8) & 255}.${(h & 254) + 1}`;
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': ip });
  return ip;
}

/**
 * Opens a page and, with JavaScript on, waits until the app has hydrated, so the journey
 * exercises the hydrated app rather than the server-rendered form underneath it.
 */
export async function open(page: Page, path: string) {
  await page.goto(path);
  if (js(test.info())) await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);
}

/** Waits until the app is hydrated again after a navigation (no-op with JavaScript off). */
export async function settled(page: Page) {
  if (js(test.info())) await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);
}

type Message = { outbox_id: number; channel: string; recipient: string; subject: string; body: string };

async function outbox(page: Page): Promise<Message[]> {
  const res = await page.request.get('/dev/outbox.json');
  expect(res.ok()).toBe(true);
  return res.json();
}

/** The newest outbox id for a recipient, to wait for a message after it. */
export async function lastMessageId(page: Page, to: string): Promise<number> {
  return Math.max(0, ...(await outbox(page)).filter((m) => m.recipient === to).map((m) => m.outbox_id));
}

/** The code of the first message to `to` after `after`, read from the development outbox. */
export async function codeSentTo(page: Page, to: string, after: number): Promise<string> {
  let code = '';
  await expect
    .poll(async () => {
      const m = (await outbox(page)).find((m) => m.recipient === to && m.outbox_id > after);
      code = m?.body.match(/\b\d{6}\b/)?.[0] ?? '';
      return code;
    })
    .not.toBe('');
  return code;
}

/** The TAN of the first SMS to `to` after `after`, read from the development outbox. */
export async function tanSentTo(page: Page, to: string, after: number): Promise<string> {
  let tan = '';
  await expect
    .poll(async () => {
      tan = (await outbox(page)).find((m) => m.recipient === to && m.outbox_id > after)?.body.match(/^TAN ([2-9A-Z]{6}):/)?.[1] ?? '';
      return tan;
    })
    .not.toBe('');
  return tan;
}

/** Password step from the current page. */
export async function enterPassword(page: Page, email: string, password: string) {
  await page.getByLabel('E-Mail-Adresse').fill(email);
  await page.getByLabel('Passwort').fill(password);
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
}

/**
 * A full login from a new IP: password, then the code from the outbox, on the channel the
 * challenge opened on (the account's last successful method).
 */
export async function logIn(page: Page, user: { email: string; password: string; phone: string }) {
  await comeFromNewIp(page, test.info());
  await open(page, '/login');
  await passLogin(page, user);
  await expect(page).toHaveURL(/\/$/);
}

/**
 * From the login page on: password, then the code from the outbox, on the channel the
 * challenge opened on (the account's last successful method). Returns the `amr` an OpenID
 * Connect ID token must show for it.
 */
export async function passLogin(page: Page, user: { email: string; password: string; phone: string }) {
  const before = { sms: await lastMessageId(page, user.phone), email: await lastMessageId(page, user.email) };
  await enterPassword(page, user.email, user.password);
  await expect(page).toHaveURL(/\/mfa$/);
  await settled(page);
  const sent = page.getByText(/Wir haben Ihnen einen Code per (SMS|E-Mail)/);
  await expect(sent).toBeVisible();
  const byMail = (await sent.innerText()).includes('per E-Mail');
  const code = byMail ? await codeSentTo(page, user.email, before.email) : await codeSentTo(page, user.phone, before.sms);
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Bestätigen' }).click();
  return ['pwd', byMail ? 'otp' : 'sms', 'mfa'];
}

export const PASSWORD = 'Kiefer-Wolke-Laterne-73';

/** An address and a German mobile number no other test uses. */
export function fresh(info: TestInfo, label: string) {
  const n = `${Date.now()}${info.repeatEachIndex}`.slice(-7);
  return { email: `${label}-${info.project.name}-${n}@e2e.example`, phone: `+491512${n}` };
}

/** The newest link e-mailed to `to` after message `after`, as a path on this server. */
export async function linkSentTo(page: Page, to: string, after: number): Promise<string> {
  let link = '';
  await expect
    .poll(async () => {
      const msgs: { outbox_id: number; recipient: string; body: string }[] = await (await page.request.get('/dev/outbox.json')).json();
      link = msgs.find((m) => m.recipient === to && m.outbox_id > after)?.body.match(/https?:\/\/[^\s]+\?token=[\w-]+/)?.[0] ?? '';
      return link;
    })
    .not.toBe('');
  return new URL(link).pathname + new URL(link).search;
}

/**
 * MFA setup from the setup page: number, SMS code, then (after a first setup) the ten recovery
 * codes, shown once, and on to the start page.
 */
export async function setUpPhone(page: Page, phone: string): Promise<number> {
  await settled(page);
  const before = await lastMessageId(page, phone);
  await page.getByLabel('Mobilnummer', { exact: true }).fill(phone);
  await page.getByRole('button', { name: 'Code senden' }).click();
  await expect(page.getByText(/Wir haben einen Code per SMS an/)).toBeVisible();
  const code = await codeSentTo(page, phone, before);
  const sentAt = Date.now();
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Nummer bestätigen' }).click();
  // A first setup shows the recovery codes; a phone reset goes straight to the start page.
  // Decided by what the page shows, not by its URL, which can lag behind the rendering.
  const codes = page.getByRole('list', { name: 'Ihre Wiederherstellungscodes' });
  await expect(codes.or(page.getByRole('heading', { name: /^Willkommen, / }))).toBeVisible();
  if (await codes.isVisible()) {
    await expect(codes.getByRole('listitem')).toHaveCount(10);
    await page.getByRole('link', { name: 'Weiter zum Portal' }).click();
    await expect(page).toHaveURL(/\/$/);
  }
  return sentAt;
}

/**
 * Presses the button of a TAN-protected action and confirms it with the TAN from the SMS; the
 * prompt must say what the TAN is for. Needs the hydrated page (the prompt keeps the form).
 */
export async function confirmWithTan(page: Page, phone: string, button: string, what: string) {
  const before = await lastMessageId(page, phone);
  await page.getByRole('button', { name: button }).click();
  await expect(page.getByText(new RegExp(`Wir haben eine TAN per SMS an .* gesendet für: ${what}`))).toBeVisible();
  await page.getByLabel('TAN', { exact: true }).fill(await tanSentTo(page, phone, before));
  await page.getByRole('button', { name: 'Mit TAN bestätigen' }).click();
}

export async function newPage(browser: Browser, info: TestInfo): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: js(info), locale: 'de-DE' });
  return context.newPage();
}

/**
 * Fails a test on any console error: a CSP violation, a hydration panic, a script error.
 * The browser's own line for an HTTP error status ("Failed to load resource: the server
 * responded with a status of 401") is not one: the journeys assert those statuses themselves.
 */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of'))
          errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await use(errors);
      expect(errors, 'console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Counts the wasm and JavaScript the page fetches, by its encoded (on-the-wire) body size. */
export function wireBytes(page: Page) {
  const pending: Promise<void>[] = [];
  const files = new Map<string, { bytes: number; encoding: string }>();
  page.on('requestfinished', (req) => {
    const path = new URL(req.url()).pathname;
    if (!/\.(wasm|js)$/.test(path)) return;
    pending.push(
      (async () => {
        const [sizes, res] = await Promise.all([req.sizes(), req.response()]);
        files.set(path, { bytes: sizes.responseBodySize, encoding: (await res?.headerValue('content-encoding')) ?? 'none' });
      })(),
    );
  });
  return {
    async total() {
      await Promise.all(pending);
      return [...files.values()].reduce((sum, f) => sum + f.bytes, 0);
    },
    files,
    reset() {
      files.clear();
    },
  };
}

/** The whole self-registration: company and account, e-mail code, phone. */
export async function register(page: Page, who: { email: string; phone: string }, name: string): Promise<number> {
  await comeFromNewIp(page, test.info());
  await open(page, '/login');
  await page.getByRole('link', { name: 'Noch kein Konto? Als Lieferant registrieren' }).click();
  await expect(page.getByRole('heading', { name: 'Als Lieferant registrieren' })).toBeVisible();
  await settled(page);
  await expect(page.getByRole('list', { name: 'Schritte der Einrichtung' }).getByRole('listitem')).toHaveText([
    'Firma und Konto',
    'E-Mail bestätigen',
    'Mobiltelefon einrichten',
  ]);
  await page.getByLabel('Firma').fill(`${name} GmbH`);
  await page.getByLabel('Vollständiger Name').fill(name);
  await page.getByLabel('E-Mail-Adresse').fill(who.email);
  // A weak password is refused with its reason, and nothing else is lost.
  await page.getByLabel('Passwort', { exact: true }).fill('Passwort12345');
  await page.getByRole('button', { name: 'Weiter' }).click();
  await expect(page.getByRole('alert')).toContainText('zu verbreitet');
  if (!js(test.info())) {
    await page.getByLabel('Firma').fill(`${name} GmbH`);
    await page.getByLabel('Vollständiger Name').fill(name);
    await page.getByLabel('E-Mail-Adresse').fill(who.email);
  }
  const before = await lastMessageId(page, who.email);
  await page.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Weiter' }).click();
  await expect(page.getByText(/Wir haben einen Code an .* gesendet/)).toBeVisible();
  await expect(page.locator('.steps [aria-current="step"]')).toHaveText('E-Mail bestätigen');
  await settled(page);
  await page.getByLabel('Code', { exact: true }).fill(await codeSentTo(page, who.email, before));
  await page.getByRole('button', { name: 'E-Mail-Adresse bestätigen' }).click();
  await expect(page).toHaveURL(/\/mfa\/setup$/);
  await expect(page.locator('.steps [aria-current="step"]')).toHaveText('Mobiltelefon einrichten');
  const sentAt = await setUpPhone(page, who.phone);
  await expect(page.getByRole('heading', { name: `Willkommen, ${name}` })).toBeVisible();
  return sentAt;
}
