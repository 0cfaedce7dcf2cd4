// Store: the one interface to Baton's durable state (events, playbook and document
// versions, handoffs with checklists and timelines, timers, outbox). Only implementations
// under src/store/ talk SQL. Callers do their work inside `read` or `write`: a write is one
// atomic, durable transaction — when `write` returns ok, the change survives kill -9.
//
// Threading: a Store is safe to call from several threads; implementations serialise
// writers (one writer) and may run readers concurrently. A Transaction is confined to the
// call that received it and must not escape it.
//
// Group commit: an implementation may run several concurrent `write` callbacks inside one
// physical transaction (each in its own savepoint, so one callback's failure rolls back
// only its own work) and answer them all after one commit. Callers cannot tell, which is
// why the interface is a callback rather than begin/commit calls.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event.h"
#include "core/handoff.h"
#include "core/result.h"
#include "core/time.h"
#include "core/timer_kind.h"

namespace baton::store {

struct PlaybookRecord {
    std::string id;
    int version = 0;
    std::string yaml;
    std::string file;  // where it was applied from, for diagnostics and export
    TimePoint applied_at{};
};

// A versioned workspace document other than a playbook: "people" (people.yaml) now;
// "channels" and "sources" later.
struct DocumentRecord {
    std::string kind;
    int version = 0;
    std::string text;
    TimePoint applied_at{};
};

struct EventRecord {
    std::int64_t seq = 0;
    core::Event event;
    TimePoint received_at{};
    // The handoffs the event created plus those whose checklist items it ticked: 0 means
    // it matched nothing (EventFilter::unmatched_only).
    int handoffs_created = 0;
};

struct EventFilter {
    std::optional<std::string> type{};
    bool unmatched_only = false;  // events that created no handoff and ticked none
    std::int64_t after_seq = 0;   // cursor
    std::size_t limit = 100;
};

// One glossary: the store keeps the core's timer kinds and their spellings.
using TimerKind = core::TimerKind;
using core::parse_timer_kind;
using core::to_string;

struct TimerRecord {
    std::int64_t id = 0;  // assigned on insert
    std::int64_t handoff_id = 0;
    TimerKind kind = TimerKind::remind;
    int level = 0;  // the escalation level, or the reminder's index
    TimePoint due_at{};
    std::optional<TimePoint> fired_at;
    bool cancelled = false;
    std::string target;  // who it concerns: the owner's or the escalation's handle
};

struct OutboxRecord {
    std::int64_t id = 0;  // assigned on insert
    std::int64_t handoff_id = 0;
    std::string channel;     // slack, email, webhook
    std::string target;      // "#ops", an address, a webhook name
    std::string dedupe_key;  // unique: a second insert with the same key is ignored
    nlohmann::json payload = nlohmann::json::object();
    std::string status = "pending";  // pending, delivered, failed
    int attempts = 0;
    TimePoint next_attempt_at{};
    TimePoint created_at{};
    std::string last_error;                // the last failed attempt's detail, or empty
    std::optional<TimePoint> delivered_at;  // set when status is delivered
};

struct HandoffFilter {
    // The `{}` initialisers let callers use designated initialisers without
    // -Wmissing-field-initializers (GCC warns for members that have none).
    std::optional<core::HandoffState> state{};
    std::optional<std::string> owner{};
    std::optional<std::string> playbook{};
    std::optional<std::string> subject{};
    std::optional<TimePoint> created_since{};
    // Only handoffs overdue at this instant: waiting past accept_by, or waiting/accepted
    // past done_by (core::is_overdue gives the same answer).
    std::optional<TimePoint> overdue_at{};
    // Only handoffs owned by one of these (a team's members); empty: any owner.
    std::vector<std::string> owner_in{};
    // Accountable, not only owned: `owner` and `owner_in` also match the previous owner of
    // a reassigned handoff (pending_from), who stays accountable until the new owner accepts.
    bool accountable = false;
    // Mine (the board's): accountable, and also the declined handoffs given by one of
    // `givers` (the person and their teams: back to them to reassign) and those escalated
    // to `owner` or one of `owner_in` (escalated_to). Empty givers: owner and owner_in.
    bool mine = false;
    std::vector<std::string> givers{};
    // Only handoffs whose subject contains this text, ignoring ASCII case (board search).
    std::optional<std::string> subject_contains{};
    // Only handoffs closed (done, declined, cancelled) at or after this instant.
    std::optional<TimePoint> closed_since{};
    // Only unowned handoffs: nobody the playbook named could own them, so they landed with
    // their giver to reassign.
    bool unowned_only = false;
    // Newest first: ids in descending order. The board draws its first screen from a first
    // page of the newest handoffs while older pages follow.
    bool newest_first = false;
    // Cursor: ids beyond this one in the page's order (greater, or smaller when
    // newest_first); 0: from the first.
    std::int64_t after_id = 0;
    std::size_t limit = 100;    // at most limits::list_card_page_max
    // The bound the cursor puts on ids (`id > bound`, or `id < bound` newest first).
    std::int64_t cursor_bound() const {
        if (!newest_first) return after_id;
        return after_id > 0 ? after_id : std::numeric_limits<std::int64_t>::max();
    }
    // False: each handoff's `data` (the event's data, up to event_bytes_max) is not
    // read and stays null — the board's cards never show it.
    bool with_data = true;
};

// A handoff as it is now, with the change number of its latest change (board live updates).
struct HandoffChange {
    std::int64_t seq = 0;
    core::Handoff handoff;  // without its timeline
};

// A browser session: only a hash of the cookie's secret is stored.
struct SessionRecord {
    std::string hash;    // hex SHA-256 of the secret
    std::string handle;  // the person signed in
    TimePoint created_at{};
    TimePoint expires_at{};
};

// An API token: only a hash of the secret is stored (the secret is shown once).
struct TokenRecord {
    std::int64_t id = 0;  // assigned on insert
    std::string handle;   // the person it acts as
    std::string hash;     // hex SHA-256 of the secret
    std::string label;
    TimePoint created_at{};
    std::optional<TimePoint> revoked_at;
};

// The stored answer to a POST with an Idempotency-Key, replayed on a repeat.
struct IdempotencyRecord {
    std::string scope;         // who sent it (a token id), so keys never cross callers
    std::string key;           // the Idempotency-Key header
    std::string request_hash;  // hex SHA-256 of method, path and body
    int status = 0;
    std::string response_body;
    TimePoint created_at{};
};

// One request to POST /hooks/{source} as it arrived and how it ended: the delivery log an
// admin reads to see why a sender's call was refused, and replays once the cause is fixed.
struct HookDeliveryRecord {
    std::int64_t id = 0;  // assigned on insert
    std::string source;   // the name in the path, known or not
    TimePoint received_at{};
    // accepted (it started or ticked handoffs), unmatched (stored, no playbook matched),
    // duplicate (every event was stored before), challenge (a sender's URL check, answered),
    // or refused.
    std::string outcome;
    // For a refusal, the check that failed: source, signature, body, event-type, mapping
    // or event. Empty otherwise.
    std::string stage;
    std::string field;      // the refusal's field, when it names one
    std::string message;    // the refusal's words, or a summary of what was ingested
    bool verified = false;  // the signature (or credential) checked out on arrival
    std::string method;
    std::string uri;  // the URI the signature was checked against
    // [[name, value], …] in arrival order, credentials redacted (engine/hooks.cpp).
    nlohmann::json headers = nlohmann::json::array();
    std::string body;  // as it arrived, up to the limit for its kind
    // Not as it arrived (cut at the limit, or bytes that are not UTF-8 repaired): such a
    // delivery cannot be replayed.
    bool body_partial = false;
    // The events it became: [{"source", "id", "type", "duplicate", "handoffs"}].
    nlohmann::json events = nlohmann::json::array();
    std::int64_t replay_of = 0;            // the delivery this one replayed; 0 for a sender's call
    std::optional<TimePoint> replayed_at;  // set once a replay of it got through
    std::int64_t replayed_by = 0;          // the delivery that replayed it
};

struct HookDeliveryFilter {
    std::optional<std::string> source{};
    std::optional<std::string> outcome{};
    // Cursor: ids below this one (newest first); 0: from the newest.
    std::int64_t before_id = 0;
    std::size_t limit = 50;
    // False: each record without its headers and body (the list view).
    bool with_content = true;
};

class Transaction {
public:
    virtual ~Transaction() = default;

    // Events. insert_event answers false when (source, id) is already stored.
    virtual Result<bool> insert_event(const core::Event& event, TimePoint received_at) = 0;
    virtual Status set_event_handoffs(const std::string& source, const std::string& id,
                                      int handoffs_created) = 0;
    virtual Result<std::optional<EventRecord>> event(const std::string& source,
                                                     const std::string& id) = 0;
    virtual Result<std::vector<EventRecord>> list_events(const EventFilter& filter) = 0;
    // The handoffs an event created, in id order.
    virtual Result<std::vector<std::int64_t>> handoffs_of_event(const std::string& source,
                                                                const std::string& id) = 0;

    // Playbooks: each put stores a new version, unless the YAML is byte-identical to the
    // current version, in which case the current version number is returned.
    virtual Result<int> put_playbook(const std::string& id, const std::string& yaml,
                                     const std::string& file, TimePoint now) = 0;
    virtual Result<std::vector<PlaybookRecord>> current_playbooks() = 0;
    // A version, or the current one when `version` is empty.
    virtual Result<std::optional<PlaybookRecord>> playbook(const std::string& id,
                                                           std::optional<int> version) = 0;

    // Documents, versioned the same way.
    virtual Result<int> put_document(const std::string& kind, const std::string& text,
                                     TimePoint now) = 0;
    virtual Result<std::optional<DocumentRecord>> current_document(const std::string& kind) = 0;
    // The current version of every document whose kind starts with `prefix` ("template:"),
    // in kind order.
    virtual Result<std::vector<DocumentRecord>> current_documents_with_prefix(
        const std::string& prefix) = 0;

    // Handoffs. insert_handoff assigns the id and stores the checklist and the timeline
    // entries the value carries. update_handoff rewrites the mutable fields and the
    // checklist; it fails with conflict if the stored revision is not `handoff.revision`,
    // and bumps the revision. Timeline entries are only appended.
    virtual Result<std::int64_t> insert_handoff(const core::Handoff& handoff) = 0;
    virtual Status update_handoff(const core::Handoff& handoff) = 0;
    virtual Status append_timeline(std::int64_t handoff_id,
                                   const std::vector<core::TimelineEntry>& entries) = 0;
    virtual Result<std::optional<core::Handoff>> handoff(std::int64_t id,
                                                         bool with_timeline) = 0;
    // Without timelines, in id order.
    virtual Result<std::vector<core::Handoff>> list_handoffs(const HandoffFilter& filter) = 0;

    // Timers and outbox rows (fired and dispatched by the scheduler and dispatcher).
    // insert_timers assigns ids and ignores a timer equal in (handoff, kind, level, due) to
    // a stored one, except that one cancelled before it fired is armed again.
    virtual Status insert_timers(const std::vector<TimerRecord>& timers) = 0;
    // Marks these timers of the handoff cancelled, if they have not fired; ids of other
    // handoffs' timers are ignored. Which timers stop is a core decision
    // (core::is_accept_side), so the store takes ids rather than a rule.
    virtual Status cancel_timers(std::int64_t handoff_id,
                                 const std::vector<std::int64_t>& timer_ids) = 0;
    virtual Result<std::vector<TimerRecord>> timers_of(std::int64_t handoff_id) = 0;
    virtual Status insert_outbox(const std::vector<OutboxRecord>& rows) = 0;
    virtual Result<std::vector<OutboxRecord>> outbox_of(std::int64_t handoff_id) = 0;

    // The scheduler. due_timers: armed timers (not fired, not cancelled) due at or before
    // `now`, in due order, at most `limit`. fire_timer marks one fired at `at` and answers
    // false when it had already fired or been cancelled, so that it fires at most once
    // however often it is found due. next_timer_due: the earliest armed timer's due time.
    virtual Result<std::vector<TimerRecord>> due_timers(TimePoint now, std::size_t limit) = 0;
    virtual Result<bool> fire_timer(std::int64_t timer_id, TimePoint at) = 0;
    virtual Result<std::optional<TimePoint>> next_timer_due() = 0;

    // The dispatcher. lease_outbox takes pending rows due at or before `now`, oldest due
    // first, at most `limit`, and leases each: attempts + 1 and next_attempt_at =
    // `lease_until`, so that no dispatcher takes it again while it is in flight; if the
    // process dies before settle_outbox, the lease runs out and the row is due again (at
    // least once, with the same row id as delivery id). settle_outbox records an attempt's
    // end: status pending (retry at next_attempt_at), delivered or failed; not_found for an
    // unknown id.
    virtual Result<std::vector<OutboxRecord>> lease_outbox(TimePoint now, TimePoint lease_until,
                                                           std::size_t limit) = 0;
    virtual Status settle_outbox(std::int64_t id, const std::string& status,
                                 TimePoint next_attempt_at, const std::string& last_error,
                                 std::optional<TimePoint> delivered_at) = 0;
    virtual Result<std::optional<TimePoint>> next_outbox_due() = 0;
    // Outbox rows per status (pending, delivered, failed; zero when none), for /metrics.
    virtual Result<std::map<std::string, std::int64_t>> count_outbox_by_status() = 0;

    // A number that changes whenever a playbook or document gets a new version, so that
    // callers can cache what they parsed from them (0 for an empty store).
    virtual Result<std::int64_t> config_version() = 0;

    // Inputs to owner resolution. next_assignment returns the team's counter and bumps
    // it (round-robin); open_handoff_counts counts waiting and accepted handoffs per owner.
    virtual Result<std::int64_t> next_assignment(const std::string& team) = 0;
    // What next_assignment would return now, bumping nothing: allowed in a read transaction
    // (a dry run previews the next round-robin owner with it).
    virtual Result<std::int64_t> peek_assignment(const std::string& team) = 0;
    virtual Result<std::map<std::string, int>> open_handoff_counts(
        const std::vector<std::string>& handles) = 0;
    // Handoffs per state (every state present, zero when none), for /metrics.
    virtual Result<std::map<core::HandoffState, std::int64_t>> count_handoffs_by_state() = 0;

    // API tokens. revoke_token: not_found for an unknown id, conflict if already revoked.
    virtual Result<std::int64_t> insert_token(const TokenRecord& token) = 0;
    virtual Status revoke_token(std::int64_t id, TimePoint now) = 0;
    virtual Result<std::optional<TokenRecord>> token_by_hash(const std::string& hash) = 0;
    virtual Result<std::vector<TokenRecord>> list_tokens() = 0;

    // Idempotency keys: put fails with conflict if (scope, key) is already stored.
    virtual Result<std::optional<IdempotencyRecord>> idempotency(const std::string& scope,
                                                                 const std::string& key) = 0;
    virtual Status put_idempotency(const IdempotencyRecord& record) = 0;
    // Forgets stored answers created before `before` whose scope is not "link", and spent
    // one-click links (scope "link") created before `links_before`: at most `limit`, oldest
    // first. Answers how many were removed.
    virtual Result<std::int64_t> expire_idempotency(TimePoint before, TimePoint links_before,
                                                    std::size_t limit) = 0;

    // Live updates. Every insert_handoff, update_handoff and append_timeline gives the
    // handoff the next change number, in commit order: a reader that has seen everything up
    // to N asks for the handoffs changed after N (each once, at its latest change), in
    // change order, at most `limit`, without timelines. last_change_seq: the highest number
    // given (0 for none).
    virtual Result<std::vector<HandoffChange>> handoff_changes(std::int64_t after_seq,
                                                               std::size_t limit) = 0;
    virtual Result<std::int64_t> last_change_seq() = 0;

    // Sign-in passwords, as libsodium's Argon2id strings (never the password itself).
    // put_password replaces the person's password and ends all of their sessions.
    virtual Status put_password(const std::string& handle, const std::string& hash,
                                TimePoint at) = 0;
    virtual Result<std::optional<std::string>> password_hash(const std::string& handle) = 0;
    // Browser sessions. insert_session: conflict when the hash is stored already.
    // delete_session: ok when there was none (signing out twice is not an error).
    // expire_sessions removes sessions expired at `now`, at most `limit`; answers how many.
    virtual Status insert_session(const SessionRecord& session) = 0;
    virtual Result<std::optional<SessionRecord>> session_by_hash(const std::string& hash) = 0;
    virtual Status delete_session(const std::string& hash) = 0;
    virtual Result<std::int64_t> expire_sessions(TimePoint now, std::size_t limit) = 0;

    // The delivery log of POST /hooks/{source}. insert_hook_delivery assigns the id; a
    // record that replays another (replay_of) and was not refused itself marks that one
    // replayed in the same write, and fails with conflict when it already was (a delivery
    // is replayed once; a replay refused again leaves it to be replayed later).
    // list_hook_deliveries: newest first. expire_hook_deliveries removes those received
    // before `before`, at most `limit`, oldest first; answers how many.
    virtual Result<std::int64_t> insert_hook_delivery(const HookDeliveryRecord& record) = 0;
    virtual Result<std::optional<HookDeliveryRecord>> hook_delivery(std::int64_t id) = 0;
    virtual Result<std::vector<HookDeliveryRecord>> list_hook_deliveries(
        const HookDeliveryFilter& filter) = 0;
    virtual Result<std::int64_t> expire_hook_deliveries(TimePoint before, std::size_t limit) = 0;
};

using TransactionFn = std::function<Status(Transaction&)>;

// A table-level copy of a whole store, for `baton migrate` (any store into an empty one)
// and for the backup of a PostgreSQL store (into a new SQLite file). The rows travel as
// plain values: every column of both schemas is an integer or text (times are unix
// milliseconds, flags 0/1, JSON its text), so a value is null, a 64-bit integer or text.
using CopyValue = std::variant<std::monostate, std::int64_t, std::string>;

// Receives a store's rows from Store::export_rows, in this order: begin() once, then for
// each table (see store/copy.h for the tables and their order: a table's parents come
// before it) table() and that table's rows in primary-key order, then end() once. Any
// error it returns stops the export, which returns that error.
class RowSink {
public:
    virtual ~RowSink() = default;
    // The schema version the rows are in: the source database's own.
    virtual Status begin(int schema_version) = 0;
    virtual Status table(const std::string& name, const std::vector<std::string>& columns) = 0;
    // One row: its values in the order of the columns given to table().
    virtual Status row(const std::vector<CopyValue>& values) = 0;
    virtual Status end() = 0;
};

// Feeds a RowSink (typically another store's export_rows); see Store::import_rows.
using RowProducer = std::function<Status(RowSink&)>;

// What an import copied: rows per table, in the order the tables came.
struct CopySummary {
    std::vector<std::pair<std::string, std::int64_t>> rows;
    std::int64_t rows_of(const std::string& table) const {
        for (const auto& [name, count] : rows) {
            if (name == table) return count;
        }
        return 0;
    }
};

// Hears handoff changes committed by other processes (other nodes on one database) as they
// happen; see Store::listen_for_changes. Destroying it stops it (and waits for its thread).
class ChangeListener {
public:
    virtual ~ChangeListener() = default;
};

class Store {
public:
    virtual ~Store() = default;
    // One durable transaction. If `fn` returns an error, nothing it wrote is kept and that
    // error is returned. Store errors come back as unavailable or corrupt.
    virtual Status write(const TransactionFn& fn) = 0;
    // The same transaction without blocking the caller: `fn` runs as in write() (possibly
    // sharing a group commit), and `done` receives what write() would have returned, once
    // the transaction is durably committed or has failed. `done` may run on another thread
    // (a store thread that must not be held up: it should only hand the answer on) and must
    // not call write(). This default runs write() on the calling thread.
    virtual void write_async(TransactionFn fn, std::function<void(Status)> done) {
        done(write(fn));
    }
    // A consistent read-only snapshot; write methods called inside fail with internal.
    virtual Status read(const TransactionFn& fn) = 0;
    // A consistent copy of the whole store into `path` (which must not exist): a SQLite
    // file, whichever the store, that `--db sqlite:PATH` opens as it is.
    virtual Status backup(const std::string& path) = 0;
    // Hands every row of every table to `sink`, all read in one consistent snapshot (as
    // read() sees it), while writers carry on. The default refuses: a store that cannot be
    // copied says so.
    virtual Status export_rows(RowSink& sink) {
        (void)sink;
        return make_error(ErrorCode::unavailable, describe() + " cannot export its rows");
    }
    // Fills this store, which must be empty (freshly created and migrated: no rows in any
    // table; conflict naming the store and a table otherwise), with the rows `produce` hands
    // to the sink it is given, as they are: the same ids, history and counters. All in one
    // transaction: if anything fails (the producer, a row, a schema version other than this
    // store's), nothing is kept. Afterwards new ids continue past the copied ones.
    virtual Result<CopySummary> import_rows(const RowProducer& produce) {
        (void)produce;
        return make_error(ErrorCode::unavailable, describe() + " cannot import rows");
    }
    // Copies this whole store into `target` (which must be empty): one consistent snapshot
    // of this one, one transaction on the target.
    Result<CopySummary> copy_into(Store& target) {
        return target.import_rows([this](RowSink& sink) { return export_rows(sink); });
    }
    // "sqlite:/path/baton.db": for messages, never containing a secret.
    virtual std::string describe() const = 0;
    // How many write callbacks are queued for the next commit (group commit), for /metrics.
    virtual std::size_t pending_writes() const { return 0; }
    // Calls `on_change` (from a thread of its own, so it must only hand the news on) soon
    // after any transaction that changed a handoff commits — in this process or another —
    // and once more after the listener lost and regained its connection, since it may have
    // missed something. Null when the store cannot hear other processes (SQLite): readers
    // then look for changes on a timer.
    virtual std::unique_ptr<ChangeListener> listen_for_changes(std::function<void()> on_change) {
        (void)on_change;
        return nullptr;
    }
};

}  // namespace baton::store
