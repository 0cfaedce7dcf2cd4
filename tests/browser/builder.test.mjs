// The playbook builder (issue 20 item 2) in a real browser against the real server: a
// playbook made only through the form is, field for field, the playbook written as YAML;
// the YAML fills the form back; lint messages and "did you mean" sit beside the fields; the
// summary says every field; and the page passes axe at desktop and phone sizes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  Server, axeViolations, browser, screenshot, signIn, watch, writeFile,
} from './harness.mjs';

let server;
let context;

const handWritten = (id) => `id: ${id}
title: Calendly booking → ops
when: calendly.invitee.created
if: data.amount >= 1000
subject: "{{data.name}}"
from: sales
owner: ops
done: The client has a confirmed kickoff call and an agenda.
checklist:
  - Confirm the booking
  - Send the agenda
accept_within: 4h
done_within: 2d
remind: [2h]
escalate:
  - { after: 4h, to: ops-manager }
  - { after: 1d, to: founder, on: done, reassign: true }
checkpoint:
  - slack: "#ops"
  - email: owner
`;

before(async () => {
  server = new Server().init();
  const channels = path.join(server.dir, 'channels.yaml');
  writeFile(channels, 'slack:\n' +
    '  "#ops": { webhook: "https://hooks.slack.com/services/T000/B000/XXXX" }\n' +
    '  "#office": { webhook: "https://hooks.slack.com/services/T000/B001/YYYY" }\n');
  server.run(['apply', channels]);
  // A booking Baton has received (and no playbook matched): its type and fields are offered.
  server.run(['emit', 'calendly.invitee.created', '--id', 'cal-1', '--source', 'calendly',
              '--data', JSON.stringify({ name: 'Kim Client', email: 'kim@client.example',
                                         amount: 1200, host: 'dana' })]);
  await server.start();
  context = await browser({ viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await context?.close();
  await server?.stop();
});

async function api(method, url, body, type = 'application/json') {
  const response = await fetch(server.url + url, {
    method, headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': type },
    body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const answer = await response.json();
  assert.ok(response.ok, `${method} ${url}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function summaryOf(id) {
  const { yaml } = await api('GET', `/v1/playbooks/${id}`);
  const lint = await api('POST', '/v1/lint', { kind: 'playbook', text: yaml });
  assert.equal(lint.ok, true, JSON.stringify(lint.errors));
  const { id: _id, ...rest } = lint.playbook;
  return rest;
}

const value = (page, id) => page.locator('#' + id).inputValue();

test('a playbook made entirely through the form is the YAML one, field for field', async () => {
  const page = await context.newPage();
  const seen = watch(page);
  await signIn(page, server, 'ari');
  await page.goto(server.url + '/playbooks/new');
  await page.getByRole('heading', { name: 'The handoff moment', exact: true }).waitFor();
  await page.getByLabel('Id', { exact: true }).fill('booking-to-ops');
  await page.getByLabel('Title', { exact: true }).fill('Calendly booking → ops');
  // 1. The handoff moment: the type Baton has seen, a condition on a field of that event.
  await page.getByLabel('Pick an event type').selectOption('calendly.invitee.created');
  assert.equal(await value(page, 'b-when'), 'calendly.invitee.created');
  await page.getByLabel('Subject (optional)').fill('{{data.name}}');
  await page.getByRole('button', { name: 'Add a condition' }).click();
  const fields = await page.locator('#b-fields option').evaluateAll((o) => o.map((x) => x.value));
  assert.ok(fields.includes('data.amount'), `fields from the sample event: ${fields}`);
  await page.getByLabel('Field 1').fill('data.amount');
  await page.getByLabel('Test').selectOption('>=');
  await page.getByLabel('Value').fill('1000');
  // 2. The owner of done: people and teams by name, deadlines as number and unit.
  await page.getByLabel('From (the giver)').selectOption('sales');
  await page.getByLabel('Owner', { exact: true }).selectOption('ops');
  await page.getByLabel('Accept within', { exact: true }).fill('4');
  await page.getByLabel('Accept within: unit').selectOption('h');
  await page.getByLabel('Done within', { exact: true }).fill('2');
  await page.getByLabel('Done within: unit').selectOption('d');
  await page.getByRole('button', { name: 'Add a reminder' }).click();
  await page.locator('#b-remind-0').fill('2');
  await page.getByLabel('Done means')
    .fill('The client has a confirmed kickoff call and an agenda.');
  await page.getByLabel('Item 1', { exact: true }).fill('Confirm the booking');
  await page.getByLabel('Item 2', { exact: true }).fill('Send the agenda');
  // 3. The visible checkpoint: Slack from channels.yaml, the owner's email, two steps.
  await page.locator('#b-point-kind-0').selectOption('slack');
  const channels = await page.locator('#b-targets-slack option')
    .evaluateAll((o) => o.map((x) => x.value));
  assert.deepEqual(channels.sort(), ['#office', '#ops']);
  await page.locator('#b-point-target-0').fill('#ops');
  await page.getByRole('button', { name: 'Add a checkpoint' }).click();
  await page.locator('#b-point-kind-1').selectOption('email');
  await page.locator('#b-point-target-1').fill('owner');
  await page.getByRole('button', { name: 'Add an escalation step' }).click();
  await page.locator('#b-esc-after-0').fill('4');
  await page.locator('#b-esc-to-0').selectOption('ops-manager');
  await page.getByRole('button', { name: 'Add an escalation step' }).click();
  await page.locator('#b-esc-after-1').fill('1');
  await page.locator('#b-esc-after-1-unit').selectOption('d');
  await page.locator('#b-esc-to-1').selectOption('founder');
  await page.locator('#b-esc-on-1').selectOption('done');
  await page.locator('#b-esc-reassign-1').check();

  await page.getByText('No problems found').waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved — version 1.' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/playbooks/booking-to-ops');

  await api('PUT', '/v1/playbooks/booking-yaml', handWritten('booking-yaml'), 'application/yaml');
  const fromForm = await summaryOf('booking-to-ops');
  const fromYaml = await summaryOf('booking-yaml');
  assert.deepEqual(fromForm, fromYaml);
  assert.equal(fromForm.trigger.condition, 'data.amount >= 1000');   // not an empty match

  // The summary says every field in words.
  const moves = page.locator('.moves');
  await moves.getByText('only when a condition holds: data.amount >= 1000').waitFor();
  const words = await moves.innerText();
  for (const expected of ['Post in Slack #ops', 'Email the owner', 'Reminded after 2h',
                          'After 4h not accepted: tell ops-manager.',
                          'After 1d not done: tell founder and hand it to them.',
                          'Handed over by sales to ops']) {
    assert.ok(words.includes(expected), `the summary says “${expected}”: ${words}`);
  }
  assert.ok(!/kind: slack|template: —/.test(words), words);
  // The deadlines a handoff started now would get, in the hours of ops' first member.
  const day = String.raw`\w+day( \d+ \w+)? \d\d:\d\d`;
  const due = new RegExp(`Started now: accept by ${day} and done by ${day}, ` +
                         'in Dana Reyes’s hours \\(Europe/London\\) — ' +
                         'Dana Reyes is the first of ops');
  assert.match(await page.locator('#b-deadline-preview').innerText(), due);
  assert.match(words, due);
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('editing the YAML fills the form; lint and "did you mean" sit beside the fields', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'ari');
  await page.goto(server.url + '/playbooks/booking-yaml');
  await page.getByText('No problems found').waitFor();
  await page.waitForFunction(() => document.getElementById('b-owner')?.value === 'ops');
  assert.equal(await value(page, 'b-if-field-0'), 'data.amount');
  assert.equal(await value(page, 'b-esc-to-1'), 'founder');

  const yaml = page.getByLabel('Playbook YAML');
  const text = await yaml.inputValue();
  await yaml.fill(text.replace('owner: ops', 'owner: dana').replace('accept_within: 4h',
                                                                     'accept_within: 1h'));
  await page.waitForFunction(() => document.getElementById('b-owner')?.value === 'dana');
  assert.equal(await value(page, 'b-accept'), '1');

  // A team written by its name: the form offers the handle, and one click puts it in.
  await yaml.fill(text.replace('owner: ops', 'owner: Operations'));
  await page.getByText('Nobody is called “Operations”. Did you mean').waitFor();
  assert.match(await page.locator('#err-owner').innerText(),   // the lint message, beside it
               /nobody called `Operations` in people.yaml; did you mean `ops` \(Operations\)/);
  await page.getByRole('button', { name: 'ops', exact: true }).click();
  await page.waitForFunction(() => /^owner: ops$/m.test(document.getElementById('yaml').value));
  await page.getByText('No problems found').waitFor();

  // A type no stored event has: nothing will ever start it, and the form says so.
  await page.getByLabel('Event type', { exact: true }).fill('A booking is made in Calendly');
  await page.getByLabel('Done means').focus();
  await page.getByText('No stored event has the type “A booking is made in Calendly”')
    .waitFor();
  // The linter says it too, as a warning with its line (the YAML lints clean otherwise).
  await page.locator('.lint .warnings li', {
    hasText: 'when: no stored event has the type `A booking is made in Calendly` yet' }).waitFor();

  // A Slack channel channels.yaml does not have: said beside it, and by the linter.
  await yaml.fill(text.replace('slack: "#ops"', 'slack: "#opps"'));
  await page.locator('#b-point-target-0-warn')
    .filter({ hasText: '#opps is not in channels.yaml. Did you mean #ops?' }).waitFor();
  await page.locator('.lint .warnings li', {
    hasText: 'checkpoint: no Slack channel `#opps` in channels.yaml; did you mean `#ops`?' })
    .waitFor();

  // A lint message names line:col and sits beside its field.
  await yaml.fill(text.replace('accept_within: 4h', 'accept_within: soon'));
  await page.locator('#err-accept_within').filter({ hasText: 'accept_within' }).waitFor();
  await page.locator('.lint .errors a.at').first().click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'yaml');
  await page.close();
});

test('what the form cannot show leaves the YAML the source, and the form says so', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'ari');
  await page.goto(server.url + '/playbooks/booking-yaml');
  await page.getByText('No problems found').waitFor();
  const yaml = page.getByLabel('Playbook YAML');
  await yaml.fill((await yaml.inputValue()).replace('done_within: 2d', 'done_within: 1d 4h'));
  await page.getByText('The YAML holds what this form cannot show (done within 1d 4h)').waitFor();
  assert.equal(await page.locator('#b-owner').isDisabled(), true);   // in the disabled fieldset
  await page.close();
});

test('the builder has no axe violations at 1280x800 and 390x844', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'ari');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url + '/playbooks/booking-to-ops');
  await page.getByText('No problems found').waitFor();
  await page.waitForFunction(() => document.getElementById('b-owner')?.value === 'ops');
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'builder');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.deepEqual(await axeViolations(page), []);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `nothing scrolls sideways (${wide} px)`);
  await screenshot(page, 'builder-390');
  await page.close();
});
