// People and teams, as people.yaml has them.

import { h, replace } from '../h';
import { get, messageOf } from '../api';
import { alertRegion, loading, pageHeader, table } from '../ui';
import type { People } from '../types';

export function renderPeople(root: HTMLElement): void {
  const alert = alertRegion();
  const body = h('div', null, loading('people'));
  root.append(pageHeader('People and teams'), alert, body);
  get<People>('/v1/people').then((p) => {
    const teamsOf = (handle: string) => p.teams
      .filter((t) => t.members.includes(handle)).map((t) => t.handle ?? t.name ?? '');
    replace(body,
      table('People', ['Handle', 'Name', 'Email', 'Role', 'Teams', 'Time zone'],
        p.people.map((x) => [x.handle, x.name, x.email, x.role,
          (x.teams ?? teamsOf(x.handle)).join(', ') || '—', x.time_zone ?? '—'])),
      table('Teams', ['Team', 'Members', 'Assignment rule'],
        p.teams.map((t) => [t.name && t.handle && t.name !== t.handle
          ? `${t.name} (${t.handle})` : t.handle ?? t.name ?? '',
          t.members.join(', '), t.rule ?? '—'])),
      h('p', { class: 'muted' }, 'People and teams live in people.yaml; ',
        h('code', null, 'baton apply people.yaml'), ' stores a new version.'));
  }).catch((error) => {
    replace(body);
    alert.show(messageOf(error));
  });
}
