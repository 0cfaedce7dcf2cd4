// Client-side routing with the History API: the server answers every board path with
// index.html, and this picks the page. A page may take a change of query in place
// (update), so that a filter change does not rebuild the form the reader is typing in.

export interface Context {
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface Page {
  update?(ctx: Context): void;
  dispose?(): void;
}

export type Render = (root: HTMLElement, ctx: Context) => Page | void;

interface Route {
  pattern: string;
  regex: RegExp;
  keys: string[];
  render: Render;
  title: string;
}

const routes: Route[] = [];
let current: { route: Route; params: string; page: Page } | null = null;
let root: HTMLElement;
let beforeRender: (ctx: Context, pattern: string) => boolean = () => true;

export function route(pattern: string, title: string, render: Render): void {
  const keys: string[] = [];
  const source = pattern.replace(/:([a-z]+)/g, (_, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  routes.push({ pattern, regex: new RegExp('^' + source + '/?$'), keys, render, title });
}

export function start(mount: HTMLElement, guard: typeof beforeRender): void {
  root = mount;
  beforeRender = guard;
  window.addEventListener('popstate', () => render());
  document.addEventListener('click', onClick);
  render();
}

// Goes to `url` (a path with an optional query) and renders it.
export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

function onClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/v1/')) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

export function render(): void {
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1])));
    const ctx: Context = { path, params, query };
    if (!beforeRender(ctx, r.pattern)) return;
    const paramKey = JSON.stringify(params);
    if (current && current.route === r && current.params === paramKey && current.page.update) {
      current.page.update(ctx);
      return;
    }
    current?.page.dispose?.();
    while (root.firstChild) root.removeChild(root.firstChild);
    document.title = r.title + ' · Baton';
    const page = r.render(root, ctx) ?? {};
    current = { route: r, params: paramKey, page };
    focusMain();
    return;
  }
  current?.page.dispose?.();
  current = null;
  document.title = 'Not found · Baton';
  notFound();
  focusMain();
}

function focusMain(): void {
  // Move focus to the new page for keyboard and screen-reader users, without scrolling,
  // unless the page put it on one of its own controls (the sign-in form's first field).
  const active = document.activeElement;
  if (!active || active === root || !root.contains(active)) root.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

let notFound: () => void = () => undefined;
export function setNotFound(f: () => void): void {
  notFound = f;
}
