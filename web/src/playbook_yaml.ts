// The playbook builder's model: a Draft is what the form shows, toYaml writes it as a
// playbook (docs/playbooks.md), fromSummary reads it back from the linter's summary of any
// YAML (POST /v1/lint), and the condition rows go to and from an `if:` text. Pure: no DOM,
// no requests, so tests/web/playbook_yaml.test.mjs runs it in Node.

import type { Person, PlaybookSummary, Team } from './types';

export type Unit = 'm' | 'h' | 'd' | 'w';
export interface Span { n: number; unit: Unit }
export interface ChecklistEntry { item: string; when: string }
export interface Escalation {
  after: Span | null;
  to: string;
  on: 'accept' | 'done';
  reassign: boolean;
}
export type CheckpointKind = 'slack' | 'email' | 'webhook';
export interface Checkpoint { kind: CheckpointKind; target: string; template: string }
export type Operator = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'contains' | 'startsWith' |
  'endsWith' | 'has';
export interface ConditionRow { field: string; op: Operator; value: string }

export interface Draft {
  id: string;
  title: string;
  when: string;
  // The `if:` as written; the builder's rows write it (conditionText) when they can show it.
  condition: string;
  subject: string;
  from: string;
  owner: string;
  done: string;
  checklist: ChecklistEntry[];
  accept_within: Span | null;
  done_within: Span | null;
  remind: Span[];
  calendar: 'working' | '24x7';
  escalate: Escalation[];
  checkpoint: Checkpoint[];
  next: string;
}

export function emptyDraft(): Draft {
  return { id: '', title: '', when: '', condition: '', subject: '', from: '', owner: '',
           done: '', checklist: [], accept_within: null, done_within: null, remind: [],
           calendar: 'working', escalate: [], checkpoint: [], next: '' };
}

// ---- Durations -------------------------------------------------------------------------

export function spanText(span: Span | null): string {
  return span && span.n > 0 ? `${span.n}${span.unit}` : '';
}

// "4h", "90m" or the server's "1h 30m" as one number and unit; null when it cannot be one
// (seconds, or days with hours: on a working calendar those do not convert).
export function parseSpan(text: string | null | undefined): Span | null {
  if (!text) return null;
  const parts = text.trim().split(/\s+/).map((p) => /^(\d+)([smhdw])$/.exec(p));
  if (parts.length === 0 || parts.some((p) => p === null)) return null;
  if (parts.length === 1) {
    const [, n, unit] = parts[0]!;
    return unit === 's' ? null : { n: Number(n), unit: unit as Unit };
  }
  let minutes = 0;
  for (const p of parts) {
    const [, n, unit] = p!;
    if (unit === 'h') minutes += Number(n) * 60;
    else if (unit === 'm') minutes += Number(n);
    else return null;
  }
  return { n: minutes, unit: 'm' };
}

// ---- YAML ------------------------------------------------------------------------------

const yamlWords = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

// A scalar as YAML: plain when it cannot be read as anything else, single-quoted otherwise
// (only ' is escaped there), double-quoted (JSON's escapes are YAML's) when it has a line
// break or a control character.
export function scalar(text: string): string {
  if (/^[A-Za-z][A-Za-z0-9 ._/@→,()-]*$/.test(text) && !/[ ]$/.test(text) &&
      !yamlWords.test(text)) {
    return text;
  }
  if (/^\d+[mhdw]$/.test(text)) return text;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return JSON.stringify(text);
  return `'${text.replace(/'/g, "''")}'`;
}

// The playbook as YAML, keys in the order docs/playbooks.md lists them; empty optional
// fields are left out.
export function toYaml(d: Draft): string {
  const out: string[] = [];
  const line = (key: string, value: string) => {
    if (value !== '') out.push(`${key}: ${scalar(value)}`);
  };
  line('id', d.id);
  line('title', d.title);
  out.push(`when: ${scalar(d.when)}`);
  line('if', d.condition.trim());
  line('subject', d.subject);
  out.push(`from: ${scalar(d.from)}`);
  out.push(`owner: ${scalar(d.owner)}`);
  out.push(`done: ${scalar(d.done)}`);
  const items = d.checklist.filter((c) => c.item.trim() !== '');
  if (items.length) {
    out.push('checklist:');
    for (const c of items) {
      out.push(c.when.trim() ? `  - { item: ${scalar(c.item)}, when: ${scalar(c.when.trim())} }`
                             : `  - ${scalar(c.item)}`);
    }
  }
  line('accept_within', spanText(d.accept_within));
  line('done_within', spanText(d.done_within));
  const remind = d.remind.map(spanText).filter((s) => s !== '');
  if (remind.length) out.push(`remind: [${remind.join(', ')}]`);
  const steps = d.escalate.filter((e) => e.to.trim() !== '' || spanText(e.after) !== '');
  if (steps.length) {
    out.push('escalate:');
    for (const e of steps) {
      const fields = [`after: ${spanText(e.after) || "''"}`, `to: ${scalar(e.to)}`];
      if (e.on === 'done') fields.push('on: done');
      if (e.reassign) fields.push('reassign: true');
      out.push(`  - { ${fields.join(', ')} }`);
    }
  }
  const checkpoints = d.checkpoint.filter((c) => c.target.trim() !== '');
  if (checkpoints.length) {
    out.push('checkpoint:');
    for (const c of checkpoints) {
      // A Slack channel starts with `#`, which would start a YAML comment: always quoted.
      const target = c.kind === 'slack' ? `'${c.target.replace(/'/g, "''")}'` : scalar(c.target);
      out.push(`  - ${c.kind}: ${target}`);
      if (c.template.trim()) out.push(`    template: ${scalar(c.template.trim())}`);
    }
  }
  if (d.calendar === '24x7') out.push("calendar: '24x7'");
  line('next', d.next);
  return out.join('\n') + '\n';
}

// ---- From the linter's summary ----------------------------------------------------------

export interface Reading {
  draft: Draft;
  // What the YAML holds that the form cannot show, in words; the YAML stays the source.
  unshown: string[];
}

type Summary = PlaybookSummary & Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function spanOf(v: unknown, what: string, unshown: string[]): Span | null {
  if (v === null || v === undefined || v === '') return null;
  const span = parseSpan(str(v));
  if (!span) unshown.push(`${what} ${str(v)}`);
  return span;
}

export function fromSummary(s: Summary): Reading {
  const unshown: string[] = [];
  const trigger = (s.trigger ?? {}) as { on?: string; has_condition?: boolean; condition?: string };
  const d = emptyDraft();
  d.id = str(s.id);
  d.title = str(s.title) === d.id ? '' : str(s.title);
  d.when = str(trigger.on);
  d.condition = str(trigger.condition);
  if (trigger.has_condition && !d.condition) unshown.push('the condition (if:)');
  if (str(s.description)) unshown.push('the description');
  d.subject = str(s.subject) === '{{subject}}' ? '' : str(s.subject);
  d.from = str(s.from);
  d.owner = str(s.owner);
  d.done = str(s.done);
  d.checklist = (Array.isArray(s.checklist) ? s.checklist : []).map((c) => {
    const item = c as { text?: string; when?: string | null };
    return { item: str(item.text), when: str(item.when) };
  });
  d.accept_within = spanOf(s.accept_within, 'accept within', unshown);
  d.done_within = spanOf(s.done_within, 'done within', unshown);
  d.remind = (Array.isArray(s.remind) ? s.remind : [])
    .map((r) => spanOf(r, 'a reminder at', unshown)).filter((r): r is Span => r !== null);
  d.calendar = s.calendar === '24x7' ? '24x7' : 'working';
  d.escalate = (Array.isArray(s.escalate) ? s.escalate : []).map((e) => {
    const step = e as { after?: string; to?: string; on?: string; reassign?: boolean };
    return { after: spanOf(step.after, 'an escalation after', unshown), to: str(step.to),
             on: step.on === 'done' ? 'done' : 'accept', reassign: step.reassign === true };
  });
  d.checkpoint = (Array.isArray(s.checkpoint) ? s.checkpoint : []).map((c) => {
    const point = c as { kind?: string; target?: string; template?: string | null };
    const kind = point.kind === 'email' || point.kind === 'webhook' ? point.kind : 'slack';
    return { kind, target: str(point.target), template: str(point.template) };
  });
  d.next = str(s.next);
  return { draft: d, unshown };
}

// ---- Conditions -------------------------------------------------------------------------

export const operators: { op: Operator; words: string }[] = [
  { op: '==', words: 'is' }, { op: '!=', words: 'is not' },
  { op: '>', words: 'is more than' }, { op: '>=', words: 'is at least' },
  { op: '<', words: 'is less than' }, { op: '<=', words: 'is at most' },
  { op: 'contains', words: 'contains' }, { op: 'startsWith', words: 'starts with' },
  { op: 'endsWith', words: 'ends with' }, { op: 'has', words: 'is present' },
];

const path = String.raw`(?:data(?:\.[A-Za-z_][A-Za-z0-9_]*)+|subject|type|source|id)`;
const literal = String.raw`(-?\d+(?:\.\d+)?|true|false|null|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`;
const compare = new RegExp(`^(${path})\\s*(==|!=|>=|<=|>|<)\\s*${literal}$`);
const method = new RegExp(`^(${path})\\.(contains|startsWith|endsWith)\\(\\s*${literal}\\s*\\)$`);
const presence = new RegExp(`^has\\(\\s*(${path})\\s*\\)$`);

// A value typed in a row as a condition literal: numbers and true/false as they are, any
// other text as a string.
export function literalOf(value: string): string {
  const v = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(v) || v === 'true' || v === 'false') return v;
  return JSON.stringify(value);
}

function valueOf(lit: string): string {
  if (lit.startsWith('"')) return JSON.parse(lit) as string;
  if (lit.startsWith("'")) return lit.slice(1, -1).replace(/\\(.)/g, '$1');
  return lit;
}

export function conditionText(rows: ConditionRow[]): string {
  return rows.filter((r) => r.field.trim() !== '').map((r) => {
    const field = r.field.trim();
    if (r.op === 'has') return `has(${field})`;
    if (r.op === 'contains' || r.op === 'startsWith' || r.op === 'endsWith') {
      return `${field}.${r.op}(${JSON.stringify(r.value)})`;
    }
    return `${field} ${r.op} ${literalOf(r.value)}`;
  }).join(' && ');
}

// The rows a condition is, when it is only `&&` of comparisons the rows can show; null
// when it is more (`||`, parentheses, `in`, size()...): then the form shows it as written.
export function conditionRows(text: string): ConditionRow[] | null {
  if (text.trim() === '') return [];
  const rows: ConditionRow[] = [];
  for (const part of splitAnd(text)) {
    let m = compare.exec(part);
    if (m) {
      rows.push({ field: m[1], op: m[2] as Operator, value: valueOf(m[3]) });
      continue;
    }
    m = method.exec(part);
    if (m) {
      rows.push({ field: m[1], op: m[2] as Operator, value: valueOf(m[3]) });
      continue;
    }
    m = presence.exec(part);
    if (m) {
      rows.push({ field: m[1], op: 'has', value: '' });
      continue;
    }
    return null;
  }
  return rows;
}

// Splits on `&&` outside quotes; a `||` or a parenthesis outside quotes makes it one part
// that no row matches.
function splitAnd(text: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '&' && text[i + 1] === '&') {
      parts.push(text.slice(start, i).trim());
      start = i + 2;
      i++;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

// The data fields of a sample event, as condition paths (data.client.tier), at most 3 deep.
export function fieldsOf(data: unknown, prefix = 'data', depth = 0): string[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data) || depth > 2) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    const p = `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out.push(...fieldsOf(value, p, depth + 1));
    } else {
      out.push(p);
    }
  }
  return out;
}

// ---- Did you mean ------------------------------------------------------------------------

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

// The handle someone probably meant by `value` when it is not one: a person's or team's
// name ("Operations" → ops), or a handle a typo or two away. null when `value` is a handle,
// a template, empty, or near nothing.
export function didYouMean(value: string, people: Person[], teams: Team[],
                           extra: string[] = []): string | null {
  const v = value.trim();
  if (v === '' || v.includes('{{')) return null;
  const named = [...people.map((p) => ({ handle: p.handle, name: p.name })),
                 ...teams.map((t) => ({ handle: t.handle ?? '', name: t.name ?? '' })),
                 ...extra.map((e) => ({ handle: e, name: '' }))]
    .filter((n) => n.handle !== '');
  if (named.some((n) => n.handle === v)) return null;
  const lower = v.toLowerCase();
  const byName = named.find((n) => n.name.toLowerCase() === lower ||
                                   n.handle.toLowerCase() === lower);
  if (byName) return byName.handle;
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.min(2, Math.floor(v.length / 3)));
  for (const n of named) {
    const d = Math.min(distance(lower, n.handle.toLowerCase()),
                       n.name ? distance(lower, n.name.toLowerCase()) : Infinity);
    if (d <= bestDistance) {
      best = n.handle;
      bestDistance = d - 1;
    }
  }
  return best;
}

// ---- Where a lint message points --------------------------------------------------------

// The top-level key whose block holds `line` (1-based) of the YAML: the form field a
// lint message belongs beside.
export function keyAtLine(yaml: string, line: number): string {
  const lines = yaml.split('\n');
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(lines[i]);
    if (m) return m[1];
  }
  return '';
}

// ---- Deadline preview -------------------------------------------------------------------

// POST /v1/lint's `preview`: when a handoff started now would be due, in the owner's hours.
export interface DeadlinePreview {
  owner: string;
  name: string;
  team: string | null;  // the owner is a team: `owner` is its first member, for example
  time_zone: string;
  working_hours: boolean;
  from: string;
  accept_by: string | null;
  done_by: string | null;
}

const week_ms = 7 * 24 * 3600 * 1000;

// "Thursday 11:00" in the owner's time zone, with the date when it is a week away or more.
export function dueWords(at: string, from: string, timeZone: string): string {
  const when = new Date(at);
  const far = when.getTime() - new Date(from).getTime() >= week_ms - 24 * 3600 * 1000;
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone,
    ...(far ? { day: 'numeric', month: 'short' } : {}),
  };
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', options).formatToParts(when);
  } catch {
    parts = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).formatToParts(when);
  }
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = far ? `${part('weekday')} ${part('day')} ${part('month')}` : part('weekday');
  return `${day} ${part('hour')}:${part('minute')}`;
}

// The preview as a sentence: "Started now: accept by Thursday 11:00 and done by Friday
// 17:30, in Dana Reyes's hours (Europe/London)."
export function previewWords(p: DeadlinePreview): string {
  const due = [p.accept_by ? `accept by ${dueWords(p.accept_by, p.from, p.time_zone)}` : '',
               p.done_by ? `done by ${dueWords(p.done_by, p.from, p.time_zone)}` : '']
    .filter(Boolean).join(' and ');
  const whose = p.working_hours ? `in ${p.name || p.owner}’s hours` : 'around the clock';
  const team = p.team ? ` — ${p.name || p.owner} is the first of ${p.team}; its rule picks ` +
                        'the owner' : '';
  return `Started now: ${due}, ${whose} (${p.time_zone})${team}.`;
}
