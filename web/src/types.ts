// The shapes of the API's answers (docs/api.md), as the board reads them.

import type { DeadlinePreview } from './playbook_yaml';

export interface Session {
  handle: string;
  name: string;
  role: 'admin' | 'member' | 'viewer';
  csrf: string;
  teams?: string[];
}

export interface ChecklistItem {
  n: number;
  text: string;
  checked: boolean;
  checked_by: string | null;
  checked_at: string | null;
}

export type State = 'waiting' | 'accepted' | 'done' | 'declined' | 'cancelled';

// What a card on the board shows: GET /v1/handoffs?view=card. A full Handoff is one too.
export interface CardHandoff {
  id: number;
  playbook: string;
  title: string;
  subject: string;
  state: State;
  owner: string;
  // Who handed it on (a person or a team): a decline goes back to them.
  giver: string;
  // The previous owner, accountable until the new owner accepts (Mine keeps it).
  pending_from: string|null;
  // The last escalation step's target at or past the handoff's level (Mine keeps it).
  escalated_to: string|null;
  unowned: boolean;
  checklist: Pick<ChecklistItem, 'n' | 'checked'>[];
  created_at: string;
  updated_at: string;
  accepted_at: string | null;
  closed_at: string | null;
  accept_by: string | null;
  done_by: string | null;
  overdue_to_accept: boolean;
  overdue_to_finish: boolean;
  escalation_level: number;
}

export interface Handoff extends CardHandoff {
  playbook_version: number;
  done_definition: string;
  checklist: ChecklistItem[];
  event: { source: string; id: string };
  data: unknown;
}

export interface TimelineEntry {
  at: string;
  actor: string;
  kind: string;
  text: string;
  data: unknown;
}

export interface Delivery {
  id: number;
  channel: string;
  target: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_error: string | null;
  delivered_at: string | null;
  // Why a pending message is not being sent (its channel is not connected), else null.
  waiting_for?: string | null;
}

export type Action = 'accept' | 'decline' | 'done' | 'cancel' | 'reassign' | 'comment' | 'check';

export interface HandoffDetail extends Handoff {
  timeline: TimelineEntry[];
  deliveries?: Delivery[];
  allowed_actions?: Action[];
}

export interface HandoffPage<T extends CardHandoff = Handoff> {
  items: T[];
  next_cursor: string | null;
  change_seq?: number;
}

export interface RelayLeg extends Handoff {
  held_ms: number;
}

export interface Relay {
  subject: string;
  legs: RelayLeg[];
  current: { handoff: number; holder: string; held_ms: number } | null;
}

export interface PlaybookRef {
  id: string;
  version: number;
  file: string;
  applied_at: string;
}

export interface PlaybookText extends PlaybookRef {
  yaml: string;
}

export interface LintError {
  file?: string;
  line: number;
  col: number;
  message: string;
}

// The linter's reading of a playbook (POST /v1/lint, src/http/api_board_data.cpp).
export interface PlaybookSummary {
  id: string;
  title?: string;
  description?: string;
  trigger: { on: string; has_condition?: boolean; condition?: string | null };
  subject?: string;
  from?: string;
  owner: unknown;
  done?: string;
  accept_within?: string | null;
  done_within?: string | null;
  remind?: string[];
  escalate?: { after: string; to: string; on: 'accept' | 'done'; reassign: boolean }[];
  checkpoint?: unknown[];
  checklist?: unknown[];
  next?: string | null;
  calendar?: string;
  [key: string]: unknown;
}

export interface LintAnswer {
  ok: boolean;
  errors: LintError[];
  playbook: PlaybookSummary | null;
  // What lints clean but will not work as meant: a type no stored event has.
  warnings?: LintError[];
  // When a handoff started now would be due, in the owner's hours (playbook_yaml.ts).
  preview?: DeadlinePreview | null;
}

export interface Person {
  handle: string;
  name: string;
  email: string;
  role: string;
  teams?: string[];
  time_zone?: string;
}

export interface Team {
  name?: string;
  handle?: string;
  members: string[];
  rule?: string;
}

export interface People {
  version?: number;
  people: Person[];
  teams: Team[];
}

export interface ReportRow {
  key: string;
  count: number;
  open: number;
  accepted: number;
  done: number;
  declined: number;
  cancelled: number;
  overdue: number;
  accept_p50_ms: number | null;
  accept_p90_ms: number | null;
  done_p50_ms: number | null;
  done_p90_ms: number | null;
  silent_delay_ms: number;
}

export interface Report {
  since: string;
  by: string;
  rows: ReportRow[];
}

export interface SeriesDay {
  day: string;
  created: number;
  done: number;
  overdue: number;
  declined: number;
}

export interface Series {
  since: string;
  days: SeriesDay[];
}

// Inbound webhook sources (GET /v1/sources): the secrets are a count, never shown.
export interface Source {
  name: string;
  preset: string;
  scheme: string;
  secrets: number;
  type: string;
  id: string;
  subject: string;
  url: string;  // a path: /hooks/NAME
}

export interface SourceList {
  version: number;
  items: Source[];
}

export interface SourcePreset {
  name: string;
  vendor: string;
  scheme: string;
  sample: boolean;
}

// POST /v1/sources: the only answer that ever holds the secret.
export interface AddedSource {
  name: string;
  preset: string;
  url: string;
  secret: string;
}

export type InboundDeliveryOutcome =
  'accepted' | 'unmatched' | 'duplicate' | 'challenge' | 'refused';

export interface InboundDeliveryEvent {
  source: string;
  id: string;
  type: string;
  duplicate: boolean;
  handoffs: number[];
  ticked: number[];
}

// One inbound delivery as the delivery log has it (GET /v1/deliveries).
export interface InboundDelivery {
  id: number | string;
  source: string;
  received_at: string;
  outcome: InboundDeliveryOutcome;
  stage: string;
  field: string;
  message: string;
  verified: boolean;
  events: InboundDeliveryEvent[];
  replay_of: number | string | null;
  replayed_at: string | null;
  replayed_by: number | string | null;  // the delivery that replayed it
  replayable: boolean;
  body_partial: boolean;
}

export interface InboundDeliveryPage {
  items: InboundDelivery[];
  next_cursor: string | null;
  unlogged: number;
}

// GET /v1/deliveries/{id}: the request as received, credentials shown as •••.
export interface InboundDeliveryDetail extends InboundDelivery {
  method: string;
  uri: string;
  headers: [string, string][];
  body: string;
}
