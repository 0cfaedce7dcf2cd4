// Small pieces every page uses: headings, alert and status regions, empty states, tables.

import { h, replace, type Child } from './h';

export function pageHeader(title: string, ...extra: Child[]): HTMLElement {
  return h('div', { class: 'page-head' }, h('h1', null, title), ...extra);
}

// A region that announces failures (role=alert); empty until something goes wrong.
export function alertRegion(): HTMLElement & { show(text: string): void; clear(): void } {
  const el = h('div', { class: 'alert', role: 'alert', hidden: true }) as unknown as HTMLElement & {
    show(text: string): void;
    clear(): void;
  };
  el.show = (text: string) => {
    replace(el, text);
    el.hidden = false;
  };
  el.clear = () => {
    replace(el);
    el.hidden = true;
  };
  return el;
}

export function loading(what: string): HTMLElement {
  return h('p', { class: 'muted', role: 'status' }, `Loading ${what}…`);
}

export function empty(...children: Child[]): HTMLElement {
  return h('div', { class: 'empty' }, ...children);
}

export function table(caption: string, head: string[], rows: Child[][]): HTMLElement {
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption },
    h('table', null,
      h('caption', null, caption),
      h('thead', null, h('tr', null, head.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', null, rows.map((cells) => h('tr', null, cells.map((c) => h('td', null, c)))))));
}

export function link(href: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href }, ...children);
}

export function handoffPath(id: number): string {
  return `/handoffs/${id}`;
}

export function relayPath(subject: string): string {
  return `/relays/${encodeURIComponent(subject)}`;
}

// Only a path on this site: never another origin (//host), a backslash trick or a scheme.
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
    return '/';
  }
  return next;
}
