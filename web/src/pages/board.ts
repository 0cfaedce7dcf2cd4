// The board: Needs an owner · Waiting · Accepted · Done (the last 7 days), a card per
// handoff, overdue cards first in each column, filters kept in the URL, and live updates
// from the tab's stream. Needs an owner holds what nobody holds: declined (back to the giver
// to reassign) and unowned (nobody the playbook named could take it), so that the card that
// most needs an owner is never the one nobody can see. Built for 10,000 open handoffs: the list
// comes in the card view (GET /v1/handoffs?view=card: a third of the bytes, 5,000 a page),
// each column is built in a DocumentFragment and appended once,
// and the cards use `content-visibility: auto` so the browser lays out only what is seen.

import { h, replace } from '../h';
import { get, messageOf, query } from '../api';
import * as session from '../session';
import { subscribe } from '../stream';
import { navigate, type Context, type Page } from '../router';
import { deadlineChip, duration, heldText, ms } from '../time';
import { alertRegion, empty, handoffPath, link, pageHeader } from '../ui';
import { setupState, stepsLeft } from './setup';
import type { CardHandoff, HandoffPage, People, PlaybookRef } from '../types';

const recent_done_ms = 7 * 24 * 3600 * 1000;
const page_limit = 5000;  // the card view's largest page
const first_page_cards = 200;  // an open column's first page: its first screen
const search_debounce_ms = 300;
// Cards drawn per column before the first paint, and per task after it.
const first_draw_cards = 100;
const chunk_cards = 500;

type Column = 'needs' | 'waiting' | 'accepted' | 'done';
const columns: { state: Column; title: string; none: string }[] = [
  { state: 'needs', title: 'Needs an owner', none: 'Every open handoff has an owner.' },
  { state: 'waiting', title: 'Waiting', none: 'Nothing is waiting to be accepted.' },
  { state: 'accepted', title: 'Accepted', none: 'Nothing is in progress.' },
  { state: 'done', title: 'Done', none: 'Nothing was finished in the last 7 days.' },
];

interface Filters {
  playbook: string;
  owner: string;
  team: string;
  overdue: boolean;
  mine: boolean;
  q: string;
}

function filtersOf(q: URLSearchParams): Filters {
  return {
    playbook: q.get('playbook') ?? '',
    owner: q.get('owner') ?? '',
    team: q.get('team') ?? '',
    overdue: q.get('overdue') === 'true',
    mine: q.get('mine') === 'true',
    q: q.get('q') ?? '',
  };
}

function anyFilter(f: Filters): boolean {
  return Boolean(f.playbook || f.owner || f.team || f.overdue || f.mine || f.q);
}

// A handoff on the board; el is null until its card is drawn.
interface CardRef {
  h: CardHandoff;
  el: HTMLLIElement | null;
  chip: HTMLElement | null;
  held: HTMLElement | null;
  meta: HTMLElement | null;
  column: Column;
}

// One request sequence that fills a column; `stream` pages are drawn as they come.
interface Pass {
  params: Record<string, string | boolean>;
  stream: boolean;
}

export function renderBoard(root: HTMLElement, ctx: Context): Page {
  let filters = filtersOf(ctx.query);
  let people: People | null = null;
  let playbookNames: string[] = [];
  let generation = 0;
  let baseSeq = 0;
  let loading = true;
  const pending: [CardHandoff, number][] = [];
  const cards = new Map<number, CardRef>();
  // Cards fetched but not drawn yet, drawn a chunk per task; per column in the order queued.
  let queue: { column: Column; refs: CardRef[]; next: number }[] = [];
  let draining = false;
  const alert = alertRegion();

  // The filter form; every change goes into the URL (pushState), and the URL drives the load.
  const playbookSelect = h('select', { id: 'f-playbook', name: 'playbook' });
  const ownerSelect = h('select', { id: 'f-owner', name: 'owner' });
  const teamSelect = h('select', { id: 'f-team', name: 'team' });
  const overdueBox = h('input', { id: 'f-overdue', type: 'checkbox', name: 'overdue' });
  const mineBox = h('input', { id: 'f-mine', type: 'checkbox', name: 'mine' });
  const search = h('input', { id: 'f-q', type: 'search', name: 'q', placeholder: 'Subject…',
                              autocomplete: 'off' });
  const clear = h('a', { href: '/', class: 'clear-filters' }, 'Clear filters');
  let searchTimer = 0;
  for (const select of [playbookSelect, ownerSelect, teamSelect]) {
    select.addEventListener('change', pushFilters);
  }
  overdueBox.addEventListener('change', pushFilters);
  mineBox.addEventListener('change', pushFilters);
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(pushFilters, search_debounce_ms);
  });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the board',
                           onsubmit: (e: SubmitEvent) => { e.preventDefault(); pushFilters(); } },
    field('f-q', 'Search subjects', search),
    field('f-playbook', 'Playbook', playbookSelect),
    field('f-owner', 'Owner', ownerSelect),
    field('f-team', 'Team', teamSelect),
    h('div', { class: 'checks' },
      h('label', { for: 'f-overdue', class: 'check' }, overdueBox, ' Overdue'),
      h('label', { for: 'f-mine', class: 'check' }, mineBox, ' Mine')),
    clear);

  const status = h('p', { class: 'board-status muted', 'aria-live': 'polite' });
  const notice = h('div', { class: 'board-notice' });
  // An admin of a workspace not yet set up (no channels, no first handoff) is told the steps.
  const setup = h('div', { class: 'setup-banner', hidden: true });
  const lists = new Map<Column, HTMLOListElement>();
  const counts = new Map<Column, HTMLElement>();
  const nones = new Map<Column, HTMLElement>();
  const grid = h('div', { class: 'columns' }, columns.map((c) => {
    const list = h('ol', { class: 'cards', 'aria-labelledby': `col-${c.state}` });
    const count = h('span', { class: 'count' }, '0');
    const none = h('p', { class: 'column-empty muted', hidden: true }, c.none);
    lists.set(c.state, list);
    counts.set(c.state, count);
    nones.set(c.state, none);
    return h('section', { class: `column column-${c.state}`, 'data-column': c.state },
      h('h2', { id: `col-${c.state}` }, c.title, ' ', count), none, list);
  }));

  root.append(pageHeader('Board', status), setup, form, alert, notice, grid);
  syncForm();
  fillOptions();
  drawSetup();
  void load();

  const unsubscribe = subscribeLater();
  const tick = window.setInterval(refreshTimes, 60_000);

  function field(id: string, label: string, control: HTMLElement): HTMLElement {
    return h('div', { class: 'field' }, h('label', { for: id }, label), control);
  }

  function pushFilters(): void {
    const url = '/' + query({
      playbook: playbookSelect.value, owner: ownerSelect.value, team: teamSelect.value,
      overdue: overdueBox.checked, mine: mineBox.checked, q: search.value.trim(),
    });
    if (url !== location.pathname + location.search) navigate(url);
  }

  function syncForm(): void {
    setOptions(playbookSelect, 'Every playbook', [], filters.playbook);
    setOptions(ownerSelect, 'Everyone', [], filters.owner);
    setOptions(teamSelect, 'Every team', [], filters.team);
    overdueBox.checked = filters.overdue;
    mineBox.checked = filters.mine;
    if (document.activeElement !== search) search.value = filters.q;
    clear.hidden = !anyFilter(filters);
    if (people || playbookNames.length) fillSelects();
  }

  function fillOptions(): void {
    get<{ items: PlaybookRef[] }>('/v1/playbooks').then((answer) => {
      playbookNames = answer.items.map((p) => p.id).sort();
      fillSelects();
    }).catch(() => undefined);
    loadPeople().then(() => {
      fillSelects();
      renameCards();
    }).catch(() => undefined);
  }

  function drawSetup(): void {
    if (!session.isAdmin()) return;
    setupState().then((state) => {
      const left = stepsLeft(state);
      if (left === 0) return;
      replace(setup, h('p', null, h('strong', null, 'Finish setting up Baton: '),
        `${left} of 4 steps left`,
        state.channels.channels === null ? ' — Slack and email are not connected yet, so ' +
          'no message is sent. ' : '. ',
        link('/setup', 'Set up Baton')));
      setup.hidden = false;
    }).catch(() => undefined);
  }

  function fillSelects(): void {
    setOptions(playbookSelect, 'Every playbook', playbookNames, filters.playbook);
    if (people) {
      setOptions(ownerSelect, 'Everyone',
                 people.people.map((p) => [p.handle, p.name ? `${p.name} (${p.handle})` : p.handle]),
                 filters.owner);
      setOptions(teamSelect, 'Every team', people.teams.map((t) => teamName(t)), filters.team);
    }
  }

  async function loadPeople(): Promise<People> {
    if (!people) people = await get<People>('/v1/people');
    return people;
  }

  function subscribeLater(): () => void {
    let off: (() => void) | null = null;
    let cancelled = false;
    const wait = window.setInterval(() => {
      if (loading) return;
      clearInterval(wait);
      if (!cancelled) off = subscribe(baseSeq, { handoff: onHandoff, reset: () => void load() });
    }, 20);
    return () => {
      cancelled = true;
      clearInterval(wait);
      off?.();
    };
  }

  // Each column loads on its own. Waiting and accepted come newest first, so their small first
  // page is their first screen and is drawn at once while older pages follow; done (shown by
  // when it closed) is drawn when all of it is in. Stream news waits in `pending` until every
  // column is in, then applies what the pages did not already show (seq > baseSeq).
  async function load(): Promise<void> {
    const mine = ++generation;
    loading = true;
    delete root.dataset.board;  // drawn, then complete, again for this load
    alert.clear();
    status.textContent = 'Loading…';
    cards.clear();
    queue = [];
    const since = new Date(Date.now() - recent_done_ms).toISOString();
    const common = {
      playbook: filters.playbook, owner: filters.owner, team: filters.team,
      overdue: filters.overdue, mine: filters.mine, q: filters.q,
    };
    let toShow = columns.length;
    const shown = () => {
      if (--toShow > 0 || mine !== generation) return;
      drawNotice();
      root.dataset.board = 'drawn';
      requestAnimationFrame(() => setTimeout(() => performance.mark('board-drawn'), 0));
    };
    try {
      if (filters.team) await loadPeople().catch(() => null);
      const seqs = await Promise.all(columns.map((c) => loadColumn(
        c.state, passesOf(c.state, common, since), mine, shown)));
      if (mine !== generation) return;
      performance.mark('board-fetched');
      baseSeq = Math.min(...seqs);
      loading = false;
      updateCounts();
      drawNotice();
      for (const [hf, seq] of pending.splice(0)) onHandoff(hf, seq);
      startDrain();
    } catch (error) {
      if (mine !== generation) return;
      loading = false;
      status.textContent = '';
      alert.show(messageOf(error));
    }
  }

  // The requests that fill a column, in the order its cards are shown. Waiting and accepted:
  // the overdue ones first, then the rest newest first, their first page drawn at once while
  // older pages follow. Needs an owner (declined, and waiting but unowned) and done (shown by
  // when it closed) are small and drawn sorted when all of them are in.
  function passesOf(column: Column, common: Record<string, string | boolean>,
                    since: string): Pass[] {
    if (column === 'done') {
      return [{ params: { ...common, state: 'done', closed_since: since }, stream: false }];
    }
    if (column === 'needs') {
      return [{ params: { ...common, state: 'declined' }, stream: false },
              { params: { ...common, state: 'waiting', unowned: true }, stream: false }];
    }
    const all = { params: { ...common, state: column }, stream: true };
    return filters.overdue ? [all] : [{ params: { ...all.params, overdue: true }, stream: true }, all];
  }

  async function loadColumn(column: Column, passes: Pass[], mine: number,
                            shown: () => void): Promise<number> {
    const held: CardHandoff[] = [];
    let seq = Number.MAX_SAFE_INTEGER;
    let first = true;
    for (const [index, pass] of passes.entries()) {
      let cursor: string | null = null;
      let firstOfPass = true;
      do {
        const limit = pass.stream && firstOfPass ? first_page_cards : page_limit;
        const page: HandoffPage<CardHandoff> = await get<HandoffPage<CardHandoff>>(
          '/v1/handoffs' + query({ ...pass.params, view: 'card', order: 'desc', limit, cursor }));
        if (mine !== generation) return 0;
        if (typeof page.change_seq === 'number') seq = Math.min(seq, page.change_seq);
        if (pass.stream) {
          add(column, page.items, first);
          first = false;
          if (index === 0 && firstOfPass) shown();  // the overdue come first
        } else {
          for (const item of page.items) held.push(item);
        }
        firstOfPass = false;
        cursor = page.next_cursor;
      } while (cursor);
    }
    if (held.length > 0 || first) {
      const now = Date.now();
      held.sort((a, b) => sortKey(b, now) - sortKey(a, now));
      add(column, held, true);
      shown();
    }
    return seq === Number.MAX_SAFE_INTEGER ? 0 : seq;
  }

  // A column's first cards replace what it showed and are drawn now, as are later ones while
  // the column's first screen is not full and nothing waits before them; the rest are queued.
  // A card already on the board (an overdue one, met again among the newest) is skipped.
  function add(column: Column, items: CardHandoff[], fresh: boolean): void {
    const refs = items.filter((x) => columnOf(x) === column && (fresh || !cards.has(x.id)))
      .map((x) => entry(x, column));
    const list = lists.get(column)!;
    const room = fresh ? first_draw_cards
      : queue.some((q) => q.column === column) ? 0
      : Math.max(0, first_draw_cards - list.childElementCount);
    const fragment = document.createDocumentFragment();
    const now = Date.now();
    for (const ref of refs.splice(0, room)) fragment.appendChild(render(ref, now));
    if (fresh) replace(list, fragment);
    else list.appendChild(fragment);
    if (refs.length > 0) queue.push({ column, refs, next: 0 });
    updateCounts();
    if (loading) status.textContent += ' · loading…';
  }

  // Drawing the rest waits until every page is in: drawing while pages arrive held up the
  // requests for the next pages (each needs the one before parsed for its cursor).
  function startDrain(): void {
    if (draining) return;
    if (queue.length === 0) {
      finish();
      return;
    }
    draining = true;
    setTimeout(drain, 0);
  }

  function drain(): void {
    let budget = chunk_cards;
    const now = Date.now();
    while (budget > 0 && queue.length > 0) {
      const part = queue[0];
      const { column, refs } = part;
      const fragment = document.createDocumentFragment();
      while (budget > 0 && part.next < refs.length) {
        const ref = refs[part.next++];
        budget--;
        // Skip a card the stream has since removed, moved or drawn.
        if (cards.get(ref.h.id) !== ref || ref.column !== column || ref.el) continue;
        fragment.appendChild(render(ref, now));
      }
      lists.get(column)!.appendChild(fragment);
      if (part.next === refs.length) queue.shift();
    }
    if (queue.length > 0) {
      setTimeout(drain, 0);
      return;
    }
    draining = false;
    if (!loading) finish();
  }

  // Every page is in and every card drawn.
  function finish(): void {
    root.dataset.board = 'complete';
    requestAnimationFrame(() => setTimeout(() => performance.mark('board-complete'), 0));
  }

  function onHandoff(item: CardHandoff, seq: number): void {
    if (loading) {
      pending.push([item, seq]);
      return;
    }
    if (seq && seq <= baseSeq) return;
    const old = cards.get(item.id);
    const column = columnOf(item);
    if (!column || !matches(item)) {
      if (old) {
        old.el?.remove();
        cards.delete(item.id);
        updateCounts();
        drawNotice();
      }
      return;
    }
    if (old && old.column === column) {
      const now = Date.now();
      const moved = sortKey(old.h, now) !== sortKey(item, now);
      old.h = item;
      if (old.el) {
        const before = old.el;
        old.el = null;
        const el = render(old, now);
        if (moved) {
          before.remove();
          insertSorted(lists.get(column)!, el, sortKey(item, now));
        } else {
          before.replaceWith(el);
        }
      }
      return;
    }
    old?.el?.remove();
    const ref = entry(item, column);
    const now = Date.now();
    insertSorted(lists.get(column)!, render(ref, now), sortKey(item, now));
    updateCounts();
    drawNotice();
  }

  // Declined (back to the giver) and unowned (landed with a fallback) need an owner.
  function columnOf(item: CardHandoff): Column | null {
    if (item.state === 'declined' || (item.state === 'waiting' && item.unowned)) return 'needs';
    if (item.state === 'waiting' || item.state === 'accepted') return item.state;
    if (item.state === 'done') {
      const closed = ms(item.closed_at);
      return closed !== null && Date.now() - closed <= recent_done_ms ? 'done' : null;
    }
    return null;
  }

  // The filters, applied to a card that arrives on the stream (the server applied them to
  // the list already).
  function matches(item: CardHandoff): boolean {
    if (filters.playbook && item.playbook !== filters.playbook) return false;
    if (filters.owner && item.owner !== filters.owner) return false;
    if (filters.mine && !isMine(item)) return false;
    if (filters.overdue && !item.overdue_to_accept && !item.overdue_to_finish) return false;
    if (filters.team) {
      const team = people?.teams.find((t) => teamName(t) === filters.team);
      if (!team || !team.members.includes(item.owner)) return false;
    }
    if (filters.q) {
      const text = `${item.subject} ${item.title}`.toLowerCase();
      if (!text.includes(filters.q.toLowerCase())) return false;
    }
    return true;
  }

  // Mine, as the server has it: what I own, handed on and not yet accepted, escalated to me,
  // or declined back to me or to one of my teams as the giver.
  function isMine(item: CardHandoff): boolean {
    const me = session.current();
    if (!me) return false;
    if (item.owner === me.handle || item.pending_from === me.handle) return true;
    if (item.escalated_to === me.handle) return true;
    return item.state === 'declined' &&
      (item.giver === me.handle || (me.teams ?? []).includes(item.giver));
  }

  function entry(item: CardHandoff, column: Column): CardRef {
    const ref: CardRef = { h: item, el: null, chip: null, held: null, meta: null, column };
    cards.set(item.id, ref);
    return ref;
  }

  // The card's element, built from its handoff (and remembered on the ref).
  function render(ref: CardRef, now: number): HTMLLIElement {
    const item = ref.h;
    const chipInfo = chipOf(item, now);
    const chip = h('span', { class: `chip ${chipInfo.state}` }, chipInfo.text);
    const held = h('span', { class: 'held' }, heldOf(item, now));
    const meta = h('p', { class: 'meta' });
    ref.meta = meta;
    fillMeta(ref);
    const total = item.checklist.length;
    let checked = 0;
    for (const c of item.checklist) if (c.checked) checked++;
    const el = h('li', { class: 'card', 'data-id': item.id, 'data-state': item.state,
                         'data-sort': sortKey(item, now) },
      h('h3', null, h('a', { href: handoffPath(item.id) }, item.subject || item.title)),
      meta,
      h('p', { class: 'row' }, chip,
        item.escalation_level > 0
          ? h('span', { class: 'badge', title: 'Escalation level' },
              item.escalated_to
                ? `escalated to ${nameOf(item.escalated_to)} · level ${item.escalation_level}`
                : `escalated · level ${item.escalation_level}`)
          : null),
      h('p', { class: 'row muted' }, held,
        total > 0 ? h('span', { class: 'progress', 'aria-label':
          `checklist ${checked} of ${total} done` }, `☑ ${checked}/${total}`) : null));
    ref.el = el;
    ref.chip = chip;
    ref.held = held;
    return el;
  }

  // Who holds it, in names: the playbook, then the owner, or where it went back to.
  function fillMeta(ref: CardRef): void {
    const item = ref.h;
    let who: string;
    if (item.state === 'declined') {
      who = `declined by ${nameOf(item.owner)} — back to ${nameOf(item.giver)}`;
    } else if (item.unowned || !item.owner) {
      who = item.owner ? `landed with ${nameOf(item.owner)} — needs an owner` : 'needs an owner';
    } else {
      who = nameOf(item.owner);
      if (item.pending_from) who += ` (from ${nameOf(item.pending_from)})`;
    }
    // The handoff's title is its playbook's title: words, not the playbook's id.
    if (ref.meta) ref.meta.textContent = `${item.title || item.playbook} · ${who}`;
  }

  // A person's or a team's name, the handle until people.yaml is in.
  function nameOf(handle: string): string {
    if (!people || !handle) return handle;
    const person = people.people.find((p) => p.handle === handle);
    if (person?.name) return person.name;
    const team = people.teams.find((t) => teamName(t) === handle);
    return team?.name ?? handle;
  }

  function chipOf(item: CardHandoff, now: number): { state: string; text: string } {
    if (item.state === 'declined') return { state: 'late', text: 'needs a new owner' };
    return deadlineChip(item, now) ?? { state: 'none', text: 'no deadline' };
  }

  // Every minute: the chips and held times move on, and a card that has just gone overdue
  // moves to the top of its column.
  function refreshTimes(): void {
    const now = Date.now();
    for (const ref of cards.values()) {
      if (!ref.chip || !ref.held || !ref.el) continue;
      const chipInfo = chipOf(ref.h, now);
      ref.chip.textContent = chipInfo.text;
      ref.chip.className = `chip ${chipInfo.state}`;
      ref.held.textContent = heldOf(ref.h, now);
      const key = sortKey(ref.h, now);
      if (Number(ref.el.dataset.sort) !== key) {
        ref.el.dataset.sort = String(key);
        ref.el.remove();
        insertSorted(lists.get(ref.column)!, ref.el, key);
      }
    }
  }

  // Names arrive after the first cards: say them on the cards already drawn.
  function renameCards(): void {
    for (const ref of cards.values()) {
      if (!ref.el) continue;
      fillMeta(ref);
      const badge = ref.el.querySelector('.badge');
      if (badge && ref.h.escalated_to) {
        badge.textContent =
          `escalated to ${nameOf(ref.h.escalated_to)} · level ${ref.h.escalation_level}`;
      }
    }
  }

  // Counted from the data, not the DOM: the last cards of a long column may not be drawn yet.
  function updateCounts(): void {
    const n: Record<Column, number> = { needs: 0, waiting: 0, accepted: 0, done: 0 };
    for (const ref of cards.values()) n[ref.column]++;
    let total = 0;
    for (const c of columns) {
      total += n[c.state];
      counts.get(c.state)!.textContent = String(n[c.state]);
      nones.get(c.state)!.hidden = n[c.state] > 0;
    }
    let text = total === 1 ? '1 handoff' : `${total} handoffs`;
    if (n.needs > 0) text += n.needs === 1 ? ' · 1 needs an owner' : ` · ${n.needs} need an owner`;
    status.textContent = text;
  }

  // With nothing on the board, say why and what to do next.
  function drawNotice(): void {
    const total = cards.size;
    if (total > 0) {
      replace(notice);
      return;
    }
    if (anyFilter(filters)) {
      replace(notice, empty(h('p', null, 'No handoffs match these filters. ',
                                link('/', 'Clear the filters'), ' to see every handoff.')));
      return;
    }
    get<{ items: PlaybookRef[] }>('/v1/playbooks').then((answer) => {
      if (cards.size > 0) return;
      if (answer.items.length === 0) {
        replace(notice, empty(
          h('h2', null, 'No playbooks yet'),
          h('p', null, 'Create one in three moves: name the handoff moment (“when a deal is ',
            'won…”), pick the owner of done, and add one visible checkpoint.'),
          h('p', null, link('/playbooks/new', 'Create a playbook'))));
      } else {
        replace(notice, empty(
          h('h2', null, 'No handoffs yet'),
          h('p', null, 'A handoff starts when an event a playbook names arrives: from a ',
            'webhook, the API (POST /v1/events) or ', h('code', null, 'baton emit'),
            '. It appears here at once.')));
      }
    }).catch(() => undefined);
  }

  return {
    update(next: Context): void {
      filters = filtersOf(next.query);
      syncForm();
      void load();
    },
    dispose(): void {
      generation++;
      clearInterval(tick);
      clearTimeout(searchTimer);
      unsubscribe();
    },
  };
}

// Open columns: the overdue first, each part newest first; done: the most recently finished
// first. Keys are compared largest first (2^50 is above every id and below no time).
function sortKey(item: CardHandoff, now: number): number {
  if (item.state === 'done') return ms(item.closed_at) ?? item.id;
  return (isOverdue(item, now) ? 2 ** 50 : 0) + item.id;
}

// core::is_overdue: waiting past its accept-by, or open past its done-by.
function isOverdue(item: CardHandoff, now: number): boolean {
  if (item.state !== 'waiting' && item.state !== 'accepted') return false;
  if (item.overdue_to_accept || item.overdue_to_finish) return true;
  const acceptBy = ms(item.accept_by);
  const doneBy = ms(item.done_by);
  return (item.state === 'waiting' && acceptBy !== null && now > acceptBy) ||
    (doneBy !== null && now > doneBy);
}

function insertSorted(list: HTMLOListElement, el: HTMLLIElement, key: number): void {
  for (let child = list.firstElementChild; child; child = child.nextElementSibling) {
    if (Number((child as HTMLElement).dataset.sort) < key) {
      list.insertBefore(el, child);
      return;
    }
  }
  list.appendChild(el);
}

// A declined handoff is still open: how long it has waited for a new owner, not "took".
function heldOf(item: CardHandoff, now: number): string {
  if (item.state !== 'declined') return heldText(item, now);
  const since = ms(item.updated_at) ?? now;
  return `back with the giver for ${duration(now - since)}`;
}

function teamName(t: { name?: string; handle?: string }): string {
  return t.handle ?? t.name ?? '';
}

function setOptions(select: HTMLSelectElement, all: string,
                    options: (string | [string, string])[], selected: string): void {
  const items = options.map((o) => (typeof o === 'string' ? [o, o] : o));
  if (selected && !items.some(([value]) => value === selected)) items.push([selected, selected]);
  replace(select, h('option', { value: '' }, all),
    items.map(([value, text]) => h('option', { value, selected: value === selected }, text)));
  select.value = selected;
}

