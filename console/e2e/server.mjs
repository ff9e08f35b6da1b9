// A real `patron serve` on a temporary SQLite database with demo data, a real SMTP server
// process (tests/smtp/sink.py), staff users with passwords, and Debian's chromium under
// playwright-core with every request outside 127.0.0.1 blocked and recorded (`startStack`); or
// just the server on an empty database with an admin token (`startServer`).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const binary = process.env.PATRON_BIN ?? join(root, 'target/debug/patron');
export const PASSWORD = 'demo password 1';
/** The server's default brand zone (PATRON_BRAND_TIME_ZONE): purchases' and tasks' days are its days. */
export const BRAND_ZONE = 'Asia/Shanghai';
/** A phone's page (390×844, touch), its clock in the brand's zone. */
export const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, timezoneId: BRAND_ZONE };

/** `days` before today in the brand's zone, as YYYY-MM-DD. */
export function brandDay(days) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: BRAND_ZONE }).format(new Date());
  const [y, m, d] = today.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10);
}

/** Starts a process and resolves with the first stdout line matching `pattern`. */
function startUntil(command, args, env, pattern) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolvePromise, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = line.match(pattern);
      if (match) resolvePromise({ child, match });
    });
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

/** A port nothing listens on now (the server binds it a moment later). */
function freePort() {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePromise(port));
    });
  });
}

async function waitForHttp(url) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

/**
 * A real `patron serve` alone on a fresh SQLite database in `dir` (a new temporary folder unless
 * given), with an admin token. `setup(patron)` runs `patron` commands before the server starts;
 * `env` adds settings (`patron(args, input, env)` more, for that command alone). `stop()` ends
 * the server, removes the folder if it made it, and returns the server's stderr.
 */
export async function startServer({ dir, env: extra = {}, setup } = {}) {
  const ownDir = !dir;
  dir ??= mkdtempSync(join(tmpdir(), 'patron-e2e-'));
  const port = await freePort();
  const env = {
    DATABASE_URL: `sqlite://${dir}/patron.db?mode=rwc`,
    PATRON_DATA_DIR: dir,
    PATRON_TOKEN_SECRET: 'e2e-secret-that-is-long-enough-for-hs256-000000',
    PATRON_LISTEN: `127.0.0.1:${port}`,
    PATRON_SCHEDULER: 'false',
    RUST_LOG: 'warn',
    ...extra,
  };
  const patron = (args, input, more = {}) =>
    execFileSync(binary, args, { env: { ...process.env, ...env, ...more }, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  setup?.(patron);
  const admin = patron(['token', 'create', '--role', 'admin']).trim();
  const server = spawn(binary, ['serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let serverLog = '';
  server.stderr.on('data', (chunk) => (serverLog += chunk));
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`);

  async function stop() {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    return serverLog;
  }

  return { base, admin, patron, stop };
}

/**
 * `startServer` with demo data, staff users and an SMTP sink, plus a browser; `patron` runs
 * `patron` commands against its database (a password for a staff user made through the API).
 * `env` adds settings (e.g. `PATRON_SURVEYS__DAYS_AFTER`).
 */
export async function startStack({ env: extra = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'patron-e2e-'));
  const mail = join(dir, 'mail');
  execFileSync('mkdir', ['-p', mail]);
  const sink = await startUntil('python3', [join(root, 'tests/smtp/sink.py'), '--dir', mail, '--port', '0'], {}, /^PORT (\d+)/);
  const server = await startServer({
    dir,
    // No quiet hours, so a campaign's emails go whatever time the tests run.
    env: {
      SMTP_URL: `smtp://127.0.0.1:${sink.match[1]}`,
      PATRON_OUTREACH__QUIET_START_HOUR: '0',
      PATRON_OUTREACH__QUIET_END_HOUR: '0',
      ...extra,
    },
    setup: (patron) => {
      patron(['demo', '--members', '400', '--seed', '7']);
      const today = new Date();
      const day = (offset) => new Date(today.getTime() - offset * 86400000).toISOString().slice(0, 10);
      for (const asOf of [day(61), day(31), day(1)]) patron(['recompute', '--as-of', asOf]);
      patron(['staff', 'create', 'mei', '--role', 'marketer', '--name', 'Mei Chen', '--email', 'mei@brand.example'], `${PASSWORD}\n`);
      patron(['staff', 'create', 'wang', '--role', 'associate', '--store', 'SH01', '--name', '王店员'], `${PASSWORD}\n`);
      patron(['staff', 'create', 'lin', '--role', 'admin', '--name', 'Lin Admin'], `${PASSWORD}\n`);
    },
  });
  const { base, admin, patron } = server;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const blocked = [];
  const problems = [];

  // E2E_CONSOLE_DIST=dist: the console's files come from that folder instead of the ones compiled
  // into the binary (with the binary's headers), to try a fresh `npm run build` before the binary
  // is rebuilt. CI leaves it unset and tests what the binary serves.
  const distDir = process.env.E2E_CONSOLE_DIST ? resolve(process.env.E2E_CONSOLE_DIST) : null;
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };
  const fromDisk = distDir && (async (route, url) => {
    const path = url.pathname.slice('/console/'.length) || 'index.html';
    const original = await route.fetch({ url: `${base}/console/` });
    const headers = { 'content-security-policy': original.headers()['content-security-policy'] ?? '' };
    try {
      const body = readFileSync(join(distDir, path));
      return { status: 200, body, headers, contentType: types[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream' };
    } catch {
      return { status: 404, body: 'not found', headers };
    }
  });

  /**
   * A fresh browser context (its own sessionStorage) that only reaches 127.0.0.1. `routed: false`
   * leaves its requests alone (Playwright's routing keeps the browser from asking for a page's
   * icon): the caller then watches them itself.
   */
  async function newPage(options = {}, { routed = true } = {}) {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 }, ...options });
    if (routed) await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (fromDisk && url.hostname === '127.0.0.1' && url.pathname.startsWith('/console/')) {
        // A request still in flight (the page's icon) when a test closes its context: nothing
        // to answer any more.
        try {
          return await route.fulfill(await fromDisk(route, url));
        } catch (e) {
          if (/disposed|closed/i.test(String(e?.message))) return;
          throw e;
        }
      }
      if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'about:') return route.continue();
      blocked.push(url.href);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/401|Unauthorized/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    return page;
  }

  async function graphql(query, variables = {}, token = admin) {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  }

  /** The messages the SMTP server accepted, parsed just enough to read. */
  function mails() {
    return readdirSync(mail)
      .filter((name) => name.endsWith('.eml'))
      .sort()
      .map((name) => ({
        envelope: JSON.parse(readFileSync(join(mail, name.replace('.eml', '.json')), 'utf8')),
        raw: readFileSync(join(mail, name), 'utf8'),
      }));
  }

  async function stop() {
    await browser.close();
    sink.child.kill('SIGTERM');
    const serverLog = await server.stop();
    rmSync(dir, { recursive: true, force: true });
    return serverLog;
  }

  return { base, admin, patron, newPage, graphql, mails, blocked, problems, stop };
}

/** Signs in through the form. */
export async function signIn(page, base, username) {
  await page.goto(`${base}/console/`);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('form button[type=submit]').click();
}
