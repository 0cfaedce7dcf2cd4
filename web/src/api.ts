// Every request the board makes goes through here: same-origin credentials (the session
// cookie), the CSRF header on anything that changes state, a 401 anywhere sends the reader
// to sign in, and a failure becomes an ApiError whose message is fit to show — the
// problem's detail, never a raw error or a stack.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly problem: Record<string, unknown> | null,
  ) {
    super(message);
  }
}

let csrfToken = '';

export function setCsrf(token: string): void {
  csrfToken = token;
}

// Where a 401 sends the reader: the sign-in page, coming back here afterwards.
export function signInPath(): string {
  const here = location.pathname + location.search;
  return here.startsWith('/signin') ? here : '/signin?next=' + encodeURIComponent(here);
}

let onUnauthorised: () => void = () => location.assign(signInPath());

export function setUnauthorisedHandler(handler: () => void): void {
  onUnauthorised = handler;
}

export interface RequestOptions {
  body?: unknown;             // sent as JSON
  text?: string;              // sent as is, with contentType
  contentType?: string;
  headers?: Record<string, string>;
  quiet401?: boolean;         // the caller handles a 401 itself (sign-in, the session probe)
}

export interface Answer<T> {
  status: number;
  data: T;
  headers: Headers;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}):
    Promise<Answer<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  let body: string | undefined;
  if (options.text !== undefined) {
    body = options.text;
    headers['Content-Type'] = options.contentType ?? 'text/plain';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError('Baton could not be reached. Check the connection and try again.', 0,
                       null);
  }
  if (response.status === 401 && !options.quiet401) {
    onUnauthorised();
    throw new ApiError('Your session has ended. Please sign in again.', 401, null);
  }
  const type = response.headers.get('Content-Type') ?? '';
  let data: unknown = null;
  if (response.status !== 204) {
    const text = await response.text();
    if (type.includes('json') && text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    } else {
      data = text;
    }
  }
  if (!response.ok) throw problemError(response, data);
  return { status: response.status, data: data as T, headers: response.headers };
}

function problemError(response: Response, data: unknown): ApiError {
  const problem = data && typeof data === 'object' ? (data as Record<string, unknown>) : null;
  const detail = problem && typeof problem.detail === 'string' ? problem.detail : '';
  const title = problem && typeof problem.title === 'string' ? problem.title : '';
  let message = detail || title;
  if (!message) {
    message = response.status >= 500
      ? 'Baton ran into a problem on the server. Try again in a moment.'
      : `Baton refused the request (${response.status}).`;
  }
  return new ApiError(message, response.status, problem);
}

export async function get<T>(path: string): Promise<T> {
  return (await request<T>('GET', path)).data;
}

export async function post<T>(path: string, body: unknown = {}): Promise<T> {
  return (await request<T>('POST', path, { body })).data;
}

// A query string from the set values only (the API refuses unknown or empty parameters).
export function query(params: Record<string, string | number | boolean | null | undefined>):
    string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '' || value === false) continue;
    q.set(key, String(value));
  }
  const text = q.toString();
  return text ? '?' + text : '';
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong in the page. Reload it and try again.';
}
