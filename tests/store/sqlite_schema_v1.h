// The SQLite schema as released at version 1, frozen here as a fixture: the migration test
// builds a version-1 database from it (as the first binary did) and opens it with the
// current store, which must migrate it in place. Never edit it: it is history, like the
// migration it was copied from (migration_1 in src/store/sqlite/sqlite_store.cpp).
#pragma once

#include <string_view>

namespace baton::store::testing {

inline constexpr std::string_view sqlite_schema_v1 = R"sql(
CREATE TABLE events (
    seq              INTEGER PRIMARY KEY,
    source           TEXT NOT NULL,
    id               TEXT NOT NULL,
    type             TEXT NOT NULL,
    subject          TEXT,
    time_ms          INTEGER NOT NULL,
    data             TEXT NOT NULL,
    received_ms      INTEGER NOT NULL,
    handoffs_created INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source, id)
);
CREATE INDEX events_by_type ON events (type, seq);
CREATE INDEX events_unmatched ON events (seq) WHERE handoffs_created = 0;

CREATE TABLE playbook_versions (
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    yaml       TEXT NOT NULL,
    file       TEXT NOT NULL,
    applied_ms INTEGER NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE documents (
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    text       TEXT NOT NULL,
    applied_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, version)
);

CREATE TABLE handoffs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    playbook_id      TEXT NOT NULL,
    playbook_version INTEGER NOT NULL,
    title            TEXT NOT NULL,
    subject          TEXT NOT NULL,
    giver            TEXT NOT NULL,
    owner            TEXT NOT NULL,
    pending_from     TEXT NOT NULL,
    unowned          INTEGER NOT NULL,
    state            TEXT NOT NULL,
    done_definition  TEXT NOT NULL,
    created_ms       INTEGER NOT NULL,
    updated_ms       INTEGER NOT NULL,
    accepted_ms      INTEGER,
    closed_ms        INTEGER,
    accept_by_ms     INTEGER,
    done_by_ms       INTEGER,
    escalation_level INTEGER NOT NULL,
    event_source     TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    data             TEXT NOT NULL,
    revision         INTEGER NOT NULL
);
CREATE INDEX handoffs_by_state ON handoffs (state, id);
CREATE INDEX handoffs_by_owner ON handoffs (owner, state);
CREATE INDEX handoffs_by_playbook ON handoffs (playbook_id, id);
CREATE INDEX handoffs_by_subject ON handoffs (subject, id);
CREATE INDEX handoffs_by_created ON handoffs (created_ms);
CREATE INDEX handoffs_by_event ON handoffs (event_source, event_id);

CREATE TABLE checklist_items (
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    number     INTEGER NOT NULL,
    text       TEXT NOT NULL,
    checked    INTEGER NOT NULL,
    checked_by TEXT NOT NULL,
    checked_ms INTEGER,
    when_type  TEXT,
    PRIMARY KEY (handoff_id, number)
) WITHOUT ROWID;

CREATE TABLE timeline (
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    seq        INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (handoff_id, seq)
) WITHOUT ROWID;
-- Nothing is ever silently edited: the database itself refuses to change history.
CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
BEGIN SELECT RAISE(ABORT, 'timeline entries are append only'); END;
CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
BEGIN SELECT RAISE(ABORT, 'timeline entries are append only'); END;

CREATE TABLE timers (
    id         INTEGER PRIMARY KEY,
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    kind       TEXT NOT NULL,
    level      INTEGER NOT NULL,
    due_ms     INTEGER NOT NULL,
    fired_ms   INTEGER,
    cancelled  INTEGER NOT NULL,
    target     TEXT NOT NULL,
    UNIQUE (handoff_id, kind, level, due_ms)
);
CREATE INDEX timers_due ON timers (due_ms) WHERE fired_ms IS NULL AND cancelled = 0;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    handoff_id      INTEGER NOT NULL REFERENCES handoffs (id),
    channel         TEXT NOT NULL,
    target          TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_ms INTEGER NOT NULL,
    created_ms      INTEGER NOT NULL
);
CREATE INDEX outbox_by_handoff ON outbox (handoff_id, id);
CREATE INDEX outbox_pending ON outbox (next_attempt_ms) WHERE status = 'pending';

CREATE TABLE assignment_counters (
    team    TEXT PRIMARY KEY,
    counter INTEGER NOT NULL
);
)sql";

// What migrate() wrote besides the tables: the schema version and Baton's application id.
inline constexpr std::string_view sqlite_schema_v1_pragmas =
    "PRAGMA user_version = 1; PRAGMA application_id = 1113683054;";

}  // namespace baton::store::testing
