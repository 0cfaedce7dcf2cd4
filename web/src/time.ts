// Durations and deadlines in words, as the board shows them. Pure: `now` is a parameter, so
// the rules (on time / soon / late) are tested without a clock.

import type { CardHandoff } from './types';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

// "under a minute", "12 min", "3 h", "2 d" — to the nearest unit, as a person says it
// (1 h 59 min left is "2 h", not "1 h").
export function duration(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs < minute) return 'under a minute';
  const minutes = Math.round(abs / minute);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(abs / hour);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(abs / day)} d`;
}

export function ms(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

export type ChipState = 'on-time' | 'soon' | 'late';

export interface Chip {
  state: ChipState;
  text: string;
}

// The share of a deadline's window left under which it is "soon", and the absolute floor.
export const soon_share = 0.25;
export const soon_ms = hour;

// The deadline chip of a handoff: which deadline counts depends on its state. Under a minute
// either side of a deadline is said in words ("just past accept time", "less than a minute
// left to accept"), not as a duration ("0 s past", "within under a minute").
export function deadlineChip(h: CardHandoff, now: number): Chip | null {
  if (h.state === 'waiting') {
    const by = ms(h.accept_by);
    if (by === null) return null;
    const start = ms(h.created_at) ?? now;
    if (h.overdue_to_accept || now > by) {
      const text = now - by < minute ? 'just past accept time'
                                     : `waiting ${duration(now - by)} past accept time`;
      return { state: 'late', text };
    }
    return { state: isSoon(start, by, now) ? 'soon' : 'on-time',
             text: by - now < minute ? 'less than a minute left to accept'
                                     : `to accept within ${duration(by - now)}` };
  }
  if (h.state === 'accepted') {
    const by = ms(h.done_by);
    if (by === null) return null;
    const start = ms(h.accepted_at) ?? ms(h.created_at) ?? now;
    if (h.overdue_to_finish || now > by) {
      return { state: 'late', text: now - by < minute ? 'just past done time'
                                                      : `${duration(now - by)} past done time` };
    }
    return { state: isSoon(start, by, now) ? 'soon' : 'on-time',
             text: by - now < minute ? 'less than a minute left to finish'
                                     : `due to finish in ${duration(by - now)}` };
  }
  if (h.state === 'done') {
    const by = ms(h.done_by);
    const closed = ms(h.closed_at);
    if (by === null || closed === null) return null;
    if (closed > by) {
      const text = closed - by < minute ? 'finished just after done time'
                                        : `finished ${duration(closed - by)} late`;
      return { state: 'late', text };
    }
    return { state: 'on-time', text: 'finished on time' };
  }
  return null;
}

function isSoon(start: number, by: number, now: number): boolean {
  const left = by - now;
  const window = by - start;
  return left < soon_ms || (window > 0 && left < window * soon_share);
}

// How long the current holder has had it ("held 3 h"), or how long it took when closed.
export function heldText(h: CardHandoff, now: number): string {
  const created = ms(h.created_at) ?? now;
  if (h.state === 'done' || h.state === 'cancelled' || h.state === 'declined') {
    const closed = ms(h.closed_at) ?? now;
    return `took ${duration(closed - created)}`;
  }
  const since = h.state === 'accepted' ? ms(h.accepted_at) ?? created : created;
  return `held ${duration(now - since)}`;
}

export function when(iso: string | null | undefined): string {
  const t = ms(iso);
  if (t === null) return '—';
  return new Date(t).toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  });
}
