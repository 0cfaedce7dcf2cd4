// The board's entry point: the header, the routes, and the session check before each page.

import { h, replace } from './h';
import { request, setUnauthorisedHandler, signInPath } from './api';
import * as session from './session';
import { navigate, route, setNotFound, start } from './router';
import { renderSignIn } from './pages/signin';
import { renderBoard } from './pages/board';
import { renderCard } from './pages/card';
import { renderRelay } from './pages/relay';
import { renderPlaybookList, renderPlaybookEditor } from './pages/playbooks';
import { renderPeople } from './pages/people';
import { renderSources } from './pages/sources';
import { renderSetup } from './pages/setup';
import { pageHeader, link, safeNext } from './ui';

const header = document.getElementById('top') as HTMLElement;
const main = document.getElementById('main') as HTMLElement;

// The sections in the header; an admin-only one is not shown to anyone else.
const sections: [string, string, 'admin'?][] = [
  ['/', 'Board'],
  ['/playbooks', 'Playbooks'],
  ['/reports', 'Reports'],
  ['/people', 'People'],
  ['/sources', 'Sources', 'admin'],
  ['/setup', 'Set up', 'admin'],
];

function drawHeader(): void {
  const s = session.current();
  const path = location.pathname;
  const brand = h('a', { class: 'brand', href: '/' }, 'Baton');
  if (!s) {
    replace(header, h('div', { class: 'bar' }, brand));
    return;
  }
  const shown = sections.filter(([, , only]) => !only || session.isAdmin());
  const nav = h('nav', { 'aria-label': 'Main' },
    h('ul', null, shown.map(([href, text]) => {
      const here = href === '/' ? path === '/' : path.startsWith(href);
      return h('li', null, h('a', { href, 'aria-current': here ? 'page' : null }, text));
    })));
  const signOut = h('button', { type: 'button', class: 'quiet', onclick: () => void doSignOut() },
    'Sign out');
  replace(header, h('div', { class: 'bar' }, brand, nav,
    h('div', { class: 'who' },
      h('span', { class: 'user', title: `${s.handle} · ${s.role}` }, s.name || s.handle,
        h('span', { class: 'role' }, ` (${s.role})`)),
      signOut)));
}

async function doSignOut(): Promise<void> {
  try {
    await request('DELETE', '/v1/session', { quiet401: true });
  } catch {
    // Signed out or not, the page forgets the session and shows the sign-in form.
  }
  session.set(null);
  navigate('/signin');
}

route('/signin', 'Sign in', renderSignIn);
route('/', 'Board', renderBoard);
route('/handoffs/:id', 'Handoff', renderCard);
route('/relays/:subject', 'Relay', renderRelay);
route('/playbooks', 'Playbooks', renderPlaybookList);
route('/playbooks/new', 'New playbook', renderPlaybookEditor);
route('/playbooks/:id', 'Playbook', renderPlaybookEditor);
route('/reports', 'Reports', (root, ctx) => {
  // Charts are a chunk of their own, loaded when the reports are opened.
  const holder = h('div', null);
  root.appendChild(holder);
  let disposed = false;
  let page: { dispose?(): void } | void;
  void import('./pages/reports').then((m) => {
    if (!disposed) page = m.renderReports(holder, ctx);
  });
  return { dispose: () => { disposed = true; page?.dispose?.(); } };
});
route('/people', 'People', renderPeople);
route('/sources', 'Sources', renderSources);
route('/setup', 'Set up', renderSetup);

setNotFound(() => {
  replace(main, pageHeader('Not found'),
    h('p', null, 'There is no page here. ', link('/', 'Go to the board'), '.'));
});

setUnauthorisedHandler(() => {
  session.set(null);
  if (!location.pathname.startsWith('/signin')) navigate(signInPath(), true);
});

async function boot(): Promise<void> {
  await session.load();
  start(main, (ctx, pattern) => {
    if (pattern !== '/signin' && !session.current()) {
      navigate('/signin?next=' + encodeURIComponent(ctx.path + location.search), true);
      return false;
    }
    if (pattern === '/signin' && session.current()) {
      navigate(safeNext(ctx.query.get('next')), true);
      return false;
    }
    drawHeader();
    return true;
  });
}

void boot();
