// The delivery log's words (web/src/delivery_words.ts): each outcome, a refusal's stage and
// field, the handoffs an accepted delivery started or ticked, and a replay's answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWeb } from './bundle.mjs';

const { deliveryWords, replayWords } = await importWeb('src/delivery_words.ts');

function delivery(fields) {
  return { id: 1, source: 'form', received_at: '2026-03-02T09:00:00Z', outcome: 'accepted',
           stage: '', field: '', message: '', verified: true, events: [], replay_of: null,
           replayed_at: null, replayed_by: null, replayable: false, body_partial: false,
           ...fields };
}
const event = (fields) => ({ source: 'form', id: 'e1', type: 'typeform.form_response',
                             duplicate: false, handoffs: [], ticked: [], ...fields });

test('a refusal names its stage, then the field and the message', () => {
  const mapping = delivery({ outcome: 'refused', stage: 'mapping', field: '[0].id',
                             message: 'the delivery has no `payload.eventId`' });
  assert.deepEqual(deliveryWords(mapping),
                   ['Refused: the mapping — [0].id: the delivery has no `payload.eventId`']);
  const typed = delivery({ outcome: 'refused', stage: 'event-type', message: 'no type' });
  assert.deepEqual(deliveryWords(typed), ['Refused: the event type — no type']);
  const bare = delivery({ outcome: 'refused', message: 'too large' });
  assert.deepEqual(deliveryWords(bare), ['Refused: too large']);
});

test('an accepted delivery names the handoffs it started and ticked, each a piece', () => {
  const one = delivery({ events: [event({ handoffs: [14] })] });
  assert.deepEqual(deliveryWords(one), ['Accepted: ', 'started handoff ', { handoff: 14 }]);
  const more = delivery({ events: [event({ handoffs: [3, 4] }),
                                   event({ id: 'e2', ticked: [9] })] });
  assert.deepEqual(deliveryWords(more), ['Accepted: ', 'started handoffs ', { handoff: 3 }, ', ',
                                         { handoff: 4 }, '; ', 'ticked handoff ', { handoff: 9 }]);
  // Events that started nothing listed (an older entry): the server's own message.
  assert.deepEqual(deliveryWords(delivery({ message: '1 event, started 1 handoff (#7)' })),
                   ['Accepted: ', '1 event, started 1 handoff (#7)']);
});

test('unmatched, duplicate and challenge read in words', () => {
  assert.deepEqual(deliveryWords(delivery({ outcome: 'unmatched', events: [event(), event()] })),
                   ['Unmatched: no playbook starts on typeform.form_response']);
  assert.deepEqual(deliveryWords(delivery({ outcome: 'duplicate', events: [event()] })),
                   ['Duplicate: already received, nothing changed (e1)']);
  assert.match(deliveryWords(delivery({ outcome: 'challenge' }))[0], /^Challenge: /);
});

test('a replay says what it did, or that it was refused again', () => {
  assert.deepEqual(replayWords(delivery({ events: [event({ handoffs: [15] })] })),
                   ['Replayed: accepted, ', 'started handoff ', { handoff: 15 }]);
  assert.deepEqual(replayWords(delivery({ outcome: 'unmatched', events: [event()] })),
                   ['Replayed: unmatched, no playbook starts on typeform.form_response']);
  assert.deepEqual(replayWords(delivery({ outcome: 'refused', stage: 'signature',
                                          message: 'signature does not match' })),
                   ['Replayed, refused again: the signature — signature does not match']);
});
