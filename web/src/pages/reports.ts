// Reports: where handoffs leak. Charts (chart.js, only the parts used are registered) with
// the numbers of each in a table under it, and CSV exports of the same data.

import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController,
  LineElement, PointElement, Tooltip, type ChartConfiguration,
} from 'chart.js';
import { h, replace } from '../h';
import { get, messageOf, query } from '../api';
import { navigate, type Context, type Page } from '../router';
import { alertRegion, empty, link, loading, pageHeader, table } from '../ui';
import type { Report, ReportRow, Series } from '../types';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController,
               LineElement, PointElement, Legend, Tooltip);

const periods = ['7d', '30d', '90d', '365d'];
const hour_ms = 3_600_000;
const colours = { p50: '#1f5fa8', p90: '#b34700', overdue: '#b00020', declined: '#6a3d9a',
                  silent: '#8a5a00' };

export function renderReports(root: HTMLElement, ctx: Context): Page {
  const charts: Chart[] = [];
  const alert = alertRegion();
  const body = h('div', { class: 'reports' }, loading('the reports'));
  const since = periods.includes(ctx.query.get('since') ?? '') ? ctx.query.get('since')! : '30d';
  const select = h('select', { id: 'since' },
    periods.map((p) => h('option', { value: p, selected: p === since }, `last ${p}`)));
  select.addEventListener('change', () => navigate('/reports' + query({ since: select.value })));
  root.append(pageHeader('Reports', h('div', { class: 'field inline' },
    h('label', { for: 'since' }, 'Period'), select)), alert, body);
  void load();

  async function load(): Promise<void> {
    try {
      const [byPlaybook, byOwner, series] = await Promise.all([
        get<Report>('/v1/reports' + query({ since, by: 'playbook' })),
        get<Report>('/v1/reports' + query({ since, by: 'owner' })),
        get<Series>('/v1/reports/series' + query({ since })),
      ]);
      draw(byPlaybook.rows, byOwner.rows, series);
    } catch (error) {
      replace(body);
      alert.show(messageOf(error));
    }
  }

  function draw(playbooks: ReportRow[], owners: ReportRow[], series: Series): void {
    if (playbooks.length === 0 && series.days.every((d) => d.created === 0)) {
      replace(body, empty(h('p', null, `No handoffs in the last ${since}. Reports fill in as `,
        'handoffs are accepted and done. ', link('/', 'Back to the board'), '.')));
      return;
    }
    const hours = (v: number | null) => (v === null ? null : round(v / hour_ms));
    const cell = (v: number | null) => (v === null ? '—' : `${round(v / hour_ms)} h`);
    replace(body,
      block('accept', 'Time to accept, per playbook (hours)', csv({ since, by: 'playbook' }),
        bar(playbooks.map((r) => r.key), [
          { label: 'p50', data: playbooks.map((r) => hours(r.accept_p50_ms)), color: colours.p50 },
          { label: 'p90', data: playbooks.map((r) => hours(r.accept_p90_ms)), color: colours.p90 },
        ]),
        table('Time to accept, per playbook', ['Playbook', 'Handoffs', 'p50', 'p90'],
          playbooks.map((r) => [r.key, String(r.count), cell(r.accept_p50_ms),
                                cell(r.accept_p90_ms)]))),
      block('done', 'Time to done, per playbook (hours)', csv({ since, by: 'playbook' }),
        bar(playbooks.map((r) => r.key), [
          { label: 'p50', data: playbooks.map((r) => hours(r.done_p50_ms)), color: colours.p50 },
          { label: 'p90', data: playbooks.map((r) => hours(r.done_p90_ms)), color: colours.p90 },
        ]),
        table('Time to done, per playbook', ['Playbook', 'Done', 'p50', 'p90'],
          playbooks.map((r) => [r.key, String(r.done), cell(r.done_p50_ms),
                                cell(r.done_p90_ms)]))),
      block('trend', 'Overdue and declined, per day', csv({ since }, '/v1/reports/series'),
        line(series.days.map((d) => d.day), [
          { label: 'overdue', data: series.days.map((d) => d.overdue), color: colours.overdue },
          { label: 'declined', data: series.days.map((d) => d.declined), color: colours.declined },
        ]),
        table('Overdue and declined, per day', ['Day', 'Created', 'Done', 'Overdue', 'Declined'],
          series.days.map((d) => [d.day, String(d.created), String(d.done), String(d.overdue),
                                  String(d.declined)]))),
      block('silent-playbook', 'Silent delay by playbook (hours past the accept deadline)',
        csv({ since, by: 'playbook' }),
        bar(playbooks.map((r) => r.key), [{ label: 'silent delay',
          data: playbooks.map((r) => hours(r.silent_delay_ms)), color: colours.silent }]),
        table('Silent delay by playbook', ['Playbook', 'Hours', 'Overdue', 'Declined'],
          playbooks.map((r) => [r.key, cell(r.silent_delay_ms), String(r.overdue),
                                String(r.declined)]))),
      block('silent-owner', 'Silent delay by owner (hours past the accept deadline)',
        csv({ since, by: 'owner' }),
        bar(owners.map((r) => r.key), [{ label: 'silent delay',
          data: owners.map((r) => hours(r.silent_delay_ms)), color: colours.silent }]),
        table('Silent delay by owner', ['Owner', 'Hours', 'Open', 'Overdue'],
          owners.map((r) => [r.key, cell(r.silent_delay_ms), String(r.open),
                             String(r.overdue)]))));
  }

  function block(id: string, title: string, csvHref: string, canvas: HTMLElement,
                 numbers: HTMLElement): HTMLElement {
    return h('section', { class: 'report', 'aria-labelledby': `r-${id}` },
      h('div', { class: 'report-head' }, h('h2', { id: `r-${id}` }, title),
        h('a', { href: csvHref, download: true }, 'Download CSV')),
      h('div', { class: 'chart' }, canvas), numbers);
  }

  function csv(params: Record<string, string>, path = '/v1/reports'): string {
    return path + query({ ...params, format: 'csv' });
  }

  interface Set { label: string; data: (number | null)[]; color: string }

  function bar(labels: string[], sets: Set[]): HTMLElement {
    return chart({ type: 'bar', data: { labels, datasets: sets.map((s) => ({
      label: s.label, data: s.data, backgroundColor: s.color })) }, options: options() });
  }

  function line(labels: string[], sets: Set[]): HTMLElement {
    return chart({ type: 'line', data: { labels, datasets: sets.map((s) => ({
      label: s.label, data: s.data, borderColor: s.color, backgroundColor: s.color,
      tension: 0, pointRadius: 2 })) }, options: options() });
  }

  function options(): ChartConfiguration['options'] {
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    return { responsive: true, maintainAspectRatio: false, animation: still ? false : undefined,
             scales: { y: { beginAtZero: true } } };
  }

  function chart(config: ChartConfiguration): HTMLElement {
    const canvas = h('canvas', { role: 'img', 'aria-label': 'Chart; the table below has the numbers' });
    // Drawn once the canvas is in the page, so chart.js can measure its box.
    requestAnimationFrame(() => {
      if (canvas.isConnected) charts.push(new Chart(canvas, config));
    });
    return canvas;
  }

  return { dispose: () => charts.forEach((c) => c.destroy()) };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
