// A handoff's card: the definition of done, the checklist, the actions the caller may take
// (as the API lists them in allowed_actions), the timeline, the deliveries, the source
// event's data and its relay. People are named as people.yaml names them, times are the
// reader's. A failed action shows the problem's detail beside the control that failed, in a
// role=alert element the control points to (aria-describedby), and leaves the card as it
// was; the alert at the top of the page is for a card that could not be loaded.

import { h, replace } from '../h';
import { get, messageOf, post } from '../api';
import { subscribe } from '../stream';
import * as session from '../session';
import type { Context, Page } from '../router';
import { deadlineChip, heldText, when } from '../time';
import { localTimes, namesOf, timelineSentence } from '../timeline_words';
import { alertRegion, link, loading, pageHeader, relayPath, table } from '../ui';
import type { Action, Handoff, HandoffDetail, People } from '../types';

// Where one control's failure is shown: a role=alert element beside it, which the control
// names as its description and which marks a form field aria-invalid while it holds text.
interface ErrorSpot {
  el: HTMLElement;
  show(text: string): void;
  clear(): void;
}

function errorSpot(id: string, ...controls: HTMLElement[]): ErrorSpot {
  const el = h('p', { id, class: 'field-error', role: 'alert' });
  const fields = controls.filter((c) => c instanceof HTMLInputElement ||
    c instanceof HTMLSelectElement || c instanceof HTMLTextAreaElement);
  return {
    el,
    show(text: string) {
      replace(el, text);
      for (const c of controls) c.setAttribute('aria-describedby', id);
      for (const c of fields) c.setAttribute('aria-invalid', 'true');
    },
    clear() {
      replace(el);
      for (const c of controls) c.removeAttribute('aria-describedby');
      for (const c of fields) c.removeAttribute('aria-invalid');
    },
  };
}

export function renderCard(root: HTMLElement, ctx: Context): Page {
  const id = Number(ctx.params.id);
  const alert = alertRegion();
  const body = h('div', { class: 'card-page' }, loading('the handoff'));
  root.append(alert, body);
  let shown: HandoffDetail | null = null;
  let busy = false;
  let disposed = false;
  // People and teams by name; without them (people.yaml unreadable) the card says handles.
  let people: People | null = null;
  let name = namesOf(null);
  const peopleLoaded = get<People>('/v1/people').then((p) => {
    people = p;
    name = namesOf(p);
  }, () => undefined);

  if (!Number.isInteger(id) || id <= 0) {
    replace(body, pageHeader('Not found'), h('p', null, 'That is not a handoff number.'));
    return {};
  }
  void refresh();
  // A change made elsewhere (another tab, Slack, a teammate) redraws the card — unless the
  // reader is writing (a comment, a reason, a reassignment): a redraw would throw that away,
  // so the change waits, a note says so, and sending or closing the form brings it in.
  const behindNote = h('p', { class: 'muted', role: 'status', id: 'card-behind' });
  let behind = false;
  const off = subscribe(null, {
    handoff: (item: Handoff) => {
      if (item.id === id && !busy && shown && item.updated_at !== shown.updated_at) changed();
    },
    reset: () => changed(),
  });

  function writing(): boolean {
    const comment = body.querySelector<HTMLTextAreaElement>('#comment-text');
    return body.querySelector('form.ask') !== null || Boolean(comment?.value.trim());
  }

  function changed(): void {
    if (!writing()) {
      void refresh();
      return;
    }
    behind = true;
    replace(behindNote, 'Someone changed this handoff meanwhile: the card shows it once you ' +
                        'send or close what you are writing.');
  }

  async function refresh(): Promise<void> {
    try {
      const detail = await get<HandoffDetail>(`/v1/handoffs/${id}`);
      await peopleLoaded;
      if (!disposed) draw(detail);
    } catch (error) {
      if (disposed) return;
      if (!shown) replace(body, pageHeader('Handoff ' + id));
      alert.show(messageOf(error));
    }
  }

  // A problem's words with the people it names by handle said by name.
  function named(message: string): string {
    const handles = new Set((people?.people ?? []).map((p) => p.handle));
    return message.replace(/`([^`\s]+)`|[\w.-]+/g, (word, quoted?: string) => {
      const handle = quoted ?? word;
      return handles.has(handle) ? name(handle) : word;
    });
  }

  // Runs one action; on success the card is redrawn from the answer (the focus goes back to
  // the control of the same id, or to the heading), on failure it stays and `spot` says why.
  async function act(path: string, payload: unknown, spot: ErrorSpot): Promise<boolean> {
    if (busy) return false;
    busy = true;
    spot.clear();
    const focused = document.activeElement?.id ?? '';
    try {
      const detail = await post<HandoffDetail>(`/v1/handoffs/${id}/${path}`, payload);
      if (detail && Array.isArray(detail.allowed_actions) && Array.isArray(detail.timeline)) {
        draw(detail);
      } else {
        await refresh();
      }
      const again = focused ? document.getElementById(focused) : null;
      (again && !again.hasAttribute('disabled') ? again : body.querySelector('h1'))?.focus();
      return true;
    } catch (error) {
      spot.show(named(messageOf(error)));
      return false;
    } finally {
      busy = false;
    }
  }

  function draw(d: HandoffDetail): void {
    shown = d;
    behind = false;
    replace(behindNote);
    alert.clear();
    document.title = `${d.subject || d.title} · Baton`;
    const allowed = new Set<Action>(d.allowed_actions ?? []);
    const now = Date.now();
    const chip = deadlineChip(d, now);
    replace(
        body,
        h('div', {class: 'page-head'},
          h('p', {class: 'crumbs'}, link('/', 'Board'), ' / ', `#${d.id}`),
          h('h1', {tabindex: -1}, d.subject || d.title),
          h('p', {class: 'meta'}, h('span', {class: `state state-${d.state}`}, d.state), ' ',
            chip ? h('span', {class: `chip ${chip.state}`}, chip.text) : null, ' ',
            d.escalation_level > 0 ?
                h('span', {class: 'badge'}, `escalated · level ${d.escalation_level}`) :
                null)),
        h('dl', {class: 'facts'},
          fact(
              'Playbook',
              link(
                  `/playbooks/${encodeURIComponent(d.playbook)}`,
                  `${d.title || d.playbook} (version ${d.playbook_version})`)),
          fact('Given by', d.giver ? name(d.giver) : '—'),
          fact(
              'Owner of done',
              !d.owner      ? 'nobody' :
                  d.unowned ? `landed with ${name(d.owner)} — needs an owner` :
                              name(d.owner)),
          d.pending_from ?
              fact('Handed over from', `${name(d.pending_from)}, accountable until accepted`) :
              null,
          fact('Held', heldText(d, now).replace(/^held /, '')),
          fact('Accept by', when(d.accept_by)), fact('Done by', when(d.done_by)),
          fact('Relay', link(relayPath(d.subject), `Where the baton is for ${d.subject}`))),
        h('section', {'aria-labelledby': 'done-h'}, h('h2', {id: 'done-h'}, 'Definition of done'),
          h('p', {class: 'done-definition'}, d.done_definition || '—')),
        checklist(d, allowed.has('check')), actions(d, allowed), timeline(d), deliveries(d),
        h('section', {'aria-labelledby': 'event-h'}, h('h2', {id: 'event-h'}, 'Source event'),
          h('p', {class: 'muted'}, `${d.event.source} / ${d.event.id}`),
          h('pre', {class: 'json', tabindex: 0, 'aria-label': 'The event data'},
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
        const spot = errorSpot(`${boxId}-error`, box);
        box.addEventListener('change', () => {
          const want = box.checked;
          box.checked = !want;  // stays as it was until the server agrees
          void act(`checklist/${item.n}`, { checked: want }, spot);
        });
        return h('li', null, box, h('label', { for: boxId }, item.text),
          item.checked && item.checked_by
            ? h('span', { class: 'muted by' },
                ` — ${name(item.checked_by)}, ${when(item.checked_at)}`)
            : null,
          spot.el);
      })));
  }

  function actions(d: HandoffDetail, allowed: Set<Action>): HTMLElement | null {
    const region = h('div', { class: 'action-form' });
    const buttons: HTMLElement[] = [];
    const button = (key: string, text: string, onClick: () => void, cls = '') =>
      h('button', { type: 'button', id: `action-${key}`, class: cls, onclick: onClick }, text);
    // Accept and Done (with every item ticked) have no form: their failure shows under
    // the row of buttons.
    const spot = errorSpot('actions-error');
    const plain = (key: string, text: string, path: string) => {
      const b = button(key, text, () => {
        for (const other of buttons) other.removeAttribute('aria-describedby');
        b.setAttribute('aria-describedby', 'actions-error');
        void act(path, {}, spot);
      }, 'primary');
      return b;
    };
    const open = d.checklist.filter((c) => !c.checked).length;
    if (allowed.has('accept')) buttons.push(plain('accept', 'Accept', 'accept'));
    if (allowed.has('done') && open === 0) buttons.push(plain('done', 'Done', 'done'));
    if (allowed.has('done') && open > 0) {
      const what = `${open} checklist item${open === 1 ? ' is' : 's are'} open`;
      buttons.push(h('span', { class: 'open-items', id: 'done-open' }, what));
      const b = button('done', 'Done anyway…', () => ask(region, {
        label: `Why is it done with ${what.replace(/ (is|are) open$/, '')} open?`,
        verb: 'Done anyway', control: reasonBox(),
        run: (reason, s) => act('done', { force: true, reason }, s),
      }));
      b.setAttribute('aria-describedby', 'done-open');
      buttons.push(b);
    }
    if (allowed.has('decline')) {
      buttons.push(button('decline', 'Decline', () => ask(region, {
        label: 'Why do you decline it?', verb: 'Decline', control: reasonBox(),
        run: (reason, s) => act('decline', { reason }, s),
      })));
    }
    if (allowed.has('reassign')) {
      buttons.push(button('reassign', 'Reassign', () => reassign(region, d)));
    }
    if (allowed.has('cancel')) {
      buttons.push(button('cancel', 'Cancel handoff', () => ask(region, {
        label: 'Why cancel it?', verb: 'Cancel handoff', control: reasonBox(),
        run: (reason, s) => act('cancel', { reason }, s),
      })));
    }
    const comment = allowed.has('comment') ? commentForm() : null;
    if (buttons.length === 0 && !comment) return null;
    return h('section', { 'aria-labelledby': 'actions-h' },
      h('h2', { id: 'actions-h' }, 'Actions'),
      buttons.length ? h('div', { class: 'actions' }, buttons) : null, spot.el, region, comment,
      behindNote);
  }

  function reasonBox(required = true): HTMLTextAreaElement {
    return h('textarea', { id: 'ask-value', rows: 2, required, maxlength: 1000 });
  }

  function commentForm(): HTMLElement {
    const text = h('textarea', { id: 'comment-text', rows: 2, maxlength: 4000 });
    const spot = errorSpot('comment-error', text);
    return h('form', { class: 'comment', onsubmit: (e: SubmitEvent) => {
      e.preventDefault();
      if (!text.value.trim()) {
        spot.show('Write the comment first.');
        text.focus();
        return;
      }
      void act('comment', { text: text.value.trim() }, spot);
    } },
      h('label', { for: 'comment-text' }, 'Comment'), text, spot.el,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Comment')));
  }

  // Reassign: a picker of the people who may own it (not viewers, not the owner unless it
  // came back declined) and of the teams, by name; the value sent is the handle. Without
  // people.yaml's names it asks for a handle.
  function reassign(region: HTMLElement, d: HandoffDetail): void {
    const reason = h('textarea', { id: 'ask-reason', rows: 2, maxlength: 1000 });
    const extra = [h('label', { for: 'ask-reason' }, 'Why (optional)'), reason];
    const run = (to: string, s: ErrorSpot) => {
      const why = reason.value.trim();
      return act('reassign', why ? { to, reason: why } : { to }, s);
    };
    if (!people || people.people.length === 0) {
      ask(region, { label: 'Reassign to (handle)', verb: 'Reassign', extra, run,
                    control: h('input', { id: 'ask-value', type: 'text', required: true,
                                          autocomplete: 'off' }) });
      return;
    }
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    const persons = people.people
      .filter((p) => p.role !== 'viewer' && (p.handle !== d.owner || d.state === 'declined'))
      .map((p) => ({ handle: p.handle, name: p.name || p.handle })).sort(byName);
    const teams = people.teams.filter((t) => t.handle && t.members.length > 0)
      .map((t) => ({ handle: t.handle ?? '', name: t.name || t.handle || '' })).sort(byName);
    const option = (x: { handle: string; name: string }) =>
      h('option', { value: x.handle }, x.name);
    const select = h('select', { id: 'ask-value', required: true },
      h('option', { value: '' }, 'Choose a person or a team'),
      persons.length ? h('optgroup', { label: 'People' }, persons.map(option)) : null,
      teams.length ? h('optgroup', { label: 'Teams' }, teams.map(option)) : null);
    ask(region, { label: 'Reassign to', verb: 'Reassign', control: select, extra, run });
  }

  interface Ask {
    label: string;
    verb: string;
    control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
    extra?: HTMLElement[];
    run: (value: string, spot: ErrorSpot) => Promise<boolean>;
  }

  // An inline form asking for one value (a reason, a new owner), instead of a browser
  // dialog; what is wrong with it, the client's check or the server's, shows under it.
  function ask(region: HTMLElement, a: Ask): void {
    const { control } = a;
    // The button that opened it, for the focus to go back to when the form closes unsent.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const spot = errorSpot('ask-error', control);
    const form = h('form', { class: 'ask', novalidate: true, onsubmit: (e: SubmitEvent) => {
      e.preventDefault();
      const value = control.value.trim();
      if (!value) {
        spot.show(control instanceof HTMLSelectElement ? 'Choose who gets it.'
                                                      : 'Say why first: it cannot be empty.');
        control.focus();
        return;
      }
      void a.run(value, spot);
    } },
      h('label', { for: 'ask-value' }, a.label), control, spot.el, a.extra ?? null,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, a.verb),
        h('button', { type: 'button', onclick: () => {
          replace(region);
          if (opener?.isConnected) opener.focus();
          if (behind) void refresh();
        } }, 'Never mind')));
    replace(region, form);
    control.focus();
  }

  function timeline(d: HandoffDetail): HTMLElement {
    const words = {
      name, when,
      item: (n: number) => d.checklist.find((c) => c.n === n)?.text,
    };
    return h('section', { 'aria-labelledby': 'timeline-h' },
      h('h2', { id: 'timeline-h' }, 'Timeline'),
      h('ol', { class: 'timeline' }, d.timeline.map((e) =>
        h('li', { 'data-kind': e.kind },
          h('time', { datetime: e.at }, when(e.at)), ' ', timelineSentence(e, words)))));
  }

  function deliveries(d: HandoffDetail): HTMLElement {
    const list = d.deliveries ?? [];
    // Messages that wait for a channel nobody connected say so, not "pending, 0 attempts".
    const waiting = [...new Set(list.map((x) => x.waiting_for).filter((x): x is string => !!x))];
    return h(
        'section', {'aria-labelledby': 'deliveries-h'}, h('h2', {id: 'deliveries-h'}, 'Deliveries'),
        waiting.length === 0 ?
            null :
            h('div', {class: 'not-connected'},
              waiting.map((text) => h('p', null, text.replace(/ \(docs\/channels\.md\)$/, '.'))),
              session.isAdmin() ? h('p', null, link('/setup', 'Connect email and Slack')) : null),
        list.length === 0 ? h('p', {class: 'muted'}, 'No messages were sent for this handoff.') :
                            table(
                                'Messages sent for this handoff',
                                ['Channel', 'To', 'Status', 'Attempts', 'Delivered', 'Last error'],
                                list.map(
                                    (x) =>
                                        [channelName(x.channel), name(x.target),
                                         h('span', {class: `status status-${x.status}`}, x.status),
                                         String(x.attempts), when(x.delivered_at),
                                         x.last_error ? localTimes(x.last_error, when) : '—'])));
  }

  return { dispose: () => { disposed = true; off(); } };
}

// A channel as people say it; a notice (a personal heads-up) goes by email.
function channelName(channel: string): string {
    switch (channel) {
        case 'slack':
            return 'Slack';
        case 'email':
            return 'Email';
        case 'notice':
            return 'Email (a notice)';
        case 'webhook':
            return 'Webhook';
        default:
            return channel;
    }
}
