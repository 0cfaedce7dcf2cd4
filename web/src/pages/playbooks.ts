// Playbooks: the list, and the editor that reads as the three moves — the summary drawn from
// what the server's linter parsed — with the YAML beside it, validated as it is typed.

import { h, replace, type Child } from '../h';
import { get, messageOf, request, ApiError } from '../api';
import * as session from '../session';
import { navigate, type Context, type Page } from '../router';
import { when } from '../time';
import { alertRegion, empty, link, loading, pageHeader, table } from '../ui';
import type { LintAnswer, LintError, PlaybookRef, PlaybookSummary, PlaybookText } from '../types';

const lint_debounce_ms = 300;

const starter = `id: my-handoff
title: Sold → onboarding
when: deal.won                 # 1. the handoff moment: this event starts it
subject: "{{data.company}}"
from: sales
owner: ops                     # 2. the owner of done: a person or a team
done: The client has a welcome email and a booked kickoff call.
checklist:                     # 3. the visible checkpoint
  - Send the welcome email
  - Book the kickoff call
accept_within: 4h
done_within: 2d
checkpoint:
  - email: owner
`;

export function renderPlaybookList(root: HTMLElement): void {
  const alert = alertRegion();
  const body = h('div', null, loading('playbooks'));
  root.append(pageHeader('Playbooks',
    session.isAdmin() ? h('a', { class: 'button primary', href: '/playbooks/new' },
                          'New playbook') : null), alert, body);
  get<{ items: PlaybookRef[] }>('/v1/playbooks').then(({ items }) => {
    if (items.length === 0) {
      replace(body, empty(
        h('h2', null, 'No playbooks yet'),
        h('p', null, 'Create one in three moves:'),
        h('ol', null,
          h('li', null, h('strong', null, 'Name the handoff moment'),
            ' — “when a deal is won, the handoff starts”.'),
          h('li', null, h('strong', null, 'Pick the owner of done'),
            ' — one person or team who must accept it.'),
          h('li', null, h('strong', null, 'Add one visible checkpoint'),
            ' — a checklist, an email, a Slack message.')),
        h('p', null, link('/playbooks/new', 'Create a playbook'))));
      return;
    }
    replace(body, table('Playbooks', ['Playbook', 'Version', 'File', 'Applied'],
      items.map((p) => [link(`/playbooks/${encodeURIComponent(p.id)}`, p.id), `v${p.version}`,
                        p.file || '—', when(p.applied_at)])));
  }).catch((error) => {
    replace(body);
    alert.show(messageOf(error));
  });
}

export function renderPlaybookEditor(root: HTMLElement, ctx: Context): Page {
  const isNew = ctx.path === '/playbooks/new' || ctx.params.id === undefined;
  const id = isNew ? '' : ctx.params.id;
  const admin = session.isAdmin();
  const alert = alertRegion();
  const summary = h('div', { class: 'moves', 'aria-live': 'polite' });
  const problems = h('div', { class: 'lint', 'aria-live': 'polite' });
  const yaml = h('textarea', { id: 'yaml', class: 'yaml', spellcheck: 'false', rows: 24,
                               readonly: !admin, 'aria-describedby': 'lint-result' });
  problems.id = 'lint-result';
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const saved = h('span', { class: 'muted', role: 'status' });
  let etag: string | null = null;
  let timer = 0;
  let lintGeneration = 0;
  let disposed = false;

  const form = h('form', { class: 'editor', onsubmit: (e: SubmitEvent) => {
    e.preventDefault();
    void doSave();
  } },
    h('div', { class: 'editor-summary' }, h('h2', null, 'The three moves'), summary),
    h('div', { class: 'editor-yaml' },
      h('label', { for: 'yaml' }, 'Playbook YAML'), yaml, problems,
      admin ? h('div', { class: 'actions' }, save, saved)
            : h('p', { class: 'muted' }, 'Only an admin can save playbooks.')));
  root.append(pageHeader(isNew ? 'New playbook' : `Playbook ${id}`,
                         h('p', { class: 'crumbs' }, link('/playbooks', 'All playbooks'))),
              alert, form);
  yaml.addEventListener('input', () => {
    saved.textContent = '';
    clearTimeout(timer);
    timer = window.setTimeout(() => void lint(), lint_debounce_ms);
  });

  if (isNew) {
    yaml.value = starter;
    void lint();
  } else {
    replace(summary, loading('the playbook'));
    request<PlaybookText>('GET', `/v1/playbooks/${encodeURIComponent(id)}`).then((answer) => {
      if (disposed) return;
      etag = answer.headers.get('ETag');
      yaml.value = answer.data.yaml;
      void lint();
    }).catch((error) => {
      replace(summary);
      alert.show(messageOf(error));
    });
  }

  async function lint(): Promise<void> {
    const mine = ++lintGeneration;
    try {
      const answer = (await request<LintAnswer>('POST', '/v1/lint',
        { body: { kind: 'playbook', text: yaml.value } })).data;
      if (mine !== lintGeneration || disposed) return;
      showErrors(answer.errors, answer.ok);
      if (answer.playbook) replace(summary, moves(answer.playbook));
      else if (!answer.ok) replace(summary, h('p', { class: 'muted' },
        'Fix the problems in the YAML to see the playbook as its three moves.'));
    } catch (error) {
      if (mine === lintGeneration) alert.show(messageOf(error));
    }
  }

  function showErrors(errors: LintError[], ok: boolean): void {
    if (ok && errors.length === 0) {
      replace(problems, h('p', { class: 'ok' }, '✓ No problems found.'));
      return;
    }
    replace(problems,
      h('p', { class: 'bad' }, errors.length === 1 ? '1 problem:' : `${errors.length} problems:`),
      h('ul', { class: 'errors' },
        errors.map((e) => h('li', null, h('code', null, `${e.line}:${e.col}: ${e.message}`)))));
  }

  async function doSave(): Promise<void> {
    alert.clear();
    saved.textContent = '';
    const target = isNew ? idFromYaml(yaml.value) : id;
    if (!target) {
      alert.show('The playbook needs an id (for example `id: sold-to-onboarding`).');
      return;
    }
    save.disabled = true;
    try {
      const headers: Record<string, string> = {};
      if (etag) headers['If-Match'] = etag;
      const answer = await request<PlaybookText>('PUT', `/v1/playbooks/${encodeURIComponent(target)}`,
        { text: yaml.value, contentType: 'application/yaml', headers });
      etag = answer.headers.get('ETag') ?? etag;
      saved.textContent = answer.data && typeof answer.data === 'object' && 'version' in answer.data
        ? `Saved as version ${answer.data.version}.` : 'Saved.';
      if (isNew) navigate(`/playbooks/${encodeURIComponent(target)}`, true);
    } catch (error) {
      if (error instanceof ApiError && error.problem && Array.isArray(error.problem.errors)) {
        showErrors(error.problem.errors as LintError[], false);
      }
      alert.show(messageOf(error));
    } finally {
      save.disabled = false;
    }
  }

  return { dispose: () => { disposed = true; clearTimeout(timer); } };
}

function idFromYaml(text: string): string {
  const m = /^id:\s*["']?([A-Za-z0-9._-]+)["']?\s*(#.*)?$/m.exec(text);
  return m ? m[1] : '';
}

// The playbook as a person reads it: the three moves, then what follows.
function moves(p: PlaybookSummary): HTMLElement {
  const trigger = p.trigger ?? { on: '' };
  return h('div', null,
    p.title ? h('p', { class: 'pb-title' }, h('strong', null, p.title), ` (${p.id})`) : null,
    move(1, 'Name the handoff moment',
      h('p', null, 'When ', h('code', null, trigger.on || '…'), ' happens',
        trigger.when ? [' and ', h('code', null, trigger.when)] : null,
        ', the handoff starts.')),
    move(2, 'Owner of done',
      h('p', null, 'Owned by ', h('strong', null, describe(p.owner)), '.'),
      h('p', null, p.accept_within ? `Accept within ${p.accept_within}` : 'No accept deadline',
        ' · ', p.done_within ? `done within ${p.done_within}` : 'no done deadline', '.')),
    move(3, 'Visible checkpoint',
      list('Checkpoints', p.checkpoint, 'The card on the board.'),
      list('Checklist', p.checklist, 'No checklist.')),
    p.next ? h('p', { class: 'next' }, 'Then the relay goes on with ',
                link(`/playbooks/${encodeURIComponent(p.next)}`, p.next), '.') : null);
}

function move(n: number, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'move' },
    h('h3', null, h('span', { class: 'move-n', 'aria-hidden': 'true' }, String(n)), title),
    ...children);
}

function list(label: string, items: unknown[] | undefined, none: string): HTMLElement {
  if (!items || items.length === 0) return h('p', { class: 'muted' }, `${label}: ${none}`);
  return h('div', null, h('p', { class: 'label' }, label),
    h('ul', null, items.map((item) => h('li', null, describe(item)))));
}

// A value of the YAML in words: a string as it is, {slack: "#ops"} as "slack: #ops".
function describe(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(describe).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${describe(v)}`).join(', ');
  }
  return String(value);
}
