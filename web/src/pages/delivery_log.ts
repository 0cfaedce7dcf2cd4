// The delivery log on the Sources page: every inbound delivery in plain words, newest first,
// filtered by outcome and source, paged with Older; a row opens to the request as received
// (credentials shown as •••), and a refused one that can be replayed has a Replay button.

import { h, replace } from '../h';
import { ApiError, get, messageOf, post, query } from '../api';
import { deliveryWords, replayWords, type Piece } from '../delivery_words';
import { when } from '../time';
import { alertRegion, handoffPath, link } from '../ui';
import type { InboundDelivery, InboundDeliveryDetail, InboundDeliveryPage } from '../types';

const page_limit = 50;

const outcomes: [string, string][] = [
  ['', 'Every outcome'], ['accepted', 'Accepted'], ['unmatched', 'Unmatched'],
  ['duplicate', 'Duplicate'], ['challenge', 'Challenge'], ['refused', 'Refused'],
];

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
      ? `${page.unlogged} more ${page.unlogged === 1 ? 'delivery' : 'deliveries'} arrived ` +
        'but could not be logged.'
      : '';
  };
  async function reload(highlight?: InboundDelivery['id']): Promise<void> {
    alert.clear();
    if (highlight !== undefined) outcome.value = source.value = '';  // so that it is shown
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
    h('p', { class: refused ? 'words bad' : 'words' }, nodes(deliveryWords(d))),
    history(d),
    h('div', { class: 'actions' }, toggle, replay), answer, detail);
}

function outcomeWord(outcome: string): string {
  return outcome.charAt(0).toUpperCase() + outcome.slice(1);
}

// The words with each handoff a link to its card.
function nodes(pieces: Piece[]): (Node | string)[] {
  return pieces.map((p) =>
    typeof p === 'string' ? p : link(handoffPath(p.handoff), `#${p.handoff}`));
}

function history(d: InboundDelivery): HTMLElement | null {
  const parts: string[] = [];
  if (d.replay_of !== null) parts.push(`A replay of delivery ${d.replay_of}.`);
  if (d.replayed_at) {
    // replayed_by is the delivery that replayed it (the log's own id), not a person.
    const by = d.replayed_by !== null ? ` as delivery ${d.replayed_by}` : '';
    parts.push(`Replayed ${when(d.replayed_at)}${by}.`);
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
    replace(answer, ...nodes(replayWords(replayed)));
    answer.classList.add(replayed.outcome === 'refused' ? 'bad' : 'ok');
    button.closest('li')?.classList.add('replayed');
    if (replayed.outcome !== 'refused') {
      // Done: nothing is left to replay, and the focus goes to what the replay did.
      button.remove();
      answer.tabIndex = -1;
      answer.focus();
    }
  } catch (error) {
    answer.textContent = error instanceof ApiError && error.status === 409
      ? messageOf(error) : 'The replay failed: ' + messageOf(error);
    answer.classList.add('bad');
  } finally {
    button.disabled = false;
  }
}
