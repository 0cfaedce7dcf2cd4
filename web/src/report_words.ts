// The reports page's numbers in words, and its groupings: the headline sentence, the leak
// order of the relay edges, weeks out of days, which rows are quiet, and the unit a chart of
// durations counts in. Pure (no DOM, no clock), so node --test checks it as built.

import { duration } from './time';
import type { ReportRow, SeriesDay } from './types';

const minute_ms = 60_000;
const hour_ms = 60 * minute_ms;
const day_ms = 24 * hour_ms;

// The periods the page offers, as the API spells them, and as a person says them.
export const periods = ['7d', '30d', '90d', '365d'];

export function periodWords(since: string): string {
  if (since === '365d') return 'the last 12 months';
  const days = Number(/^(\d+)d$/.exec(since)?.[1] ?? NaN);
  if (days === 1) return 'the last day';
  return Number.isFinite(days) ? `the last ${days} days` : `the last ${since}`;
}

export function periodMs(since: string): number {
  const days = Number(/^(\d+)d$/.exec(since)?.[1] ?? 30);
  return days * day_ms;
}

// A time or a dash when there is none: "under a minute", "12 min", "3 h", "2 d".
export function timeWords(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : duration(ms);
}

// Silent delay is a total, zero for most rows: "none" reads better than "under a minute".
export function silentWords(ms: number): string {
  return ms <= 0 ? 'none' : duration(ms);
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

// "sales → dana" (the API's edge key) as its two ends.
export function edgeEnds(key: string): { giver: string; owner: string } {
  const at = key.indexOf(' → ');
  if (at < 0) return { giver: key, owner: '' };
  return { giver: key.slice(0, at), owner: key.slice(at + 3) };
}

// The report's rows without its last row, `all`, and that row on its own. Only the last row
// is the total: a playbook or a person may be called "all" too.
export function splitAll(rows: ReportRow[]): { rows: ReportRow[]; all: ReportRow | null } {
  const last = rows[rows.length - 1];
  if (!last || last.key !== 'all') return { rows, all: null };
  return { rows: rows.slice(0, -1), all: last };
}

// Where handoffs wait longest first: the most silent delay, then the slowest median accept,
// then the most declined, then the most handoffs; ties by key, so the order is stable.
export function leakOrder(rows: ReportRow[]): ReportRow[] {
  const accept = (r: ReportRow) => r.accept_p50_ms ?? -1;
  return [...rows].sort((a, b) => b.silent_delay_ms - a.silent_delay_ms ||
    accept(b) - accept(a) || b.declined - a.declined || b.overdue - a.overdue ||
    b.count - a.count || a.key.localeCompare(b.key));
}

// A row that shows nothing leaking: no silent delay, nothing declined or overdue, nothing
// open. It is folded away under "show N quiet rows".
export function quietLeak(r: ReportRow): boolean {
  return r.silent_delay_ms <= 0 && r.declined === 0 && r.overdue === 0 && r.open === 0;
}

export function quietCounts(values: number[]): boolean {
  return values.every((v) => v === 0);
}

export function partition<T>(items: T[], quiet: (item: T) => boolean): { busy: T[]; quiet: T[] } {
  const out = { busy: [] as T[], quiet: [] as T[] };
  for (const item of items) (quiet(item) ? out.quiet : out.busy).push(item);
  return out;
}

// Days grouped into buckets for the trend: weeks (Monday to Sunday, UTC, as the series'
// days are), or single days for a short period. A bucket at either end may be partial.
export interface Bucket {
  first: string;  // YYYY-MM-DD
  last: string;
  created: number;
  done: number;
  overdue: number;
  declined: number;
}

export function buckets(days: SeriesDay[], by: 'day' | 'week'): Bucket[] {
  const out: Bucket[] = [];
  for (const d of days) {
    const week = mondayOf(d.day);
    const open = out[out.length - 1];
    if (open && by === 'week' && mondayOf(open.first) === week) {
      open.last = d.day;
      open.created += d.created;
      open.done += d.done;
      open.overdue += d.overdue;
      open.declined += d.declined;
    } else {
      out.push({ first: d.day, last: d.day, created: d.created, done: d.done,
                 overdue: d.overdue, declined: d.declined });
    }
  }
  return out;
}

// A fortnight or less is shown day by day; longer, week by week.
export function bucketSize(since: string): 'day' | 'week' {
  return periodMs(since) <= 14 * day_ms ? 'day' : 'week';
}

function mondayOf(day: string): string {
  const t = Date.parse(day + 'T00:00:00Z');
  const weekday = (new Date(t).getUTCDay() + 6) % 7;  // Monday 0 … Sunday 6
  return new Date(t - weekday * day_ms).toISOString().slice(0, 10);
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov',
                'Dec'];

// "30 Nov" for 2026-11-30.
export function dayWords(day: string): string {
  const [, month, date] = day.split('-').map(Number);
  return `${date} ${months[(month ?? 1) - 1]}`;
}

// "30 Nov – 6 Dec", or one day.
export function bucketWords(b: Bucket): string {
  return b.first === b.last ? dayWords(b.first) : `${dayWords(b.first)} – ${dayWords(b.last)}`;
}

// The unit a chart of durations counts in: seconds while the largest is under a minute,
// minutes under an hour, hours under two days, then days.
export function timeUnit(max_ms: number): { name: string; ms: number } {
  if (max_ms < minute_ms) return { name: 'seconds', ms: 1000 };
  if (max_ms < hour_ms) return { name: 'minutes', ms: minute_ms };
  if (max_ms < 2 * day_ms) return { name: 'hours', ms: hour_ms };
  return { name: 'days', ms: day_ms };
}

export function inUnit(ms: number | null, unit: { ms: number }): number | null {
  return ms === null ? null : Math.round((ms / unit.ms) * 10) / 10;
}

// The headline: what an owner wants to know first, in sentences.
export interface Headline {
  since: string;
  all: ReportRow | null;
  waiting_late: number;
  longest: { giver: string; owner: string; silent_ms: number } | null;
}

export function headlineSentences(x: Headline): string[] {
  const all = x.all;
  const when = periodWords(x.since);
  if (!all || all.count === 0) return [`No handoffs started in ${when}.`];
  const out: string[] = [];
  let first = `${plural(all.count, 'handoff')} started in ${when}; ` +
    `${all.open === 0 ? 'none is' : all.open + (all.open === 1 ? ' is' : ' are')} still open`;
  if (x.waiting_late > 0) {
    first += `, and ${x.waiting_late} ${x.waiting_late === 1 ? 'is' : 'are'} waiting past ` +
      'accept time';
  }
  out.push(first + '.');
  if (all.accept_p50_ms === null) {
    out.push('None has been accepted yet.');
  } else {
    out.push(`Median time to accept: ${duration(all.accept_p50_ms)}; median time to done: ` +
      `${all.done_p50_ms === null ? 'none is done yet' : duration(all.done_p50_ms)}.`);
  }
  if (all.declined > 0) {
    out.push(`${plural(all.declined, 'handoff was', 'handoffs were')} declined and ` +
      `${all.declined === 1 ? 'waits' : 'wait'} for a new owner.`);
  }
  if (x.longest && x.longest.silent_ms > 0) {
    out.push(`The longest silent wait is from ${x.longest.giver} to ${x.longest.owner}: ` +
      `${duration(x.longest.silent_ms)} past accept time in all.`);
  } else {
    out.push('No handoff sat past its accept time.');
  }
  return out;
}
