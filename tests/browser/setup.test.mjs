// First-run setup in a real browser against the real server: a new workspace (baton init)
// greets its admin on the board with the steps left; the set-up page says what each step
// needs, connects email and Slack by writing a first channels.yaml (a refusal beside the
// form), and ends with a test event whose handoff is on the board.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Server, axeViolations, browser, screenshot, signIn, watch } from './harness.mjs';

let server;
let context;

before(async () => {
  server = new Server().init();
  await server.start();
  context = await browser();
});

after(async () => {
  await context?.close();
  await server?.stop();
});

test('a member is not shown the set-up steps', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'dana');
  await page.locator('[data-board="complete"]').waitFor();
  assert.equal(await page.locator('.setup-banner').isVisible(), false);
  assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Set up' }).count(), 0);
  await page.goto(server.url + '/setup');
  await page.getByRole('heading', { name: 'Only an admin can set up Baton' }).waitFor();
  await page.close();
});

test('the steps end with a handoff on the board', async () => {
  const page = await context.newPage();
  const seen = watch(page);
  await signIn(page, server, 'ari');
  // The board tells an admin of a new workspace what is left, and why it matters.
  const banner = page.locator('.setup-banner');
  await banner.waitFor();
  assert.match(await banner.textContent(), /2 of 4 steps left — Slack and email are not connected/);
  await banner.getByRole('link', { name: 'Set up Baton' }).click();
  await page.getByRole('heading', { name: 'Set up Baton' }).waitFor();
  await page.getByText('2 of 4 steps left').waitFor();
  const steps = page.locator('.steps > li');
  assert.equal(await steps.count(), 4);
  assert.match(await steps.nth(0).textContent(), /The people who hand off and own.*done/);
  assert.match(await steps.nth(0).textContent(), /Ari Novak/);
  assert.match(await steps.nth(1).textContent(), /Email and Slack.*to do/);
  assert.match(await steps.nth(2).textContent(), /3 playbooks/);
  assert.deepEqual(await axeViolations(page), []);
  await page.setViewportSize({ width: 1280, height: 800 });
  await screenshot(page, 'setup');

  // A Slack channel without its # is refused beside the form, and nothing is stored.
  await page.getByLabel('Slack channel').fill('ops');
  await page.getByLabel('Its incoming-webhook URL').fill('https://hooks.slack.com/services/T0/B0/X');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('alert').filter({ hasText: 'A Slack channel starts with #' }).waitFor();
  assert.equal(await page.getByLabel('Slack channel').getAttribute('aria-invalid'), 'true');
  const none = await page.evaluate(async () => (await (await fetch('/v1/channels')).json()));
  assert.equal(none.channels, null);

  // Email and Slack, connected: the server stores the channels.yaml the form wrote.
  await page.getByLabel('Mail server (SMTP URL)').fill('smtp://127.0.0.1:2525');
  await page.getByLabel('Send email from').fill('Baton <baton@example.com>');
  await page.getByLabel('Slack channel').fill('#office');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('Slack is connected: #office.').waitFor();
  await page.getByText('1 of 4 steps left').waitFor();
  const stored = await page.evaluate(async () => (await (await fetch('/v1/channels')).json()));
  assert.equal(stored.channels.smtp.from, 'Baton <baton@example.com>');
  assert.deepEqual(Object.keys(stored.channels.slack), ['#office']);
  assert.equal(stored.channels.public_url, server.url);

  // The first event: kickoff-prep is owned by data.host, the admin sending it.
  await page.getByLabel('Playbook', { exact: true }).selectOption('kickoff-prep');
  await page.getByRole('button', { name: 'Send a test event' }).click();
  const answer = page.locator('#ev-answer');
  await answer.getByRole('link', { name: 'see it on the board' }).waitFor();
  const id = Number(/Handoff (\d+) started/.exec(await answer.textContent())[1]);
  await page.getByText('Every step is done').waitFor();
  assert.match(await steps.nth(3).textContent(), /A first handoff.*done/);
  await answer.getByRole('link', { name: 'see it on the board' }).click();
  const card = page.locator(`[data-column="waiting"] .card[data-id="${id}"]`);
  await card.waitFor();
  assert.match(await card.textContent(), /Test client \(a test from set-up\)/);
  assert.match(await card.textContent(), /Kickoff booked → prep confirmed · Ari Novak/);
  await page.locator('[data-board="complete"]').waitFor();
  assert.equal(await page.locator('.setup-banner').isVisible(), false, 'no steps are left');
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('the set-up page is clean on a phone', async () => {
  const page = await context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, server, 'ari');
  await page.goto(server.url + '/setup');
  await page.getByText('Every step is done').waitFor();
  assert.deepEqual(await axeViolations(page), []);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `nothing scrolls sideways (${wide} px)`);
  await screenshot(page, 'setup-390');
  await page.close();
});
