// The playbook builder: a form in the three moves that writes the playbook's YAML
// (playbook_yaml.ts). What it offers is what Baton has seen: event types from stored events
// and the source presets, condition fields from a sample event of the chosen type, people
// and teams from people.yaml, channels from channels.yaml. The editor (playbooks.ts) keeps
// the YAML beside it and fills the form back from the linter's summary.

import { h, replace, type Child } from '../h';
import { get } from '../api';
import {
  conditionRows, conditionText, didYouMean, fieldsOf, operators, previewWords, type Checkpoint,
  type DeadlinePreview,
  type CheckpointKind, type ConditionRow, type Draft, type Span, type Unit,
} from '../playbook_yaml';
import type { People, Person, PlaybookRef, Source, SourcePreset, Team } from '../types';

// What the builder offers, each list read once when the editor opens; a list the caller
// may not read (sources and channels are admin reads) is left empty.
export interface Known {
  types: { type: string; count: number; data: unknown }[];
  presets: { vendor: string; type: string }[];
  people: Person[];
  teams: Team[];
  channels: { slack: string[]; webhooks: string[]; applied: boolean };
  playbooks: string[];
}

// Enough events to see the types in use; the API pages at most 1000 at a time.
const events_sample_max = 1000;

export async function loadKnown(): Promise<Known> {
  const quiet = <T>(p: Promise<T>, fallback: T) => p.catch(() => fallback);
  const [events, presets, sources, people, channels, playbooks] = await Promise.all([
    quiet(get<{ items: { type: string; data: unknown }[] }>(
      `/v1/events?limit=${events_sample_max}`), { items: [] }),
    quiet(get<{ items: (SourcePreset & { type?: string })[] }>('/v1/sources/presets'),
          { items: [] }),
    quiet(get<{ items: Source[] }>('/v1/sources'), { items: [] }),
    quiet(get<People>('/v1/people'), { people: [], teams: [] }),
    quiet(get<{ channels: { slack?: Record<string, unknown>;
                            webhooks?: Record<string, unknown> } | null }>('/v1/channels'),
          { channels: null }),
    quiet(get<{ items: PlaybookRef[] }>('/v1/playbooks'), { items: [] }),
  ]);
  const types = new Map<string, { type: string; count: number; data: unknown }>();
  for (const e of events.items) {
    const seen = types.get(e.type) ?? { type: e.type, count: 0, data: null };
    seen.count += 1;
    seen.data = e.data;  // the latest event of the type is the sample
    types.set(e.type, seen);
  }
  // A connected source's own mapping comes first; then every preset's.
  const templates = [
    ...sources.items.map((s) => ({ vendor: `${s.name} (source)`, type: s.type })),
    ...presets.items.filter((p) => p.type).map((p) => ({ vendor: p.vendor, type: p.type! })),
  ];
  return {
    types: [...types.values()].sort((a, b) => a.type.localeCompare(b.type)),
    presets: templates,
    people: people.people,
    teams: people.teams,
    channels: { slack: Object.keys(channels.channels?.slack ?? {}),
                webhooks: Object.keys(channels.channels?.webhooks ?? {}),
                applied: channels.channels !== null },
    playbooks: playbooks.items.map((p) => p.id),
  };
}

export interface Builder {
  element: HTMLElement;
  // `commented`: the YAML has comments, which a form edit does not keep.
  set(draft: Draft, unshown: string[], commented: boolean): void;
  // Lint messages beside the fields they are about, keyed by the YAML's top-level key.
  showErrors(byKey: Map<string, string[]>): void;
  // When a handoff started now would be due (the linter's preview), or null.
  setPreview(preview: DeadlinePreview | null): void;
}

const units: { unit: Unit; words: string }[] = [
  { unit: 'm', words: 'minutes' }, { unit: 'h', words: 'hours' },
  { unit: 'd', words: 'days' }, { unit: 'w', words: 'weeks' },
];

const kinds: { kind: CheckpointKind; words: string; target: string }[] = [
  { kind: 'slack', words: 'Post in Slack', target: 'Channel' },
  { kind: 'email', words: 'Send an email', target: 'To: owner, giver or an address' },
  { kind: 'webhook', words: 'Call a webhook', target: 'Webhook' },
];

const error_keys = ['id', 'title', 'when', 'if', 'subject', 'from', 'owner', 'done', 'checklist',
  'accept_within', 'done_within', 'remind', 'calendar', 'escalate', 'checkpoint', 'next'];

export function playbookBuilder(known: Known, options: {
  fixedId: string;  // an existing playbook's id, which its YAML must keep
  changed: (draft: Draft) => void;
}): Builder {
  let draft: Draft | null = null;
  let rows: ConditionRow[] | null = [];
  let unshown: string[] = [];
  let commented = false;
  const errors = new Map<string, HTMLElement>();
  for (const key of error_keys) {
    errors.set(key, h('p', { class: 'field-error', id: `err-${key}` }));
  }
  const body = h('div');
  const preview = h('p', { class: 'hint deadline-preview', id: 'b-deadline-preview' });
  const element = h('form', { class: 'builder', 'aria-label': 'Playbook builder', novalidate: true,
                              onsubmit: (e: SubmitEvent) => e.preventDefault() }, body);

  function changed(): void {
    if (!draft) return;
    if (rows) draft.condition = conditionText(rows);
    options.changed(draft);
  }
  // A structural change (a row added or removed, a kind picked): the form is drawn again.
  function redraw(focus?: string): void {
    render();
    changed();
    if (focus) (document.getElementById(focus) as HTMLElement | null)?.focus();
  }
  function render(): void {
    if (!draft) return;
    const d = draft;
    const frozen = unshown.length > 0;
    const fields = h('fieldset', { class: 'builder-fields', disabled: frozen },
      h('legend', { class: 'sr-only' }, 'The playbook'),
      h('div', { class: 'form-row' },
        text('b-id', 'Id', d.id, (v) => (d.id = v), 'id', {
          readonly: options.fixedId !== '', hint: 'a-z, 0-9, - and _; it names the playbook' }),
        text('b-title', 'Title', d.title, (v) => (d.title = v), 'title', {
          hint: 'What the board calls it' })),
      moment(d), ownerOfDone(d), checkpoint(d));
    replace(body,
      frozen ? h('p', { class: 'builder-note', role: 'note' },
        'The YAML holds what this form cannot show (', unshown.join('; '),
        '), so the YAML is the source: edit it there, and the form follows once it can show ' +
        'the whole playbook.')
        : commented ? h('p', { class: 'builder-note', role: 'note' },
          'A change in this form writes the YAML afresh: the comments in it are not kept.')
        : null,
      fields);
  }

  // ---- 1. The handoff moment ----
  function moment(d: Draft): HTMLElement {
    const seenType = (type: string) => known.types.find((t) => t.type === type);
    const seen = seenType(d.when);
    const namesOf = (type: string) => [...fieldsOf(seenType(type)?.data), 'subject', 'source'];
    const fieldNames = namesOf(d.when);
    const fieldList = h('datalist', { id: 'b-fields' },
                        fieldNames.map((f) => h('option', { value: f })));
    const pick = h('select', { id: 'b-when-pick', 'aria-describedby': 'b-when-pick-hint',
                               onchange: () => {
      const v = pick.value;
      if (v === '') return;
      d.when = v.includes('{{') ? v.slice(0, v.indexOf('{{')) : v;
      redraw('b-when');
    } },
      h('option', { value: '' }, 'Choose…'),
      known.types.length ? h('optgroup', { label: 'Seen in stored events' },
        known.types.map((t) => h('option', { value: t.type, selected: t.type === d.when },
          `${t.type} (${t.count} ${t.count === 1 ? 'event' : 'events'})`))) : null,
      known.presets.length ? h('optgroup', { label: 'From a source or preset' },
        known.presets.map((p) => h('option', { value: p.type },
          `${p.vendor}: ${p.type}`))) : null);
    // As the type is typed: the condition's fields follow, and a type never seen is said.
    const check = (type: string): string => {
      replace(fieldList, namesOf(type).map((f) => h('option', { value: f })));
      return type && !seenType(type)
        ? `No stored event has the type “${type}” yet: this playbook starts nothing until ` +
          'one arrives. Pick a type seen above, or send a test delivery from Sources.'
        : '';
    };
    return section(1, 'The handoff moment', 'move-moment',
      h('div', { class: 'form-row' },
        h('div', { class: 'field' },
          h('label', { for: 'b-when-pick' }, 'Pick an event type'), pick,
          h('p', { class: 'hint', id: 'b-when-pick-hint' },
            known.types.length ? 'Types Baton has received, and what each source sends.'
                               : 'No events stored yet: a source preset names its types.')),
        text('b-when', 'Event type', d.when, (v) => (d.when = v), 'when', {
          list: 'b-types', check })),
      h('datalist', { id: 'b-types' }, known.types.map((t) => h('option', { value: t.type }))),
      fieldList,
      text('b-subject', 'Subject (optional)', d.subject, (v) => (d.subject = v), 'subject', {
        hint: 'What it is about, e.g. {{data.company}}; the event’s subject when empty.' }),
      condition(d, seen ? fieldNames.length - 2 : 0));
  }

  function condition(d: Draft, sampled: number): HTMLElement {
    const legend = h('legend', null, 'Only when (optional)');
    if (rows === null) {
      return h('fieldset', { class: 'rows' }, legend,
        text('b-if', 'Condition, as written', d.condition, (v) => (d.condition = v), 'if', {
          hint: 'More than the rows below can show (|| or in, say): edit it here or in the ' +
                'YAML; docs/playbooks.md has the syntax.' }));
    }
    const r = rows;
    return h('fieldset', { class: 'rows' }, legend,
      h('p', { class: 'hint' }, sampled
        ? `Fields from the latest “${d.when}” event.` : 'Fields: data.NAME, subject, source.'),
      h('ul', { class: 'row-list' }, r.map((row, i) => h('li', { class: 'form-row' },
        text(`b-if-field-${i}`, `Field ${i + 1}`, row.field, (v) => (row.field = v), '', {
          list: 'b-fields' }),
        h('div', { class: 'field' },
          h('label', { for: `b-if-op-${i}` }, 'Test'),
          h('select', { id: `b-if-op-${i}`, onchange: (e: Event) => {
            row.op = (e.target as HTMLSelectElement).value as ConditionRow['op'];
            redraw(`b-if-op-${i}`);
          } }, operators.map((o) => h('option', { value: o.op, selected: o.op === row.op },
                                     o.words)))),
        row.op === 'has' ? null
          : text(`b-if-value-${i}`, 'Value', row.value, (v) => (row.value = v), ''),
        remove(`Remove condition ${i + 1}`, () => { r.splice(i, 1); redraw('b-if-add'); })))),
      h('button', { type: 'button', class: 'quiet', id: 'b-if-add', onclick: () => {
        r.push({ field: '', op: '==', value: '' });
        redraw(`b-if-field-${r.length - 1}`);
      } }, 'Add a condition'),
      errors.get('if')!);
  }

  // ---- 2. The owner of done ----
  function ownerOfDone(d: Draft): HTMLElement {
    const templates = fieldsOf(known.types.find((t) => t.type === d.when)?.data)
      .map((f) => `{{${f}}}`);
    return section(2, 'The owner of done', 'move-owner',
      h('div', { class: 'form-row' },
        handle('b-from', 'From (the giver)', d.from, (v) => (d.from = v), 'from', []),
        handle('b-owner', 'Owner', d.owner, (v) => (d.owner = v), 'owner', templates)),
      h('div', { class: 'form-row' },
        span('b-accept', 'Accept within', d.accept_within, (s) => (d.accept_within = s),
             'accept_within'),
        span('b-done-within', 'Done within', d.done_within, (s) => (d.done_within = s),
             'done_within'),
        h('div', { class: 'field' },
          h('label', { for: 'b-calendar' }, 'Deadlines count'),
          h('select', { id: 'b-calendar', 'aria-describedby': 'err-calendar',
                        onchange: (e: Event) => {
            d.calendar = (e.target as HTMLSelectElement).value === '24x7' ? '24x7' : 'working';
            changed();
          } },
            h('option', { value: 'working', selected: d.calendar === 'working' },
              'in the owner’s working hours'),
            h('option', { value: '24x7', selected: d.calendar === '24x7' }, 'around the clock')),
          errors.get('calendar')!)),
      preview,
      spans(d),
      h('div', { class: 'field' },
        h('label', { for: 'b-done' }, 'Done means'),
        h('textarea', { id: 'b-done', rows: 2, value: d.done,
                        'aria-describedby': 'b-done-hint err-done',
                        oninput: (e: Event) => {
                          d.done = (e.target as HTMLTextAreaElement).value;
                          changed();
                        } }),
        h('p', { class: 'hint', id: 'b-done-hint' }, 'The finish line, in words.'),
        errors.get('done')!),
      h('fieldset', { class: 'rows' }, h('legend', null, 'Checklist'),
        h('ul', { class: 'row-list' }, d.checklist.map((c, i) => h('li', { class: 'form-row' },
          text(`b-item-${i}`, `Item ${i + 1}`, c.item, (v) => (c.item = v), ''),
          text(`b-item-when-${i}`, 'Ticked by an event (optional)', c.when, (v) => (c.when = v),
               '', { list: 'b-types' }),
          remove(`Remove item ${i + 1}`, () => {
            d.checklist.splice(i, 1);
            redraw('b-item-add');
          })))),
        h('button', { type: 'button', class: 'quiet', id: 'b-item-add', onclick: () => {
          d.checklist.push({ item: '', when: '' });
          redraw(`b-item-${d.checklist.length - 1}`);
        } }, 'Add an item'),
        errors.get('checklist')!));
  }

  function spans(d: Draft): HTMLElement {
    return h('fieldset', { class: 'rows' }, h('legend', null, 'Reminders while unaccepted'),
      h('ul', { class: 'row-list' }, d.remind.map((r, i) => h('li', { class: 'form-row' },
        span(`b-remind-${i}`, `Remind after`, r, (s) => (d.remind[i] = s ?? { n: 0, unit: 'h' }),
             ''),
        remove(`Remove reminder ${i + 1}`, () => {
          d.remind.splice(i, 1);
          redraw('b-remind-add');
        })))),
      h('button', { type: 'button', class: 'quiet', id: 'b-remind-add', onclick: () => {
        d.remind.push({ n: 1, unit: 'h' });
        redraw(`b-remind-${d.remind.length - 1}`);
      } }, 'Add a reminder'),
      errors.get('remind')!);
  }

  // ---- 3. The visible checkpoint ----
  function checkpoint(d: Draft): HTMLElement {
    const targets: Record<CheckpointKind, string[]> = {
      slack: known.channels.slack, email: ['owner', 'giver'], webhook: known.channels.webhooks };
    return section(3, 'The visible checkpoint', 'move-checkpoint',
      h('p', { class: 'hint' }, 'The board card always exists. ',
        known.channels.applied ? 'Channels and webhooks are those in channels.yaml.'
          : 'No channels.yaml is applied (or you may not read it): messages wait in the ' +
            'outbox until one is.'),
      h('datalist', { id: 'b-targets-slack' }, targets.slack.map((t) => h('option', { value: t }))),
      h('datalist', { id: 'b-targets-email' }, targets.email.map((t) => h('option', { value: t }))),
      h('datalist', { id: 'b-targets-webhook' },
        targets.webhook.map((t) => h('option', { value: t }))),
      h('fieldset', { class: 'rows' }, h('legend', null, 'Checkpoints'),
        h('ul', { class: 'row-list' }, d.checkpoint.map((c, i) => checkpointRow(d, c, i, targets))),
        h('button', { type: 'button', class: 'quiet', id: 'b-point-add', onclick: () => {
          d.checkpoint.push({ kind: 'slack', target: '', template: '' });
          redraw(`b-point-kind-${d.checkpoint.length - 1}`);
        } }, 'Add a checkpoint'),
        errors.get('checkpoint')!),
      h('fieldset', { class: 'rows' }, h('legend', null, 'Escalation steps'),
        h('ul', { class: 'row-list' }, d.escalate.map((e, i) => h('li', { class: 'form-row' },
          span(`b-esc-after-${i}`, 'After', e.after, (s) => (e.after = s), ''),
          handle(`b-esc-to-${i}`, 'To', e.to, (v) => (e.to = v), '', []),
          h('div', { class: 'field' },
            h('label', { for: `b-esc-on-${i}` }, 'While'),
            h('select', { id: `b-esc-on-${i}`, onchange: (ev: Event) => {
              e.on = (ev.target as HTMLSelectElement).value === 'done' ? 'done' : 'accept';
              changed();
            } },
              h('option', { value: 'accept', selected: e.on === 'accept' }, 'not yet accepted'),
              h('option', { value: 'done', selected: e.on === 'done' }, 'not yet done'))),
          h('div', { class: 'field inline' },
            h('input', { type: 'checkbox', id: `b-esc-reassign-${i}`, checked: e.reassign,
                         onchange: (ev: Event) => {
                           e.reassign = (ev.target as HTMLInputElement).checked;
                           changed();
                         } }),
            h('label', { for: `b-esc-reassign-${i}` }, 'and hand it to them')),
          remove(`Remove step ${i + 1}`, () => {
            d.escalate.splice(i, 1);
            redraw('b-esc-add');
          })))),
        h('button', { type: 'button', class: 'quiet', id: 'b-esc-add', onclick: () => {
          d.escalate.push({ after: { n: 4, unit: 'h' }, to: '', on: 'accept', reassign: false });
          redraw(`b-esc-after-${d.escalate.length - 1}`);
        } }, 'Add an escalation step'),
        errors.get('escalate')!),
      h('div', { class: 'field' },
        h('label', { for: 'b-next' }, 'Then (a relay)'),
        h('select', { id: 'b-next', 'aria-describedby': 'err-next', onchange: (ev: Event) => {
          d.next = (ev.target as HTMLSelectElement).value;
          changed();
        } },
          h('option', { value: '', selected: d.next === '' }, 'nothing: it ends when done'),
          [...new Set([...known.playbooks, d.next])].filter((p) => p && p !== d.id)
            .map((p) => h('option', { value: p, selected: p === d.next }, `start ${p}`))),
        errors.get('next')!));
  }

  function checkpointRow(d: Draft, c: Checkpoint, i: number,
                         targets: Record<CheckpointKind, string[]>): HTMLElement {
    const kind = kinds.find((k) => k.kind === c.kind)!;
    const check = (target: string): string => {
      const near = c.kind === 'email' ? null : didYouMean(target, [], [], targets[c.kind]);
      return near ? `${target} is not in channels.yaml. Did you mean ${near}?` : '';
    };
    return h('li', { class: 'form-row' },
      h('div', { class: 'field' },
        h('label', { for: `b-point-kind-${i}` }, 'How'),
        h('select', { id: `b-point-kind-${i}`, onchange: (e: Event) => {
          c.kind = (e.target as HTMLSelectElement).value as CheckpointKind;
          redraw(`b-point-kind-${i}`);
        } }, kinds.map((k) => h('option', { value: k.kind, selected: k.kind === c.kind },
                                 k.words)))),
      text(`b-point-target-${i}`, kind.target, c.target, (v) => (c.target = v), '', {
        list: `b-targets-${c.kind}`, check: targets[c.kind].length ? check : undefined }),
      text(`b-point-template-${i}`, 'Message template (optional)', c.template,
           (v) => (c.template = v), ''),
      remove(`Remove checkpoint ${i + 1}`, () => {
        d.checkpoint.splice(i, 1);
        redraw('b-point-add');
      }));
  }

  // ---- Controls ----
  function section(n: number, title: string, id: string, ...children: Child[]): HTMLElement {
    return h('section', { class: 'move', 'aria-labelledby': id },
      h('h2', { id }, h('span', { class: 'move-n', 'aria-hidden': 'true' }, String(n)), title),
      ...children);
  }

  function text(id: string, label: string, value: string, set: (v: string) => void, key: string,
                opts: { hint?: string; list?: string; readonly?: boolean;
                        // A warning about the value, said again as it is typed.
                        check?: (value: string) => string } = {}): HTMLElement {
    const described = [opts.hint ? `${id}-hint` : '', opts.check ? `${id}-warn` : '',
                       key ? `err-${key}` : ''].filter(Boolean).join(' ');
    const warn = h('p', { class: 'field-warning', id: `${id}-warn` },
                   opts.check ? opts.check(value) : '');
    const input = h('input', { id, value, list: opts.list, readonly: opts.readonly,
                               autocomplete: 'off', 'aria-describedby': described || null,
                               oninput: () => {
                                 set(input.value);
                                 if (opts.check) warn.textContent = opts.check(input.value);
                                 changed();
                               } });
    return h('div', { class: 'field' }, h('label', { for: id }, label), input,
      opts.hint ? h('p', { class: 'hint', id: `${id}-hint` }, opts.hint) : null,
      opts.check ? warn : null,
      key ? errors.get(key)! : null);
  }

  // A person or team by name (the value is the handle), or a template from the event.
  function handle(id: string, label: string, value: string, set: (v: string) => void,
                  key: string, templates: string[]): HTMLElement {
    const handles = new Set([...known.people.map((p) => p.handle),
                             ...known.teams.map((t) => t.handle ?? ''), ...templates]);
    const near = didYouMean(value, known.people, known.teams);
    const described = [near ? `${id}-warn` : '', key ? `err-${key}` : ''].join(' ').trim();
    const select = h('select', { id, 'aria-describedby': described || null,
                                 onchange: () => { set(select.value); redraw(id); } },
      h('option', { value: '', selected: value === '' }, 'Choose…'),
      value && !handles.has(value)
        ? h('option', { value, selected: true }, `${value} (not in people.yaml)`) : null,
      h('optgroup', { label: 'Teams' }, known.teams.map((t) =>
        h('option', { value: t.handle, selected: t.handle === value },
          `${t.name || t.handle} (${t.handle}${t.rule ? ', ' + t.rule : ''})`))),
      h('optgroup', { label: 'People' }, known.people.map((p) =>
        h('option', { value: p.handle, selected: p.handle === value },
          `${p.name || p.handle} (${p.handle})`))),
      templates.length ? h('optgroup', { label: 'From the event' }, templates.map((t) =>
        h('option', { value: t, selected: t === value }, t))) : null);
    return h('div', { class: 'field' }, h('label', { for: id }, label), select,
      near ? h('p', { class: 'field-warning', id: `${id}-warn` },
        `Nobody is called “${value}”. Did you mean `,
        h('button', { type: 'button', class: 'link', onclick: () => { set(near); redraw(id); } },
          near), '?') : null,
      key ? errors.get(key)! : null);
  }

  function span(id: string, label: string, value: Span | null, set: (s: Span | null) => void,
                key: string): HTMLElement {
    const n = h('input', { id, type: 'number', min: 0, step: 1, inputmode: 'numeric',
                           value: value ? String(value.n) : '',
                           'aria-describedby': key ? `err-${key}` : null,
                           oninput: () => update() });
    const unit = h('select', { id: `${id}-unit`, 'aria-label': `${label}: unit`,
                               onchange: () => update() },
      units.map((u) => h('option', { value: u.unit, selected: (value?.unit ?? 'h') === u.unit },
                         u.words)));
    function update(): void {
      const count = Number(n.value);
      set(n.value === '' || !Number.isFinite(count) ? null
        : { n: Math.max(0, Math.floor(count)), unit: unit.value as Unit });
      changed();
    }
    return h('div', { class: 'field span-field' }, h('label', { for: id }, label),
      h('div', { class: 'span-input' }, n, unit), key ? errors.get(key)! : null);
  }

  function remove(label: string, onclick: () => void): HTMLElement {
    return h('div', { class: 'actions row-remove' },
      h('button', { type: 'button', class: 'quiet', 'aria-label': label, onclick }, 'Remove'));
  }

  return {
    element,
    set(next: Draft, notShown: string[], hasComments: boolean): void {
      draft = next;
      unshown = notShown;
      commented = hasComments;
      rows = conditionRows(next.condition);
      render();
    },
    setPreview(p: DeadlinePreview | null): void {
      preview.textContent = p ? previewWords(p) : '';
    },
    showErrors(byKey: Map<string, string[]>): void {
      for (const [key, el] of errors) {
        replace(el, (byKey.get(key) ?? []).join(' '));
        const control = element.querySelector(`[aria-describedby~="err-${key}"]`);
        if (control) control.setAttribute('aria-invalid', byKey.has(key) ? 'true' : 'false');
      }
    },
  };
}
