// The delivery log on the Sources page: every inbound delivery in plain words, newest first,
// filtered by outcome and source, paged with Older; a row opens to the request as received
// (credentials shown as •••), and a refused one that can be replayed has a Replay button.

import { h, replace } from '../h';
import { ApiError, get, messageOf, post, query } from '../api';
import { when } from '../time';
import { alertRegion, handoffPath, link } from '../ui';
import type {
  InboundDelivery, InboundDeliveryDetail, InboundDeliveryEvent, InboundDeliveryPage,
} from '../types';

const page_limit = 50;

const outcomes: [string, string][] = [
  ['', 'Every outcome'], ['accepted', 'Accepted'], ['unmatched', 'Unmatched'],
  ['duplicate', 'Duplicate'], ['challenge', 'Challenge'], ['refused', 'Refused'],
];

// The step of intake that refused a delivery, as a reader says it.
const stages: Record<string, string> = {
  source: 'source', signature: 'signature', body: 'body', 'event-type': 'event type',
  mapping: 'mapping', event: 'event',
};

export interface DeliveryLog {
  el: HTMLElement;
  reload(highlight?: InboundDelivery['id']): Promise<void>;
  setSources(names: string[]): void;
}

export function renderDeliveryLog(): DeliveryLog {
  const alert = alertRegion();
  const outcome = h('select', { id: 'log-outcome', name: 'outcome', onchange: () => void reload() },
    outcomes.map(([value, text]) => h('option', { value }, text)));
  const source = h('select', { id: 'log-source', name: 'source', onchange: () => void reload() },
    h('option', { value: '' }, 'Every source'));
  const rows = h('ol', { class: 'deliveries', 'aria-live': 'polite', 'aria-busy': 'true' });
  const note = h('p', { class: 'muted' });
  const older = h('button', { type: 'button', hidden: true, onclick: () => void more() }, 'Older');
  let cursor: string | null = null;

  const fetchPage = (after: string | null) => get<InboundDeliveryPage>('/v1/deliveries' + query({
    limit: page_limit, source: source.value, outcome: outcome.value, cursor: after }));
  const show = (page: InboundDeliveryPage, highlight?: InboundDelivery['id']) => {
    for (const d of page.items) rows.append(deliveryRow(d, d.id === highlight));
    cursor = page.next_cursor;
    older.hidden = !cursor;
    note.textContent = page.unlogged > 0
      ? `${page.unlogged} more ${page.unlogged === 1 ? 'delivery was' : 'deliveries were'} ` +
        'refused too fast to log each one (counted in /metrics).'
      : '';
  };
  async function reload(highlight?: InboundDelivery['id']): Promise<void> {
    alert.clear();
    rows.setAttribute('aria-busy', 'true');
    try {
      const page = await fetchPage(null);
      replace(rows);
      show(page, highlight);
      if (page.items.length === 0) rows.append(h('li', { class: 'muted' }, nothingText()));
    } catch (error) {
      alert.show(messageOf(error));
    } finally {
      rows.setAttribute('aria-busy', 'false');
    }
  }
  async function more(): Promise<void> {
    older.disabled = true;
    try {
      show(await fetchPage(cursor));
    } catch (error) {
      alert.show(messageOf(error));
    } finally {
      older.disabled = false;
    }
  }
  const nothingText = () => outcome.value || source.value
    ? 'No delivery matches these filters.'
    : 'No delivery yet: send a test delivery, or wait for the vendor\'s first.';

  const el = h('section', { class: 'panel', 'aria-labelledby': 'log-h' },
    h('h2', { id: 'log-h' }, 'Delivery log'),
    h('div', { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'log-outcome' }, 'Outcome'), outcome),
      h('div', { class: 'field' }, h('label', { for: 'log-source' }, 'Source'), source)),
    alert, rows, note, h('div', { class: 'actions' }, older));
  return {
    el,
    reload,
    setSources(names) {
      const chosen = source.value;
      replace(source, h('option', { value: '' }, 'Every source'),
        names.map((n) => h('option', { value: n, selected: n === chosen }, n)));
    },
  };
}

function deliveryRow(d: InboundDelivery, fresh: boolean): HTMLLIElement {
  const detail = h('div', { class: 'delivery-detail', id: `delivery-${d.id}-detail`,
                            hidden: true });
  const toggle = h('button', { type: 'button', class: 'quiet', 'aria-expanded': 'false',
    'aria-controls': detail.id, onclick: () => void openDetail(d, toggle, detail) }, 'Details');
  const answer = h('p', { class: 'replay-answer', 'aria-live': 'polite' });
  const replay = d.replayable
    ? h('button', { type: 'button', onclick: () => void doReplay(d, replay as HTMLButtonElement,
      answer) }, 'Replay')
    : null;
  const refused = d.outcome === 'refused';
  return h('li', { class: `delivery outcome-${d.outcome}${fresh ? ' fresh' : ''}`,
                   'data-id': String(d.id) },
    h('div', { class: 'row' },
      h('span', { class: `status outcome-${d.outcome}` }, outcomeWord(d.outcome)),
      h('span', { class: 'source' }, d.source),
      h('time', { datetime: d.received_at }, when(d.received_at)),
      fresh ? h('span', { class: 'badge' }, 'New') : null),
    h('p', { class: refused ? 'words bad' : 'words' }, deliveryWords(d)),
    history(d),
    h('div', { class: 'actions' }, toggle, replay), answer, detail);
}

function outcomeWord(outcome: string): string {
  return outcome.charAt(0).toUpperCase() + outcome.slice(1);
}

// "Refused: the mapping — [0].id: …", "Accepted: started handoff #14": a row in words.
export function deliveryWords(d: InboundDelivery): (Node | string)[] {
  if (d.outcome === 'refused') return ['Refused: ' + refusal(d)];
  if (d.outcome === 'challenge') return ['Challenge: answered the vendor\'s check of the URL'];
  if (d.outcome === 'duplicate') {
    return ['Duplicate: already received, nothing changed', ...eventIds(d.events)];
  }
  if (d.outcome === 'unmatched') {
    const types = [...new Set(d.events.map((e) => e.type))].join(', ');
    return [`Unmatched: no playbook starts on ${types || 'this event'}`];
  }
  return ['Accepted: ', ...effects(d.events)];
}

function refusal(d: InboundDelivery): string {
  const stage = stages[d.stage];
  const what = d.field ? `${d.field}: ${d.message}` : d.message;
  return stage ? `the ${stage} — ${what}` : what;
}

function eventIds(events: InboundDeliveryEvent[]): string[] {
  return events.length ? [` (${events.map((e) => e.id).join(', ')})`] : [];
}

// What the events did: handoffs started and ticked, each a link to its card.
function effects(events: InboundDeliveryEvent[]): (Node | string)[] {
  const started = events.flatMap((e) => e.handoffs);
  const ticked = events.flatMap((e) => e.ticked);
  const out: (Node | string)[] = [];
  const list = (verb: string, ids: number[]) => {
    if (!ids.length) return;
    if (out.length) out.push('; ');
    out.push(`${verb} handoff${ids.length === 1 ? '' : 's'} `);
    ids.forEach((id, i) => out.push(...(i ? [', '] : []), link(handoffPath(id), `#${id}`)));
  };
  list('started', started);
  list('ticked', ticked);
  if (!out.length) out.push(`${events.length} event${events.length === 1 ? '' : 's'} stored`);
  return out;
}

function history(d: InboundDelivery): HTMLElement | null {
  const parts: string[] = [];
  if (d.replay_of !== null) parts.push(`A replay of delivery ${d.replay_of}.`);
  if (d.replayed_at) {
    parts.push(`Replayed ${when(d.replayed_at)}${d.replayed_by ? ` by ${d.replayed_by}` : ''}.`);
  }
  if (d.body_partial) parts.push('The body was too long to keep whole: only its start is logged.');
  return parts.length ? h('p', { class: 'meta' }, parts.join(' ')) : null;
}

async function openDetail(d: InboundDelivery, toggle: HTMLButtonElement, detail: HTMLElement):
    Promise<void> {
  const open = toggle.getAttribute('aria-expanded') !== 'true';
  toggle.setAttribute('aria-expanded', String(open));
  detail.hidden = !open;
  if (!open || detail.childElementCount) return;
  replace(detail, h('p', { class: 'muted', role: 'status' }, 'Loading the delivery…'));
  try {
    const full =
      await get<InboundDeliveryDetail>(`/v1/deliveries/${encodeURIComponent(String(d.id))}`);
    const head = [`${full.method} ${full.uri}`, ...full.headers.map(([n, v]) => `${n}: ${v}`)];
    replace(detail,
      h('h3', null, 'Headers'), h('pre', { class: 'json', tabindex: 0 }, head.join('\n')),
      h('h3', null, full.body_partial ? 'Body (the start of it)' : 'Body'),
      h('pre', { class: 'json', tabindex: 0 }, full.body || '(empty)'));
  } catch (error) {
    replace(detail, h('p', { class: 'bad' }, messageOf(error)));
  }
}

async function doReplay(d: InboundDelivery, button: HTMLButtonElement, answer: HTMLElement):
    Promise<void> {
  button.disabled = true;
  answer.className = 'replay-answer';
  answer.textContent = 'Replaying…';
  try {
    const replayed = await post<InboundDelivery>(
      `/v1/deliveries/${encodeURIComponent(String(d.id))}/replay`);
    replace(answer, ...replayWords(replayed));
    answer.classList.add(replayed.outcome === 'refused' ? 'bad' : 'ok');
    button.closest('li')?.classList.add('replayed');
  } catch (error) {
    answer.textContent = error instanceof ApiError && error.status === 409
      ? messageOf(error) : 'The replay failed: ' + messageOf(error);
    answer.classList.add('bad');
  } finally {
    button.disabled = false;
  }
}

// "Replayed: accepted, started handoff #15", "Replayed, refused again: the signature — …".
function replayWords(d: InboundDelivery): (Node | string)[] {
  if (d.outcome === 'refused') return ['Replayed, refused again: ' + refusal(d)];
  const [first, ...rest] = deliveryWords(d);
  const text = typeof first === 'string' ? first.replace(/^(\w+): ?/, '$1, ') : '';
  return [`Replayed: ${text.charAt(0).toLowerCase()}${text.slice(1)}`, ...rest];
}
