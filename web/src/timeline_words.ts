// A handoff's timeline in plain words, one sentence an entry: "Dana Reyes accepted it.",
// "Office handed “Kickoff booked → prep confirmed” to Dana Reyes, to accept by 3 Dec 2026,
// 15:17." The server's `text` names people by handle and times in ISO 8601; the sentence is
// built from the entry's kind, actor and data instead, with the few facts only the text holds
// read from it, and any entry this does not know is its text with its times made local.
// Pure: names and times come from the caller (Words), so this is tested without a DOM.

import type { People, TimelineEntry } from './types';

export interface Words {
  // A person's or a team's name for a handle; the handle when nobody has it.
  name(handle: string): string;
  // A timestamp in the reader's words and time zone.
  when(iso: string): string;
  // The text of checklist item n, when the handoff has it.
  item(n: number): string | undefined;
}

// The names of people and teams by handle (people first: a person and a team may share one).
// Baton itself is "Baton".
export function namesOf(people: People | null): (handle: string) => string {
  const names = new Map<string, string>([['baton', 'Baton']]);
  for (const t of people?.teams ?? []) {
    if (t.handle && t.name) names.set(t.handle, t.name);
  }
  for (const p of people?.people ?? []) {
    if (p.name) names.set(p.handle, p.name);
  }
  return (handle: string) => names.get(handle) ?? handle;
}

const isoPattern = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})\b/g;

// Text with every ISO 8601 timestamp in it said in the reader's time.
export function localTimes(text: string, when: (iso: string) => string): string {
  return text.replace(isoPattern, (iso) => when(iso));
}

// The messages Baton sends, by the `what` of a delivery.
const messages: Record<string, string> = {
  created: 'new handoff', reminded: 'reminder', overdue: 'overdue', escalated: 'escalation',
  reassigned: 'reassignment', accepted: 'accepted', declined: 'declined', done: 'done',
  cancelled: 'cancelled',
};

const channels: Record<string, string> = { slack: 'Slack', email: 'email', webhook: 'webhook' };

type Data = Record<string, unknown>;

function field(data: Data, key: string): string {
  const v = data[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

// A sentence ends with a full stop unless it already ends in punctuation (a reason may).
function sentence(text: string): string {
  const t = text.trim();
  return /[.!?…)”"']$/.test(t) ? t : t + '.';
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function timelineSentence(e: TimelineEntry, w: Words): string {
  const data: Data = e.data && typeof e.data === 'object' && !Array.isArray(e.data)
    ? (e.data as Data) : {};
  const said = words(e, data, w);
  return said ?? fallback(e, w);
}

// An entry the words below do not know, or whose text is not the shape they expect.
function fallback(e: TimelineEntry, w: Words): string {
  const text = localTimes(e.text ?? '', w.when).trim();
  if (!text) return sentence(`${w.name(e.actor || 'baton')} ${e.kind.replace(/_/g, ' ')}`);
  return sentence(text);
}

function words(e: TimelineEntry, data: Data, w: Words): string | null {
  const who = w.name(e.actor || 'baton');
  const text = e.text ?? '';
  const reason = field(data, 'reason');
  switch (e.kind) {
    case 'created': return created(text, w);
    case 'accepted': {
      const behalf = /on behalf of ([^\s;]+)/.exec(text);
      const released = /; (\S+) is no longer accountable/.exec(text);
      return sentence(`${who} accepted it` +
        (behalf ? ` on behalf of ${w.name(behalf[1])}` : '') +
        (released ? `; ${w.name(released[1])} is no longer accountable` : ''));
    }
    case 'declined': {
      const back = /— back to (\S+) to reassign$/.exec(text);
      return sentence(`${who} declined it` + (reason ? `: ${reason}` : '') +
        (back ? ` — back to ${w.name(back[1])} to reassign` : ''));
    }
    case 'done': {
      const open = Number(data.open_items);
      if (data.forced === true && open > 0) {
        return sentence(`${who} marked it done with ` +
          `${count(open, 'checklist item', 'checklist items')} open: ${reason}`);
      }
      return `${who} marked it done.`;
    }
    case 'cancelled': return sentence(`${who} cancelled it` + (reason ? `: ${reason}` : ''));
    case 'reassigned': return reassigned(e, data, text, w);
    case 'checked':
    case 'unchecked': {
      const n = Number(data.item);
      const item = w.item(n) ?? /“(.*)”$/.exec(text)?.[1];
      if (!item) return null;
      return `${who} ${e.kind === 'checked' ? 'ticked' : 'unticked'} “${item}”.`;
    }
    case 'comment': return text ? `${who} commented: ${text}` : null;
    case 'reminded': {
      const to = field(data, 'to');
      const by = /accept by (\S+)$/.exec(text);
      if (!to) return null;
      return `Baton reminded ${w.name(to)} to accept it` +
        (by ? `, by ${w.when(by[1])}.` : '.');
    }
    case 'overdue': return overdue(data, text, w);
    case 'escalated': return escalated(data, text, w);
    case 'assigned': {
      const m = /^(\S+) picked from team (\S+) \(([^)]+)\)$/.exec(text);
      return m ? `${w.name(m[1])} was picked from ${w.name(m[2])} (${m[3]}).` : null;
    }
    case 'unowned': {
      const lands = /it lands with (\S+) until someone reassigns it$/.exec(text);
      if (!lands) return null;
      return sentence(`No owner could be found` + (reason ? ` (${reason})` : '') +
        `, so it landed with ${w.name(lands[1])} until someone reassigns it`);
    }
    case 'relayed': {
      const from = field(data, 'from');
      const to = field(data, 'to');
      if (from) return `Started by the relay from handoff #${from}.`;
      if (to) return `The baton passed on to handoff #${to}.`;
      return null;
    }
    case 'delivered': {
      const what = messages[field(data, 'what')];
      const channel = channels[field(data, 'channel')] ?? field(data, 'channel');
      const target = field(data, 'target');
      if (!what || !channel) return null;
      return sentence(`Sent the ${what} message by ${channel}` +
        (target ? ` to ${w.name(target)}` : ''));
    }
    default: return null;
  }
}

// "Handed over by office to dana: Kickoff booked → prep confirmed; accept by 2026-…Z".
function created(text: string, w: Words): string | null {
  const m = /^Handed over by (\S+) to (\S+): ([\s\S]*?)(?:; accept by (\S+))?$/.exec(text);
  if (!m) return null;
  const [, giver, owner, title, by] = m;
  return `${w.name(giver)} handed ${title ? `“${title}” ` : 'it '}to ${w.name(owner)}` +
    (by ? `, to accept by ${w.when(by)}.` : '.');
}

function reassigned(e: TimelineEntry, data: Data, text: string, w: Words): string | null {
  const from = field(data, 'from');
  const to = field(data, 'to');
  if (!to) return null;
  const reason = field(data, 'reason');
  const level = field(data, 'level');
  if (level) {
    const stays = /; (\S+) stays accountable/.exec(text)?.[1] ?? from;
    return `Escalation level ${level} handed it from ${w.name(from)} to ${w.name(to)}; ` +
      `${w.name(stays)} stays accountable until ${w.name(to)} accepts.`;
  }
  const who = w.name(e.actor || 'baton');
  const fromWords = from && from !== e.actor ? ` from ${w.name(from)}` : '';
  return `${who} handed it${fromWords} to ${w.name(to)}` + (reason ? ` (${reason.trim()})` : '') +
    `; ${w.name(to)} must accept.`;
}

// "Overdue to accept: waiting for dana, 2 h past accept time (accept by 2026-…Z)".
function overdue(data: Data, text: string, w: Words): string | null {
  const accept = field(data, 'deadline') === 'accept';
  const owner = (accept ? /waiting for (\S+),/ : /: (\S+) holds it,/).exec(text)?.[1];
  if (!owner) return null;
  const by = /\((?:accept|done) by (\S+)\)$/.exec(text)?.[1];
  const verb = accept ? 'accepted' : 'finished';
  return `${w.name(owner)} had not ${verb} it ` +
    (by ? `by ${w.when(by)}, its ${accept ? 'accept' : 'done'} time.` : 'in time.');
}

// "Escalated to ari (level 1): still waiting for dana to accept" (or "not done yet (…)").
function escalated(data: Data, text: string, w: Words): string | null {
  const to = field(data, 'to');
  const level = field(data, 'level');
  if (!to) return null;
  const waiting = /still waiting for (\S+) to accept$/.exec(text)?.[1];
  const holding = /not done yet \(\w+, (\S+)\)$/.exec(text)?.[1];
  const why = waiting ? `: ${w.name(waiting)} had not accepted it`
    : holding ? `: ${w.name(holding)} had not finished it` : '';
  return `Escalated to ${w.name(to)}` + (level ? ` (level ${level})` : '') + why + '.';
}
