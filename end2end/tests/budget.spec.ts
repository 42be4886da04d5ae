import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test, expect, demo, comeFromNewIp, open, enterPassword, settled, wireBytes } from './fixtures';

// What a supplier's phone downloads: the wasm and JavaScript of the login page's first load, of
// the MFA page reached from it, and of the whole app, as sent over the wire (compressed).
// A later change that makes the first load heavier fails here, not only in the benchmark. Runs
// in the hydrated project only (playwright.config.ts): a browser without JavaScript loads none.

const KiB = 1024;
// The goals (docs/performance.md, figure 4). Measured 5 Dec 2026 with islands: the login page
// loads no wasm or JavaScript file at all (its scripts are inline), the MFA page the islands'
// wasm and its module (about 80 KiB), the whole app is those two files.
const BUDGET = { login: 100 * KiB, mfa: 100 * KiB, app: 400 * KiB };

test('the login page and the MFA page stay within their download budgets', async ({ page }, info) => {
  const wire = wireBytes(page);
  await comeFromNewIp(page, info);
  await open(page, '/login');
  await page.waitForLoadState('networkidle');
  const login = await wire.total();
  const listing = () => [...wire.files].map(([p, f]) => `${p} ${f.bytes} B ${f.encoding}`).join('\n');
  for (const [path, f] of wire.files) expect(f.encoding, `${path} is sent compressed`).not.toBe('none');
  expect(login, `login page, first load:\n${listing()}`).toBeLessThanOrEqual(BUDGET.login);

  wire.reset();
  await enterPassword(page, demo.member.email, demo.member.password);
  await expect(page.getByRole('heading', { name: 'Anmeldung bestätigen' })).toBeVisible();
  await settled(page);
  await page.waitForLoadState('networkidle');
  const mfa = await wire.total();
  // The MFA page has islands (the resend countdown): its wasm is loaded, compressed.
  expect(wire.files.size, `the MFA page loads the islands' wasm:\n${listing()}`).toBeGreaterThanOrEqual(2);
  for (const [path, f] of wire.files) expect(f.encoding, `${path} is sent compressed`).not.toBe('none');
  expect(mfa, `MFA page after the login page:\n${listing()}`).toBeLessThanOrEqual(BUDGET.mfa);
});

test('the whole app, every page together, stays within its budget', async ({ page }) => {
  // Every wasm and JavaScript file the release build made, in the encoding a browser is sent.
  const pkg = resolve(__dirname, '..', '..', 'target', 'site', 'pkg');
  const names = readdirSync(pkg);
  const scripts = names.filter((n) => /\.(wasm|js)$/.test(n));
  expect(scripts.length, 'the wasm and its module').toBeGreaterThanOrEqual(2);
  let total = 0;
  for (const name of scripts) {
    expect(names, `${name} has a brotli copy`).toContain(`${name}.br`);
    total += statSync(join(pkg, `${name}.br`)).size;
  }
  expect(total, `${scripts.length} files`).toBeLessThanOrEqual(BUDGET.app);
  // And the server really sends that copy.
  const wasm = scripts.find((n) => n.endsWith('.wasm'))!;
  const res = await page.request.get(`/pkg/${wasm}`, { headers: { 'Accept-Encoding': 'br' } });
  expect(res.headers()['content-encoding']).toBe('br');
  expect(res.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(res.headers()['vary']).toMatch(/accept-encoding/i);
});
