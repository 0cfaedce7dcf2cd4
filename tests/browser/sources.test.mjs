// The Sources page against the real server: an admin adds a source from a preset and sees
// its URL and secret once, sends a test delivery and sees it in the delivery log; a refused
// delivery (a wrong signature) shows as refused and, once the secret is fixed, replays; a
// member sees neither the link nor the page. axe-core checks the page at desktop and phone
// widths.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  Server, axeViolations, browser, screenshot, signIn, watch, writeFile,
} from './harness.mjs';

let server;
let context;
let secret = '';   // the one the page showed once

// A playbook on Typeform's responses, so that an accepted delivery starts a handoff.
const playbook = `id: form-followup
title: Form → follow-up
when: typeform.form_response
from: sales
owner: dana
done: The person who filled in the form has an answer.
accept_within: 4h
`;

before(async () => {
  server = new Server().init();
  const file = path.join(server.dir, 'form-followup.yaml');
  writeFile(file, playbook);
  server.run(['apply', file]);
  await server.start();
  context = await browser({ viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await context?.close();
  await server?.stop();
});

// Posts a Typeform-shaped response to /hooks/NAME, signed (Typeform-Signature) with `key`.
async function typeformDelivery(name, key, eventId) {
  const body = JSON.stringify({
    event_id: eventId, event_type: 'form_response',
    form_response: { form_id: 'f1', token: eventId, definition: { id: 'f1', title: 'Intake' },
                     answers: [] },
  });
  const tag = createHmac('sha256', key).update(body).digest('base64');
  const response = await fetch(`${server.url}/hooks/${name}`, {
    method: 'POST', body,
    headers: { 'Content-Type': 'application/json', 'Typeform-Signature': `sha256=${tag}`,
               'X-Api-Key': 'key-never-shown' },   // a credential: the log shows •••
  });
  return response.status;
}

async function putSources(yaml) {
  const response = await fetch(server.url + '/v1/sources', {
    method: 'PUT', body: yaml,
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/yaml' },
  });
  assert.equal(response.status, 200, `PUT /v1/sources: ${await response.text()}`);
}

test('an admin adds a source from a preset, sees its secret once, and sends a test delivery',
     async () => {
  const page = await context.newPage();
  const seen = watch(page);
  await signIn(page, server, 'ari');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' })
    .click();
  await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();
  await page.getByRole('row', { name: /crm/ }).waitFor();   // baton init's example sources
  assert.equal(await page.getByRole('row', { name: /form/ }).count(), 0);

  // A refusal names its field: the message sits beside it.
  await page.getByLabel('Preset').selectOption({ label: 'Typeform' });
  await page.getByLabel('Name').fill('Not A Name!');
  await page.getByRole('button', { name: 'Add source' }).click();
  await page.locator('#src-name-error').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true');

  await page.getByLabel('Name').fill('form');
  await page.getByRole('button', { name: 'Add source' }).click();
  const once = page.getByRole('group', { name: 'Shown once: paste it into Typeform now' });
  await once.waitFor();
  assert.equal(await once.locator('.once-url').innerText(), server.url + '/hooks/form');
  secret = await once.locator('.once-secret').innerText();
  assert.ok(secret.length >= 16, `the secret shown is ${secret.length} characters`);
  await page.getByRole('row', { name: /form/ }).getByText(server.url + '/hooks/form').waitFor();
  assert.deepEqual(await axeViolations(page), []);

  // The test delivery lands in the log, highlighted.
  await page.getByRole('button', { name: 'Send a test delivery to form' }).click();
  const fresh = page.locator('.deliveries .delivery.fresh');
  await fresh.waitFor();
  assert.match(await fresh.innerText(), /form/);
  assert.match(await fresh.innerText(), /Accepted: started handoff #\d+|Unmatched/);

  // Once means once: after a reload the secret is nowhere on the page.
  await page.reload();
  await page.getByRole('row', { name: /form/ }).waitFor();
  assert.equal(await once.count(), 0);
  assert.ok(!(await page.locator('body').innerText()).includes(secret));
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('a refused delivery is marked refused, and after the secret is fixed Replay accepts it',
     async () => {
  assert.ok(secret, 'the first test added the source');
  assert.equal(await typeformDelivery('form', 'a-wrong-secret', 'resp-1'), 401);
  const page = await context.newPage();
  const seen = watch(page);
  await signIn(page, server, 'ari');
  await page.goto(server.url + '/sources');
  await page.getByLabel('Outcome').selectOption('refused');
  const refused = page.locator('.deliveries .delivery.outcome-refused').first();
  await refused.waitFor();
  assert.match(await refused.innerText(), /Refused: the signature/);

  // The details show the request as received, a credential as •••.
  await refused.getByRole('button', { name: 'Details' }).click();
  const detail = refused.locator('.delivery-detail pre').first();
  await detail.waitFor();
  assert.match(await detail.innerText(), /^POST \S*\/hooks\/form\n/);
  assert.match(await detail.innerText(), /^X-Api-Key: •••$/im);
  assert.ok(!(await page.locator('body').innerText()).includes('key-never-shown'));

  // The vendor had the other secret all along: the admin puts it in, and replays.
  await putSources('sources:\n  - {name: form, preset: typeform, secret: a-wrong-secret}\n');
  await refused.getByRole('button', { name: 'Replay' }).click();
  const answer = refused.locator('.replay-answer');
  await answer.filter({ hasText: /^Replayed/ }).waitFor();
  assert.match(await answer.innerText(), /^Replayed: accepted, started handoff #\d+/);
  const href = await answer.getByRole('link').first().getAttribute('href');
  assert.match(href, /^\/handoffs\/\d+$/);
  assert.match(await refused.getAttribute('class'), /replayed/);

  // The log afterwards: the refused row says it was replayed, and the replay is a row.
  await page.getByLabel('Outcome').selectOption('');
  await page.locator('.deliveries .delivery', { hasText: /A replay of delivery/ }).waitFor();
  await page.locator('.deliveries .delivery.outcome-refused',
                     { hasText: /Replayed .* as delivery \d+/ }).waitFor();
  assert.deepEqual(await axeViolations(page), []);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'sources');
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('the Sources page on a phone: axe-clean, nothing wider than the screen', async () => {
  const page = await context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, server, 'ari');
  await page.goto(server.url + '/sources');
  await page.getByRole('row', { name: /form/ }).waitFor();
  await page.locator('.deliveries .delivery').first().waitFor();
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `the page is ${wide} px wide`);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'sources-390');
  await page.close();
});

test('a member sees no Sources link, and /sources says it is for admins', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'dana');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Board' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Sources' }).count(), 0);
  await page.goto(server.url + '/sources');
  await page.getByRole('heading', { name: 'Only an admin can manage sources' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Add source' }).count(), 0);
  const status = await page.evaluate(async () => (await fetch('/v1/sources')).status);
  assert.equal(status, 403);
  await page.close();
});
