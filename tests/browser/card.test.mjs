// The handoff card in a real browser against the real server (issue 20, item 5): people by
// name, the playbook by its title, the timeline one plain sentence an entry in the reader's
// time zone, reassign from a picker of people and teams, Done with open checklist items
// asking for a reason, and every failure shown beside the control that failed (role=alert,
// named by the control's aria-describedby), not at the top of the page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Server, axeViolations, booking, browser, signIn, watch } from './harness.mjs';

// A zone far from the server's and people.yaml's (Europe/London), so that a time shown in UTC
// or in the owner's zone would not pass for the reader's.
const timezoneId = 'Pacific/Auckland';
const locale = 'en-GB';
let server;
let context;

before(async () => {
  server = new Server().init(['ari', 'dana', 'lee', 'ada']);
  await server.start();
  context = await browser({ timezoneId, locale, viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await context?.close();
  await server?.stop();
});

// The API with the admin token.
const api = (method, pathname, body) => server.api(method, pathname, body);

// The whole page (the card is longer than a screen), where CTest keeps screenshots.
async function screenshot(page, name) {
  const dir = process.env.BATON_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name + '.png'), fullPage: true });
}

// A time as the card says it (web/src/time.ts `when`), in the reader's zone and language.
function local(iso) {
  return new Date(iso).toLocaleString(locale, {
    timeZone: timezoneId, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit',
    minute: '2-digit',
  });
}

const isoTimestamp = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

async function openCard(page, login, id, heading) {
  await signIn(page, server, login);
  await page.goto(`${server.url}/handoffs/${id}`);
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Timeline' }).waitFor();
}

function fact(page, term) {
  return page.locator('.facts dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');
}

test('the card names people and the playbook, and its timeline is plain sentences in local time',
     async () => {
  const { handoffs: [id] } = await server.emit(booking('card-words-1', 'Plain Words Ltd', 'dana'));
  const page = await context.newPage();
  const seen = watch(page);
  await openCard(page, 'dana', id, 'Plain Words Ltd');
  assert.equal(await fact(page, 'Owner of done').innerText(), 'Dana Reyes');
  assert.equal(await fact(page, 'Given by').innerText(), 'Office');
  assert.equal(await fact(page, 'Playbook').innerText(),
               'Kickoff booked → prep confirmed (version 1)');
  await page.getByRole('button', { name: 'Accept', exact: true }).click();
  await page.locator('.state', { hasText: 'accepted' }).waitFor();
  await page.getByRole('checkbox', { name: 'Confirm the room or video link' }).click();
  await page.getByRole('heading', { name: 'Checklist 1/3' }).waitFor();

  const detail = await api('GET', `/v1/handoffs/${id}`);
  const timeline = page.locator('.timeline');
  const text = await timeline.innerText();
  assert.ok(text.includes('Office handed “Kickoff booked → prep confirmed” to Dana Reyes, ' +
                          `to accept by ${local(detail.accept_by)}.`), text);
  assert.match(text, /Dana Reyes accepted it\./);
  assert.match(text, /Dana Reyes ticked “Confirm the room or video link”\./);
  assert.doesNotMatch(text, isoTimestamp, 'no ISO 8601 timestamps');
  assert.doesNotMatch(text, /(\w+) accepted: \1 accepted/, 'said once');
  assert.doesNotMatch(text, /\bdana\b(?!@)/, 'names, not handles');
  // One sentence an entry, and each entry's time is the reader's.
  const entries = await timeline.locator('li').evaluateAll((items) => items.map((li) => ({
    at: li.querySelector('time').getAttribute('datetime'),
    shown: li.querySelector('time').textContent,
    said: li.textContent.slice(li.querySelector('time').textContent.length).trim(),
  })));
  assert.ok(entries.length >= 3);
  for (const e of entries) {
    assert.equal(e.shown, local(e.at));
    assert.doesNotMatch(e.said, /^\w+ (accepted|checked|created|comment)\b.*: /, e.said);
  }
  assert.equal(await fact(page, 'Accept by').innerText(), local(detail.accept_by));
  assert.equal(await page.locator('.checklist .by').innerText(),
               `— Dana Reyes, ${local(detail.checklist[0].checked_at)}`);

  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'card');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.deepEqual(await axeViolations(page), []);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `nothing scrolls sideways (${wide} px)`);
  await screenshot(page, 'card-390');
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('an overdue handoff says so in words and local time, not "0 s" and ISO 8601', async () => {
  await server.putQuickPlaybook('card-quick', 'card.quick');
  const event = { ...booking('card-quick-1', 'Late Words Ltd', 'dana'), type: 'card.quick' };
  const { handoffs: [id] } = await server.emit(event);
  // The scheduler marks it overdue on its own time: wait for the entry, not for a duration.
  let detail;
  for (let i = 0; i < 300; i++) {
    detail = await api('GET', `/v1/handoffs/${id}`);
    if (detail.timeline.some((e) => e.kind === 'overdue')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const overdue = detail.timeline.find((e) => e.kind === 'overdue');
  assert.ok(overdue, 'the scheduler marked it overdue');
  assert.match(overdue.text, isoTimestamp, 'the server still writes ISO 8601 (the card does not)');
  const page = await context.newPage();
  await openCard(page, 'dana', id, 'Late Words Ltd');
  const said = await page.locator('.timeline li[data-kind="overdue"]').innerText();
  assert.match(said, new RegExp(`Dana Reyes had not accepted it by .+, its accept time\\.$`));
  assert.ok(said.includes(local(detail.accept_by)), said);
  const text = await page.locator('.timeline').innerText();
  assert.doesNotMatch(text, isoTimestamp);
  assert.doesNotMatch(text, /\b0 s\b/);
  assert.match(await page.locator('.chip').innerText(), /past accept time/);
  assert.doesNotMatch(await page.locator('.chip').innerText(), /\b0 s\b|under a minute/);
  await page.close();
});

test('reassign picks a person by name from people and teams, and it is done', async () => {
  const { handoffs: [id] } = await server.emit(booking('card-pick-1', 'Picked By Name', 'dana'));
  const page = await context.newPage();
  const seen = watch(page);
  await openCard(page, 'dana', id, 'Picked By Name');
  await page.getByRole('button', { name: 'Reassign', exact: true }).click();
  const picker = page.getByRole('combobox', { name: 'Reassign to' });
  await picker.waitFor();
  const options = await picker.locator('option').allInnerTexts();
  assert.ok(options.includes('Lee Chen') && options.includes('Operations'), options.join(', '));
  assert.ok(!options.includes('Val Ortiz'), 'a viewer cannot accept, so is not offered');
  assert.ok(!options.includes('Dana Reyes'), 'nor the owner it already is');
  assert.ok(!options.some((o) => /^[a-z]+$/.test(o)), 'names, not handles');
  await picker.selectOption({ label: 'Lee Chen' });
  await page.getByLabel('Why (optional)').fill('covering the kickoff');
  await page.locator('form.ask').getByRole('button', { name: 'Reassign' }).click();
  await page.locator('.state', { hasText: 'waiting' }).waitFor();
  await page.waitForFunction(() => /Lee Chen/.test(document.querySelector('.facts')?.textContent));
  assert.equal(await fact(page, 'Owner of done').innerText(), 'Lee Chen');
  assert.equal(await fact(page, 'Handed over from').innerText(),
               'Dana Reyes, accountable until accepted');
  assert.match(await page.locator('.timeline').innerText(),
               /Dana Reyes handed it to Lee Chen \(covering the kickoff\); Lee Chen must accept\./);
  const detail = await api('GET', `/v1/handoffs/${id}`);
  assert.equal(detail.owner, 'lee', 'the handle was sent');
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('a refused reassign says why beside the picker, announced, and the card stays', async () => {
  const { handoffs: [id] } = await server.emit(booking('card-refuse-1', 'Refused Ltd', 'ada'));
  const page = await context.newPage();
  await openCard(page, 'ari', id, 'Refused Ltd');
  await page.getByRole('button', { name: 'Reassign', exact: true }).click();
  const picker = page.getByRole('combobox', { name: 'Reassign to' });
  // Office's rule is `first`: Ada Brennan, who owns it already. The server refuses.
  await picker.selectOption({ label: 'Office' });
  const submit = page.locator('form.ask').getByRole('button', { name: 'Reassign' });
  await submit.click();
  const error = page.locator('form.ask [role="alert"]');
  await error.filter({ hasText: /Ada Brennan already owns handoff/ }).waitFor();
  assert.equal(await picker.getAttribute('aria-invalid'), 'true');
  assert.equal(await picker.getAttribute('aria-describedby'), await error.getAttribute('id'));
  assert.equal(await page.locator('#main > .alert').isHidden(), true,
               'not at the top of the page');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('form.ask') !== null),
               true, 'the focus stays in the form');
  assert.equal(await fact(page, 'Owner of done').innerText(), 'Ada Brennan');
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'card-error');
  // Choosing nobody is said there too, before anything is sent.
  await picker.selectOption({ value: '' });
  await submit.click();
  await error.filter({ hasText: 'Choose who gets it.' }).waitFor();
  await page.getByRole('button', { name: 'Never mind' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'action-reassign',
               'closing the form puts the focus back on Reassign');
  await page.close();
});

test('a comment sent offline says so beside the comment box and keeps the text', async () => {
  const { handoffs: [id] } = await server.emit(booking('card-offline-1', 'Offline Co', 'dana'));
  const page = await context.newPage();
  const seen = watch(page);
  await openCard(page, 'dana', id, 'Offline Co');
  await page.route('**/v1/handoffs/*/comment', (route) => route.abort('internetdisconnected'));
  const box = page.getByRole('textbox', { name: 'Comment' });
  await box.fill('Room 4 is booked.');
  await page.getByRole('button', { name: 'Comment', exact: true }).click();
  const error = page.locator('#comment-error');
  await error.filter({ hasText: 'Baton could not be reached' }).waitFor();
  assert.equal(await error.getAttribute('role'), 'alert');
  assert.equal(await box.getAttribute('aria-describedby'), 'comment-error');
  assert.equal(await box.getAttribute('aria-invalid'), 'true');
  assert.equal(await box.inputValue(), 'Room 4 is booked.', 'the text is kept');
  await page.unroute('**/v1/handoffs/*/comment');
  await page.getByRole('button', { name: 'Comment', exact: true }).click();
  await page.locator('.timeline', { hasText: 'Dana Reyes commented: Room 4 is booked.' }).waitFor();
  assert.equal(await page.locator('#comment-error').innerText(), '');
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('a checklist tick that fails says so beside its item', async () => {
  const { handoffs: [id] } = await server.emit(booking('card-tick-1', 'Tick Fail Co', 'dana'));
  server.run(['--as', 'dana', 'accept', String(id)]);
  const page = await context.newPage();
  await openCard(page, 'dana', id, 'Tick Fail Co');
  await page.route('**/v1/handoffs/*/checklist/*', (route) => route.abort('internetdisconnected'));
  const box = page.getByRole('checkbox', { name: 'Prepare the materials' });
  await box.click();
  const error = page.locator('#item-2-error');
  await error.filter({ hasText: 'Baton could not be reached' }).waitFor();
  assert.equal(await box.isChecked(), false, 'it stays as it was');
  assert.equal(await box.getAttribute('aria-describedby'), 'item-2-error');
  assert.equal(await page.locator('#item-1-error').innerText(), '');
  await page.close();
});

test('Done with open items says what is open and needs a reason, then finishes with force',
     async () => {
  const { handoffs: [id] } = await server.emit(booking('card-force-1', 'Forced Done Ltd', 'dana'));
  server.run(['--as', 'dana', 'accept', String(id)]);
  const page = await context.newPage();
  const seen = watch(page);
  await openCard(page, 'dana', id, 'Forced Done Ltd');
  await page.getByRole('checkbox', { name: 'Confirm the room or video link' }).click();
  await page.getByRole('heading', { name: 'Checklist 1/3' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Done', exact: true }).count(), 0,
               'no Done that the server would refuse');
  const anyway = page.getByRole('button', { name: 'Done anyway…' });
  assert.equal(await page.locator('#done-open').innerText(), '2 checklist items are open');
  assert.equal(await anyway.getAttribute('aria-describedby'), 'done-open');
  await anyway.click();
  const reason = page.getByRole('textbox', { name: 'Why is it done with 2 checklist items open?' });
  await reason.waitFor();
  const submit = page.locator('form.ask').getByRole('button', { name: 'Done anyway' });
  const error = page.locator('#ask-error');
  await submit.click();  // no reason: said beside the field, nothing sent
  await error.filter({ hasText: 'cannot be empty' }).waitFor();
  assert.equal(await reason.getAttribute('aria-invalid'), 'true');
  // The server counts bytes (1,000 at most): 600 é are 1,200. Its refusal shows there too.
  await reason.fill('é'.repeat(600));
  await submit.click();
  await error.filter({ hasText: /longer than 1000 bytes/ }).waitFor();
  assert.equal(await page.locator('.state').first().textContent(), 'accepted');
  await reason.fill('The client cancelled the call');
  await submit.click();
  await page.locator('.state', { hasText: 'done' }).waitFor();
  assert.match(await page.locator('.timeline').innerText(),
               /Dana Reyes marked it done with 2 checklist items open: The client cancelled the/);
  const detail = await api('GET', `/v1/handoffs/${id}`);
  assert.deepEqual(detail.timeline.find((e) => e.kind === 'done').data,
                   { forced: true, open_items: 2, reason: 'The client cancelled the call' });
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('a change made elsewhere while I write a comment waits, and keeps what I typed', async () => {
  const { handoffs: [id] } = await server.emit(booking('card-draft-1', 'Draft Kept Co', 'dana'));
  const page = await context.newPage();
  const seen = watch(page);
  await openCard(page, 'dana', id, 'Draft Kept Co');
  const box = page.getByRole('textbox', { name: 'Comment' });
  await box.fill('Half a thought');
  await api('POST', `/v1/handoffs/${id}/comment`, { text: 'Ari was here.' });
  await page.getByRole('status').filter({ hasText: 'Someone changed this handoff' }).waitFor();
  assert.equal(await box.inputValue(), 'Half a thought', 'the draft is kept');
  await box.fill('Half a thought, finished.');
  await page.getByRole('button', { name: 'Comment', exact: true }).click();
  const timeline = page.locator('.timeline');
  await timeline.filter({ hasText: 'Dana Reyes commented: Half a thought, finished.' }).waitFor();
  assert.match(await timeline.innerText(), /Ari Novak commented: Ari was here\./);
  assert.equal(await page.locator('#card-behind').innerText(), '');
  // With nothing being written, a change elsewhere shows at once.
  await api('POST', `/v1/handoffs/${id}/comment`, { text: 'And again.' });
  await timeline.filter({ hasText: 'Ari Novak commented: And again.' }).waitFor();
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('messages waiting for a channel nobody connected say so on the card', async () => {
  const { handoffs: [id] } = await server.emit(booking('card-unconnected-1', 'Quiet Channels', 'dana'));
  const page = await context.newPage();
  await signIn(page, server, 'ari');
  await page.goto(`${server.url}/handoffs/${id}`);
  const note = page.locator('.not-connected');
  await note.waitFor();
  assert.match(await note.textContent(),
    /Slack is not connected: no channels\.yaml is applied, so this message waits here/);
  assert.match(await note.textContent(), /Email is not connected/);
  await note.getByRole('link', { name: 'Connect email and Slack' }).waitFor();  // an admin
  assert.deepEqual(await axeViolations(page), []);
  await page.close();
});
