// Playbooks: the list, and the editor that reads as the three moves — the summary drawn from
// what the server's linter parsed — with the YAML beside it, validated as it is typed.

import { h, replace, type Child } from '../h';
import { get, messageOf, request, ApiError } from '../api';
import * as session from '../session';
import type { Context, Page } from '../router';
import { when } from '../time';
import { alertRegion, empty, link, loading, pageHeader, table } from '../ui';
import type { LintAnswer, LintError, PlaybookRef, PlaybookSummary, PlaybookText } from '../types';
import {
  emptyDraft, fromSummary, keyAtLine, previewWords, toYaml, type DeadlinePreview, type Draft,
  type Reading,
} from '../playbook_yaml';
import { loadKnown, playbookBuilder, type Builder } from './playbook_builder';

const lint_debounce_ms = 300;


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
  let isNew = ctx.path === '/playbooks/new' || ctx.params.id === undefined;
  let id = isNew ? '' : ctx.params.id;
  const admin = session.isAdmin();
  const alert = alertRegion();
  const summary = h('div', { class: 'moves', 'aria-live': 'polite' });
  const problems = h('div', { class: 'lint', 'aria-live': 'polite' });
  const yaml = h('textarea', { id: 'yaml', class: 'yaml', spellcheck: 'false', rows: 24,
                               readonly: !admin, 'aria-describedby': 'lint-result' });
  problems.id = 'lint-result';
  const save = h('button', { type: 'button', class: 'primary', onclick: () => void doSave() },
                 'Save');
  const saved = h('p', { class: 'save-status', role: 'status' });
  const title = h('h1', null, isNew ? 'New playbook' : `Playbook ${id}`);
  let etag: string | null = null;
  let timer = 0;
  let lintGeneration = 0;
  let disposed = false;
  // Who wrote the YAML last: the form (then the form is already what it says) or a person
  // typing in it (then the form is filled again from what the linter read).
  let author: 'form' | 'yaml' = 'yaml';
  let builder: Builder | null = null;

  const yamlPanel = h('details', { class: 'editor-yaml', open: true },
    h('summary', null, 'YAML'),
    h('label', { for: 'yaml' }, 'Playbook YAML'), yaml, problems,
    admin ? null : h('p', { class: 'muted' }, 'Only an admin can save playbooks.'));
  const summaryPanel = h('section', { class: 'editor-summary', 'aria-labelledby': 'moves-title' },
    h('h2', { id: 'moves-title' }, 'The three moves'), summary);
  const formColumn = h('div', { class: 'editor-form' },
    admin ? loading('what Baton has seen') : null,
    admin ? h('div', { class: 'actions save-bar' }, save, saved) : null);
  root.append(h('div', { class: 'page-head' }, title,
                    h('p', { class: 'crumbs' }, link('/playbooks', 'All playbooks'))),
              alert,
              h('div', { class: admin ? 'editor with-builder' : 'editor' },
                admin ? formColumn : null,
                h('div', { class: 'editor-side' }, yamlPanel, summaryPanel)));
  yaml.addEventListener('input', () => {
    saved.textContent = '';
    author = 'yaml';
    scheduleLint();
  });

  // The form, once the lists it offers are read; a playbook's YAML may arrive first.
  let pendingReading: Reading | null = null;
  const knownReady = admin ? loadKnown() : Promise.resolve(null);
  void knownReady.then((known) => {
    if (disposed || !known) return;
    builder = playbookBuilder(known, {
      fixedId: isNew ? '' : id,
      changed: (draft) => {
        saved.textContent = '';
        author = 'form';
        yaml.value = toYaml(draft);
        scheduleLint();
      },
    });
    formColumn.replaceChild(builder.element, formColumn.firstChild!);
    if (pendingReading) {
      builder.set(pendingReading.draft, pendingReading.unshown, hasComments(yaml.value));
    }
    else if (isNew) builder.set(starterDraft(), [], false);
  });

  if (isNew) {
    yaml.value = toYaml(starterDraft());
    author = 'form';
    void lint();
  } else {
    replace(summary, loading('the playbook'));
    request<PlaybookText>('GET', `/v1/playbooks/${encodeURIComponent(id)}`).then((answer) => {
      if (disposed) return;
      etag = answer.headers.get('ETag');
      yaml.value = answer.data.yaml;
      author = 'yaml';
      void lint();
    }).catch((error) => {
      replace(summary);
      alert.show(messageOf(error));
    });
  }

  function scheduleLint(): void {
    clearTimeout(timer);
    timer = window.setTimeout(() => void lint(), lint_debounce_ms);
  }

  async function lint(): Promise<void> {
    const mine = ++lintGeneration;
    const text = yaml.value;
    const by = author;
    try {
      const answer = (await request<LintAnswer>('POST', '/v1/lint',
        { body: { kind: 'playbook', text } })).data;
      if (mine !== lintGeneration || disposed) return;
      showErrors(answer.errors, answer.ok, text, answer.warnings ?? []);
      builder?.setPreview(answer.preview ?? null);
      if (answer.playbook) {
        replace(summary, moves(answer.playbook, answer.preview ?? null));
        if (by === 'yaml') fillForm(answer.playbook, text);
      } else if (!answer.ok) {
        replace(summary, h('p', { class: 'muted' },
          'Fix the problems in the YAML to see the playbook as its three moves.'));
      }
    } catch (error) {
      if (mine === lintGeneration) alert.show(messageOf(error));
    }
  }

  function fillForm(p: PlaybookSummary, text: string): void {
    const reading = fromSummary(p);
    pendingReading = reading;
    builder?.set(reading.draft, reading.unshown, hasComments(text));
  }

  function showErrors(errors: LintError[], ok: boolean, text: string,
                      warnings: LintError[] = []): void {
    const byKey = new Map<string, string[]>();
    for (const e of errors) {
      const key = keyAtLine(text, e.line);
      byKey.set(key, [...(byKey.get(key) ?? []), `${e.line}:${e.col}: ${e.message}`]);
    }
    builder?.showErrors(byKey);
    const located = (list: LintError[], cls: string) => h('ul', { class: cls },
      list.map((e) => h('li', null,
        h('a', { href: '#yaml', class: 'at', onclick: (ev: MouseEvent) => {
          ev.preventDefault();
          selectLine(e.line);
        } }, `${e.line}:${e.col}`),
        h('code', null, `: ${e.message}`))));
    const warned = warnings.length === 0 ? null : [
      h('p', { class: 'warn' },
        warnings.length === 1 ? '1 warning:' : `${warnings.length} warnings:`),
      located(warnings, 'warnings')];
    if (ok && errors.length === 0) {
      replace(problems, h('p', { class: 'ok' }, '✓ No problems found.'), warned);
      return;
    }
    replace(problems,
      h('p', { class: 'bad' }, errors.length === 1 ? '1 problem:' : `${errors.length} problems:`),
      located(errors, 'errors'), warned);
  }

  // Puts the cursor on a line of the YAML, for a lint message's line:col.
  function selectLine(line: number): void {
    const lines = yaml.value.split('\n');
    const start = lines.slice(0, Math.max(0, line - 1)).reduce((n, l) => n + l.length + 1, 0);
    yamlPanel.open = true;
    yaml.focus();
    yaml.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  }

  async function doSave(): Promise<void> {
    alert.clear();
    saved.textContent = '';
    const target = isNew ? idFromYaml(yaml.value) : id;
    if (!target) {
      saved.textContent = 'Not saved: the playbook needs an id (for example sold-to-onboarding).';
      (document.getElementById('b-id') ?? yaml).focus();
      return;
    }
    save.disabled = true;
    try {
      const headers: Record<string, string> = {};
      if (etag) headers['If-Match'] = etag;
      const answer = await request<{ version: number; changed: boolean }>('PUT',
        `/v1/playbooks/${encodeURIComponent(target)}`,
        { text: yaml.value, contentType: 'application/yaml', headers });
      etag = answer.headers.get('ETag') ?? etag;
      saved.textContent = answer.data.changed === false
        ? `Saved — version ${answer.data.version}, unchanged.`
        : `Saved — version ${answer.data.version}.`;
      if (isNew) {
        // The page stays (and so does what it just said); the address becomes the playbook's.
        isNew = false;
        id = target;
        history.replaceState(null, '', `/playbooks/${encodeURIComponent(target)}`);
        title.textContent = `Playbook ${id}`;
        document.getElementById('b-id')?.setAttribute('readonly', '');
      }
    } catch (error) {
      if (error instanceof ApiError && error.problem && Array.isArray(error.problem.errors)) {
        showErrors((error.problem.errors as unknown[]).map(lintErrorOf), false, yaml.value);
      }
      saved.textContent = `Not saved: ${messageOf(error)}`;
    } finally {
      save.disabled = false;
    }
  }

  return { dispose: () => { disposed = true; clearTimeout(timer); } };
}

// A PUT's lint problem lists `file:line:col: message` strings.
function lintErrorOf(e: unknown): LintError {
  if (e && typeof e === 'object') return e as LintError;
  const m = /^[^:]*:(\d+):(\d+): (.*)$/s.exec(String(e));
  return m ? { line: Number(m[1]), col: Number(m[2]), message: m[3] }
           : { line: 0, col: 0, message: String(e) };
}

function starterDraft(): Draft {
  const d = emptyDraft();
  return { ...d, id: 'my-handoff', title: 'Sold → onboarding', when: 'deal.won',
           subject: '{{data.company}}', from: 'sales', owner: 'ops',
           done: 'The client has a welcome email and a booked kickoff call.',
           checklist: [{ item: 'Send the welcome email', when: '' },
                       { item: 'Book the kickoff call', when: '' }],
           accept_within: { n: 4, unit: 'h' }, done_within: { n: 2, unit: 'd' },
           checkpoint: [{ kind: 'email', target: 'owner', template: '' }] };
}

// A YAML comment: a # at a line's start or after a space, outside quotes (roughly: a # with
// no quote after it on the line). The form writes the YAML afresh, without them.
function hasComments(text: string): boolean {
  return /(^|\s)#(?![^'"\n]*['"])/m.test(text);
}

function idFromYaml(text: string): string {
  const m = /^id:\s*["']?([A-Za-z0-9._-]+)["']?\s*(#.*)?$/m.exec(text);
  return m ? m[1] : '';
}

// The playbook as a person reads it: the three moves, then what follows. Every field of
// the linter's summary is here, in words.
function moves(p: PlaybookSummary, preview: DeadlinePreview | null): HTMLElement {
  const trigger = p.trigger ?? { on: '' };
  const condition = typeof trigger.condition === 'string' ? trigger.condition : '';
  const checklist = (p.checklist ?? []) as { text?: string; when?: string | null }[];
  return h('div', null,
    h('p', { class: 'pb-title' }, h('strong', null, p.title || p.id), ` (${p.id})`),
    p.description ? h('p', null, p.description) : null,
    move(1, 'Name the handoff moment',
      h('p', null, 'When ', h('code', null, trigger.on || '…'), ' happens',
        trigger.has_condition
          ? [', only when a condition holds', condition ? [': ', h('code', null, condition)] : '']
          : null,
        ', the handoff starts.'),
      h('p', null, 'It is about ', p.subject && p.subject !== '{{subject}}'
        ? h('code', null, p.subject) : 'the event’s subject', '.')),
    move(2, 'Owner of done',
      h('p', null, 'Handed over by ', h('strong', null, p.from || '—'), ' to ',
        h('strong', null, describe(p.owner)), ', who must accept it.'),
      h('p', null, p.accept_within ? `Accept within ${p.accept_within}` : 'No accept deadline',
        ' · ', p.done_within ? `done within ${p.done_within}` : 'no done deadline',
        p.calendar === '24x7' ? ', around the clock.' : ', in the owner’s working hours.'),
      preview ? h('p', { class: 'deadline-preview' }, previewWords(preview)) : null,
      p.remind && p.remind.length
        ? h('p', null, `Reminded after ${p.remind.join(', ')} while not accepted.`)
        : h('p', { class: 'muted' }, 'No reminders.'),
      p.done ? h('p', null, 'Done means: ', p.done) : null,
      checklist.length === 0 ? h('p', { class: 'muted' }, 'Checklist: none.')
        : h('div', null, h('p', { class: 'label' }, 'Checklist'),
            h('ul', null, checklist.map((c) => h('li', null, c.text ?? '',
              c.when ? [' (ticked by ', h('code', null, c.when), ')'] : null))))),
    move(3, 'Visible checkpoint',
      h('p', null, 'The card on the board.'),
      p.checkpoint && p.checkpoint.length
        ? h('ul', { class: 'checkpoints' }, p.checkpoint.map((c) => h('li', null,
            checkpointWords(c as { kind: string; target: string; template: string | null }))))
        : h('p', { class: 'muted' }, 'No messages besides the card.'),
      p.escalate && p.escalate.length
        ? h('div', null, h('p', { class: 'label' }, 'Escalation steps'),
            h('ol', { class: 'escalations' }, p.escalate.map((e) => h('li', null,
              `After ${e.after} ${e.on === 'done' ? 'not done' : 'not accepted'}: tell `,
              h('strong', null, e.to), e.reassign ? ' and hand it to them' : '', '.'))))
        : h('p', { class: 'muted' }, 'No escalation steps.')),
    p.next ? h('p', { class: 'next' }, 'Then the relay goes on with ',
                link(`/playbooks/${encodeURIComponent(p.next)}`, p.next), '.') : null);
}

// A checkpoint in words: "Post in Slack #ops", "Email the owner", "Call the webhook crm".
export function checkpointWords(c: { kind: string; target: string; template: string | null }):
    string {
  let words: string;
  if (c.kind === 'slack') words = `Post in Slack ${c.target}`;
  else if (c.kind === 'webhook') words = `Call the webhook ${c.target}`;
  else if (c.target === 'owner' || c.target === 'giver') words = `Email the ${c.target}`;
  else words = `Email ${c.target}`;
  return c.template ? `${words}, with the template ${c.template}` : words;
}

function move(n: number, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'move' },
    h('h3', null, h('span', { class: 'move-n', 'aria-hidden': 'true' }, String(n)), title),
    ...children);
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
