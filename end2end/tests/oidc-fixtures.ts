import { Page } from '@playwright/test';
import { expect, passLogin, settled, demo } from './fixtures';

/** What rp/relying-party.mjs shows after openid-client verified the login. */
type Verified = { claims: Record<string, unknown>; userinfo: Record<string, unknown>; authorization_details: unknown };

export async function verified(page: Page): Promise<Verified> {
  await expect(page.getByRole('heading', { name: 'Logged in' })).toBeVisible();
  return JSON.parse(await page.locator('#result').innerText());
}

/** Riegel's login and MFA pages, from wherever the application sent us; the `amr` to expect. */
export async function passMfa(page: Page, user: typeof demo.member): Promise<string[]> {
  await expect(page).toHaveURL(/\/login(\?again=1)?$/);
  await settled(page);
  return passLogin(page, user);
}
