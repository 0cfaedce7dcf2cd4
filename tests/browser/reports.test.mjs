// The reports page against the real server, as an owner reads it: the headline numbers and
// their sentence, the leak report per relay edge by name, the trend per week, quiet rows
// folded, the CSV links, the empty state of an empty workspace, and axe-core clean at desktop
// and phone widths.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Server, axeViolations, booking, browser, screenshot, signIn, watch,
} from './harness.mjs';

let server;
let bare;
let context;

before(async () => {
  server = new Server().init();
  // Kickoff prep (from office, owned by the host): four done at once, one declined.
  const hosts = ['dana', 'lee', 'dana', 'ada', 'lee'];
  hosts.forEach((host, i) => server.run(['emit', 'booking.created', '--id', `r-${i + 1}`,
    '--source', 'seed', '--data', JSON.stringify({ company: `Report Co ${i + 1}`, host })]));
  const ids = JSON.parse(server.run(['--json', 'list'])).map((h) => h.id ?? h);
  for (const id of ids.slice(0, 4)) {
    const owner = JSON.parse(server.run(['--json', 'show', String(id)])).owner;
    server.run(['--as', owner, 'accept', String(id)]);
    for (let n = 1; n <= 3; n++) server.run(['--as', owner, 'check', String(id), String(n)]);
    server.run(['--as', owner, 'done', String(id)]);
  }
  server.run(['--as', 'lee', 'decline', String(ids[4]), '--reason', 'not mine']);
  await server.start();
  // A playbook on a 24x7 calendar with one second to accept, from sales: its handoff to Dana
  // waits past its accept time at once, and that silence is the leak of the edge sales → dana.
  await server.putQuickPlaybook('quick-reply', 'quick.created');
  await server.emit({ ...booking('quick-1', 'Late Reply Ltd', 'dana'), type: 'quick.created' });
  // Every test reads it past its one second: wait until the API lists it as overdue.
  for (;;) {
    const r = await fetch(server.url + '/v1/handoffs?state=waiting&overdue=true',
                          { headers: { Authorization: `Bearer ${server.token}` } });
    if ((await r.json()).items.length === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  bare = await new Server().init().start();
  context = await browser();
});

after(async () => {
  await context?.close();
  await server?.stop();
  await bare?.stop();
});

// The text of each cell of a table's rows (the row header first).
async function rowsOf(table) {
  return table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
}

async function waitForCharts(page) {
  await page.waitForFunction(() => {
    const canvases = [...document.querySelectorAll('canvas')];
    return canvases.length >= 3 && canvases.every((c) => c.width > 0 && c.height > 0);
  });
}

test('the headline comes first: open, waiting past accept time, medians in words, declines',
  async () => {
    const page = await context.newPage();
    const seen = watch(page);
    await signIn(page, server, 'ari');
    await page.goto(server.url + '/reports');
    const headline = page.locator('section.headline');
    await headline.waitFor();
    // The headline is the first thing in the reports, before any chart.
    assert.equal(await page.locator('.reports > section').first().getAttribute('class'),
                 'headline');
    const stats = await headline.locator('.stat').evaluateAll((els) => els.map((el) =>
      [el.querySelector('dt').textContent, el.querySelector('dd').textContent]));
    // The seed ran in seconds: its times are "under a minute" (or a few minutes on a slow
    // machine), in words, never "0 h".
    const short = /^(under a minute|\d+ min)$/;
    assert.match(stats[3][1], short);
    assert.match(stats[4][1], short);
    assert.deepEqual(stats.map(([label, value], i) => [label, i === 3 || i === 4 ? '' : value]), [
      ['Started', '6'], ['Open', '1'], ['Waiting past accept time', '1'],
      ['Median time to accept', ''], ['Median time to done', ''], ['Declined', '1']]);
    const summary = await headline.locator('.summary').innerText();
    assert.match(summary, new RegExp('^6 handoffs started in the last 30 days; 1 is still ' +
                                     'open, and 1 is waiting past accept time\\.'));
    assert.match(summary, /1 handoff was declined/);
    assert.match(summary, /The longest silent wait is from Sales to Dana Reyes: /);
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /p50|p90/, 'no percentile jargon');
    assert.doesNotMatch(text, /\b0 h\b/, 'no zero hours');
    assert.deepEqual(seen.errors, []);
    await page.close();
  });

test('the leak report lists each relay edge by name, the longest wait first, quiet ones folded',
  async () => {
    const page = await context.newPage();
    const seen = watch(page);
    await signIn(page, server, 'ari');
    await page.goto(server.url + '/reports');
    const leak = page.locator('[data-report="leak"]');
    await leak.getByRole('heading', { name: 'Where handoffs wait' }).waitFor();
    const table = leak.getByRole('table', { name: 'Where handoffs wait, per step of the relay' });
    const rows = await rowsOf(table);
    // From, To, Handoffs, Silent delay, Median to accept, 90% within, Declined, Overdue now.
    assert.deepEqual(rows[0].slice(0, 3), ['Sales', 'Dana Reyes', '1']);
    assert.notEqual(rows[0][3], 'none', 'the overdue handoff has silent delay');
    assert.equal(rows[0][7], '1', 'and is overdue now');
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[6]]), [['Office', 'Lee Chen', '1']]);
    // The edges where nothing waited (office → dana and office → ada: all done in time)
    // are behind a disclosure, closed.
    const fold = leak.locator('details.quiet-rows');
    assert.match(await fold.locator('summary').innerText(), /^Show 2 quiet steps/);
    assert.equal(await fold.getAttribute('open'), null);
    const quiet = fold.getByRole('table');
    assert.equal(await quiet.isVisible(), false);
    await fold.locator('summary').click();
    assert.deepEqual((await rowsOf(quiet)).map((r) => [r[0], r[1], r[2], r[3], r[6]]),
                     [['Office', 'Ada Brennan', '1', 'none', '0'],
                      ['Office', 'Dana Reyes', '2', 'none', '0']]);
    // The chart of silent delay drew something: its canvas has non-blank pixels.
    await waitForCharts(page);
    const inked = await leak.locator('canvas').evaluate((c) => {
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    assert.ok(inked > 100, `the leak chart drew ${inked} pixels`);
    assert.match(await leak.locator('canvas').getAttribute('aria-label'), /table below/);
    // Who declines: Lee, by name; owners with nothing open, declined or late are folded.
    const owners = page.locator('[data-report="owners"]');
    const byOwner = await rowsOf(owners.getByRole('table').first());
    assert.deepEqual(byOwner.map((r) => [r[0], r[3]]), [['Dana Reyes', '0'], ['Lee Chen', '1']]);
    assert.match(await owners.locator('details summary').innerText(), /^Show 1 quiet owner/);
    assert.deepEqual(seen.errors, []);
    await page.close();
  });

test('the trend is week by week with quiet weeks folded, or day by day for a week', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'ari');
  await page.goto(server.url + '/reports');
  const trend = page.locator('[data-report="trend"]');
  await trend.getByRole('heading', { name: 'Week by week' }).waitFor();
  const rows = await rowsOf(trend.getByRole('table').first());
  assert.equal(rows.length, 1, 'one week had handoffs');
  assert.deepEqual(rows[0].slice(1), ['6', '4', '1', '1']);
  const weeks = Number(/Show (\d+) quiet weeks?/.exec(
    await trend.locator('details summary').innerText())?.[1]);
  assert.ok(weeks >= 3, `the other weeks of 30 days are folded (${weeks})`);
  // A week's period shows days, each day a bar.
  await page.getByLabel('Period').selectOption('7d');
  await page.waitForURL(/since=7d/);
  await trend.getByRole('heading', { name: 'Day by day' }).waitFor();
  await page.getByRole('heading', { name: 'In the last 7 days' }).waitFor();
  assert.equal((await rowsOf(trend.getByRole('table').first())).length, 1);
  await page.close();
});

test('each section has its CSV, which downloads the same numbers', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'ari');
  await page.goto(server.url + '/reports');
  await page.locator('[data-report="owners"]').waitFor();
  const links = await page.locator('a', { hasText: 'Download CSV' }).evaluateAll(
    (as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links.map((href) => new URL(href, 'http://x').searchParams.get('by')),
                   ['edge', null, 'playbook', 'owner']);
  const answers = await page.evaluate(async (hrefs) => Promise.all(hrefs.map(async (href) => {
    const r = await fetch(href);
    return { status: r.status, type: r.headers.get('Content-Type'), text: await r.text() };
  })), links);
  for (const a of answers) {
    assert.equal(a.status, 200);
    assert.match(a.type, /text\/csv/);
  }
  assert.match(answers[0].text, /sales → dana/);
  assert.match(answers[2].text, /kickoff-prep/);
  await page.close();
});

test('the reports page passes axe-core at desktop and phone widths, folds open', async () => {
  for (const [name, viewport] of [['reports', { width: 1280, height: 800 }],
                                  ['reports-390', { width: 390, height: 844 }]]) {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    // Charts drawn at once, without animation: the screenshot shows them whole.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await signIn(page, server, 'ari');
    await page.goto(server.url + '/reports');
    await waitForCharts(page);
    await screenshot(page, name);
    assert.deepEqual(await axeViolations(page), [], `${name}, folds closed`);
    for (const summary of await page.locator('details summary').all()) await summary.click();
    assert.deepEqual(await axeViolations(page), [], `${name}, folds open`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= viewport.width, `nothing scrolls sideways (${wide} px)`);
    await page.close();
  }
});

test('an empty workspace says what to do, and passes axe-core', async () => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    await signIn(page, bare, 'ari');
    await page.goto(bare.url + '/reports');
    await page.getByRole('heading', { name: 'No handoffs in the last 30 days' }).waitFor();
    assert.match(await page.locator('.empty').innerText(), /baton emit/);
    assert.equal(await page.locator('canvas').count(), 0, 'no empty charts');
    assert.equal(await page.locator('table').count(), 0, 'no tables of zeros');
    assert.deepEqual(await axeViolations(page), []);
    await page.getByRole('link', { name: 'See the last 12 months' }).click();
    await page.getByRole('heading', { name: 'No handoffs in the last 12 months' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'See the last 12 months' }).count(), 0);
    await page.getByRole('link', { name: 'Set up a source' }).waitFor();
    if (viewport.width === 390) await screenshot(page, 'reports-empty-390');
    await page.close();
  }
});
