import { test, expect, request } from '@playwright/test';
import { spawn, ChildProcess } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ports } from '../prometheus.config';
import { demo } from '../tests/fixtures';

// A login wave against the release server while its SMS gateway is down, then the gateway
// comes back: Prometheus' graph page shows the logins per minute by outcome, and the SMS
// outbox filling up and draining. Writes docs/screenshots/prometheus-journey.png.
const shot = resolve(__dirname, '..', '..', 'docs', 'screenshots', 'prometheus-journey.png');
const prometheusUrl = `http://127.0.0.1:${ports.prometheus}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An instant query's one value; undefined while Prometheus starts or has no sample. */
async function query(q: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    const value = (await res.json())?.data?.result?.[0]?.value?.[1];
    return value === undefined ? undefined : Number(value);
  } catch {
    return undefined;
  }
}

/** A gateway with Twilio's Messages API that accepts every SMS. */
function gateway(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ sid: 'SM' + Math.random().toString(16).slice(2), status: 'queued' }));
    });
  });
  return new Promise((ok) => server.listen(ports.gateway, '127.0.0.1', () => ok(server)));
}

test('Prometheus graph of a login wave and the SMS outbox', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'riegel-prometheus-data-'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: riegel\n    static_configs:\n      - targets: ['127.0.0.1:${ports.metrics}']\n`,
  );
  const prometheus: ChildProcess = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  let sms: Server | undefined;
  try {
    await expect.poll(() => query('up{job="riegel"}'), { timeout: 30_000 }).toBe(1);
    await sleep(10_000);
    // The wave: two demo accounts from a new address each time, one login every 700 ms, until
    // each has had its twenty codes and the quota locks it; the SMS wait for the gateway.
    const api = await request.newContext({ baseURL: `http://127.0.0.1:${ports.riegel}` });
    const people = [demo.admin, demo.member];
    for (let n = 0; n < 48; n++) {
      const who = people[n % 2];
      await api.post('/api/login', {
        form: { email: who.email, password: who.password },
        headers: { 'X-Forwarded-For': `10.50.${Math.floor(n / 200)}.${(n % 200) + 1}`, Accept: 'application/json', Origin: `http://127.0.0.1:${ports.riegel}` },
        maxRedirects: 0,
      });
      await sleep(700);
    }
    await sleep(5_000);
    // The gateway comes back: the backlog drains at the messages' next attempts.
    sms = await gateway();
    await expect.poll(() => query('sum(riegel_outbox_waiting)'), { timeout: 120_000, intervals: [1_000] }).toBe(0);
    await sleep(10_000);

    const panels = [
      'sum by (outcome) (rate(riegel_logins_total[15s])) * 60',
      'riegel_outbox_waiting',
    ];
    const params = panels
      .map((expr, i) => `g${i}.expr=${encodeURIComponent(expr)}&g${i}.tab=0&g${i}.range_input=3m&g${i}.stacked=0`)
      .join('&');
    await page.goto(`${prometheusUrl}/graph?${params}`);
    // Debian's Prometheus serves its classic UI: each panel says how many series it drew.
    await expect(page.getByText(/Total time series: [1-9]/)).toHaveCount(panels.length, { timeout: 20_000 });
    await sleep(2_000);
    await page.screenshot({ path: shot, fullPage: true });
  } finally {
    prometheus.kill();
    sms?.close();
  }
});
