// The board's words for durations and deadlines (web/src/time.ts): on time, soon, late.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWeb } from './bundle.mjs';

const time = await importWeb('src/time.ts');
const H = 3_600_000;
const M = 60_000;
const t0 = Date.parse('2026-03-02T09:00:00Z');
const iso = (ms) => new Date(ms).toISOString();

function handoff(fields) {
  return { state: 'waiting', created_at: iso(t0), accepted_at: null, closed_at: null,
           accept_by: null, done_by: null, overdue_to_accept: false, overdue_to_finish: false,
           ...fields };
}

test('durations read as a person says them, to the nearest unit', () => {
  assert.equal(time.duration(0), 'under a minute');
  assert.equal(time.duration(59_999), 'under a minute');
  assert.equal(time.duration(M), '1 min');
  assert.equal(time.duration(59 * M), '59 min');
  assert.equal(time.duration(59 * M + 40_000), '1 h');
  assert.equal(time.duration(3 * H + 20 * M), '3 h');
  assert.equal(time.duration(3 * H + 59 * M), '4 h');
  assert.equal(time.duration(47 * H), '47 h');
  assert.equal(time.duration(50 * H), '2 d');
  assert.equal(time.duration(84 * H), '4 d');
  assert.equal(time.duration(-5 * H), 'under a minute');
});

test('a waiting handoff well before its accept deadline is on time', () => {
  const h = handoff({ accept_by: iso(t0 + 8 * H) });
  assert.deepEqual(time.deadlineChip(h, t0 + H),
                   { state: 'on-time', text: 'to accept within 7 h' });
});

test('soon: under a quarter of the window left, or under an hour', () => {
  const h = handoff({ accept_by: iso(t0 + 8 * H) });
  assert.equal(time.deadlineChip(h, t0 + 5 * H).state, 'on-time');   // 3 h of 8 left
  assert.equal(time.deadlineChip(h, t0 + 6 * H + M).state, 'soon');  // < 2 h of 8 left
  const short = handoff({ accept_by: iso(t0 + 2 * H) });
  assert.equal(time.deadlineChip(short, t0 + 50 * M).state, 'on-time');  // 70 min left
  assert.equal(time.deadlineChip(short, t0 + 61 * M).state, 'soon');     // 59 min left
});

test('late says how long past which deadline', () => {
  const waiting = handoff({ accept_by: iso(t0 + H) });
  assert.deepEqual(time.deadlineChip(waiting, t0 + 3 * H),
                   { state: 'late', text: 'waiting 2 h past accept time' });
  const flagged = handoff({ accept_by: iso(t0 + H), overdue_to_accept: true });
  assert.equal(time.deadlineChip(flagged, t0).state, 'late');  // the server's flag counts
  const accepted = handoff({ state: 'accepted', accepted_at: iso(t0), done_by: iso(t0 + 4 * H) });
  assert.deepEqual(time.deadlineChip(accepted, t0 + H),
                   { state: 'on-time', text: 'due to finish in 3 h' });
  assert.deepEqual(time.deadlineChip(accepted, t0 + 6 * H),
                   { state: 'late', text: '2 h past done time' });
});

test('done: on time or how late; no deadline, no chip', () => {
  const done = handoff({ state: 'done', done_by: iso(t0 + 4 * H), closed_at: iso(t0 + 3 * H) });
  assert.deepEqual(time.deadlineChip(done, t0 + 9 * H), { state: 'on-time', text: 'finished on time' });
  const late = handoff({ state: 'done', done_by: iso(t0 + 4 * H), closed_at: iso(t0 + 7 * H) });
  assert.deepEqual(time.deadlineChip(late, t0 + 9 * H), { state: 'late', text: 'finished 3 h late' });
  assert.equal(time.deadlineChip(handoff({}), t0), null);
});

test('held: since creation while waiting, since acceptance once accepted, total when closed', () => {
  assert.equal(time.heldText(handoff({}), t0 + 3 * H), 'held 3 h');
  const accepted = handoff({ state: 'accepted', accepted_at: iso(t0 + 2 * H) });
  assert.equal(time.heldText(accepted, t0 + 3 * H), 'held 1 h');
  const done = handoff({ state: 'done', closed_at: iso(t0 + 5 * H) });
  assert.equal(time.heldText(done, t0 + 30 * H), 'took 5 h');
});

test('under a minute either side of a deadline is in words, not "0 s" or "within under a minute"',
     () => {
  const waiting = handoff({ accept_by: iso(t0 + H) });
  assert.deepEqual(time.deadlineChip(waiting, t0 + H - 30_000),
                   { state: 'soon', text: 'less than a minute left to accept' });
  assert.deepEqual(time.deadlineChip(waiting, t0 + H + 1),
                   { state: 'late', text: 'just past accept time' });
  assert.equal(time.deadlineChip(waiting, t0 + H + M).text, 'waiting 1 min past accept time');
  const flagged = handoff({ accept_by: iso(t0 + H), overdue_to_accept: true });
  assert.equal(time.deadlineChip(flagged, t0 + H - 5_000).text, 'just past accept time');
  const accepted = handoff({ state: 'accepted', accepted_at: iso(t0), done_by: iso(t0 + H) });
  assert.equal(time.deadlineChip(accepted, t0 + H - 1_000).text,
               'less than a minute left to finish');
  assert.equal(time.deadlineChip(accepted, t0 + H + 1_000).text, 'just past done time');
  const done = handoff({ state: 'done', done_by: iso(t0 + H), closed_at: iso(t0 + H + 20_000) });
  assert.equal(time.deadlineChip(done, t0 + 2 * H).text, 'finished just after done time');
});
