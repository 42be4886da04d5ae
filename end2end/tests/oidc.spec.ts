import { test, expect, demo, comeFromNewIp, relyingParty } from './fixtures';
import { passMfa, verified } from './oidc-fixtures';

// Another application logs its users in through Riegel: panva's openid-client (OpenID
// Certified) in rp/relying-party.mjs, with PKCE, state and nonce; it checks the ID token
// against Riegel's JWKS. The user meets Riegel's own login and MFA pages.

test('an application logs in through Riegel with MFA, steps up with max_age=0 and logs out', async ({ page }, info) => {
  const user = demo.member;
  await comeFromNewIp(page, info);

  await page.goto(`${relyingParty}/login`);
  const amr = await passMfa(page, user);
  await expect(page).toHaveURL(new RegExp(`^${relyingParty}/callback`));
  const first = await verified(page);
  expect(first.claims.email).toBe(user.email);
  expect(first.claims.name).toBe(user.name);
  expect(first.claims.acr).toBe('urn:riegel:acr:mfa');
  expect(first.claims.amr).toEqual(amr);
  expect(first.claims.sub).not.toContain('@');
  expect(first.userinfo.sub).toBe(first.claims.sub);

  // Logged in at Riegel now: the next login of the application goes straight back.
  await page.goto(`${relyingParty}/login`);
  const again = await verified(page);
  expect(again.claims.auth_time).toBe(first.claims.auth_time);

  // Step-up: max_age=0 asks for a new login with a second factor, even from this address,
  // which the first login made the trusted one.
  await page.goto(`${relyingParty}/login?max_age=0`);
  const steppedAmr = await passMfa(page, user);
  const stepped = await verified(page);
  expect(stepped.claims.sub).toBe(first.claims.sub);
  expect(stepped.claims.amr).toEqual(steppedAmr);
  expect(Number(stepped.claims.auth_time)).toBeGreaterThanOrEqual(Number(first.claims.auth_time));

  // RP-initiated logout ends the session at Riegel and comes back to the application.
  await page.goto(`${relyingParty}/logout`);
  await expect(page.getByRole('heading', { name: 'Logged out' })).toBeVisible();
  expect(JSON.parse(await page.locator('#result').innerText()).state).toBe('bye-state');
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});
