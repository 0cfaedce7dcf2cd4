// Sign-in: email or handle and a password; the server sets the session cookie.

import { h } from '../h';
import { request } from '../api';
import * as session from '../session';
import { navigate, type Context } from '../router';
import { alertRegion, safeNext } from '../ui';
import type { Session } from '../types';

export function renderSignIn(root: HTMLElement, ctx: Context): void {
  const alert = alertRegion();
  const login = h('input', { id: 'login', name: 'login', type: 'text', required: true,
                             autocomplete: 'username', autocapitalize: 'none',
                             spellcheck: 'false' });
  const password = h('input', { id: 'password', name: 'password', type: 'password',
                                required: true, autocomplete: 'current-password' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'signin', novalidate: true, onsubmit: (e: SubmitEvent) => {
    e.preventDefault();
    void signIn();
  } },
    h('h1', null, 'Sign in to Baton'),
    h('p', { class: 'muted' }, 'Every handoff, who holds it, and what is late.'),
    alert,
    h('div', { class: 'field' }, h('label', { for: 'login' }, 'Email or handle'), login),
    h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), password),
    submit);
  root.appendChild(form);
  login.focus();

  async function signIn(): Promise<void> {
    alert.clear();
    if (!login.value.trim() || !password.value) {
      alert.show('Enter your email or handle and your password.');
      return;
    }
    submit.disabled = true;
    try {
      const answer = await request<Session>('POST', '/v1/session', {
        body: { login: login.value.trim(), password: password.value }, quiet401: true });
      session.set(answer.data);
      navigate(safeNext(ctx.query.get('next')), true);
    } catch (error) {
      const e = error as { status?: number; message?: string };
      if (e.status === 401) {
        alert.show('That email or handle and password do not match.');
      } else if (e.status === 429) {
        alert.show('Too many attempts. Wait a minute, then try again.');
      } else {
        alert.show(e.message ?? 'Signing in failed.');
      }
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
    }
  }
}
