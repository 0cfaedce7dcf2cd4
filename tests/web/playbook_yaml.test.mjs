// The playbook builder's model (web/src/playbook_yaml.ts): the YAML it writes, the draft it
// reads back from the linter's summary, the condition rows and the "did you mean" handles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWeb } from './bundle.mjs';

const m = await importWeb('src/playbook_yaml.ts');

function draft(fields) {
  return { ...m.emptyDraft(), id: 'booking-to-ops', when: 'calendly.invitee.created',
           from: 'sales', owner: 'ops', done: 'The client has a kickoff call.', ...fields };
}

test('a draft is written as YAML in the reference order, optional fields left out', () => {
  assert.equal(m.toYaml(draft({})),
    'id: booking-to-ops\nwhen: calendly.invitee.created\nfrom: sales\nowner: ops\n' +
    'done: The client has a kickoff call.\n');
  const full = m.toYaml(draft({
    title: 'Booking → ops', condition: 'data.amount >= 1000', subject: '{{data.name}}',
    checklist: [{ item: 'Send the agenda', when: '' }, { item: 'Book it', when: 'calendar.booked' },
                { item: '  ', when: '' }],
    accept_within: { n: 4, unit: 'h' }, done_within: { n: 2, unit: 'd' },
    remind: [{ n: 2, unit: 'h' }], calendar: '24x7',
    escalate: [{ after: { n: 4, unit: 'h' }, to: 'ops-manager', on: 'accept', reassign: false },
               { after: { n: 1, unit: 'd' }, to: 'founder', on: 'done', reassign: true }],
    checkpoint: [{ kind: 'slack', target: '#ops', template: '' },
                 { kind: 'email', target: 'owner', template: 'client-next-step' }],
    next: 'ready-to-client',
  }));
  assert.equal(full, [
    'id: booking-to-ops', 'title: Booking → ops', 'when: calendly.invitee.created',
    "if: 'data.amount >= 1000'", "subject: '{{data.name}}'", 'from: sales', 'owner: ops',
    'done: The client has a kickoff call.', 'checklist:', '  - Send the agenda',
    '  - { item: Book it, when: calendar.booked }', 'accept_within: 4h', 'done_within: 2d',
    'remind: [2h]', 'escalate:', '  - { after: 4h, to: ops-manager }',
    '  - { after: 1d, to: founder, on: done, reassign: true }', 'checkpoint:',
    "  - slack: '#ops'", '  - email: owner', '    template: client-next-step',
    "calendar: '24x7'", 'next: ready-to-client', ''].join('\n'));
});

test('scalars that YAML would read as something else are quoted', () => {
  assert.equal(m.scalar('ops'), 'ops');
  assert.equal(m.scalar('yes'), "'yes'");
  assert.equal(m.scalar('a: b'), "'a: b'");
  assert.equal(m.scalar("it's #1"), "'it''s #1'");
  assert.equal(m.scalar('1000'), "'1000'");
  assert.equal(m.scalar('two\nlines'), '"two\\nlines"');
  assert.equal(m.scalar('trailing '), "'trailing '");
});

test('durations: one number and unit, minutes for hours and minutes, null otherwise', () => {
  assert.deepEqual(m.parseSpan('4h'), { n: 4, unit: 'h' });
  assert.deepEqual(m.parseSpan('1h 30m'), { n: 90, unit: 'm' });
  assert.equal(m.parseSpan('1d 4h'), null);
  assert.equal(m.parseSpan('90s'), null);
  assert.equal(m.parseSpan(null), null);
  assert.equal(m.spanText({ n: 0, unit: 'h' }), '');
});

test('the summary the linter answers becomes the draft, and says what it cannot show', () => {
  const summary = {
    id: 'x', title: 'x', description: '', trigger: { on: 'deal.won', has_condition: true,
      condition: 'data.amount >= 1000' }, subject: '{{subject}}', from: 'sales', owner: 'ops',
    done: 'Done.', accept_within: '4h', done_within: '1d 4h', remind: ['2h'],
    escalate: [{ after: '4h', to: 'founder', on: 'done', reassign: true }],
    checkpoint: [{ kind: 'slack', target: '#ops', template: null }],
    checklist: [{ text: 'A', when: null }], next: null, calendar: 'working hours' };
  const { draft: d, unshown } = m.fromSummary(summary);
  assert.equal(d.title, '');
  assert.equal(d.subject, '');
  assert.equal(d.condition, 'data.amount >= 1000');
  assert.equal(d.done_within, null);
  assert.deepEqual(unshown, ['done within 1d 4h']);
  assert.deepEqual(d.escalate, [{ after: { n: 4, unit: 'h' }, to: 'founder', on: 'done',
                                  reassign: true }]);
  assert.deepEqual(d.checkpoint, [{ kind: 'slack', target: '#ops', template: '' }]);
  assert.deepEqual(d.checklist, [{ item: 'A', when: '' }]);
  assert.equal(d.calendar, 'working');
  const old = m.fromSummary({ ...summary, trigger: { on: 'a', has_condition: true } });
  assert.ok(old.unshown.includes('the condition (if:)'));
});

test('condition rows are written as && of comparisons and read back', () => {
  const rows = [{ field: 'data.amount', op: '>=', value: '1000' },
                { field: 'data.pipeline', op: '==', value: 'services' },
                { field: 'data.email', op: 'endsWith', value: '@example.com' },
                { field: 'data.phone', op: 'has', value: '' },
                { field: '', op: '==', value: 'ignored' }];
  const text = m.conditionText(rows);
  assert.equal(text, 'data.amount >= 1000 && data.pipeline == "services" && ' +
                     'data.email.endsWith("@example.com") && has(data.phone)');
  assert.deepEqual(m.conditionRows(text), rows.slice(0, 4));
  assert.deepEqual(m.conditionRows("data.tier == 'gold && more'"),
                   [{ field: 'data.tier', op: '==', value: 'gold && more' }]);
  assert.equal(m.conditionRows('data.a == 1 || data.b == 2'), null);
  assert.equal(m.conditionRows('data.pipeline in ["a", "b"]'), null);
  assert.deepEqual(m.conditionRows(''), []);
});

test('fields of a sample event are condition paths, nested objects flattened', () => {
  assert.deepEqual(m.fieldsOf({ name: 'A', client: { tier: 'gold' }, items: [1], 'odd key': 1 }),
                   ['data.name', 'data.client.tier', 'data.items']);
  assert.deepEqual(m.fieldsOf(null), []);
});

test('did you mean: a name for its handle, a typo for the near handle, else nothing', () => {
  const people = [{ handle: 'dana', name: 'Dana Reyes' }, { handle: 'lee', name: 'Lee Chen' }];
  const teams = [{ handle: 'ops', name: 'Operations', members: [] },
                 { handle: 'ops-manager', name: 'Ops manager', members: [] }];
  assert.equal(m.didYouMean('Operations', people, teams), 'ops');
  assert.equal(m.didYouMean('dana reyes', people, teams), 'dana');
  assert.equal(m.didYouMean('ops-manger', people, teams), 'ops-manager');
  assert.equal(m.didYouMean('ops', people, teams), null);
  assert.equal(m.didYouMean('{{data.host}}', people, teams), null);
  assert.equal(m.didYouMean('zzzzzz', people, teams), null);
  assert.equal(m.didYouMean('#opps', [], [], ['#ops']), '#ops');
});

test('a lint line belongs to the top-level key whose block holds it', () => {
  const yaml = 'id: a\nwhen: b\ncheckpoint:\n  - slack: "#x"\nowner: c\n';
  assert.equal(m.keyAtLine(yaml, 4), 'checkpoint');
  assert.equal(m.keyAtLine(yaml, 5), 'owner');
  assert.equal(m.keyAtLine(yaml, 1), 'id');
});

test('the deadline preview in the owner\'s time zone and hours', () => {
  const preview = { owner: 'lee', name: 'Lee Chen', team: null, time_zone: 'Europe/Berlin',
                    working_hours: true, from: '2026-12-02T15:00:00Z',   // a Wednesday
                    accept_by: '2026-12-03T10:00:00Z', done_by: '2026-12-14T16:30:00Z' };
  assert.equal(m.dueWords(preview.accept_by, preview.from, 'Europe/Berlin'), 'Thursday 11:00');
  assert.equal(m.previewWords(preview),
               'Started now: accept by Thursday 11:00 and done by Monday 14 Dec 17:30, ' +
               'in Lee Chen’s hours (Europe/Berlin).');
  assert.equal(m.previewWords({ ...preview, team: 'ops', done_by: null, working_hours: false }),
               'Started now: accept by Thursday 11:00, around the clock (Europe/Berlin) — ' +
               'Lee Chen is the first of ops; its rule picks the owner.');
});
