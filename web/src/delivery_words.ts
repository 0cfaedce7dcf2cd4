// An inbound delivery in words, as the delivery log shows it: "Refused: the mapping — [0].id:
// …", "Accepted: started handoff #14". Pure: a handoff is a { handoff: id } piece, which the
// page draws as a link to its card, so the words are tested without a DOM.

import type { InboundDelivery, InboundDeliveryEvent } from './types';

export type Piece = string | { handoff: number };

// The step of intake that refused a delivery, as a reader says it.
const stages: Record<string, string> = {
  source: 'source', signature: 'signature', body: 'body', 'event-type': 'event type',
  mapping: 'mapping', event: 'event',
};

export function deliveryWords(d: InboundDelivery): Piece[] {
  if (d.outcome === 'refused') return ['Refused: ' + refusal(d)];
  if (d.outcome === 'challenge') return ['Challenge: answered the vendor\'s check of the URL'];
  if (d.outcome === 'duplicate') {
    const ids = d.events.map((e) => e.id).join(', ');
    return ['Duplicate: already received, nothing changed' + (ids ? ` (${ids})` : '')];
  }
  if (d.outcome === 'unmatched') {
    const types = [...new Set(d.events.map((e) => e.type))].join(', ');
    return [`Unmatched: no playbook starts on ${types || 'this event'}`];
  }
  const done = effects(d.events);
  return ['Accepted: ', ...(done.length ? done : [d.message || 'stored'])];
}

// "Replayed: accepted, started handoff #15", "Replayed, refused again: the signature — …".
export function replayWords(d: InboundDelivery): Piece[] {
  if (d.outcome === 'refused') return ['Replayed, refused again: ' + refusal(d)];
  const [first, ...rest] = deliveryWords(d);
  const text = typeof first === 'string' ? first.replace(/^(\w+): ?/, '$1, ') : '';
  return [`Replayed: ${text.charAt(0).toLowerCase()}${text.slice(1)}`, ...rest];
}

function refusal(d: InboundDelivery): string {
  const stage = stages[d.stage];
  const what = d.field ? `${d.field}: ${d.message}` : d.message;
  return stage ? `the ${stage} — ${what}` : what;
}

// What the events did: the handoffs they started and ticked (none: an empty list).
function effects(events: InboundDeliveryEvent[]): Piece[] {
  const out: Piece[] = [];
  const list = (verb: string, ids: number[]) => {
    if (!ids.length) return;
    if (out.length) out.push('; ');
    out.push(`${verb} handoff${ids.length === 1 ? '' : 's'} `);
    ids.forEach((id, i) => out.push(...(i ? [', '] : []), { handoff: id }));
  };
  list('started', events.flatMap((e) => e.handoffs));
  list('ticked', events.flatMap((e) => e.ticked));
  return out;
}
