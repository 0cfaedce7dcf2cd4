// A relay: the handoffs of one subject in order (sales → ops → client), where the baton is
// now, and how long each leg took.

import { h, replace } from '../h';
import { get, messageOf } from '../api';
import type { Context } from '../router';
import { duration } from '../time';
import { alertRegion, empty, handoffPath, link, loading, pageHeader } from '../ui';
import type { Relay } from '../types';

export function renderRelay(root: HTMLElement, ctx: Context): void {
  const subject = ctx.params.subject;
  const alert = alertRegion();
  const body = h('div', null, loading('the relay'));
  root.append(pageHeader(`Relay: ${subject}`), alert, body);
  get<Relay>(`/v1/relays/${encodeURIComponent(subject)}`).then((relay) => draw(relay))
    .catch((error) => {
      replace(body);
      alert.show(messageOf(error));
    });

  function draw(relay: Relay): void {
    if (relay.legs.length === 0) {
      replace(body, empty(h('p', null, `No handoffs are about “${subject}”.`)));
      return;
    }
    const chain = [relay.legs[0].giver, ...relay.legs.map((leg) => leg.owner || 'unowned')];
    const current = relay.current;
    replace(body,
      h('p', { class: 'chain', 'aria-label': 'The chain of holders' },
        chain.map((who, i) => [i > 0 ? h('span', { class: 'arrow', 'aria-hidden': 'true' },
                                             ' → ') : null,
                               h('span', { class: 'holder' }, who)])),
      h('p', { class: 'now' }, current
        ? [`The baton is with `, h('strong', null, current.holder || 'nobody'),
           ` (handoff `, link(handoffPath(current.handoff), `#${current.handoff}`),
           `), held ${duration(current.held_ms)}.`]
        : 'The relay is finished: nobody holds the baton.'),
      h('ol', { class: 'legs' }, relay.legs.map((leg) => {
        const isCurrent = current?.handoff === leg.id;
        return h('li', { class: isCurrent ? 'leg current' : 'leg' },
          h('h2', null, link(handoffPath(leg.id), leg.title || leg.playbook)),
          h('p', null, `${leg.giver} → ${leg.owner || 'unowned'}`, ' · ',
            h('span', { class: `state state-${leg.state}` }, leg.state)),
          h('p', { class: 'muted' },
            isCurrent ? `held ${duration(leg.held_ms)} so far` : `took ${duration(leg.held_ms)}`));
      })));
  }
}
