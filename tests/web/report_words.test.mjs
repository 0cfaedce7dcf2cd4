// The reports page's words and groupings (web/src/report_words.ts): the headline, the leak
// order, weeks out of days, quiet rows, chart units.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWeb } from './bundle.mjs';

const words = await importWeb('src/report_words.ts');
const M = 60_000;
const H = 60 * M;

function row(fields) {
  return { key: 'x', count: 1, open: 0, accepted: 0, done: 0, declined: 0, cancelled: 0,
           overdue: 0, accept_p50_ms: null, accept_p90_ms: null, done_p50_ms: null,
           done_p90_ms: null, silent_delay_ms: 0, ...fields };
}

test('periods read as a person says them', () => {
  assert.equal(words.periodWords('7d'), 'the last 7 days');
  assert.equal(words.periodWords('30d'), 'the last 30 days');
  assert.equal(words.periodWords('365d'), 'the last 12 months');
  assert.equal(words.periodMs('7d'), 7 * 24 * H);
});

test('times under an hour are minutes, a missing one a dash, no silence is "none"', () => {
  assert.equal(words.timeWords(M), '1 min');
  assert.equal(words.timeWords(42 * M), '42 min');
  assert.equal(words.timeWords(3 * H), '3 h');
  assert.equal(words.timeWords(null), '—');
  assert.equal(words.silentWords(0), 'none');
  assert.equal(words.silentWords(5 * M), '5 min');
});

test('an edge key splits into giver and owner', () => {
  assert.deepEqual(words.edgeEnds('sales → dana'), { giver: 'sales', owner: 'dana' });
  assert.deepEqual(words.edgeEnds('odd'), { giver: 'odd', owner: '' });
});

test('the total is the last row, even beside a playbook called "all"', () => {
  const rows = [row({ key: 'all', count: 2 }), row({ key: 'b' }), row({ key: 'all', count: 3 })];
  const split = words.splitAll(rows);
  assert.equal(split.all.count, 3);
  assert.deepEqual(split.rows.map((r) => [r.key, r.count]), [['all', 2], ['b', 1]]);
  assert.equal(words.splitAll([]).all, null);
});

test('the leak order puts the longest silent wait first, then the slowest accept', () => {
  const rows = [
    row({ key: 'a', silent_delay_ms: 0, accept_p50_ms: 9 * H }),
    row({ key: 'b', silent_delay_ms: 2 * H }),
    row({ key: 'c', silent_delay_ms: 5 * H }),
    row({ key: 'd', silent_delay_ms: 0, accept_p50_ms: H }),
    row({ key: 'e', silent_delay_ms: 0, declined: 1 }),
  ];
  assert.deepEqual(words.leakOrder(rows).map((r) => r.key), ['c', 'b', 'a', 'd', 'e']);
  assert.deepEqual(rows.map((r) => r.key), ['a', 'b', 'c', 'd', 'e'], 'the input is not sorted');
});

test('a row is quiet only when nothing is open, declined, overdue or silent', () => {
  assert.equal(words.quietLeak(row({ done: 3, accepted: 3 })), true);
  assert.equal(words.quietLeak(row({ open: 1 })), false);
  assert.equal(words.quietLeak(row({ declined: 1 })), false);
  assert.equal(words.quietLeak(row({ overdue: 1 })), false);
  assert.equal(words.quietLeak(row({ silent_delay_ms: 1 })), false);
  const { busy, quiet } = words.partition([1, 0, 2, 0, 0], (n) => n === 0);
  assert.deepEqual(busy, [1, 2]);
  assert.deepEqual(quiet, [0, 0, 0]);
});

test('days group into Monday-to-Sunday weeks, partial at both ends', () => {
  // 2026-11-26 is a Thursday; 2026-11-30 a Monday; 2026-12-07 the next Monday.
  const days = [];
  for (let t = Date.parse('2026-11-26T00:00:00Z'); t <= Date.parse('2026-12-08T00:00:00Z');
    t += 24 * H) {
    days.push({ day: new Date(t).toISOString().slice(0, 10), created: 1, done: 0, overdue: 0,
                declined: 0 });
  }
  days[0].declined = 2;
  const weeks = words.buckets(days, 'week');
  assert.deepEqual(weeks.map((w) => [w.first, w.last, w.created]), [
    ['2026-11-26', '2026-11-29', 4], ['2026-11-30', '2026-12-06', 7],
    ['2026-12-07', '2026-12-08', 2]]);
  assert.equal(weeks[0].declined, 2);
  assert.equal(words.bucketWords(weeks[1]), '30 Nov – 6 Dec');
  assert.equal(words.buckets(days, 'day').length, days.length);
  assert.equal(words.bucketSize('7d'), 'day');
  assert.equal(words.bucketSize('30d'), 'week');
});

test('a chart of durations counts in seconds, minutes under an hour, hours, then days', () => {
  assert.equal(words.timeUnit(20_000).name, 'seconds');
  assert.equal(words.timeUnit(50 * M).name, 'minutes');
  assert.equal(words.inUnit(90_000, words.timeUnit(50 * M)), 1.5);
  assert.equal(words.timeUnit(5 * H).name, 'hours');
  assert.equal(words.timeUnit(72 * H).name, 'days');
  assert.equal(words.inUnit(null, words.timeUnit(H)), null);
});

test('the headline says what started, what is open and late, the medians and the leak', () => {
  const all = row({ key: 'all', count: 14, open: 3, declined: 1, accept_p50_ms: 12 * M,
                    done_p50_ms: 49 * H });
  const text = words.headlineSentences({ since: '30d', all, waiting_late: 2,
    longest: { giver: 'Sales', owner: 'Dana Reyes', silent_ms: 5 * H } }).join(' ');
  assert.equal(text, '14 handoffs started in the last 30 days; 3 are still open, and 2 are ' +
    'waiting past accept time. Median time to accept: 12 min; median time to done: 2 d. ' +
    '1 handoff was declined and waits for a new owner. The longest silent wait is from Sales ' +
    'to Dana Reyes: 5 h past accept time in all.');
  const calm = words.headlineSentences({ since: '7d', all: row({ count: 1, accept_p50_ms: M }),
                                         waiting_late: 0, longest: null }).join(' ');
  assert.equal(calm, '1 handoff started in the last 7 days; none is still open. Median time ' +
    'to accept: 1 min; median time to done: none is done yet. No handoff sat past its accept ' +
    'time.');
  assert.deepEqual(words.headlineSentences({ since: '30d', all: null, waiting_late: 0,
                                             longest: null }),
                   ['No handoffs started in the last 30 days.']);
});
