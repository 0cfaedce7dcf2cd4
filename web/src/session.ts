// Who is signed in: read once at start (GET /v1/session), set by sign-in, cleared by sign-out.

import { request, setCsrf } from './api';
import type { Session } from './types';

let session: Session | null = null;

export function current(): Session | null {
  return session;
}

export function set(s: Session | null): void {
  session = s;
  setCsrf(s?.csrf ?? '');
}

export async function load(): Promise<Session | null> {
  try {
    const answer = await request<Session>('GET', '/v1/session', { quiet401: true });
    set(answer.data);
  } catch {
    set(null);
  }
  return session;
}

export function isAdmin(): boolean {
  return session?.role === 'admin';
}
