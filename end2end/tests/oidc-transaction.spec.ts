import AxeBuilder from '@axe-core/playwright';
import { test, expect, demo, comeFromNewIp, settled, relyingParty, confirmWithTan } from './fixtures';
import { passMfa, verified } from './oidc-fixtures';

// An application asks its user to confirm a payment (RFC 9396 authorization_details): Riegel
// shows it, sends a TAN whose SMS names it, and only then sends the application its code; the
// token response and the ID token carry the payment as confirmed. Hydrated only: the TAN
// prompt keeps the form (see confirmWithTan).

test('an application has a payment confirmed with a TAN whose SMS names it', async ({ page }, info) => {
  const user = demo.admin;
  await comeFromNewIp(page, info);
  await page.goto(`${relyingParty}/pay`);
  await passMfa(page, user);
  await expect(page).toHaveURL(/\/oidc\/confirm$/);
  await settled(page);
  await expect(page.getByText('Journey relying party bittet Sie, diesen Vorgang mit einer TAN zu bestätigen:')).toBeVisible();
  const payment = 'Journey relying party: Zahlung von 1\\.234,50 EUR an DE89 •+ 3000, Verwendungszweck RE-2026-17';
  // The page names the payee in full; the SMS (and the prompt quoting it) masks the IBAN.
  await expect(
    page.getByText('Journey relying party: Zahlung von 1.234,50 EUR an DE89 3704 0044 0532 0130 00, Verwendungszweck RE-2026-17'),
  ).toBeVisible();
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await confirmWithTan(page, user.phone, 'Vorgang bestätigen', payment);
  await expect(page).toHaveURL(new RegExp(`^${relyingParty}/callback`));
  const confirmed = [
    { type: 'payment', amount: '1234.50', currency: 'EUR', creditor_iban: 'DE89370400440532013000', reference: 'RE-2026-17' },
  ];
  const result = await verified(page);
  expect(result.authorization_details).toEqual(confirmed);
  expect(result.claims.authorization_details).toEqual(confirmed);
});
