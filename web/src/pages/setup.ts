// First-run setup (/setup, admins): the four steps from a new workspace to a first handoff on
// the board — who is in it (people.yaml), email and Slack connected (channels.yaml), a
// playbook, and a first event. Each step says whether it is done, from what the API answers,
// and the last one sends a test event and links to the handoff it started.

import { h, replace } from '../h';
import { get, messageOf, post, request } from '../api';
import * as session from '../session';
import type { Context, Page } from '../router';
import { alertRegion, empty, handoffPath, link, loading, pageHeader } from '../ui';
import type { LintAnswer, People, PlaybookRef, PlaybookText } from '../types';

// GET /v1/channels: channels.yaml as JSON with every secret redacted; null when none.
interface ChannelsAnswer {
  version: number;
  channels: {
    smtp?: { url: string; from: string };
    slack: Record<string, { webhook: string }>;
    webhooks: Record<string, unknown>;
    public_url: string;
  } | null;
}

interface EventAnswer {
  handoffs: number[];
  ticked?: number[];
  duplicate?: boolean;
}

export interface SetupState {
  people: People;
  channels: ChannelsAnswer;
  playbooks: PlaybookRef[];
  handoffs: number;  // 0 or 1: whether any handoff exists
}

// What the four steps need to know, read at once; the board asks it too for its banner.
export async function setupState(): Promise<SetupState> {
  const [people, channels, playbooks, handoffs] = await Promise.all([
    get<People>('/v1/people'),
    get<ChannelsAnswer>('/v1/channels'),
    get<{ items: PlaybookRef[] }>('/v1/playbooks'),
    get<{ items: unknown[] }>('/v1/handoffs?view=card&limit=1'),
  ]);
  return { people, channels, playbooks: playbooks.items, handoffs: handoffs.items.length };
}

export function stepsLeft(s: SetupState): number {
  return [s.people.people.length > 1, s.channels.channels !== null, s.playbooks.length > 0,
          s.handoffs > 0].filter((done) => !done).length;
}

export function renderSetup(root: HTMLElement, _ctx: Context): Page {
  const alert = alertRegion();
  const body = h('div', { class: 'setup' }, loading('the set-up steps'));
  root.append(pageHeader('Set up Baton'), alert, body);
  if (!session.isAdmin()) {
    replace(body, empty(h('h2', null, 'Only an admin can set up Baton'),
      h('p', null, 'Setting up connects email and Slack and changes playbooks. Ask an admin.')));
    return {};
  }
  let disposed = false;
  void draw();

  async function draw(): Promise<void> {
    try {
      const state = await setupState();
      if (disposed) return;
      const left = h('p', { class: 'setup-left', role: 'status' });
      const say = (n: number) => {
        left.textContent = n === 0 ? 'Every step is done: Baton is ready for your team.'
          : `${n} of 4 steps left. Each one says what it needs.`;
      };
      say(stepsLeft(state));
      replace(body, left,
        h('ol', { class: 'steps' },
          peopleStep(state.people),
          channelsStep(state.channels, () => void draw()),
          playbookStep(state.playbooks),
          eventStep(state.playbooks, state.handoffs > 0,
                    () => say(stepsLeft({ ...state, handoffs: 1 })))));
    } catch (error) {
      if (disposed) return;
      replace(body);
      alert.show(messageOf(error));
    }
  }

  return { dispose: () => { disposed = true; } };
}

function step(n: number, title: string, done: boolean, ...children: (Node | null)[]): HTMLElement {
  const el = h('li', { class: 'step', 'aria-labelledby': `step-${n}` },
    h('h2', { id: `step-${n}` }, h('span', { class: 'step-mark', 'aria-hidden': 'true' }), ` ${title} `,
      h('span', { class: 'status' })),
    ...children);
  markStep(el, n, done);
  return el;
}

function markStep(el: HTMLElement, n: number, done: boolean): void {
  el.className = `step ${done ? 'step-done' : 'step-todo'}`;
  el.querySelector('.step-mark')!.textContent = done ? '✓' : String(n);
  const status = el.querySelector('.status')!;
  status.className = `status ${done ? 'status-delivered' : 'status-pending'}`;
  status.textContent = done ? 'done' : 'to do';
}

function peopleStep(people: People): HTMLElement {
  const admins = people.people.filter((p) => p.role === 'admin').length;
  const names = people.people.slice(0, 8).map((p) => p.name || p.handle).join(', ');
  return step(1, 'The people who hand off and own', people.people.length > 1,
    h('p', null, `${people.people.length} people (${admins} admin${admins === 1 ? '' : 's'}) ` +
      `and ${people.teams.length} teams: ${names}${people.people.length > 8 ? ', …' : ''}.`),
    h('p', { class: 'hint' }, 'They live in people.yaml (', h('code', null, 'baton apply people.yaml'),
      '); each person signs in with their email once an admin sets a password (',
      h('code', null, 'baton passwd HANDLE'), '). ', link('/people', 'See everyone')));
}

// Connected or not, in words; not connected: a form that writes a first channels.yaml.
function channelsStep(answer: ChannelsAnswer, saved: () => void): HTMLElement {
  const c = answer.channels;
  if (c) {
    const slack = Object.keys(c.slack);
    const lines = [
      c.smtp ? `Email is connected: from ${c.smtp.from} through ${c.smtp.url}.`
             : 'Email is not connected (channels.yaml has no smtp).',
      slack.length > 0 ? `Slack is connected: ${slack.join(', ')}.`
                       : 'Slack is not connected (channels.yaml has no slack channels).',
    ];
    return step(2, 'Email and Slack', true, ...lines.map((t) => h('p', null, t)),
      h('p', { class: 'hint' }, `channels.yaml version ${answer.version}; change it with `,
        h('code', null, 'baton apply channels.yaml'), ' (docs/channels.md).'));
  }
  const fields = {
    smtp: input('ch-smtp', 'smtp://mail.example.com:587'),
    from: input('ch-from', 'Baton <baton@example.com>'),
    slackChannel: input('ch-slack-channel', '#ops'),
    slackWebhook: input('ch-slack-webhook', 'https://hooks.slack.com/services/…'),
  };
  const problem = h('p', { id: 'ch-error', class: 'field-error', role: 'alert' });
  const form = h('form', { class: 'setup-form', 'aria-describedby': 'ch-error',
                           onsubmit: (e: SubmitEvent) => { e.preventDefault(); void save(); } },
    h('p', null, 'Nothing is sent yet: Slack and email are not connected, so every message ',
      'waits in the outbox. Fill in what you have; the rest can wait.'),
    h('div', { class: 'form-row' },
      labelled('ch-smtp', 'Mail server (SMTP URL)', fields.smtp),
      labelled('ch-from', 'Send email from', fields.from)),
    h('div', { class: 'form-row' },
      labelled('ch-slack-channel', 'Slack channel', fields.slackChannel),
      labelled('ch-slack-webhook', 'Its incoming-webhook URL', fields.slackWebhook)),
    problem,
    h('p', null, h('button', { type: 'submit' }, 'Connect')));

  async function save(): Promise<void> {
    replace(problem);
    const yaml = channelsYaml({
      smtp: fields.smtp.value.trim(), from: fields.from.value.trim(),
      slackChannel: fields.slackChannel.value.trim(), slackWebhook: fields.slackWebhook.value.trim(),
      publicUrl: location.origin,
    });
    if (typeof yaml !== 'string') {
      problem.textContent = yaml.error;
      fields[yaml.field].setAttribute('aria-invalid', 'true');
      fields[yaml.field].focus();
      return;
    }
    try {
      await request('PUT', '/v1/channels', { text: yaml, contentType: 'application/yaml' });
      saved();
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }
  return step(2, 'Email and Slack', false, form);
}

interface ChannelFields {
  smtp: string;
  from: string;
  slackChannel: string;
  slackWebhook: string;
  publicUrl: string;
}

// A first channels.yaml from the form, or what is missing. Strings go in as JSON strings,
// which YAML reads as double-quoted scalars.
function channelsYaml(f: ChannelFields):
    string | { error: string; field: 'smtp' | 'from' | 'slackChannel' | 'slackWebhook' } {
  if (!f.smtp && !f.slackWebhook) {
    return { error: 'Give a mail server or a Slack webhook to connect.', field: 'smtp' };
  }
  if (f.smtp && !f.from) return { error: 'Say which address email comes from.', field: 'from' };
  if (f.slackWebhook && !f.slackChannel.startsWith('#')) {
    return { error: 'A Slack channel starts with #, such as #ops.', field: 'slackChannel' };
  }
  const lines: string[] = [`public_url: ${JSON.stringify(f.publicUrl)}`];
  if (f.smtp) {
    lines.push('smtp:', `  url: ${JSON.stringify(f.smtp)}`, `  from: ${JSON.stringify(f.from)}`);
  }
  if (f.slackWebhook) {
    lines.push('slack:',
      `  ${JSON.stringify(f.slackChannel)}: { webhook: ${JSON.stringify(f.slackWebhook)} }`);
  }
  return lines.join('\n') + '\n';
}

function playbookStep(playbooks: PlaybookRef[]): HTMLElement {
  if (playbooks.length > 0) {
    return step(3, 'A playbook', true,
      h('p', null, `${playbooks.length} playbook${playbooks.length === 1 ? '' : 's'}: `,
        ...playbooks.flatMap((p, i) => [i > 0 ? ', ' : '', link(`/playbooks/${p.id}`, p.id)]), '.'),
      h('p', { class: 'hint' }, link('/playbooks/new', 'Make another'), ' in three moves.'));
  }
  return step(3, 'A playbook', false,
    h('p', null, 'A playbook makes the three moves: it names the handoff moment (an event ',
      'starts it), picks the owner of done, and adds one visible checkpoint. Start from one ',
      'of the two every business has: “we sold it → onboarding” (sales hands a won deal to ',
      'ops) or “it is ready → the client knows the next step”.'),
    h('p', null, link('/playbooks/new', 'Create the first playbook')));
}

// A test event of the type a playbook starts on: its handoff is the first on the board.
function eventStep(playbooks: PlaybookRef[], done: boolean, sent: () => void): HTMLElement {
  let el: HTMLElement;  // the step, once built below: send() marks it done
  if (playbooks.length === 0) {
    return step(4, 'A first handoff', done,
      h('p', { class: 'muted' }, 'Once there is a playbook, send a test event here.'));
  }
  const me = session.current()?.handle ?? '';
  const select = h('select', { id: 'ev-playbook' },
    playbooks.map((p) => h('option', { value: p.id }, p.id)));
  const answer = h('p', { id: 'ev-answer', class: 'replay-answer', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Send a test event');
  const form = h('form', { class: 'setup-form',
                           onsubmit: (e: SubmitEvent) => { e.preventDefault(); void send(); } },
    h('p', null, 'Events come from your tools (a webhook on the Sources page, the API, ',
      h('code', null, 'baton emit'), '). Try one now: a test event for the playbook you pick, ',
      'with you as the owner wherever the playbook reads the owner from the event.'),
    h('div', { class: 'form-row' }, labelled('ev-playbook', 'Playbook', select),
      h('div', { class: 'actions' }, button)),
    answer);

  async function send(): Promise<void> {
    button.disabled = true;
    replace(answer);
    try {
      const text = await get<PlaybookText>(`/v1/playbooks/${encodeURIComponent(select.value)}`);
      const lint = await post<LintAnswer>('/v1/lint', { text: text.yaml });
      const type = lint.playbook?.trigger.on;
      if (!type) throw new Error('the playbook names no event');
      const stamp = Date.now();
      const company = 'Test client (a test from set-up)';
      const result = await post<EventAnswer>('/v1/events', {
        specversion: '1.0', type, id: `setup-test-${stamp}`, source: 'baton-setup',
        subject: company, datacontenttype: 'application/json',
        data: { company, host: me, account_owner: me, owner: me, test: true },
      });
      if (result.handoffs.length === 0) {
        answer.textContent = 'The event arrived, but no handoff started: the playbook\'s ' +
          'condition did not hold for a test event. Send one from your tool instead.';
        return;
      }
      const id = result.handoffs[0];
      replace(answer, `Handoff ${id} started. `, link(handoffPath(id), 'Open it'), ' or ',
        link('/', 'see it on the board'), '.');
      markStep(el, 4, true);
      sent();
    } catch (error) {
      answer.textContent = error instanceof Error && !(error as { status?: number }).status
        ? `Could not send it: ${error.message}.` : messageOf(error);
    } finally {
      button.disabled = false;
    }
  }
  el = step(4, 'A first handoff', done, form);
  return el;
}

function input(id: string, placeholder: string): HTMLInputElement {
  return h('input', { id, placeholder, autocomplete: 'off', spellcheck: false,
                      'aria-describedby': 'ch-error' });
}

function labelled(id: string, label: string, control: HTMLElement): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}
