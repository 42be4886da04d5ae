// Figure 4 of `./x bench`: what a supplier's browser downloads and how soon the page is usable,
// measured in Debian's chromium against a running release server with the demo seed.
//   node bench/first-load.mjs http://127.0.0.1:PORT /path/to/target/site/pkg
// Prints one JSON object: wasm + JS bytes on the wire and raw for the first load of /login and
// of /mfa after it, the whole app's files compressed, and Lighthouse's mobile figures (simulated
// slow 4G, 4× CPU) for /login and /mfa.
import { chromium } from '@playwright/test';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

const [base, pkg] = process.argv.slice(2);
// The same browser and flags as the Playwright suite.
const browserConfig = JSON.parse(readFileSync(new URL('../chromium.json', import.meta.url), 'utf8'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? browserConfig.path;
const FLAGS = ['--headless=new', ...browserConfig.args];
const member = { email: 'max.mitglied@muster-lieferant.example', password: 'Demo-Mitglied-Riegel-2026' };
let nextIp = 1;
const freshIp = () => `10.77.${(nextIp >> 8) & 255}.${nextIp++ & 255}`;

/** The wasm and JS a page fetches: bytes on the wire (encoded) and decoded. */
function watch(page) {
  const pending = [];
  const files = [];
  page.on('requestfinished', (req) => {
    if (!/\.(wasm|js)$/.test(new URL(req.url()).pathname)) return;
    pending.push(
      (async () => {
        const path = new URL(req.url()).pathname;
        const sizes = await req.sizes();
        // The decoded size is the file's in the build (a wasm body the browser streamed into
        // its compiler cannot always be read back).
        files.push({ path, wire: sizes.responseBodySize, raw: statSync(join(pkg, basename(path))).size });
      })(),
    );
  });
  return async () => {
    await Promise.all(pending);
    const taken = files.splice(0);
    return {
      wire: taken.reduce((s, f) => s + f.wire, 0),
      raw: taken.reduce((s, f) => s + f.raw, 0),
      files: taken.length,
    };
  };
}

async function transfers() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS.slice(1) });
  try {
    const context = await browser.newContext({ locale: 'de-DE', extraHTTPHeaders: { 'X-Forwarded-For': freshIp() } });
    const page = await context.newPage();
    const take = watch(page);
    await page.goto(`${base}/login`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.waitForLoadState('networkidle');
    const login = await take();
    await page.getByLabel('E-Mail-Adresse').fill(member.email);
    await page.getByLabel('Passwort').fill(member.password);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { name: 'Anmeldung bestätigen' }).waitFor();
    // The MFA page's islands (the resend countdown) are hydrated: their wasm is loaded.
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.waitForLoadState('networkidle');
    const mfa = await take();
    return { login, mfa };
  } finally {
    await browser.close();
  }
}

/** Every wasm and JS file of the build, as its brotli copy (what a browser is sent). */
function wholeApp() {
  const names = readdirSync(pkg).filter((n) => /\.(wasm|js)$/.test(n));
  const size = (n) => statSync(join(pkg, n)).size;
  return {
    files: names.length,
    raw: names.reduce((s, n) => s + size(n), 0),
    brotli: names.reduce((s, n) => s + size(`${n}.br`), 0),
  };
}

/** A session at the MFA challenge, as the login form's post leaves it. */
async function sessionAtChallenge(ip) {
  const res = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      origin: base,
      'x-forwarded-for': ip,
    },
    body: new URLSearchParams(member).toString(),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('riegel_session='));
  if (!cookie) throw new Error(`no session after the password (status ${res.status})`);
  return cookie.split(';')[0];
}

async function audit(path, headers) {
  const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: FLAGS });
  try {
    const result = await lighthouse(`${base}${path}`, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
      extraHeaders: headers,
    });
    const { categories: c, audits: a, runtimeError } = result.lhr;
    // A failed run says why, rather than scoring 0.
    if (runtimeError) throw new Error(`Lighthouse on ${path}: ${runtimeError.code} ${runtimeError.message}`);
    return {
      performance: Math.round(c.performance.score * 100),
      accessibility: Math.round(c.accessibility.score * 100),
      bestPractices: Math.round(c['best-practices'].score * 100),
      tbtMs: Math.round(a['total-blocking-time'].numericValue),
      lcpMs: Math.round(a['largest-contentful-paint'].numericValue),
      ttiMs: Math.round(a.interactive.numericValue),
    };
  } finally {
    chrome.kill();
  }
}

const { login, mfa } = await transfers();
const ip = freshIp();
const lighthouseLogin = await audit('/login', { 'X-Forwarded-For': freshIp() });
const lighthouseMfa = await audit('/mfa', { 'X-Forwarded-For': ip, Cookie: await sessionAtChallenge(ip) });
console.log(JSON.stringify({ login, mfa, app: wholeApp(), lighthouse: { login: lighthouseLogin, mfa: lighthouseMfa } }));
