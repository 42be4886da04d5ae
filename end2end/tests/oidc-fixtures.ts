import { Page } from '@playwright/test';
import { expect, enterPassword, lastMessageId, codeSentTo, settled, demo } from './fixtures';

/** What rp/relying-party.mjs shows after openid-client verified the login. */
type Verified = { claims: Record<string, unknown>; userinfo: Record<string, unknown>; authorization_details: unknown };

export async function verified(page: Page): Promise<Verified> {
  await expect(page.getByRole('heading', { name: 'Logged in' })).toBeVisible();
  return JSON.parse(await page.locator('#result').innerText());
}

/**
 * Password and the code on Riegel's pages, from wherever the application sent us; the code
 * comes on the channel the challenge opened on (the account's last successful method).
 * Returns the `amr` that login must show.
 */
export async function passMfa(page: Page, user: typeof demo.member): Promise<string[]> {
  const before = { sms: await lastMessageId(page, user.phone), email: await lastMessageId(page, user.email) };
  await expect(page).toHaveURL(/\/login$/);
  await settled(page);
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
