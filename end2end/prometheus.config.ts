import { defineConfig } from '@playwright/test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// `./x screenshots` (second part): the picture of Prometheus' graph page in docs/operate.md.
// Not a test: the release server with its metrics address, an SMS gateway that is down for the
// first half of a login wave, and Debian's Prometheus scraping every second
// (prometheus/journey.spec.ts starts Prometheus and the gateway).
process.env.RIEGEL_E2E_DIR ??= mkdtempSync(join(tmpdir(), 'riegel-prometheus-'));
const root = resolve(__dirname, '..');
const chromium: { path: string; args: string[] } = JSON.parse(readFileSync(join(__dirname, 'chromium.json'), 'utf8'));
export const ports = { riegel: 3300, metrics: 3301, gateway: 3302, prometheus: 3303 };

export default defineConfig({
  testDir: './prometheus',
  timeout: 240_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    viewport: { width: 1280, height: 900 },
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? chromium.path, args: chromium.args },
  },
  webServer: {
    command: `${root}/target/release/server`,
    cwd: root,
    url: `http://127.0.0.1:${ports.riegel}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      RIEGEL_DATABASE: join(process.env.RIEGEL_E2E_DIR, 'riegel.sqlite'),
      RIEGEL_BIND: `127.0.0.1:${ports.riegel}`,
      RIEGEL_METRICS_BIND: `127.0.0.1:${ports.metrics}`,
      RIEGEL_DEV: 'true',
      RIEGEL_SEED_DEMO: 'true',
      RIEGEL_TRUSTED_PROXY: '127.0.0.1',
      // SMS to a gateway on a port nobody listens on until the spec starts one.
      RIEGEL_SMS_GATEWAY_URL: `http://127.0.0.1:${ports.gateway}`,
      RIEGEL_SMS_ACCOUNT: 'AC-demo',
      RIEGEL_SMS_TOKEN: 'demo-token',
      LEPTOS_SITE_ROOT: `${root}/target/site`,
      RUST_LOG: 'warn',
    },
  },
});
