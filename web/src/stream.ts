// The tab's one live stream: an EventSource on /v1/stream, opened by the first page that
// listens and kept for the life of the tab. EventSource resumes with Last-Event-ID by itself;
// when the server closes it for good (an error the browser does not retry), it is reopened
// after the last sequence seen, with a growing pause.

import type { Handoff } from './types';

export interface StreamListener {
  handoff(h: Handoff, seq: number): void;
  reset(): void;
}

const listeners = new Set<StreamListener>();
let source: EventSource | null = null;
let lastSeq = 0;
let retryMs = 1000;
let onClosed: () => void = () => undefined;

export function setClosedHandler(f: () => void): void {
  onClosed = f;
}

// `after`: the change sequence the caller's data is current to; null for "from now on".
export function subscribe(after: number | null, listener: StreamListener): () => void {
  listeners.add(listener);
  if (!source) open(after);
  return () => listeners.delete(listener);
}

export function streamOpen(): boolean {
  return source !== null;
}

function open(after: number | null): void {
  if (after !== null) lastSeq = Math.max(lastSeq, after);
  const known = after !== null || lastSeq > 0;
  const es = new EventSource(known ? '/v1/stream?after=' + lastSeq : '/v1/stream');
  source = es;
  es.addEventListener('open', () => (retryMs = 1000));
  es.addEventListener('handoff', (event) => {
    const e = event as MessageEvent<string>;
    const seq = Number(e.lastEventId) || 0;
    if (seq > lastSeq) lastSeq = seq;
    let h: Handoff;
    try {
      h = JSON.parse(e.data) as Handoff;
    } catch {
      return;
    }
    for (const l of listeners) l.handoff(h, seq);
  });
  es.addEventListener('reset', (event) => {
    const seq = Number((event as MessageEvent).lastEventId) || 0;
    if (seq > lastSeq) lastSeq = seq;
    for (const l of listeners) l.reset();
  });
  es.addEventListener('error', () => {
    if (es.readyState !== EventSource.CLOSED) return;  // the browser retries by itself
    source = null;
    onClosed();
    setTimeout(() => {
      if (!source) open(lastSeq);
    }, retryMs);
    retryMs = Math.min(retryMs * 2, 30_000);
  });
}
