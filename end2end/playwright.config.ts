import { defineConfig } from '@playwright/test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Every run gets a fresh database; `./x test` passes one in, a bare `npx playwright test` makes one.
process.env.RIEGEL_E2E_DIR ??= mkdtempSync(join(tmpdir(), 'riegel-e2e-'));
const port = Number(process.env.RIEGEL_E2E_PORT ?? 3100);
const root = resolve(__dirname, '..');
const chromium: { path: string; args: string[] } = JSON.parse(readFileSync(join(__dirname, 'chromium.json'), 'utf8'));

const database = process.env.RIEGEL_E2E_DATABASE ?? join(process.env.RIEGEL_E2E_DIR, 'riegel.sqlite');

// A real Web Push service (npm's web-push-testing): it hands out subscriptions, receives what
// Riegel sends, checks the VAPID signature and decrypts it (webpush.spec.ts). Its port is the
// server's plus 50 (fixtures.ts: pushService).
const pushPort = port + 50;
const pushService = {
  command: `node node_modules/web-push-testing/src/bin/server.js ${pushPort}`,
  port: pushPort,
  reuseExistingServer: false,
  timeout: 30_000,
  stdout: 'ignore' as const,
  stderr: 'pipe' as const,
};

// The real release binary, as `cargo leptos build --release` left it.
const riegel = {
  command: `${root}/target/release/server`,
  cwd: root,
  url: `http://127.0.0.1:${port}/healthz`,
  reuseExistingServer: false,
  timeout: 60_000,
  stdout: 'ignore' as const,
  stderr: 'pipe' as const,
  env: {
    // A PostgreSQL URL for the run against PostgreSQL (`./x test` sets it), else a new SQLite file.
    RIEGEL_DATABASE: database,
    RIEGEL_BIND: `127.0.0.1:${port}`,
    RIEGEL_DEV: 'true',
    RIEGEL_SEED_DEMO: 'true',
    // Tests choose their client IP with X-Forwarded-For (see fixtures.ts), as a proxy would.
    RIEGEL_TRUSTED_PROXY: '127.0.0.1',
    LEPTOS_SITE_ROOT: `${root}/target/site`,
    // Web Push goes to the test push service only (the default allows the browsers' own).
    RIEGEL_PUSH_SERVICES: `http://localhost:${pushPort}`,
    RUST_LOG: 'warn',
  },
};

// Passkeys (passkeys.spec.ts) need a domain name: WebAuthn knows no IP address as relying
// party. A second server, with its own database (a PostgreSQL URL in `./x test`'s run against
// PostgreSQL, else a new SQLite file), is reached as http://localhost:PORT+2, which chromium maps
// to 127.0.0.1 (so the trusted proxy still holds), and says so as its public origin.
const passkeyPort = port + 2;
const passkeyRiegel = {
  ...riegel,
  url: `http://127.0.0.1:${passkeyPort}/healthz`,
  env: {
    ...riegel.env,
    RIEGEL_DATABASE: process.env.RIEGEL_E2E_PASSKEY_DATABASE ?? join(process.env.RIEGEL_E2E_DIR, 'passkeys.sqlite'),
    RIEGEL_BIND: `127.0.0.1:${passkeyPort}`,
    RIEGEL_PUBLIC_ORIGIN: `http://localhost:${passkeyPort}`,
  },
};

// Another application that logs its users in through Riegel (OpenID Connect, oidc.spec.ts).
// It registers itself on its first request, with the server binary's `client add`.
// Its port is the server's plus 100 (fixtures.ts: relyingParty).
const rpPort = port + 100;
const relyingParty = {
  command: 'node rp/relying-party.mjs',
  url: `http://127.0.0.1:${rpPort}/healthz`,
  reuseExistingServer: false,
  timeout: 30_000,
  stdout: 'ignore' as const,
  stderr: 'pipe' as const,
  env: {
    RP_PORT: String(rpPort),
    RP_ISSUER: `http://127.0.0.1:${port}`,
    RIEGEL_SERVER_BIN: `${root}/target/release/server`,
    RIEGEL_ROOT: root,
    RIEGEL_DATABASE: database,
    RIEGEL_DEV: 'true',
    RUST_LOG: 'warn',
  },
};

// The same application in front of the passkeys server (passkeys.spec.ts: a step-up to a
// phishing-resistant login), reached by its domain name as that server's issuer.
const passkeyRelyingParty = {
  ...relyingParty,
  url: `http://127.0.0.1:${rpPort + 2}/healthz`,
  env: {
    ...relyingParty.env,
    RP_PORT: String(rpPort + 2),
    RP_ISSUER: `http://localhost:${passkeyPort}`,
    RIEGEL_DATABASE: passkeyRiegel.env.RIEGEL_DATABASE,
  },
};

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // One worker: the journeys share the demo accounts' phones, and two logins of one account
  // in parallel would each read the other's code from the development outbox.
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'de-DE',
    launchOptions: {
      // Debian's chromium; Playwright's own browser download cannot work on a closed network.
      // chromium.json is shared with the benchmark's browser run (bench/first-load.mjs).
      executablePath: process.env.CHROMIUM_PATH ?? chromium.path,
      args: chromium.args,
    },
  },
  projects: [
    { name: 'hydrated', use: { javaScriptEnabled: true }, testIgnore: /passkeys\.spec\.ts/ },
    {
      name: 'passkeys',
      testMatch: /passkeys\.spec\.ts/,
      use: {
        javaScriptEnabled: true,
        baseURL: `http://localhost:${passkeyPort}`,
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? chromium.path,
          args: [...chromium.args, '--host-resolver-rules=MAP localhost 127.0.0.1'],
        },
      },
    },
    { name: 'no-js', use: { javaScriptEnabled: false }, testMatch: /(login|mfa|accounts|push|home|layout|oidc)\.spec\.ts/ },
  ],
  webServer: [pushService, riegel, passkeyRiegel, relyingParty, passkeyRelyingParty],
});
