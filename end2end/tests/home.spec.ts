import { test, expect, demo, logIn, comeFromNewIp, open, enterPassword } from './fixtures';

// Runs hydrated and with JavaScript off (see playwright.config.ts).

test('the start page says where the supplier stands, each item linking to where it changes', async ({ page }, info) => {
  // A wrong password first: the start page counts it among the failed attempts.
  await comeFromNewIp(page, info);
  await open(page, '/login');
  await enterPassword(page, demo.admin.email, 'not-the-password');
  await expect(page.getByText('E-Mail-Adresse oder Passwort ist nicht korrekt')).toBeVisible();
  await logIn(page, demo.admin);
  await expect(page.getByRole('heading', { name: `Willkommen, ${demo.admin.name}` })).toBeVisible();

  const last = page.getByRole('region', { name: 'Letzte Anmeldung' });
  await expect(last.getByTestId('failed-since')).toContainText(/Fehlgeschlagene Anmeldeversuche seitdem: [1-9]\d*\./);
  await expect(last.getByRole('link', { name: 'Alle Sicherheitsereignisse' })).toHaveAttribute('href', '/activity');

  const methods = page.getByRole('region', { name: 'Ihre Anmeldeverfahren' });
  await expect(methods.getByText('SMS an +49 ••••••••• 01')).toBeVisible();
  await expect(methods.getByText(/E-Mail an a•••@muster-lieferant\.example/)).toBeVisible();
  await expect(methods.getByRole('link', { name: 'Verfahren hinzufügen oder ändern' })).toHaveAttribute('href', '/settings');

  const tan = page.getByRole('region', { name: 'TAN-System' });
  await expect(tan.getByText(/^Aktiv/)).toBeVisible();
  await expect(tan.getByRole('link', { name: 'TAN-Regeln und -Modi' })).toHaveAttribute('href', '/settings');

  // The demo seed's payout account and newest invoices.
  const payout = page.getByRole('region', { name: 'Auszahlungskonto' });
  await expect(payout.getByText(/DE\d\d •••• \d{4}/)).toBeVisible();
  await expect(payout.getByRole('link', { name: 'Auszahlungskonto ändern' })).toHaveAttribute('href', '/bank');
  const invoices = page.getByRole('region', { name: 'Neueste Rechnungen' });
  await expect(invoices.getByRole('listitem')).toHaveCount(3);
  await expect(invoices.getByRole('link', { name: 'Zur Rechnungsliste' })).toHaveAttribute('href', '/invoices');

  // The demo accounts have no recovery codes yet: the page asks for new ones.
  await expect(page.getByRole('link', { name: 'Neue Wiederherstellungscodes erzeugen' })).toBeVisible();

  // Logged in again from the same place (the password is enough there): the login before,
  // with its code, is now "the last login", and no attempt failed since.
  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page).toHaveURL(/\/login/);
  await open(page, '/login');
  await enterPassword(page, demo.admin.email, demo.admin.password);
  await expect(page.getByRole('heading', { name: `Willkommen, ${demo.admin.name}` })).toBeVisible();
  await expect(last.getByText(/Code per (SMS|E-Mail)/)).toBeVisible();
  await expect(last.getByTestId('failed-since')).toContainText('Fehlgeschlagene Anmeldeversuche seitdem: 0.');
});

test('the seeded invoices fill the invoice list', async ({ page }) => {
  await logIn(page, demo.member);
  await page.getByRole('link', { name: 'Rechnungen', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Rechnungen', exact: true })).toBeVisible();
  await expect(page.getByText('RE-2026-0112')).toBeVisible();
});
