// Reports: what an owner reads first. The headline numbers and a sentence of them, then the
// leak report per relay edge (where handoffs wait longest, and for how long in silence), the
// trend week by week, the time each playbook's steps take, and who declines. Every chart
// (chart.js, only the parts used are registered) has its numbers in a table under it, quiet
// rows (nothing to see) are folded behind a disclosure, and each section has its CSV.

import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { h, replace, type Child } from '../h';
import { get, messageOf, query } from '../api';
import { navigate, type Context, type Page } from '../router';
import { isAdmin } from '../session';
import { alertRegion, empty, link, loading, pageHeader } from '../ui';
import { ms } from '../time';
import {
  bucketSize, bucketWords, buckets, dayWords, edgeEnds, headlineSentences, inUnit, leakOrder,
  partition, periodMs, periodWords, periods, plural, quietCounts, quietLeak, silentWords,
  splitAll, timeUnit, timeWords, type Bucket,
} from '../report_words';
import type { CardHandoff, HandoffPage, People, Report, ReportRow, Series } from '../types';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const period_names: Record<string, string> = {
  '7d': 'Last 7 days', '30d': 'Last 30 days', '90d': 'Last 90 days', '365d': 'Last 12 months',
};
// Each at least 3:1 against the white panel, and told apart by the legend and the table too.
const colours = { accept: '#1f5fa8', done: '#185c2e', silent: '#b34700', overdue: '#b00020',
                  declined: '#6a3d9a', started: '#4d5562' };

interface Data {
  playbooks: Report;
  owners: Report;
  edges: Report;
  series: Series;
  people: People | null;
  waiting_late: number;
}

export function renderReports(root: HTMLElement, ctx: Context): Page {
  const charts: Chart[] = [];
  const alert = alertRegion();
  const body = h('div', { class: 'reports' }, loading('the reports'));
  const since = periods.includes(ctx.query.get('since') ?? '') ? ctx.query.get('since')! : '30d';
  const when = periodWords(since);
  const select = h('select', { id: 'since' },
    periods.map((p) => h('option', { value: p, selected: p === since }, period_names[p] ?? p)));
  select.addEventListener('change', () => navigate('/reports' + query({ since: select.value })));
  root.append(pageHeader('Reports', h('div', { class: 'field inline' },
    h('label', { for: 'since' }, 'Period'), select)), alert, body);
  let people: People | null = null;
  void load();

  async function load(): Promise<void> {
    try {
      const report = (by: string) => get<Report>('/v1/reports' + query({ since, by }));
      const [playbooks, owners, edges, series, who, late] = await Promise.all([
        report('playbook'), report('owner'), report('edge'),
        get<Series>('/v1/reports/series' + query({ since })),
        get<People>('/v1/people').catch(() => null),   // names are a nicety: handles will do
        get<HandoffPage<CardHandoff>>('/v1/handoffs' + query({
          state: 'waiting', overdue: true, view: 'card', limit: 5000 })),
      ]);
      // The list is of every waiting handoff past a deadline now; the report counts those
      // started within the period, and so does the headline.
      const from = Date.now() - periodMs(since);
      const waiting_late = late.items.filter((x) => (ms(x.created_at) ?? 0) >= from).length;
      people = who;
      draw({ playbooks, owners, edges, series, people: who, waiting_late });
    } catch (error) {
      replace(body);
      alert.show(messageOf(error));
    }
  }

  function draw(data: Data): void {
    const { all } = splitAll(data.playbooks.rows);
    if (!all || all.count === 0) {
      replace(body, emptyState());
      return;
    }
    replace(body, headline(all, data), leak(data.edges.rows), trend(data.series),
            steps(data.playbooks.rows), owners(data.owners.rows));
  }

  function emptyState(): HTMLElement {
    return empty(
      h('h2', null, `No handoffs in ${when}`),
      h('p', null, 'Reports fill in as handoffs start, are accepted and are done: how many are ',
        'open, where they wait, who declines, and how long each step takes.'),
      h('p', null, 'A handoff starts when an event a playbook names arrives: from a webhook ',
        '(a source), the API (POST /v1/events) or ', h('code', null, 'baton emit'), '.'),
      h('p', { class: 'actions' },
        since !== '365d' ? link('/reports' + query({ since: '365d' }), 'See the last 12 months')
          : null,
        isAdmin() ? link('/sources', 'Set up a source') : null,
        link('/playbooks', 'See the playbooks'), link('/', 'Back to the board')));
  }

  function headline(all: ReportRow, data: Data): HTMLElement {
    const top = leakOrder(splitAll(data.edges.rows).rows)[0];
    const ends = top ? edgeEnds(top.key) : null;
    const sentences = headlineSentences({
      since, all, waiting_late: data.waiting_late,
      longest: top && ends ? { giver: nameOf(ends.giver), owner: nameOf(ends.owner),
                               silent_ms: top.silent_delay_ms } : null,
    });
    const stat = (label: string, value: string, alarm = false) =>
      h('div', { class: ['stat', alarm ? 'alarm' : '', /^\d+$/.test(value) ? '' : 'words']
        .filter(Boolean).join(' ') }, h('dt', null, label), h('dd', null, value));
    return h('section', { class: 'headline', 'aria-labelledby': 'r-headline' },
      h('h2', { id: 'r-headline' }, `In ${when}`),
      h('dl', { class: 'stats' },
        stat('Started', String(all.count)),
        stat('Open', String(all.open)),
        stat('Waiting past accept time', String(data.waiting_late), data.waiting_late > 0),
        stat('Median time to accept', timeWords(all.accept_p50_ms)),
        stat('Median time to done', timeWords(all.done_p50_ms)),
        stat('Declined', String(all.declined), all.declined > 0)),
      h('p', { class: 'summary' }, sentences.join(' ')));
  }

  // The leak report: one row per relay edge (giver → owner), where handoffs wait longest
  // first. Silent delay is the time past the accept deadline that nobody accepted it.
  function leak(rows: ReportRow[]): HTMLElement {
    const edges = leakOrder(splitAll(rows).rows);
    const { busy, quiet } = partition(edges, quietLeak);
    const label = (r: ReportRow) => {
      const ends = edgeEnds(r.key);
      return `${nameOf(ends.giver)} → ${nameOf(ends.owner)}`;
    };
    const silent = busy.filter((r) => r.silent_delay_ms > 0);
    const unit = timeUnit(Math.max(0, ...silent.map((r) => r.silent_delay_ms)));
    const head = ['From', 'To', 'Handoffs', 'Silent delay', 'Median time to accept',
                  '90% accepted within', 'Declined', 'Overdue now'];
    const cells = (r: ReportRow): Child[] => {
      const ends = edgeEnds(r.key);
      return [nameOf(ends.giver), nameOf(ends.owner), String(r.count),
              silentWords(r.silent_delay_ms), timeWords(r.accept_p50_ms),
              timeWords(r.accept_p90_ms), String(r.declined), String(r.overdue)];
    };
    return section('leak', 'Where handoffs wait', 'of where handoffs wait',
      csv({ since, by: 'edge' }),
      h('p', { class: 'muted' }, 'Each step of the relay, from the giver to the owner, the ',
        'longest wait first. Silent delay is the time handoffs sat past their accept time ',
        'with nobody accepting them, charged to whoever held them then.'),
      silent.length > 0
        ? bars(silent.map(label), [{ label: `silent delay (${unit.name})`,
            data: silent.map((r) => inUnit(r.silent_delay_ms, unit)), color: colours.silent }],
          unit.name, 'Silent delay per step of the relay', true)
        : h('p', { class: 'calm' }, `No handoff sat past its accept time in ${when}.`),
      numbers('Where handoffs wait, per step of the relay', head, busy.map(cells)),
      fold(quiet.length, 'quiet step', 'Steps where nothing waited', head, quiet.map(cells)));
  }

  function trend(series: Series): HTMLElement {
    const size = bucketSize(since);
    const all = buckets(series.days, size);
    const isQuiet = (b: Bucket) => quietCounts([b.created, b.done, b.overdue, b.declined]);
    const { busy, quiet } = partition(all, isQuiet);
    const noun = size === 'week' ? 'week' : 'day';
    const head = [size === 'week' ? 'Week' : 'Day', 'Started', 'Done', 'Went overdue',
                  'Declined'];
    const cells = (b: Bucket): Child[] => [bucketWords(b), String(b.created), String(b.done),
                                           String(b.overdue), String(b.declined)];
    const title = size === 'week' ? 'Week by week' : 'Day by day';
    return section('trend', title, `of the handoffs ${size === 'week' ? 'per week' : 'per day'}`,
      csv({ since }, '/v1/reports/series'),
      bars(all.map((b) => dayWords(b.first)), [
        { label: 'started', data: all.map((b) => b.created), color: colours.started },
        { label: 'done', data: all.map((b) => b.done), color: colours.done },
        { label: 'went overdue', data: all.map((b) => b.overdue), color: colours.overdue },
        { label: 'declined', data: all.map((b) => b.declined), color: colours.declined },
      ], 'handoffs', `Handoffs started, done, gone overdue and declined, ${noun} by ${noun}`),
      numbers(`Handoffs ${noun} by ${noun}`, head, busy.map(cells)),
      fold(quiet.length, `quiet ${noun}`, `${title}: the quiet ${noun}s`, head, quiet.map(cells),
           `${noun}s with nothing started, done, overdue or declined`));
  }

  function steps(rows: ReportRow[]): HTMLElement {
    const playbooks = leakOrder(splitAll(rows).rows);
    const timed = playbooks.filter((r) => r.accept_p50_ms !== null || r.done_p50_ms !== null);
    const unit = timeUnit(Math.max(0, ...timed.map((r) => Math.max(r.accept_p50_ms ?? 0,
                                                                   r.done_p50_ms ?? 0))));
    const head = ['Playbook', 'Handoffs', 'Median time to accept', '90% accepted within', 'Done',
                  'Median time to done', '90% done within'];
    return section('steps', 'How long handoffs take, per playbook', 'of the times per playbook',
      csv({ since, by: 'playbook' }),
      timed.length > 0
        ? bars(timed.map((r) => r.key), [
            { label: `median time to accept (${unit.name})`,
              data: timed.map((r) => inUnit(r.accept_p50_ms, unit)), color: colours.accept },
            { label: `median time to done (${unit.name})`,
              data: timed.map((r) => inUnit(r.done_p50_ms, unit)), color: colours.done },
          ], unit.name, 'Median time to accept and to done, per playbook')
        : h('p', { class: 'calm' }, `No handoff was accepted or done in ${when} yet.`),
      numbers('Time to accept and to done, per playbook', head, playbooks.map((r) => [
        r.key, String(r.count), timeWords(r.accept_p50_ms), timeWords(r.accept_p90_ms),
        String(r.done), timeWords(r.done_p50_ms), timeWords(r.done_p90_ms)])));
  }

  function owners(rows: ReportRow[]): HTMLElement {
    const list = leakOrder(splitAll(rows).rows);
    const { busy, quiet } = partition(list, quietLeak);
    const head = ['Owner', 'Handoffs', 'Open', 'Declined', 'Overdue now', 'Silent delay',
                  'Median time to accept'];
    const cells = (r: ReportRow): Child[] => [nameOf(r.key), String(r.count), String(r.open),
      String(r.declined), String(r.overdue), silentWords(r.silent_delay_ms),
      timeWords(r.accept_p50_ms)];
    return section('owners', 'Who declines, who waits', 'per owner', csv({ since, by: 'owner' }),
      numbers('Declines, overdue handoffs and silent delay, per owner', head, busy.map(cells)),
      fold(quiet.length, 'quiet owner', 'Owners with nothing open, declined or late', head,
           quiet.map(cells), 'owners with nothing open, declined or late'));
  }

  function section(id: string, title: string, csvWhat: string, csvHref: string,
                   ...children: Child[]): HTMLElement {
    return h('section', { class: 'report', 'aria-labelledby': `r-${id}`, 'data-report': id },
      h('div', { class: 'report-head' }, h('h2', { id: `r-${id}` }, title),
        h('a', { href: csvHref, download: true }, 'Download CSV',
          h('span', { class: 'sr-only' }, ' ' + csvWhat))),
      ...children);
  }

  // A table whose first cell names the row; on a phone each row becomes a block, each cell
  // labelled by its column (table.stack in style.css).
  function numbers(caption: string, head: string[], rows: Child[][]): HTMLElement | null {
    if (rows.length === 0) return null;
    return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption },
      h('table', { class: 'stack' },
        h('caption', null, caption),
        h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows.map(([first, ...rest]) => h('tr', null,
          h('th', { scope: 'row' }, first),
          rest.map((c, i) => h('td', { 'data-label': head[i + 1] ?? '' }, c)))))));
  }

  // The rows with nothing in them, behind "Show N quiet …": there, not in the way.
  function fold(n: number, noun: string, caption: string, head: string[], rows: Child[][],
                what = ''): HTMLElement | null {
    if (n === 0) return null;
    return h('details', { class: 'quiet-rows' },
      h('summary', null, `Show ${plural(n, noun)}`, what ? h('span', { class: 'muted' },
        ` (${what})`) : null),
      numbers(caption, head, rows));
  }

  function csv(params: Record<string, string>, path = '/v1/reports'): string {
    return path + query({ ...params, format: 'csv' });
  }

  // A person's or a team's name, the handle until people.yaml is in.
  function nameOf(handle: string): string {
    if (!people || !handle) return handle;
    const person = people.people.find((p) => p.handle === handle);
    if (person?.name) return person.name;
    const team = people.teams.find((t) => (t.handle ?? t.name) === handle);
    return team?.name ?? handle;
  }

  interface Set { label: string; data: (number | null)[]; color: string }

  function bars(labels: string[], sets: Set[], unit: string, description: string,
                sideways = false): HTMLElement {
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    const value = { beginAtZero: true, title: { display: true, text: unit } };
    const config: ChartConfiguration = {
      type: 'bar',
      data: { labels, datasets: sets.map((s) => ({ label: s.label, data: s.data,
                                                   backgroundColor: s.color })) },
      options: {
        responsive: true, maintainAspectRatio: false, animation: still ? false : undefined,
        indexAxis: sideways ? 'y' : 'x',
        scales: sideways ? { x: value } : { y: value },
      },
    };
    const canvas = h('canvas', { role: 'img',
      'aria-label': `${description}: a chart; the table below has the numbers` });
    // Drawn once the canvas is in the page, so chart.js can measure its box.
    requestAnimationFrame(() => {
      if (canvas.isConnected) charts.push(new Chart(canvas, config));
    });
    // A sideways chart grows with its rows, so each bar keeps room for its label.
    // (Set through the CSSOM: the Content-Security-Policy refuses style attributes.)
    const box = h('div', { class: 'chart' }, canvas);
    if (sideways) box.style.height = `${Math.max(160, 60 + 36 * labels.length)}px`;
    return box;
  }

  return { dispose: () => charts.forEach((c) => c.destroy()) };
}
