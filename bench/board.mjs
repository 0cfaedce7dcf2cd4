#!/usr/bin/env node
// The board's first draw with 10,000 open handoffs, in headless Chromium, against the real
// `baton serve` on loopback — and, in the same run, the baselines that say what the number
// means: the same app with an empty board, and a static page of the same cards.
//
//   node bench/board.mjs [--binary build/src/app/baton] [--handoffs 10000] [--runs 5]
//                        [--seeder build/bench/baton_seed_handoffs]
//
// Seeds a fresh workspace (`baton init`) with baton_seed_handoffs, mix "open": every handoff
// open (60% waiting, 40% accepted), six owners, the three example playbooks, written through
// the real Store before the server starts. Signs in as dana, then loads the board `runs`
// times and reads the marks the board sets itself:
//   board-fetched   every column's pages have arrived
//   board-drawn     the first cards of each column are on screen (after a frame)
//   board-complete  every card is in the page
// A benchmark measures; it fails only when it cannot run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const options = { binary: path.join(root, 'build/src/app/baton'), handoffs: 10000, runs: 5,
                  chromium: '/usr/bin/chromium',
                  seeder: path.join(root, 'build/bench/baton_seed_handoffs') };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  if (!(key in options)) throw new Error(`unknown option ${process.argv[i]}`);
  options[key] = typeof options[key] === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
const { chromium } = createRequire(path.join(root, 'web/package.json'))('playwright-core');
const password = 'bench password';
const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-board-'));
const ws = path.join(dir, 'ws');

function baton(args, input) {
  const r = spawnSync(options.binary, args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`baton ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`.padStart(9);

let server;
let context;
try {
  baton(['init', ws]);
  baton(['--workspace', ws, 'passwd', 'dana'], password);
  const seedStart = performance.now();
  const seeded = spawnSync(options.seeder, [path.join(ws, 'baton.db'), String(options.handoffs),
                                            'open'], { encoding: 'utf8' });
  if (seeded.status !== 0) throw new Error(`seeding: ${seeded.stderr}`);
  const seedMs = performance.now() - seedStart;
  const token = JSON.parse(baton(['--workspace', ws, '--json', 'token', 'create', 'ari'])).token;
  server = spawn(options.binary, ['--workspace', ws, 'serve', '--listen', '127.0.0.1:0',
                                  '--quiet', '--rate-limit', '0'],
                 { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /Baton is listening on (http:\/\/[0-9.:]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`baton serve exited ${code}`)));
  });

  // The API alone: every open handoff, as the board asks for them (the card view, 5,000 a
  // page; its three columns at once, each column's pages one after another).
  const cookieJar = await fetch(url + '/v1/session', { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: 'dana', password }) });
  const cookie = (cookieJar.headers.get('set-cookie') ?? '').split(';')[0];
  const apiRuns = [];
  const column = async (params) => {
    let cursor = null;
    let n = 0;
    do {
      const q = new URLSearchParams({ ...params, view: 'card', limit: '5000' });
      if (cursor) q.set('cursor', cursor);
      const page = await (await fetch(`${url}/v1/handoffs?${q}`, { headers: { cookie } })).json();
      n += page.items.length;
      cursor = page.next_cursor;
    } while (cursor);
    return n;
  };
  for (let run = 0; run < options.runs; run++) {
    const t = performance.now();
    const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString();
    const [waiting, accepted] = await Promise.all([
      column({ state: 'waiting' }), column({ state: 'accepted' }),
      column({ state: 'done', closed_since: since })]);
    if (waiting + accepted !== options.handoffs) {
      throw new Error(`the API listed ${waiting + accepted} open handoffs`);
    }
    apiRuns.push(performance.now() - t);
  }

  const profile = path.join(dir, 'profile');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: options.chromium, headless: true, viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await context.newPage();
  await page.goto(url + '/signin');
  await page.getByLabel('Email or handle').fill('dana');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/');

  const marks = () => page.evaluate(() => Object.fromEntries(
    ['board-fetched', 'board-drawn', 'board-complete'].map((n) =>
      [n, performance.getEntriesByName(n)[0]?.startTime ?? null])));
  // Each load starts from a blank page, as when the board is opened: navigating straight from
  // one board of 10,000 cards to the next also timed tearing down the old one (about 0.7 s
  // before the new page's first byte, on a loaded machine).
  async function load(target, until) {
    await page.goto('about:blank');
    await page.goto(url + target);
    await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, until,
                               { timeout: 120_000 });
    return marks();
  }

  const full = [];
  for (let run = 0; run < options.runs; run++) full.push(await load('/', 'board-complete'));
  // Where the last load's time went: each list request's wait for the server (request sent
  // to first byte) and download (first byte to last), from the browser's resource timing.
  const waterfall = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => e.name.includes('/v1/') || e.name.includes('/assets/'))
    .map((e) => ({ path: (new URL(e.name).pathname + new URL(e.name).search).replace(/cursor=[^&]*/, 'cursor=…'),
                   start: e.startTime, sent: e.requestStart, first: e.responseStart,
                   end: e.responseEnd, bytes: e.encodedBodySize })));
  const cards = await page.locator('.card').count();
  if (cards !== options.handoffs) throw new Error(`the board shows ${cards} cards`);
  // The same cards as a static page: the board's DOM, without the app or the API.
  const html = await page.evaluate(() => '<!doctype html>' + document.documentElement.outerHTML
    .replace(/<script[^>]*><\/script>/g, ''));
  const empty = [];
  for (let run = 0; run < options.runs; run++) {
    empty.push(await load('/?q=' + encodeURIComponent('no such subject'), 'board-drawn'));
  }
  const staticPage = [];
  await page.route(url + '/static-board', (r) => r.fulfill({ contentType: 'text/html', body: html }));
  for (let run = 0; run < options.runs; run++) {
    await page.goto(url + '/static-board', { waitUntil: 'load' });
    staticPage.push(await page.evaluate(() => new Promise((resolve) =>
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0)))));
  }

  const fetched = median(full.map((m) => m['board-fetched']));
  const drawn = median(full.map((m) => m['board-drawn']));
  const complete = median(full.map((m) => m['board-complete']));
  const emptyDrawn = median(empty.map((m) => m['board-drawn']));
  const staticMs = median(staticPage);
  const api = median(apiRuns);
  console.log(`board: ${options.handoffs} open handoffs, headless Chromium, median of ` +
              `${options.runs} loads (times from navigation start)`);
  console.log(`  seeded in ${Math.round(seedMs)} ms (baton_seed_handoffs, mix open)`);
  console.log(`  API alone: all ${options.handoffs}, cards, 5000 a page ${ms(api)}`);
  console.log(`  board fetched (every page in)         ${ms(fetched)}`);
  console.log(`  board drawn (first screen, target 1 s) ${ms(drawn)}`);
  console.log(`  board complete (all ${cards} cards)    ${ms(complete)}`);
  console.log(`  baseline: empty board, same app       ${ms(emptyDrawn)}`);
  console.log(`  baseline: static page of the same cards ${ms(staticMs)}  ` +
              `(${Math.round(html.length / 1024)} KiB of HTML)`);
  console.log(`  ratios: drawn / empty board ${(drawn / emptyDrawn).toFixed(1)}x, ` +
              `complete / static page ${(complete / staticMs).toFixed(1)}x, ` +
              `fetched / API alone ${(fetched / api).toFixed(1)}x`);
  console.log('  the last load\'s requests (ms from navigation start: queued, sent, ' +
              'first byte, last byte; KiB):');
  for (const w of waterfall) {
    console.log(`    ${[w.start, w.sent, w.first, w.end].map((x) => String(Math.round(x))
      .padStart(6)).join('')} ${String(Math.round(w.bytes / 1024)).padStart(6)}  ${w.path}`);
  }
} finally {
  await context?.close();
  if (server && server.exitCode === null) server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
