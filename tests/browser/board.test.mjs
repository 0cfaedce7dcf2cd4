// The board in a real browser against the real server: sign-in, a card that appears live,
// accept, the checklist, done moving it, a member refused another's handoff, a subject
// of markup shown as text, the phone-width layout, and Needs an owner: a declined or
// unowned handoff stays on the board, counted, in its giver's Mine, the overdue first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Server, axeViolations, booking, browser, screenshot, signIn, watch,
} from './harness.mjs';

// A card's text is read with textContent: cards are `content-visibility: auto`, and until
// the browser has rendered a card that just arrived, its innerText is empty.
let server;
let context;

before(async () => {
  server = new Server().init(['ari', 'dana', 'lee', 'ada']);
  await server.start();
  context = await browser();
});

after(async () => {
  await context?.close();
  await server?.stop();
});

test('a wrong password is refused in words, and the right one signs in', async () => {
  const page = await context.newPage();
  const seen = watch(page);
  await page.goto(server.url + '/');
  await page.waitForURL((u) => u.pathname === '/signin');  // not signed in: sent to sign in
  await page.getByLabel('Email or handle').fill('dana@example.com');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/signin');
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/');
  await page.getByRole('heading', { name: 'Board' }).waitFor();
  await page.getByRole('banner').getByText('Dana Reyes').waitFor();  // who is signed in
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/signin');
  const answer = await page.evaluate(async () => (await fetch('/v1/session')).status);
  assert.equal(answer, 401);
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('an event makes a card appear live; accept, tick, done moves it to Done', async () => {
  const page = await context.newPage();
  const seen = watch(page);
  await signIn(page, server, 'dana');
  await page.locator('[data-board]').waitFor();
  await page.evaluate(() => { window.__sameDocument = true; });
  const posted = Date.now();
  const { handoffs } = await server.emit(booking('live-1', 'Live Cafe', 'dana'));
  const id = handoffs[0];
  const card = page.locator(`[data-column="waiting"] .card[data-id="${id}"]`);
  await card.waitFor({ timeout: 2000 });
  assert.ok(Date.now() - posted < 2000, 'the card appeared within 2 s');
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
  assert.match(await card.textContent(), /Live Cafe/);
  // Names, not handles, once people.yaml is in.
  await page.waitForFunction((sel) => /Kickoff booked → prep confirmed · Dana Reyes/.test(
    document.querySelector(sel)?.textContent ?? ''), `.card[data-id="${id}"] .meta`);
  assert.match(await card.textContent(), /0\/3/);
  await screenshot(page, 'board');

  // A second tab keeps the board open, to see the card move there live.
  const watcher = await context.newPage();
  await watcher.goto(server.url + '/');
  await watcher.locator(`[data-column="waiting"] .card[data-id="${id}"]`).waitFor();

  await card.getByRole('link').click();
  await page.waitForURL((u) => u.pathname === `/handoffs/${id}`);
  await page.getByRole('heading', { name: 'Live Cafe' }).waitFor();
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.locator('.state', { hasText: 'accepted' }).waitFor();
  await watcher.locator(`[data-column="accepted"] .card[data-id="${id}"]`).waitFor();

  const boxes = page.getByRole('checkbox');
  assert.equal(await boxes.count(), 3);
  for (let i = 0; i < 3; i++) {
    await page.getByRole('checkbox').nth(i).click();  // ticked once the server agrees
    await page.getByRole('heading', { name: `Checklist ${i + 1}/3` }).waitFor();
  }
  await screenshot(page, 'card');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.locator('.state', { hasText: 'done' }).waitFor();
  await watcher.locator(`[data-column="done"] .card[data-id="${id}"]`).waitFor();
  assert.equal(await watcher.locator(`[data-column="waiting"] .card[data-id="${id}"]`).count(), 0);
  assert.match(await page.locator('.timeline').innerText(), /accept/);

  await page.getByRole('link', { name: 'Board' }).first().click();
  await page.locator(`[data-column="done"] .card[data-id="${id}"]`).waitFor();
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.dialogs, []);
  await watcher.close();
  await page.close();
});

test("a member cannot accept another person's handoff: no button, and the API refuses", async () => {
  const { handoffs } = await server.emit(booking('lees-1', 'Lee Only Ltd', 'lee'));
  const id = handoffs[0];
  const page = await context.newPage();
  await signIn(page, server, 'dana');
  await page.goto(`${server.url}/handoffs/${id}`);
  await page.getByRole('heading', { name: 'Lee Only Ltd' }).waitFor();
  await page.getByRole('heading', { name: 'Timeline' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Accept' }).count(), 0);
  const status = await page.evaluate(async (handoff) => {
    const s = await (await fetch('/v1/session')).json();
    const r = await fetch(`/v1/handoffs/${handoff}/accept`, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }, body: '{}' });
    return r.status;
  }, id);
  assert.equal(status, 403);
  // Without the CSRF header the server refuses too, whoever asks.
  const noCsrf = await page.evaluate(async (handoff) => (await fetch(
    `/v1/handoffs/${handoff}/comment`, { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: '{"text":"hi"}' })).status, id);
  assert.equal(noCsrf, 403);
  await page.close();
});

test('a failed action shows the problem beside it and leaves the card as it was', async () => {
  const { handoffs } = await server.emit(booking('fail-1', 'Half Done Inc', 'dana'));
  const id = handoffs[0];
  server.run(['--as', 'dana', 'accept', String(id)]);
  const page = await context.newPage();
  const seen = watch(page);
  await signIn(page, server, 'dana');
  await page.goto(`${server.url}/handoffs/${id}`);
  await page.getByRole('heading', { name: 'Half Done Inc' }).waitFor();
  // Three items are open: Done asks why. The server counts a reason's bytes (1,000 at most)
  // and refuses 600 é (1,200); its words show beside the reason (tests/browser/card.test.mjs
  // has the rest of the card's failures).
  await page.getByRole('button', { name: 'Done anyway…' }).click();
  await page.getByLabel('Why is it done with 3 checklist items open?').fill('é'.repeat(600));
  await page.locator('form.ask').getByRole('button', { name: 'Done anyway' }).click();
  const alert = page.locator('form.ask').getByRole('alert');
  await alert.filter({ hasText: /reason is longer/i }).waitFor();
  assert.doesNotMatch(await alert.innerText(), /Error:|at \w+ \(|undefined|\{"/);
  assert.equal(await page.locator('.state').first().textContent(), 'accepted');
  assert.equal(await page.getByRole('button', { name: 'Done anyway…' }).count(), 1);
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('a subject of markup is shown as text: no script runs, no dialog opens', async () => {
  const subject = '<script>alert(1)</script><img src=x onerror="alert(2)">';
  const { handoffs } = await server.emit(booking('xss-1', subject, 'dana'));
  const id = handoffs[0];
  const page = await context.newPage();
  const seen = watch(page);
  await signIn(page, server, 'dana');
  const card = page.locator(`.card[data-id="${id}"]`);
  await card.waitFor();
  assert.equal(await card.locator('h3').textContent(), subject);
  assert.equal(await page.locator('.card img').count(), 0);
  await card.getByRole('link').click();
  await page.locator('h1', { hasText: '<script>' }).waitFor();
  assert.equal(await page.locator('h1').innerText(), subject);
  assert.equal(await page.locator('main script, main img').count(), 0);
  await page.waitForTimeout(300);
  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('at 375 px wide nothing scrolls sideways (board, card, filters)', async () => {
  const page = await context.newPage();
  await page.setViewportSize({ width: 375, height: 800 });
  await signIn(page, server, 'dana');
  await page.locator('[data-board]').waitFor();
  await page.locator('.card').first().waitFor();
  for (const path of ['/', '/?overdue=true', '/handoffs/1', '/playbooks', '/people', '/reports']) {
    await page.goto(server.url + path);
    await page.locator('main h1').first().waitFor();
    await page.waitForTimeout(200);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `${path} is ${width} px wide`);
  }
  await page.goto(server.url + '/');
  await page.locator('.card').first().waitFor();
  await screenshot(page, 'board-375');
  await page.close();
});

test('filters live in the URL, and back and forward restore them', async () => {
  await server.emit(booking('filter-1', 'Filterable Co', 'lee'));
  const page = await context.newPage();
  await signIn(page, server, 'dana');
  await page.locator('.card').first().waitFor();
  await page.getByLabel('Search subjects').fill('Filterable');
  await page.waitForURL((u) => u.searchParams.get('q') === 'Filterable');
  await page.locator('[data-board="complete"]').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('.card h3')]
    .every((e) => e.textContent.includes('Filterable')));
  assert.ok(await page.locator('.card').count() >= 1);
  await page.getByLabel('Mine').check();
  await page.waitForURL((u) => u.searchParams.get('mine') === 'true');
  await page.getByText('No handoffs match these filters').waitFor();  // it is lee's
  await page.goBack();
  await page.waitForURL((u) => u.searchParams.get('mine') === null);
  assert.equal(await page.getByLabel('Mine').isChecked(), false);
  await page.locator('.card h3', { hasText: 'Filterable Co' }).waitFor();
  assert.equal(await page.getByLabel('Search subjects').inputValue(), 'Filterable');
  await page.close();
});

test('Mine keeps a handoff reassigned away from me, live, until the new owner accepts', async () => {
  const { handoffs } = await server.emit(booking('mine-keep-1', 'Handed On Co', 'dana'));
  const id = handoffs[0];
  const page = await context.newPage();
  await signIn(page, server, 'dana');
  await page.goto(server.url + '/?mine=true');
  const card = page.locator(`.card[data-id="${id}"]`);
  await card.waitFor();
  // ari hands it to lee: dana stays accountable until lee accepts (pending_from).
  const reassigned = await fetch(`${server.url}/v1/handoffs/${id}/reassign`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ to: 'lee', reason: 'covering' }),
  });
  assert.equal(reassigned.status, 200, await reassigned.text());
  await page.waitForFunction((sel) => /Lee Chen \(from Dana Reyes\)/.test(
    document.querySelector(sel)?.textContent ?? ''),
    `.card[data-id="${id}"]`);
  assert.equal(await card.count(), 1, 'the live update kept it in Mine');
  await page.reload();
  await card.waitFor();  // and the list the server answers agrees
  await page.close();
});

// The API with a token of the given person (the admin's by default).
const api = (method, pathname, body, token) => server.api(method, pathname, body, token);

function statusOf(page) {
  return page.locator('.board-status').innerText();
}

test('a declined handoff stays on the board in Needs an owner, counted, and in the giver\'s Mine',
     async () => {
  const page = await context.newPage();
  const seen = watch(page);
  await signIn(page, server, 'ari');
  await page.locator('[data-board="complete"]').waitFor();
  const { handoffs: [declined] } = await server.emit(booking('needs-1', 'Declined Dental', 'dana'));
  const waiting = page.locator(`[data-column="waiting"] .card[data-id="${declined}"]`);
  await waiting.waitFor();
  const before = await statusOf(page);
  const total = Number(/^(\d+) handoffs?/.exec(before)[1]);

  // dana declines: kickoff-prep's giver is the office team, so it goes back to them.
  const dana = JSON.parse(server.run(['--json', 'token', 'create', 'dana'])).token;
  await api('POST', `/v1/handoffs/${declined}/decline`, { reason: 'I am not hosting it' }, dana);
  const needs = page.locator(`[data-column="needs"] .card[data-id="${declined}"]`);
  await needs.waitFor();
  assert.equal(await waiting.count(), 0, 'it left Waiting');
  assert.match(await needs.textContent(), /declined by Dana Reyes — back to Office/);
  assert.match(await needs.textContent(), /needs a new owner/);
  assert.match(await needs.textContent(), /back with the giver for/);
  await page.waitForFunction((n) => document.querySelector('.board-status')?.textContent
    ?.startsWith(`${n} handoffs · 1 needs an owner`), total);
  assert.equal(await page.locator('[data-column="needs"] h2 .count').innerText(), '1');

  // An owner nobody has: it lands with the giver's team (ada), flagged unowned.
  const { handoffs: [unowned] } = await server.emit(booking('needs-2', 'Nobody Hosts', 'zed'));
  const landed = page.locator(`[data-column="needs"] .card[data-id="${unowned}"]`);
  await landed.waitFor();
  assert.match(await landed.textContent(), /landed with Ada Brennan — needs an owner/);
  await page.waitForFunction((n) => document.querySelector('.board-status')?.textContent
    ?.startsWith(`${n} handoffs · 2 need an owner`), total + 1);

  // The list the server answers agrees after a reload, newest first in the column.
  await page.reload();
  await page.locator('[data-board="complete"]').waitFor();
  const ids = await page.locator('[data-column="needs"] .card').evaluateAll(
    (els) => els.map((el) => Number(el.dataset.id)));
  assert.deepEqual(ids.filter((x) => x === declined || x === unowned), [unowned, declined]);
  assert.match(await statusOf(page), new RegExp(`^${total + 1} handoffs · 2 need an owner`));
  assert.deepEqual(await axeViolations(page), []);
  await page.setViewportSize({ width: 1280, height: 800 });
  await screenshot(page, 'board-needs-an-owner');

  // Reassigning it gives it an owner again: it leaves Needs an owner, live.
  await api('POST', `/v1/handoffs/${declined}/reassign`, { to: 'lee', reason: 'Lee hosts' });
  await page.locator(`[data-column="waiting"] .card[data-id="${declined}"]`).waitFor();
  assert.equal(await needs.count(), 0);
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test("Mine has what was declined back to my team and what was escalated to me", async () => {
  const { handoffs: [id] } = await server.emit(booking('mine-declined-1', 'Back To Office', 'lee'));
  server.run(['--as', 'lee', 'decline', String(id), '--reason', 'away that day']);
  // ada is in the office team, the giver: Mine has it, in Needs an owner.
  const ada = await browser();
  const page = await ada.newPage();
  await signIn(page, server, 'ada');
  await page.goto(server.url + '/?mine=true');
  await page.locator('[data-board="complete"]').waitFor();
  await page.locator(`[data-column="needs"] .card[data-id="${id}"]`).waitFor();
  // dana is neither the giver nor in its team: her Mine does not have it.
  const danaPage = await context.newPage();
  await signIn(danaPage, server, 'dana');
  await danaPage.goto(server.url + '/?mine=true');
  await danaPage.locator('[data-board="complete"]').waitFor();
  assert.equal(await danaPage.locator(`.card[data-id="${id}"]`).count(), 0);
  await danaPage.close();
  // Escalated to me: the API's Mine and the board's agree on escalated_to.
  const mine = await page.evaluate(async () =>
    (await (await fetch('/v1/handoffs?mine=true&view=card&limit=5000')).json()).items
      .map((x) => x.id));
  assert.ok(mine.includes(id), 'the API\'s Mine has the declined handoff too');
  await ada.close();
});

test('overdue cards come first in their column, and the phone layout stays clean', async () => {
  // A playbook on a 24x7 calendar with one second to accept: its handoff is overdue at once.
  await server.putQuickPlaybook('quick-reply', 'quick.created');
  const quick = { ...booking('quick-1', 'Late Reply Ltd', 'dana'), type: 'quick.created' };
  const { handoffs: [late] } = await server.emit(quick);
  await new Promise((r) => setTimeout(r, 1500));
  const { handoffs: [fresh] } = await server.emit(booking('fresh-1', 'Fresh Booking', 'dana'));
  assert.ok(fresh > late);
  const page = await context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, server, 'dana');
  await page.locator('[data-board="complete"]').waitFor();
  const first = page.locator('[data-column="waiting"] .card').first();
  assert.equal(Number(await first.getAttribute('data-id')), late, 'the overdue card is first');
  assert.match(await first.textContent(), /past accept time/);
  const order = await page.locator('[data-column="waiting"] .card').evaluateAll(
    (els) => els.map((el) => Number(el.dataset.id)));
  assert.ok(order.indexOf(late) < order.indexOf(fresh), 'overdue before the newer card');
  assert.deepEqual(await axeViolations(page), []);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `nothing scrolls sideways (${wide} px)`);
  await screenshot(page, 'board-390');
  await page.close();
});
