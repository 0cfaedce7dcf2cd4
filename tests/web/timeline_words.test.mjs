// A handoff's timeline in plain words (web/src/timeline_words.ts): names, not handles; the
// reader's time, not ISO 8601; one sentence an entry, from the texts the server writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWeb } from './bundle.mjs';

const words = await importWeb('src/timeline_words.ts');
const people = {
  people: [{ handle: 'dana', name: 'Dana Reyes' }, { handle: 'lee', name: 'Lee Chen' },
           { handle: 'ari', name: 'Ari Novak' }],
  teams: [{ handle: 'office', name: 'Office', members: ['ada'] },
          { handle: 'ops', name: 'Operations', members: ['dana', 'lee'] }],
};
const w = {
  name: words.namesOf(people),
  when: (iso) => `<${iso.slice(11, 16)}>`,
  item: (n) => ['Confirm the room', 'Prepare the materials'][n - 1],
};
const at = '2026-12-03T12:17:40.971Z';
const say = (actor, kind, text, data = {}) =>
  words.timelineSentence({ at, actor, kind, text, data }, w);
const iso = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

test('names come from people.yaml; a team by its name; an unknown handle stays', () => {
  assert.equal(w.name('dana'), 'Dana Reyes');
  assert.equal(w.name('ops'), 'Operations');
  assert.equal(w.name('baton'), 'Baton');
  assert.equal(w.name('zed'), 'zed');
  assert.equal(words.namesOf(null)('dana'), 'dana');
});

test('what a person does is one sentence with their name, said once', () => {
  assert.equal(say('dana', 'accepted', 'dana accepted'), 'Dana Reyes accepted it.');
  assert.equal(say('ari', 'accepted',
                   'ari accepted on behalf of dana; lee is no longer accountable'),
               'Ari Novak accepted it on behalf of Dana Reyes; Lee Chen is no longer accountable.');
  assert.equal(say('dana', 'declined', 'dana declined: Not my call — back to office to reassign',
                   { reason: 'Not my call' }),
               'Dana Reyes declined it: Not my call — back to Office to reassign.');
  assert.equal(say('dana', 'done', 'dana marked it done'), 'Dana Reyes marked it done.');
  assert.equal(say('dana', 'done', 'dana marked it done with 2 open items: the client left',
                   { forced: true, reason: 'the client left', open_items: 2 }),
               'Dana Reyes marked it done with 2 checklist items open: the client left.');
  assert.equal(say('ari', 'cancelled', 'ari cancelled it', { reason: '' }),
               'Ari Novak cancelled it.');
  assert.equal(say('dana', 'checked', 'dana ticked “Confirm the room”', { item: 1 }),
               'Dana Reyes ticked “Confirm the room”.');
  assert.equal(say('dana', 'comment', 'Room 4 is booked.'),
               'Dana Reyes commented: Room 4 is booked.');
  assert.equal(say('dana', 'reassigned',
                   'dana handed it from dana to lee: on leave; lee must accept',
                   { from: 'dana', to: 'lee', reason: 'on leave' }),
               'Dana Reyes handed it to Lee Chen (on leave); Lee Chen must accept.');
  assert.equal(say('ari', 'reassigned', 'ari handed it from dana to lee; lee must accept',
                   { from: 'dana', to: 'lee', reason: '' }),
               'Ari Novak handed it from Dana Reyes to Lee Chen; Lee Chen must accept.');
});

test("what Baton does says when in the reader's time, never in ISO 8601", () => {
  const created = say('baton', 'created',
    `Handed over by office to dana: Kickoff booked → prep confirmed; accept by ${at}`,
    { playbook: 'kickoff-prep', version: 1 });
  assert.equal(created, 'Office handed “Kickoff booked → prep confirmed” to Dana Reyes, ' +
                        'to accept by <12:17>.');
  const overdue = say('baton', 'overdue',
    `Overdue to accept: waiting for dana, 0 s past accept time (accept by ${at})`,
    { deadline: 'accept' });
  assert.equal(overdue, 'Dana Reyes had not accepted it by <12:17>, its accept time.');
  assert.equal(say('baton', 'overdue', 'Overdue to finish: lee holds it, 2 h past done time ' +
                   `(done by ${at})`, { deadline: 'done' }),
               'Lee Chen had not finished it by <12:17>, its done time.');
  assert.equal(say('baton', 'reminded',
                   `Reminded dana: still waiting to be accepted; accept by ${at}`,
                   { to: 'dana', reminder: 1 }),
               'Baton reminded Dana Reyes to accept it, by <12:17>.');
  assert.equal(say('baton', 'escalated',
                   'Escalated to ari (level 1): still waiting for dana to accept',
                   { level: 1, to: 'ari' }),
               'Escalated to Ari Novak (level 1): Dana Reyes had not accepted it.');
  assert.equal(say('baton', 'reassigned', 'Reassigned to ari by escalation level 1; dana stays ' +
                   'accountable until ari accepts', { from: 'dana', to: 'ari', level: 1 }),
               'Escalation level 1 handed it from Dana Reyes to Ari Novak; Dana Reyes stays ' +
               'accountable until Ari Novak accepts.');
  assert.equal(say('baton', 'assigned', 'dana picked from team ops (round-robin)'),
               'Dana Reyes was picked from Operations (round-robin).');
  assert.equal(say('baton', 'relayed', 'The baton passes on: handoff 12 (ready-to-client)',
                   { to: 12, playbook: 'ready-to-client' }),
               'The baton passed on to handoff #12.');
  assert.equal(say('baton', 'delivered', 'Sent the created message to slack #office',
                   { what: 'created', channel: 'slack', target: '#office' }),
               'Sent the new handoff message by Slack to #office.');
  for (const s of [created, overdue]) assert.doesNotMatch(s, iso);
});

test('an entry it does not know, or of another shape, is its text with local times', () => {
  assert.equal(say('baton', 'note', `A remind timer could not fire at ${at}`),
               'A remind timer could not fire at <12:17>.');
  assert.equal(say('baton', 'created', 'Something else entirely'), 'Something else entirely.');
  assert.equal(say('dana', 'waved', ''), 'Dana Reyes waved.');
  assert.equal(words.localTimes(`by ${at} or 2026-12-04T09:00:00+01:00`, w.when),
               'by <12:17> or <09:00>');
});
