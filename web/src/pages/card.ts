// A handoff's card: the definition of done, the checklist, the actions the caller may take
// (as the API lists them in allowed_actions), the timeline, the deliveries, the source
// event's data and its relay. A failed action shows the problem's detail in the alert
// region and leaves the card as it was.

import { h, replace } from '../h';
import { get, messageOf, post } from '../api';
import { subscribe } from '../stream';
import type { Context, Page } from '../router';
import { deadlineChip, heldText, when } from '../time';
import { alertRegion, link, loading, pageHeader, relayPath, table } from '../ui';
import type { Action, Handoff, HandoffDetail } from '../types';

export function renderCard(root: HTMLElement, ctx: Context): Page {
  const id = Number(ctx.params.id);
  const alert = alertRegion();
  const body = h('div', { class: 'card-page' }, loading('the handoff'));
  root.append(alert, body);
  let shown: HandoffDetail | null = null;
  let busy = false;
  let disposed = false;

  if (!Number.isInteger(id) || id <= 0) {
    replace(body, pageHeader('Not found'), h('p', null, 'That is not a handoff number.'));
    return {};
  }
  void refresh();
  // A change made elsewhere (another tab, Slack, a teammate) redraws the card.
  const off = subscribe(null, {
    handoff: (item: Handoff) => {
      if (item.id === id && !busy && shown && item.updated_at !== shown.updated_at) void refresh();
    },
    reset: () => void refresh(),
  });

  async function refresh(): Promise<void> {
    try {
      const detail = await get<HandoffDetail>(`/v1/handoffs/${id}`);
      if (!disposed) draw(detail);
    } catch (error) {
      if (disposed) return;
      if (!shown) replace(body, pageHeader('Handoff ' + id));
      alert.show(messageOf(error));
    }
  }

  // Runs one action; on success the card is redrawn from the answer, on failure it stays.
  async function act(path: string, payload: unknown): Promise<boolean> {
    if (busy) return false;
    busy = true;
    alert.clear();
    try {
      const detail = await post<HandoffDetail>(`/v1/handoffs/${id}/${path}`, payload);
      if (detail && Array.isArray(detail.allowed_actions) && Array.isArray(detail.timeline)) {
        draw(detail);
      } else {
        await refresh();
      }
      return true;
    } catch (error) {
      alert.show(messageOf(error));
      return false;
    } finally {
      busy = false;
    }
  }

  function draw(d: HandoffDetail): void {
    shown = d;
    document.title = `${d.subject || d.title} · Baton`;
    const allowed = new Set<Action>(d.allowed_actions ?? []);
    const now = Date.now();
    const chip = deadlineChip(d, now);
    replace(body,
      h('div', { class: 'page-head' },
        h('p', { class: 'crumbs' }, link('/', 'Board'), ' / ', `#${d.id}`),
        h('h1', null, d.subject || d.title),
        h('p', { class: 'meta' },
          h('span', { class: `state state-${d.state}` }, d.state), ' ',
          chip ? h('span', { class: `chip ${chip.state}` }, chip.text) : null, ' ',
          d.escalation_level > 0
            ? h('span', { class: 'badge' }, `escalated · level ${d.escalation_level}`) : null)),
      h('dl', { class: 'facts' },
        fact('Playbook', link(`/playbooks/${encodeURIComponent(d.playbook)}`,
                              `${d.title || d.playbook} (v${d.playbook_version})`)),
        fact('Given by', d.giver || '—'),
        fact('Owner of done', d.unowned || !d.owner ? 'unowned' : d.owner),
        d.pending_from ? fact('Handed over from', d.pending_from) : null,
        fact('Held', heldText(d, now)),
        fact('Accept by', when(d.accept_by)),
        fact('Done by', when(d.done_by)),
        fact('Relay', link(relayPath(d.subject), `Where the baton is for ${d.subject}`))),
      h('section', { 'aria-labelledby': 'done-h' },
        h('h2', { id: 'done-h' }, 'Definition of done'),
        h('p', { class: 'done-definition' }, d.done_definition || '—')),
      checklist(d, allowed.has('check')),
      actions(allowed),
      timeline(d),
      deliveries(d),
      h('section', { 'aria-labelledby': 'event-h' },
        h('h2', { id: 'event-h' }, 'Source event'),
        h('p', { class: 'muted' }, `${d.event.source} / ${d.event.id}`),
        h('pre', { class: 'json', tabindex: 0, 'aria-label': 'The event data' },
          JSON.stringify(d.data, null, 2))));
  }

  function fact(term: string, value: Node | string): HTMLElement[] {
    return [h('dt', null, term), h('dd', null, value)];
  }

  function checklist(d: HandoffDetail, canCheck: boolean): HTMLElement {
    const done = d.checklist.filter((c) => c.checked).length;
    return h('section', { 'aria-labelledby': 'check-h' },
      h('h2', { id: 'check-h' }, `Checklist ${done}/${d.checklist.length}`),
      d.checklist.length === 0 ? h('p', { class: 'muted' }, 'No checklist.') :
      h('ul', { class: 'checklist' }, d.checklist.map((item) => {
        const boxId = `item-${item.n}`;
        const box = h('input', { type: 'checkbox', id: boxId, checked: item.checked,
                                 disabled: !canCheck });
        box.addEventListener('change', () => {
          const want = box.checked;
          box.checked = !want;  // stays as it was until the server agrees
          void act(`checklist/${item.n}`, { checked: want });
        });
        return h('li', null, box, h('label', { for: boxId }, item.text),
          item.checked && item.checked_by
            ? h('span', { class: 'muted by' }, ` — ${item.checked_by}, ${when(item.checked_at)}`)
            : null);
      })));
  }

  function actions(allowed: Set<Action>): HTMLElement | null {
    const region = h('div', { class: 'action-form' });
    const buttons: HTMLElement[] = [];
    const button = (text: string, onClick: () => void, cls = '') =>
      h('button', { type: 'button', class: cls, onclick: onClick }, text);
    if (allowed.has('accept')) buttons.push(button('Accept', () => void act('accept', {}), 'primary'));
    if (allowed.has('done')) buttons.push(button('Done', () => void act('done', {}), 'primary'));
    if (allowed.has('decline')) {
      buttons.push(button('Decline', () => ask(region, 'Why do you decline it?', 'Decline',
        'textarea', (reason) => act('decline', { reason }))));
    }
    if (allowed.has('reassign')) {
      buttons.push(button('Reassign', () => ask(region, 'Reassign to (handle)', 'Reassign',
        'input', (to) => act('reassign', { to }))));
    }
    if (allowed.has('cancel')) {
      buttons.push(button('Cancel handoff', () => ask(region, 'Why cancel it?', 'Cancel handoff',
        'textarea', (reason) => act('cancel', { reason }))));
    }
    let comment: HTMLElement | null = null;
    if (allowed.has('comment')) {
      const text = h('textarea', { id: 'comment-text', rows: 2, maxlength: 4000 });
      comment = h('form', { class: 'comment', onsubmit: (e: SubmitEvent) => {
        e.preventDefault();
        if (!text.value.trim()) return;
        void act('comment', { text: text.value.trim() });
      } },
        h('label', { for: 'comment-text' }, 'Comment'), text,
        h('button', { type: 'submit' }, 'Comment'));
    }
    if (buttons.length === 0 && !comment) return null;
    return h('section', { 'aria-labelledby': 'actions-h' },
      h('h2', { id: 'actions-h' }, 'Actions'),
      buttons.length ? h('div', { class: 'actions' }, buttons) : null, region, comment);
  }

  // An inline form asking for one value (a reason, a handle), instead of a browser dialog.
  function ask(region: HTMLElement, label: string, verb: string, kind: 'input' | 'textarea',
               run: (value: string) => Promise<boolean>): void {
    const control = kind === 'input'
      ? h('input', { id: 'ask-value', type: 'text', required: true, autocomplete: 'off' })
      : h('textarea', { id: 'ask-value', rows: 2, required: true, maxlength: 2000 });
    const form = h('form', { class: 'ask', onsubmit: (e: SubmitEvent) => {
      e.preventDefault();
      const value = control.value.trim();
      if (!value) {
        alert.show(`${label.replace(/\?$/, '')}: this cannot be empty.`);
        return;
      }
      void run(value);
    } },
      h('label', { for: 'ask-value' }, label), control,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, verb),
        h('button', { type: 'button', onclick: () => replace(region) }, 'Never mind')));
    replace(region, form);
    control.focus();
  }

  function timeline(d: HandoffDetail): HTMLElement {
    return h('section', { 'aria-labelledby': 'timeline-h' },
      h('h2', { id: 'timeline-h' }, 'Timeline'),
      h('ol', { class: 'timeline' }, d.timeline.map((e) =>
        h('li', null,
          h('time', { datetime: e.at }, when(e.at)), ' ',
          h('strong', null, e.actor || 'baton'), ' ',
          h('span', { class: 'kind' }, e.kind), e.text ? ': ' : '', e.text))));
  }

  function deliveries(d: HandoffDetail): HTMLElement {
    const list = d.deliveries ?? [];
    return h('section', { 'aria-labelledby': 'deliveries-h' },
      h('h2', { id: 'deliveries-h' }, 'Deliveries'),
      list.length === 0 ? h('p', { class: 'muted' }, 'No messages were sent for this handoff.')
        : table('Messages sent for this handoff',
            ['Channel', 'To', 'Status', 'Attempts', 'Delivered', 'Last error'],
            list.map((x) => [x.channel, x.target,
              h('span', { class: `status status-${x.status}` }, x.status), String(x.attempts),
              when(x.delivered_at), x.last_error ?? '—'])));
  }

  return { dispose: () => { disposed = true; off(); } };
}
