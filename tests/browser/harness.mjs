// The browser tests' shared set-up: a real `baton serve` on a fresh workspace on loopback,
// and Debian's Chromium driven by playwright-core (from web/node_modules), headless, with a
// fresh profile. Paths come from the environment CTest sets (tests/CMakeLists.txt):
//   BATON_BINARY       the built baton
//   BATON_WEB_DIR      web/ (for playwright-core)
//   BATON_CHROMIUM     the browser (default /usr/bin/chromium)
//   BATON_SCREENSHOTS  where screenshots go (default: none are kept)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const binary = process.env.BATON_BINARY ?? path.resolve(here, '../../build/src/app/baton');
const webDir = process.env.BATON_WEB_DIR ?? path.resolve(here, '../../web');
const chromiumPath = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const screenshots = process.env.BATON_SCREENSHOTS ?? '';

if (!existsSync(binary)) throw new Error(`baton binary not found at ${binary} (set BATON_BINARY)`);
if (!existsSync(chromiumPath)) {
  throw new Error(`Chromium not found at ${chromiumPath}: run scripts/deps.sh`);
}
const webRequire = createRequire(path.join(webDir, 'package.json'));
const { chromium } = webRequire('playwright-core');

export const password = 'correct horse battery staple';

// Runs baton synchronously; throws with its stderr when it fails.
export function baton(args, input) {
  const r = spawnSync(binary, args, { input, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    throw new Error(`baton ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

export class Server {
  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'baton-browser-'));
    this.ws = path.join(this.dir, 'ws');
    this.child = null;
    this.url = '';
    this.log = '';
  }

  // A workspace with the example people and playbooks, passwords for everyone used here,
  // and an admin API token for posting events.
  init(handles = ['ari', 'dana', 'lee']) {
    baton(['init', this.ws]);
    for (const handle of handles) this.run(['passwd', handle], password);
    this.token = JSON.parse(this.run(['--json', 'token', 'create', 'ari'])).token;
    return this;
  }

  run(args, input) {
    return baton(['--workspace', this.ws, ...args], input);
  }

  async start() {
    this.child = spawn(binary, ['--workspace', this.ws, 'serve', '--listen', '127.0.0.1:0'],
                       { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d) => (this.log += d));
    this.url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('baton serve did not start: ' + this.log)),
                               30_000);
      this.child.stdout.on('data', (d) => {
        out += d;
        const m = /Baton is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      this.child.on('exit', (code) => reject(new Error(`baton serve exited ${code}: ${this.log}`)));
    });
    return this;
  }

  // Posts one event (or a batch) to the API with the admin token.
  async emit(event) {
    const response = await fetch(this.url + '/v1/events', {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.token}`,
                 'Content-Type': Array.isArray(event)
                   ? 'application/cloudevents-batch+json' : 'application/json' },
      body: JSON.stringify(event),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`POST /v1/events: ${response.status} ${JSON.stringify(body)}`);
    return body;
  }

  // Calls the API with a token (the admin's by default); fails the test on a refusal.
  async api(method, pathname, body, token = this.token) {
    const response = await fetch(this.url + pathname, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${text}`);
    return JSON.parse(text);
  }

  // Stores a playbook started by events of `type` (owned by data.host, subject
  // data.company) with one second to accept on a 24x7 calendar: its handoffs are overdue
  // at once.
  async putQuickPlaybook(id, type, title = 'Quick reply') {
    const yaml = [
      `id: ${id}`, `title: ${title}`, `when: ${type}`, 'subject: "{{data.company}}"',
      'from: sales', 'owner: "{{data.host}}"', 'done: The client has an answer.',
      'accept_within: 1s', 'calendar: 24x7', '',
    ].join('\n');
    return this.api('PUT', `/v1/playbooks/${id}`, { yaml });
  }

  async stop() {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];

// A browser with a fresh profile (its own temporary --user-data-dir).
export async function browser(options = {}) {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'baton-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath, headless: true, args: chromiumArgs,
    viewport: { width: 1280, height: 900 }, ...options,
  });
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    rmSync(profile, { recursive: true, force: true });
  };
  return context;
}

// Records what must never happen on a page: a dialog (alert from injected markup), an
// uncaught error.
export function watch(page) {
  const seen = { dialogs: [], errors: [] };
  page.on('dialog', (d) => {
    seen.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => seen.errors.push(e.message));
  return seen;
}

export async function signIn(page, server, login) {
  // Each test signs in afresh, whatever an earlier one left behind in the shared profile.
  await page.context().clearCookies();
  await page.goto(server.url + '/signin');
  await page.getByLabel('Email or handle').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
}

export async function screenshot(page, name) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, name + '.png') });
}

// The kickoff-prep playbook of the example workspace owns by data.host: a handoff for
// exactly the person named.
export function booking(id, company, host) {
  return { specversion: '1.0', type: 'booking.created', id, source: 'browser-test',
           subject: company, datacontenttype: 'application/json',
           data: { company, host } };
}

export function writeFile(file, text) {
  writeFileSync(file, text);
}

// The accessibility rules axe-core finds broken on the page as it is now (WCAG 2.1 A and AA):
// an empty list when it is clean. The script is evaluated through the DevTools protocol,
// which the board's Content-Security-Policy (no inline script) does not apply to.
let axeSource = '';
export async function axeViolations(page) {
  axeSource ||= readFileSync(webRequire.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  return result.violations.map((v) =>
    `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
}
