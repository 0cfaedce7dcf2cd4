// PostgresStore: the Store on PostgreSQL, through libpq's C API.
//
// Layout of this file, top to bottom: error mapping; small wrappers (Params, Row,
// Connection); the schema migrations; PgTransaction, which implements every Transaction
// method on one connection; the connection pool; PostgresStore; the public functions.
//
// The schema is SQLite's (versions 1 to 3, same tables, columns and meaning) translated:
// BIGSERIAL ids, BIGINT unix milliseconds, 0/1 SMALLINT flags, TEXT for JSON so that the
// text stored is the text read back, text keys that are listed in order with COLLATE "C" so
// that they sort byte-wise as in SQLite whatever the database's locale.
//
// Concurrency: each write() is one READ COMMITTED transaction on its own connection, so
// writers of several threads (or several nodes) run at once. Where the contract needs one
// writer at a time, the rows are locked explicitly: the handoff row for update_handoff and
// append_timeline (SELECT ... FOR NO KEY UPDATE), the meta row for new playbook and
// document versions, FOR UPDATE SKIP LOCKED for lease_outbox, and conditional UPDATEs
// (fire_timer, settle_outbox) and unique constraints (events, outbox dedupe keys, tokens,
// idempotency keys) for the rest.
//
// Prepared statements are prepared once per connection, named by the order in which the
// connection first saw their SQL text; that set is finite by construction (list queries
// vary only in which of a fixed set of filters they use).
#include "store/postgres/postgres_store.h"
#include "core/utf8.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "core/limits.h"
#include "store/backup_file.h"
#include "store/checklist_checks.h"
#include "store/copy.h"
#include "store/sqlite/sqlite_store.h"

namespace baton::store {
namespace {

// Taken (for the length of the migration transaction) by every node that opens the store,
// so that two nodes starting together migrate once. "Batn", as SQLite's application id.
constexpr std::int64_t migration_lock_key = 0x4261746E;

// ---------------------------------------------------------------------------------------
// Errors

// What a SQLSTATE means for the caller. Lost connections, an overloaded or restarting
// server, and the conflicts PostgreSQL resolves by aborting one transaction (deadlock,
// serialization) are worth retrying: unavailable. Bytes PostgreSQL cannot store as text are
// the caller's input: invalid_argument. Damaged storage is corrupt; the rest (constraint
// violations, the append-only trigger, a bug in our SQL) is internal, as in SQLite.
ErrorCode code_of(const char* sqlstate, bool connection_ok) {
    if (!connection_ok || sqlstate == nullptr) return ErrorCode::unavailable;
    const std::string_view state(sqlstate);
    const std::string_view cls = state.substr(0, 2);
    if (cls == "08" || cls == "53" || cls == "57" || state == "40001" || state == "40P01" ||
        state == "55P03") {
        return ErrorCode::unavailable;
    }
    if (state == "22021" || state == "22P05" || state == "54000") {
        return ErrorCode::invalid_argument;
    }
    if (cls == "XX" && state != "XX000") return ErrorCode::corrupt;
    return ErrorCode::internal;
}

std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

Error corrupt(std::string message) { return make_error(ErrorCode::corrupt, std::move(message)); }

// The start of a statement's SQL, to say which statement failed without flooding a log.
std::string sql_excerpt(std::string_view sql) {
    std::string text(sql.substr(0, std::min<std::size_t>(sql.size(), 200)));
    std::replace(text.begin(), text.end(), '\n', ' ');
    constexpr std::size_t excerpt_bytes_max = 60;
    if (text.size() > excerpt_bytes_max) text = text.substr(0, excerpt_bytes_max) + "...";
    return text;
}

// nlohmann::json::dump throws on invalid UTF-8; the store answers with an error instead.
Result<std::string> dump_json(const nlohmann::json& value, std::string_view field) {
    try {
        return core::dump_json(value);
    } catch (const nlohmann::json::exception& e) {
        return make_error(ErrorCode::invalid_argument,
                          std::string(field) + " cannot be stored as JSON: " + e.what(),
                          std::string(field));
    }
}

// ---------------------------------------------------------------------------------------
// Wrappers

struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
    void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnHandle = std::unique_ptr<PGconn, ConnDeleter>;

// The parameters of one statement, in order, as text (libpq's text format). A text value
// with a NUL byte cannot be sent (PostgreSQL's text cannot hold one): the first such value
// is remembered and the statement is refused with invalid_argument before it is sent.
class Params {
public:
    Params& i64(std::int64_t value) {
        values_.emplace_back(std::to_string(value));
        return *this;
    }
    Params& flag(bool value) { return i64(value ? 1 : 0); }
    Params& null() {
        values_.emplace_back(std::nullopt);
        return *this;
    }
    Params& text(std::string_view value) {
        if (problem_.empty() && value.find('\0') != std::string_view::npos) {
            problem_ = "a text value contains a NUL byte, which PostgreSQL cannot store";
        }
        values_.emplace_back(std::string(value));
        return *this;
    }
    Params& opt_text(const std::optional<std::string>& value) {
        return value ? text(*value) : null();
    }
    Params& time(TimePoint value) { return i64(to_unix_ms(value)); }
    Params& opt_time(const std::optional<TimePoint>& value) {
        return value ? time(*value) : null();
    }

    // "$n" for the parameter added next, for SQL assembled alongside its parameters.
    std::string next_placeholder() const { return "$" + std::to_string(values_.size() + 1); }
    int size() const { return static_cast<int>(values_.size()); }
    const std::string& problem() const { return problem_; }
    std::vector<const char*> pointers() const {
        std::vector<const char*> out;
        out.reserve(values_.size());
        for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
        return out;
    }

private:
    std::vector<std::optional<std::string>> values_;
    std::string problem_;
};

// Reads one row of a result column by column, in order, checking each value. A value of
// the wrong shape is remembered (the first one) and reported by finish() as a corrupt error
// naming the table and column: a bad row is an error, never a crash.
class Row {
public:
    Row(const PGresult* result, int row, std::string_view table)
        : result_(result), row_(row), table_(table) {}

    std::int64_t i64() {
        const int col = column_++;
        if (PQgetisnull(result_, row_, col)) return fail(col, "an integer");
        const char* text_value = PQgetvalue(result_, row_, col);
        const char* end = text_value + PQgetlength(result_, row_, col);
        std::int64_t value = 0;
        auto [ptr, ec] = std::from_chars(text_value, end, value);
        if (ec != std::errc() || ptr != end) return fail(col, "an integer");
        return value;
    }
    int i32() {
        const std::int64_t value = i64();
        if (value < INT_MIN || value > INT_MAX) return static_cast<int>(fail(column_ - 1, "int"));
        return static_cast<int>(value);
    }
    bool flag() {
        const std::int64_t value = i64();
        if (value != 0 && value != 1) fail(column_ - 1, "0 or 1");
        return value == 1;
    }
    std::string text() {
        const int col = column_++;
        if (PQgetisnull(result_, row_, col)) {
            fail(col, "text");
            return {};
        }
        return std::string(PQgetvalue(result_, row_, col),
                           static_cast<std::size_t>(PQgetlength(result_, row_, col)));
    }
    std::optional<std::string> opt_text() {
        if (is_null()) return std::nullopt;
        return text();
    }
    TimePoint time() { return from_unix_ms(i64()); }
    std::optional<TimePoint> opt_time() {
        if (is_null()) return std::nullopt;
        return time();
    }
    nlohmann::json json() {
        const std::string text_value = text();
        auto value = nlohmann::json::parse(text_value, nullptr, /*allow_exceptions=*/false);
        // A row written before the doors checked UTF-8 may hold bytes that are not: the
        // rest of the value still reads, with U+FFFD for those bytes, rather than the
        // whole handoff becoming unreadable.
        if (value.is_discarded() && !core::is_utf8(text_value)) {
            value = nlohmann::json::parse(core::utf8_repaired(text_value), nullptr, false);
        }
        if (value.is_discarded()) {
            fail(column_ - 1, "JSON");
            return nlohmann::json::object();
        }
        return value;
    }

    Status finish() const {
        if (problem_.empty()) return ok_status();
        return corrupt(problem_);
    }

private:
    bool is_null() {
        if (!PQgetisnull(result_, row_, column_)) return false;
        ++column_;
        return true;
    }
    std::int64_t fail(int col, const char* expected) {
        if (problem_.empty()) {
            const char* name = PQfname(result_, col);
            problem_ = "corrupt row in " + std::string(table_) + ": column " +
                       (name == nullptr ? std::to_string(col) : name) + " is not " + expected;
        }
        return 0;
    }

    const PGresult* const result_;
    const int row_;
    const std::string_view table_;
    int column_ = 0;
    std::string problem_;
};

// Decodes every row of a result with `read` (Row& -> Result<T>).
template <class T, class ReadFn>
Result<std::vector<T>> collect(const PgResult& result, std::string_view table, ReadFn read) {
    std::vector<T> out;
    const int rows = PQntuples(result.get());
    out.reserve(static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i) {
        Row r(result.get(), i, table);
        auto value = read(r);
        if (!value) return value.error();
        out.push_back(std::move(*value));
    }
    return out;
}

// How many rows an INSERT, UPDATE or DELETE touched.
std::int64_t affected(const PgResult& result) {
    const char* text = PQcmdTuples(result.get());
    std::int64_t n = 0;
    std::from_chars(text, text + std::strlen(text), n);
    return n;
}

void ignore_notice(void*, const char*) {}

// One libpq connection with its prepared statements. Used by one thread at a time (the pool
// lends it out for one transaction).
class Connection {
public:
    Connection(ConnHandle conn, std::string describe)
        : conn_(std::move(conn)), describe_(std::move(describe)) {}

    static Result<std::unique_ptr<Connection>> open(const PostgresOptions& options,
                                                    const std::string& describe) {
        // Entries before the expanded URL are defaults that the URL may override.
        const std::string timeout = std::to_string(options.connect_timeout_s);
        const std::array<const char*, 4> keys = {"connect_timeout", "application_name",
                                                 "dbname", nullptr};
        const std::array<const char*, 4> values = {timeout.c_str(), "baton",
                                                   options.url.c_str(), nullptr};
        ConnHandle conn(PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1));
        if (conn == nullptr) {
            return make_error(ErrorCode::unavailable, "postgres: out of memory connecting");
        }
        if (PQstatus(conn.get()) != CONNECTION_OK) {
            return make_error(ErrorCode::unavailable, "postgres: cannot connect to " + describe +
                                                          ": " +
                                                          one_line(PQerrorMessage(conn.get())));
        }
        // Notices (such as "relation exists, skipping") are not errors; keep stderr quiet.
        PQsetNoticeProcessor(conn.get(), ignore_notice, nullptr);
        if (PQsetClientEncoding(conn.get(), "UTF8") != 0) {
            return make_error(ErrorCode::unavailable,
                              "postgres: cannot set client_encoding to UTF8 on " + describe);
        }
        return std::make_unique<Connection>(std::move(conn), describe);
    }

    bool broken() const { return PQstatus(conn_.get()) != CONNECTION_OK; }
    bool idle() const { return PQtransactionStatus(conn_.get()) == PQTRANS_IDLE; }
    bool in_failed_transaction() const {
        return PQtransactionStatus(conn_.get()) == PQTRANS_INERROR;
    }

    // Runs SQL without parameters through the simple protocol (transaction control,
    // migrations: several statements in one string are allowed).
    Status exec(const std::string& sql) {
        PgResult result(PQexec(conn_.get(), sql.c_str()));
        return check(result, sql);
    }

    // The same, answering the rows (a FETCH from a cursor).
    Result<PgResult> exec_rows(const std::string& sql) {
        PgResult result(PQexec(conn_.get(), sql.c_str()));
        if (auto s = check(result, sql); !s) return s.error();
        return result;
    }

    // Runs one statement with parameters, preparing it on first use on this connection.
    Result<PgResult> run(const std::string& sql, const Params& params) {
        if (!params.problem().empty()) {
            return make_error(ErrorCode::invalid_argument, params.problem());
        }
        auto name = prepared(sql, params.size());
        if (!name) return name.error();
        const std::vector<const char*> values = params.pointers();
        PgResult result(PQexecPrepared(conn_.get(), name->c_str(), params.size(), values.data(),
                                       nullptr, nullptr, /*resultFormat=*/0));
        if (auto s = check(result, sql); !s) return s.error();
        return result;
    }

    void rollback_quietly() {
        if (broken() || idle()) return;
        PgResult ignored(PQexec(conn_.get(), "ROLLBACK"));
    }

    // For a LISTENing connection: waits up to `limit` for input and reads it. False when
    // the connection is lost.
    bool wait_for_notifications(std::chrono::milliseconds limit) {
        const int fd = PQsocket(conn_.get());
        if (fd < 0) return false;
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(limit.count()));
        if (ready < 0) return errno == EINTR;
        if (ready == 0) return true;
        return PQconsumeInput(conn_.get()) == 1 && !broken();
    }
    // How many notifications arrived (and frees them).
    int take_notifications() {
        int n = 0;
        while (PGnotify* note = PQnotifies(conn_.get())) {
            PQfreemem(note);
            ++n;
        }
        return n;
    }

private:
    Result<std::string> prepared(const std::string& sql, int params) {
        if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
        std::string name = "baton_" + std::to_string(statements_.size() + 1);
        PgResult result(PQprepare(conn_.get(), name.c_str(), sql.c_str(), params, nullptr));
        if (auto s = check(result, sql); !s) return s.error();
        statements_.emplace(sql, name);
        return name;
    }

    Status check(const PgResult& result, std::string_view sql) {
        const ExecStatusType status =
            result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result.get());
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return ok_status();
        const char* sqlstate =
            result == nullptr ? nullptr : PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
        std::string detail = result == nullptr ? "" : PQresultErrorMessage(result.get());
        if (detail.empty()) detail = PQerrorMessage(conn_.get());
        const ErrorCode code = code_of(sqlstate, !broken());
        std::string message = "postgres: ";
        if (broken()) message += "lost the connection to " + describe_ + " (try again): ";
        message += sql_excerpt(sql) + ": " + one_line(std::move(detail));
        return make_error(code, std::move(message));
    }

    ConnHandle conn_;
    const std::string describe_;
    std::unordered_map<std::string, std::string> statements_;  // SQL text -> statement name
};

// ---------------------------------------------------------------------------------------
// Schema

// Version 1: events, playbook and document versions, handoffs with checklists and
// timelines, timers, the outbox, and assignment counters; see sqlite_store.cpp for the
// meaning of each column. schema_migrations records the versions applied.
constexpr std::string_view migration_1 = R"sql(
CREATE TABLE schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_ms BIGINT NOT NULL
);

CREATE TABLE events (
    seq              BIGSERIAL PRIMARY KEY,
    source           TEXT NOT NULL,
    id               TEXT NOT NULL,
    type             TEXT NOT NULL,
    subject          TEXT,
    time_ms          BIGINT NOT NULL,
    data             TEXT NOT NULL,
    received_ms      BIGINT NOT NULL,
    handoffs_created INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source, id)
);
CREATE INDEX events_by_type ON events (type, seq);
CREATE INDEX events_unmatched ON events (seq) WHERE handoffs_created = 0;

CREATE TABLE playbook_versions (
    id         TEXT COLLATE "C" NOT NULL,
    version    INTEGER NOT NULL,
    yaml       TEXT NOT NULL,
    file       TEXT NOT NULL,
    applied_ms BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE documents (
    kind       TEXT COLLATE "C" NOT NULL,
    version    INTEGER NOT NULL,
    text       TEXT NOT NULL,
    applied_ms BIGINT NOT NULL,
    PRIMARY KEY (kind, version)
);

CREATE TABLE handoffs (
    id               BIGSERIAL PRIMARY KEY,
    playbook_id      TEXT NOT NULL,
    playbook_version INTEGER NOT NULL,
    title            TEXT NOT NULL,
    subject          TEXT NOT NULL,
    giver            TEXT NOT NULL,
    owner            TEXT NOT NULL,
    pending_from     TEXT NOT NULL,
    unowned          SMALLINT NOT NULL CHECK (unowned IN (0, 1)),
    state            TEXT NOT NULL,
    done_definition  TEXT NOT NULL,
    created_ms       BIGINT NOT NULL,
    updated_ms       BIGINT NOT NULL,
    accepted_ms      BIGINT,
    closed_ms        BIGINT,
    accept_by_ms     BIGINT,
    done_by_ms       BIGINT,
    escalation_level INTEGER NOT NULL,
    event_source     TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    data             TEXT NOT NULL,
    revision         BIGINT NOT NULL
);
CREATE INDEX handoffs_by_state ON handoffs (state, id);
CREATE INDEX handoffs_by_owner ON handoffs (owner, state);
CREATE INDEX handoffs_by_playbook ON handoffs (playbook_id, id);
CREATE INDEX handoffs_by_subject ON handoffs (subject, id);
CREATE INDEX handoffs_by_created ON handoffs (created_ms);
CREATE INDEX handoffs_by_event ON handoffs (event_source, event_id);

CREATE TABLE checklist_items (
    handoff_id BIGINT NOT NULL REFERENCES handoffs (id),
    number     INTEGER NOT NULL,
    text       TEXT NOT NULL,
    checked    SMALLINT NOT NULL CHECK (checked IN (0, 1)),
    checked_by TEXT NOT NULL,
    checked_ms BIGINT,
    when_type  TEXT,
    PRIMARY KEY (handoff_id, number)
);

CREATE TABLE timeline (
    handoff_id BIGINT NOT NULL REFERENCES handoffs (id),
    seq        BIGINT NOT NULL,
    at_ms      BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (handoff_id, seq)
);
-- Nothing is ever silently edited: the database itself refuses to change history.
CREATE FUNCTION baton_timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'timeline entries are append only';
END
$$;
CREATE TRIGGER timeline_no_update_or_delete BEFORE UPDATE OR DELETE ON timeline
    FOR EACH ROW EXECUTE FUNCTION baton_timeline_append_only();
CREATE TRIGGER timeline_no_truncate BEFORE TRUNCATE ON timeline
    FOR EACH STATEMENT EXECUTE FUNCTION baton_timeline_append_only();

CREATE TABLE timers (
    id         BIGSERIAL PRIMARY KEY,
    handoff_id BIGINT NOT NULL REFERENCES handoffs (id),
    kind       TEXT NOT NULL,
    level      INTEGER NOT NULL,
    due_ms     BIGINT NOT NULL,
    fired_ms   BIGINT,
    cancelled  SMALLINT NOT NULL CHECK (cancelled IN (0, 1)),
    target     TEXT NOT NULL,
    UNIQUE (handoff_id, kind, level, due_ms)
);
CREATE INDEX timers_due ON timers (due_ms) WHERE fired_ms IS NULL AND cancelled = 0;

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    handoff_id      BIGINT NOT NULL REFERENCES handoffs (id),
    channel         TEXT NOT NULL,
    target          TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_ms BIGINT NOT NULL,
    created_ms      BIGINT NOT NULL
);
CREATE INDEX outbox_by_handoff ON outbox (handoff_id, id);
CREATE INDEX outbox_pending ON outbox (next_attempt_ms) WHERE status = 'pending';

CREATE TABLE assignment_counters (
    team    TEXT PRIMARY KEY,
    counter BIGINT NOT NULL
);
)sql";

// Version 2: API tokens, idempotency keys, and the configuration version, bumped by
// triggers whenever a playbook or document version row is inserted (see sqlite_store.cpp
// for why a trigger). Token ids come from a sequence, so an id is never reused.
constexpr std::string_view migration_2 = R"sql(
CREATE TABLE tokens (
    id         BIGSERIAL PRIMARY KEY,
    handle     TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);

CREATE TABLE idempotency (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
-- For expiring old keys by age.
CREATE INDEX idempotency_by_created ON idempotency (created_ms);

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (name, value) VALUES ('config_version',
    (SELECT COUNT(*) FROM playbook_versions) + (SELECT COUNT(*) FROM documents));
CREATE FUNCTION baton_bump_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE meta SET value = value + 1 WHERE name = 'config_version';
    RETURN NULL;
END
$$;
CREATE TRIGGER playbook_versions_bump_config AFTER INSERT ON playbook_versions
    FOR EACH ROW EXECUTE FUNCTION baton_bump_config_version();
CREATE TRIGGER documents_bump_config AFTER INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION baton_bump_config_version();
)sql";

// Version 3: what the dispatcher records about deliveries, and the order in which it takes
// due rows.
constexpr std::string_view migration_3 = R"sql(
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN delivered_ms BIGINT;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (next_attempt_ms, id) WHERE status = 'pending';
)sql";

// Version 4: live updates, sign-in passwords and browser sessions. The change number comes
// from one row of `meta`, updated (so locked) by each transaction that changes a handoff
// and held until it commits: numbers are given in commit order across every node, which a
// reader relies on to never skip a change. The cost is that handoff writes take turns at
// that row between the change and the commit (see docs/operations.md).
constexpr std::string_view migration_4 = R"sql(
ALTER TABLE handoffs ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
UPDATE handoffs SET change_seq = id;
CREATE INDEX handoffs_by_change ON handoffs (change_seq);
INSERT INTO meta (name, value) VALUES ('change_seq', (SELECT COALESCE(MAX(id), 0) FROM handoffs));

CREATE TABLE passwords (
    handle     TEXT PRIMARY KEY,
    hash       TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);

CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    handle     TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_ms);
CREATE INDEX sessions_by_handle ON sessions (handle);
)sql";

// Version 5: a person's handoffs in id order, so that the list's owner and team filters
// read one page from the index instead of sorting every handoff of the person (the same
// index as SQLite's migration 5). handoffs_by_owner stays for the open counts.
constexpr std::string_view migration_5 = R"sql(
CREATE INDEX handoffs_by_owner_id ON handoffs (owner, id);
)sql";

// Version 6: the delivery log of POST /hooks/{source} (every call, how it ended, and its
// headers and body to replay a refused one); expired by age, so indexed by arrival.
constexpr std::string_view migration_6 = R"sql(
CREATE TABLE hook_deliveries (
    id             BIGSERIAL PRIMARY KEY,
    source         TEXT NOT NULL,
    received_ms    BIGINT NOT NULL,
    outcome        TEXT NOT NULL,
    stage          TEXT NOT NULL,
    field          TEXT NOT NULL,
    message        TEXT NOT NULL,
    verified       INTEGER NOT NULL,
    method         TEXT NOT NULL,
    uri            TEXT NOT NULL,
    headers        TEXT NOT NULL,
    body           TEXT NOT NULL,
    body_partial   INTEGER NOT NULL,
    events         TEXT NOT NULL,
    replay_of      BIGINT NOT NULL,
    replayed_ms    BIGINT,
    replayed_by    BIGINT NOT NULL
);
CREATE INDEX hook_deliveries_by_received ON hook_deliveries (received_ms);
CREATE INDEX hook_deliveries_by_source ON hook_deliveries (source, id);
CREATE INDEX hook_deliveries_by_outcome ON hook_deliveries (outcome, id);
)sql";

// Version 7: the handoffs a previous owner stays accountable for until the new owner
// accepts (the same partial index as SQLite's migration 7).
constexpr std::string_view migration_7 = R"sql(
CREATE INDEX handoffs_by_pending_from ON handoffs (pending_from, id) WHERE pending_from <> '';
)sql";

// Version 8: Mine holds what was escalated to me and what was declined back to me (the
// same column, backfill and partial indexes as SQLite's migration 8).
constexpr std::string_view migration_8 = R"sql(
ALTER TABLE handoffs ADD COLUMN escalated_to TEXT NOT NULL DEFAULT '';
UPDATE handoffs SET escalated_to = COALESCE((
    SELECT t.data::json->>'to' FROM timeline t
    WHERE t.handoff_id = handoffs.id AND t.kind = 'escalated'
    ORDER BY (t.data::json->>'level')::int DESC, t.seq DESC LIMIT 1), '')
WHERE escalation_level > 0;
CREATE INDEX handoffs_by_escalated_to ON handoffs (escalated_to, id) WHERE escalated_to <> '';
CREATE INDEX handoffs_declined_by_giver ON handoffs (giver, id) WHERE state = 'declined';
)sql";

constexpr std::array<std::string_view, 8> migrations = {
    migration_1, migration_2, migration_3, migration_4,
    migration_5, migration_6, migration_7, migration_8};

// `text` with LIKE's wildcards (and the escape character itself) escaped by a backslash.
std::string like_escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

Result<std::int64_t> single_i64(const PgResult& result, std::string_view what) {
    if (PQntuples(result.get()) != 1 || PQnfields(result.get()) < 1) {
        return corrupt("postgres: expected one row from " + std::string(what));
    }
    Row r(result.get(), 0, what);
    const std::int64_t value = r.i64();
    if (auto s = r.finish(); !s) return s.error();
    return value;
}

Result<std::optional<TimePoint>> single_opt_time(const PgResult& result, std::string_view what) {
    if (PQntuples(result.get()) != 1 || PQnfields(result.get()) < 1) {
        return corrupt("postgres: expected one row from " + std::string(what));
    }
    Row r(result.get(), 0, what);
    auto value = r.opt_time();
    if (auto s = r.finish(); !s) return s.error();
    return value;
}

// The schema version the database carries, read inside the migration transaction. Refuses
// a database that holds tables but is not Baton's, and a schema newer than this binary.
Result<std::int64_t> schema_version(Connection& c, const std::string& describe) {
    auto marked = c.run("SELECT (to_regclass('schema_migrations') IS NOT NULL)::int", {});
    if (!marked) return marked.error();
    auto has_marker = single_i64(*marked, "schema_migrations");
    if (!has_marker) return has_marker.error();
    if (*has_marker == 0) {
        auto tables = c.run(
            "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()", {});
        if (!tables) return tables.error();
        auto count = single_i64(*tables, "pg_tables");
        if (!count) return count.error();
        if (*count > 0) {
            return corrupt(describe +
                           " is not a Baton database (its schema holds other tables); give "
                           "Baton a database, or a schema through search_path, of its own");
        }
        return 0;
    }
    auto version = c.run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
    if (!version) return version.error();
    auto v = single_i64(*version, "schema_migrations");
    if (!v) return v.error();
    const auto known = static_cast<std::int64_t>(migrations.size());
    if (*v > known) {
        return corrupt("database schema version " + std::to_string(*v) +
                       " is newer than this baton (" + std::to_string(known) + ")");
    }
    return *v;
}

// Brings the schema up to date in one transaction (PostgreSQL's DDL is transactional):
// either every pending step applies, or none does. The advisory lock makes a second node
// wait and then find the schema already current.
Status migrate(Connection& c, const std::string& describe, TimePoint now) {
    if (auto s = c.exec("BEGIN ISOLATION LEVEL READ COMMITTED"); !s) return s;
    auto result = [&]() -> Status {
        if (auto s = c.exec("SELECT pg_advisory_xact_lock(" +
                            std::to_string(migration_lock_key) + ")");
            !s) {
            return s;
        }
        auto version = schema_version(c, describe);
        if (!version) return version.error();
        const auto known = static_cast<std::int64_t>(migrations.size());
        for (std::int64_t v = *version + 1; v <= known; ++v) {
            if (auto s = c.exec(std::string(migrations[static_cast<std::size_t>(v - 1)])); !s) {
                return make_error(s.error().code, describe + ": migration " + std::to_string(v) +
                                                      " failed: " + s.error().message);
            }
            auto mark = c.run("INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)",
                              Params().i64(v).time(now));
            if (!mark) return mark.error();
        }
        return c.exec("COMMIT");
    }();
    if (!result) c.rollback_quietly();
    return result;
}

// ---------------------------------------------------------------------------------------
// Transaction

std::int64_t page_limit(std::size_t limit) {
    return static_cast<std::int64_t>(std::min(limit, limits::list_page_max));
}

// Handoff pages go up to the board's card view (HandoffFilter::limit).
std::int64_t handoff_page_limit(std::size_t limit) {
    return static_cast<std::int64_t>(std::min(limit, limits::list_card_page_max));
}

constexpr const char* event_columns =
    "seq, source, id, type, subject, time_ms, data, received_ms, handoffs_created";

constexpr const char* handoff_columns =
    "id, playbook_id, playbook_version, title, subject, giver, owner, pending_from, unowned, "
    "state, done_definition, created_ms, updated_ms, accepted_ms, closed_ms, accept_by_ms, "
    "done_by_ms, escalation_level, escalated_to, event_source, event_id, data, revision";

// The handoff columns, with `data` read as JSON null when the caller leaves it out
// (HandoffFilter::with_data): it can be up to event_bytes_max a row.
std::string handoff_columns_for(bool with_data) {
    std::string columns = handoff_columns;
    if (!with_data) columns.replace(columns.find(", data,"), 7, ", 'null',");
    return columns;
}

constexpr const char* timer_columns =
    "id, handoff_id, kind, level, due_ms, fired_ms, cancelled, target";

constexpr const char* outbox_columns =
    "id, handoff_id, channel, target, dedupe_key, payload, status, attempts, next_attempt_ms, "
    "created_ms, last_error, delivered_ms";

constexpr const char* token_columns = "id, handle, hash, label, created_ms, revoked_ms";

Result<EventRecord> read_event(Row& r) {
    EventRecord record;
    record.seq = r.i64();
    record.event.source = r.text();
    record.event.id = r.text();
    record.event.type = r.text();
    record.event.subject = r.opt_text();
    record.event.time = r.time();
    record.event.data = r.json();
    record.received_at = r.time();
    record.handoffs_created = r.i32();
    if (auto s = r.finish(); !s) return s.error();
    return record;
}

Result<core::Handoff> read_handoff(Row& r) {
    core::Handoff h;
    h.id = r.i64();
    h.playbook_id = r.text();
    h.playbook_version = r.i32();
    h.title = r.text();
    h.subject = r.text();
    h.giver = r.text();
    h.owner = r.text();
    h.pending_from = r.text();
    h.unowned = r.flag();
    const std::string state = r.text();
    h.done_definition = r.text();
    h.created_at = r.time();
    h.updated_at = r.time();
    h.accepted_at = r.opt_time();
    h.closed_at = r.opt_time();
    h.deadlines.accept_by = r.opt_time();
    h.deadlines.done_by = r.opt_time();
    h.escalation_level = r.i32();
    h.escalated_to = r.text();
    h.event_source = r.text();
    h.event_id = r.text();
    h.data = r.json();
    h.revision = r.i64();
    if (auto s = r.finish(); !s) return s.error();
    auto parsed = core::parse_handoff_state(state);
    if (!parsed) {
        return corrupt("corrupt row in handoffs: handoff " + std::to_string(h.id) +
                       " has an unknown state '" + state + "'");
    }
    h.state = *parsed;
    return h;
}

Result<TimerRecord> read_timer(Row& r) {
    TimerRecord t;
    t.id = r.i64();
    t.handoff_id = r.i64();
    const std::string kind = r.text();
    t.level = r.i32();
    t.due_at = r.time();
    t.fired_at = r.opt_time();
    t.cancelled = r.flag();
    t.target = r.text();
    if (auto s = r.finish(); !s) return s.error();
    auto parsed = parse_timer_kind(kind);
    if (!parsed) {
        return corrupt("corrupt row in timers: timer " + std::to_string(t.id) +
                       " has an unknown kind '" + kind + "'");
    }
    t.kind = *parsed;
    return t;
}

Result<OutboxRecord> read_outbox(Row& r) {
    OutboxRecord o;
    o.id = r.i64();
    o.handoff_id = r.i64();
    o.channel = r.text();
    o.target = r.text();
    o.dedupe_key = r.text();
    o.payload = r.json();
    o.status = r.text();
    o.attempts = r.i32();
    o.next_attempt_at = r.time();
    o.created_at = r.time();
    o.last_error = r.text();
    o.delivered_at = r.opt_time();
    if (auto s = r.finish(); !s) return s.error();
    return o;
}

Result<PlaybookRecord> read_playbook(Row& r) {
    PlaybookRecord p;
    p.id = r.text();
    p.version = r.i32();
    p.yaml = r.text();
    p.file = r.text();
    p.applied_at = r.time();
    if (auto s = r.finish(); !s) return s.error();
    return p;
}

Result<DocumentRecord> read_document(Row& r) {
    DocumentRecord d;
    d.kind = r.text();
    d.version = r.i32();
    d.text = r.text();
    d.applied_at = r.time();
    if (auto s = r.finish(); !s) return s.error();
    return d;
}

Result<TokenRecord> read_token(Row& r) {
    TokenRecord t;
    t.id = r.i64();
    t.handle = r.text();
    t.hash = r.text();
    t.label = r.text();
    t.created_at = r.time();
    t.revoked_at = r.opt_time();
    if (auto s = r.finish(); !s) return s.error();
    return t;
}

Result<std::int64_t> read_id(Row& r) {
    const std::int64_t value = r.i64();
    if (auto s = r.finish(); !s) return s.error();
    return value;
}

template <class T>
Result<std::optional<T>> first_of(Result<std::vector<T>> rows) {
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<T>();
    return std::optional<T>(std::move(rows->front()));
}

// Every state, so that a state with no handoffs still shows as 0.
constexpr std::array<core::HandoffState, 5> all_handoff_states = {
    core::HandoffState::waiting, core::HandoffState::accepted, core::HandoffState::done,
    core::HandoffState::declined, core::HandoffState::cancelled};

// Implements every Transaction method on one connection, inside the transaction the store
// began. A read transaction refuses the write methods with internal before any SQL is sent,
// so that the transaction stays usable for reads (as in SQLite).
class PgTransaction final : public Transaction {
public:
    PgTransaction(Connection& connection, bool writable) : c_(connection), writable_(writable) {}

    Result<bool> insert_event(const core::Event& event, TimePoint received_at) override;
    Status set_event_handoffs(const std::string& source, const std::string& id,
                              int handoffs_created) override;
    Result<std::optional<EventRecord>> event(const std::string& source,
                                             const std::string& id) override;
    Result<std::vector<EventRecord>> list_events(const EventFilter& filter) override;
    Result<std::vector<std::int64_t>> handoffs_of_event(const std::string& source,
                                                        const std::string& id) override;

    Result<int> put_playbook(const std::string& id, const std::string& yaml,
                             const std::string& file, TimePoint now) override;
    Result<std::vector<PlaybookRecord>> current_playbooks() override;
    Result<std::optional<PlaybookRecord>> playbook(const std::string& id,
                                                   std::optional<int> version) override;
    Result<int> put_document(const std::string& kind, const std::string& text,
                             TimePoint now) override;
    Result<std::optional<DocumentRecord>> current_document(const std::string& kind) override;
    Result<std::vector<DocumentRecord>> current_documents_with_prefix(
        const std::string& prefix) override;

    Result<std::int64_t> insert_handoff(const core::Handoff& handoff) override;
    Status update_handoff(const core::Handoff& handoff) override;
    Status append_timeline(std::int64_t handoff_id,
                           const std::vector<core::TimelineEntry>& entries) override;
    Result<std::optional<core::Handoff>> handoff(std::int64_t id, bool with_timeline) override;
    Result<std::vector<core::Handoff>> list_handoffs(const HandoffFilter& filter) override;

    Status insert_timers(const std::vector<TimerRecord>& timers) override;
    Status cancel_timers(std::int64_t handoff_id,
                         const std::vector<std::int64_t>& timer_ids) override;
    Result<std::vector<TimerRecord>> timers_of(std::int64_t handoff_id) override;
    Status insert_outbox(const std::vector<OutboxRecord>& rows) override;
    Result<std::vector<OutboxRecord>> outbox_of(std::int64_t handoff_id) override;
    Result<std::vector<TimerRecord>> due_timers(TimePoint now, std::size_t limit) override;
    Result<bool> fire_timer(std::int64_t timer_id, TimePoint at) override;
    Result<std::optional<TimePoint>> next_timer_due() override;
    Result<std::vector<OutboxRecord>> lease_outbox(TimePoint now, TimePoint lease_until,
                                                   std::size_t limit) override;
    Status settle_outbox(std::int64_t id, const std::string& status, TimePoint next_attempt_at,
                         const std::string& last_error,
                         std::optional<TimePoint> delivered_at) override;
    Result<std::optional<TimePoint>> next_outbox_due() override;
    Result<std::map<std::string, std::int64_t>> count_outbox_by_status() override;

    Result<std::int64_t> config_version() override;

    Result<std::int64_t> next_assignment(const std::string& team) override;
    Result<std::int64_t> peek_assignment(const std::string& team) override;
    Result<std::map<std::string, int>> open_handoff_counts(
        const std::vector<std::string>& handles) override;
    Result<std::map<core::HandoffState, std::int64_t>> count_handoffs_by_state() override;

    Result<std::int64_t> insert_token(const TokenRecord& token) override;
    Status revoke_token(std::int64_t id, TimePoint now) override;
    Result<std::optional<TokenRecord>> token_by_hash(const std::string& hash) override;
    Result<std::vector<TokenRecord>> list_tokens() override;

    Result<std::optional<IdempotencyRecord>> idempotency(const std::string& scope,
                                                         const std::string& key) override;
    Status put_idempotency(const IdempotencyRecord& record) override;
    Result<std::int64_t> expire_idempotency(TimePoint before, TimePoint links_before,
                                            std::size_t limit) override;

    Result<std::vector<HandoffChange>> handoff_changes(std::int64_t after_seq,
                                                       std::size_t limit) override;
    Result<std::int64_t> last_change_seq() override;
    Status put_password(const std::string& handle, const std::string& hash,
                        TimePoint at) override;
    Result<std::optional<std::string>> password_hash(const std::string& handle) override;
    Status insert_session(const SessionRecord& session) override;
    Result<std::optional<SessionRecord>> session_by_hash(const std::string& hash) override;
    Status delete_session(const std::string& hash) override;
    Result<std::int64_t> expire_sessions(TimePoint now, std::size_t limit) override;
    Result<std::int64_t> insert_hook_delivery(const HookDeliveryRecord& record) override;
    Result<std::optional<HookDeliveryRecord>> hook_delivery(std::int64_t id) override;
    Result<std::vector<HookDeliveryRecord>> list_hook_deliveries(
        const HookDeliveryFilter& filter) override;
    Result<std::int64_t> expire_hook_deliveries(TimePoint before, std::size_t limit) override;

  private:
    Status mark_changed(std::int64_t handoff_id);
    Status require_writable(const char* method) const {
        if (writable_) return ok_status();
        return make_error(ErrorCode::internal, std::string(method) +
                                                   " was called inside read(); writes "
                                                   "belong in write()");
    }
    Result<PgResult> run(const std::string& sql, const Params& params = {}) {
        return c_.run(sql, params);
    }
    Result<int> put_versioned(const std::string& table, const std::string& key_column,
                              const std::string& key, const std::string& text,
                              const std::string& file, TimePoint now);
    Status insert_checklist(std::int64_t handoff_id, const std::vector<core::ChecklistItem>& items);
    Status insert_entries(std::int64_t handoff_id, std::int64_t first_seq,
                          const std::vector<core::TimelineEntry>& entries);
    Status load_checklist(core::Handoff& h);
    Status load_checklists(std::vector<core::Handoff>& handoffs);
    Status load_timeline(core::Handoff& h);
    Result<std::optional<std::int64_t>> lock_handoff(std::int64_t id);

    Connection& c_;
    const bool writable_;
};

// --- events

Result<bool> PgTransaction::insert_event(const core::Event& event, TimePoint received_at) {
    if (auto s = require_writable("insert_event"); !s) return s.error();
    auto data = dump_json(event.data, "data");
    if (!data) return data.error();
    auto r = run(
        "INSERT INTO events (source, id, type, subject, time_ms, data, received_ms) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, id) DO NOTHING",
        Params().text(event.source).text(event.id).text(event.type).opt_text(event.subject)
            .time(event.time).text(*data).time(received_at));
    if (!r) return r.error();
    return affected(*r) == 1;
}

Status PgTransaction::set_event_handoffs(const std::string& source, const std::string& id,
                                         int handoffs_created) {
    if (auto s = require_writable("set_event_handoffs"); !s) return s;
    auto r = run("UPDATE events SET handoffs_created = $1 WHERE source = $2 AND id = $3",
                 Params().i64(handoffs_created).text(source).text(id));
    if (!r) return r.error();
    if (affected(*r) == 0) {
        return make_error(ErrorCode::not_found, "no event " + id + " from " + source);
    }
    return ok_status();
}

Result<std::optional<EventRecord>> PgTransaction::event(const std::string& source,
                                                        const std::string& id) {
    auto r = run(std::string("SELECT ") + event_columns +
                     " FROM events WHERE source = $1 AND id = $2",
                 Params().text(source).text(id));
    if (!r) return r.error();
    return first_of(collect<EventRecord>(*r, "events", read_event));
}

Result<std::vector<EventRecord>> PgTransaction::list_events(const EventFilter& filter) {
    Params p;
    std::string sql = std::string("SELECT ") + event_columns + " FROM events WHERE seq > " +
                      p.next_placeholder();
    p.i64(filter.after_seq);
    if (filter.type) {
        sql += " AND type = " + p.next_placeholder();
        p.text(*filter.type);
    }
    if (filter.unmatched_only) sql += " AND handoffs_created = 0";
    sql += " ORDER BY seq LIMIT " + p.next_placeholder();
    p.i64(page_limit(filter.limit));
    auto r = run(sql, p);
    if (!r) return r.error();
    return collect<EventRecord>(*r, "events", read_event);
}

Result<std::vector<std::int64_t>> PgTransaction::handoffs_of_event(const std::string& source,
                                                                   const std::string& id) {
    auto r = run("SELECT id FROM handoffs WHERE event_source = $1 AND event_id = $2 ORDER BY id",
                 Params().text(source).text(id));
    if (!r) return r.error();
    return collect<std::int64_t>(*r, "handoffs", read_id);
}

// --- playbooks and documents

// Both versioned tables work alike: a new version unless the text is byte-identical to the
// current one. Two writers adding a version of the same key would both read version n and
// both insert n + 1, so new versions are serialised on the meta row, which the version's
// insert trigger updates anyway; versions are rare, so the wait costs nothing.
Result<int> PgTransaction::put_versioned(const std::string& table, const std::string& key_column,
                                         const std::string& key, const std::string& text,
                                         const std::string& file, TimePoint now) {
    auto lock = run("SELECT value FROM meta WHERE name = 'config_version' FOR UPDATE");
    if (!lock) return lock.error();
    const bool is_document = table == "documents";
    const std::string text_column = is_document ? "text" : "yaml";
    int version = 0;
    {
        auto current = run("SELECT version, " + text_column + " FROM " + table + " WHERE " +
                               key_column + " = $1 ORDER BY version DESC LIMIT 1",
                           Params().text(key));
        if (!current) return current.error();
        if (PQntuples(current->get()) > 0) {
            Row r(current->get(), 0, table);
            version = r.i32();
            const std::string stored = r.text();
            if (auto s = r.finish(); !s) return s.error();
            if (stored == text) return version;
        }
    }
    Params p;
    p.text(key).i64(version + 1).text(text);
    if (!is_document) p.text(file);
    p.time(now);
    auto insert = run("INSERT INTO " + table + " (" + key_column + ", version, " + text_column +
                          (is_document ? "" : ", file") + ", applied_ms) VALUES " +
                          (is_document ? "($1, $2, $3, $4)" : "($1, $2, $3, $4, $5)"),
                      p);
    if (!insert) return insert.error();
    return version + 1;
}

Result<int> PgTransaction::put_playbook(const std::string& id, const std::string& yaml,
                                        const std::string& file, TimePoint now) {
    if (auto s = require_writable("put_playbook"); !s) return s.error();
    return put_versioned("playbook_versions", "id", id, yaml, file, now);
}

Result<int> PgTransaction::put_document(const std::string& kind, const std::string& text,
                                        TimePoint now) {
    if (auto s = require_writable("put_document"); !s) return s.error();
    return put_versioned("documents", "kind", kind, text, "", now);
}

Result<std::vector<PlaybookRecord>> PgTransaction::current_playbooks() {
    auto r = run(
        "SELECT DISTINCT ON (id) id, version, yaml, file, applied_ms FROM playbook_versions "
        "ORDER BY id, version DESC");
    if (!r) return r.error();
    return collect<PlaybookRecord>(*r, "playbook_versions", read_playbook);
}

Result<std::optional<PlaybookRecord>> PgTransaction::playbook(const std::string& id,
                                                              std::optional<int> version) {
    Params p;
    p.text(id);
    if (version) p.i64(*version);
    auto r = run(version ? "SELECT id, version, yaml, file, applied_ms FROM "
                           "playbook_versions WHERE id = $1 AND version = $2"
                         : "SELECT id, version, yaml, file, applied_ms FROM "
                           "playbook_versions WHERE id = $1 ORDER BY version DESC LIMIT 1",
                 p);
    if (!r) return r.error();
    return first_of(collect<PlaybookRecord>(*r, "playbook_versions", read_playbook));
}

Result<std::optional<DocumentRecord>> PgTransaction::current_document(const std::string& kind) {
    auto r = run(
        "SELECT kind, version, text, applied_ms FROM documents WHERE kind = $1 "
        "ORDER BY version DESC LIMIT 1",
        Params().text(kind));
    if (!r) return r.error();
    return first_of(collect<DocumentRecord>(*r, "documents", read_document));
}

Result<std::vector<DocumentRecord>> PgTransaction::current_documents_with_prefix(
    const std::string& prefix) {
    auto r = run(
        "SELECT DISTINCT ON (kind) kind, version, text, applied_ms FROM documents "
        "WHERE starts_with(kind, $1) ORDER BY kind, version DESC",
        Params().text(prefix));
    if (!r) return r.error();
    return collect<DocumentRecord>(*r, "documents", read_document);
}

// --- handoffs

Status PgTransaction::insert_checklist(std::int64_t handoff_id,
                                       const std::vector<core::ChecklistItem>& items) {
    for (const core::ChecklistItem& item : items) {
        auto r = run(
            "INSERT INTO checklist_items (handoff_id, number, text, checked, checked_by, "
            "checked_ms, when_type) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            Params().i64(handoff_id).i64(item.number).text(item.text).flag(item.checked)
                .text(item.checked_by).opt_time(item.checked_at).opt_text(item.when));
        if (!r) return r.error();
    }
    return ok_status();
}

Status PgTransaction::insert_entries(std::int64_t handoff_id, std::int64_t first_seq,
                                     const std::vector<core::TimelineEntry>& entries) {
    const auto total = static_cast<std::size_t>(first_seq - 1) + entries.size();
    if (total > limits::timeline_entries_max) {
        return make_error(ErrorCode::limit_exceeded,
                          "handoff " + std::to_string(handoff_id) + " would have " +
                              std::to_string(total) + " timeline entries (at most " +
                              std::to_string(limits::timeline_entries_max) + ")",
                          "timeline");
    }
    std::int64_t seq = first_seq;
    for (const core::TimelineEntry& entry : entries) {
        auto data = dump_json(entry.data, "timeline.data");
        if (!data) return data.error();
        auto r = run(
            "INSERT INTO timeline (handoff_id, seq, at_ms, actor, kind, text, data) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            Params().i64(handoff_id).i64(seq++).time(entry.at).text(entry.actor)
                .text(entry.kind).text(entry.text).text(*data));
        if (!r) return r.error();
    }
    return ok_status();
}

Result<std::int64_t> PgTransaction::insert_handoff(const core::Handoff& h) {
    if (auto s = require_writable("insert_handoff"); !s) return s.error();
    if (auto s = check_checklist(h.checklist); !s) return s.error();
    auto data = dump_json(h.data, "data");
    if (!data) return data.error();
    auto r = run(
        "INSERT INTO handoffs (playbook_id, playbook_version, title, subject, giver, owner, "
        "pending_from, unowned, state, done_definition, created_ms, updated_ms, accepted_ms, "
        "closed_ms, accept_by_ms, done_by_ms, escalation_level, escalated_to, event_source, "
        "event_id, data, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
        "$13, $14, $15, $16, $17, $18, $19, $20, $21, 0) RETURNING id",
        Params().text(h.playbook_id).i64(h.playbook_version).text(h.title).text(h.subject)
            .text(h.giver).text(h.owner).text(h.pending_from).flag(h.unowned)
            .text(core::to_string(h.state)).text(h.done_definition).time(h.created_at)
            .time(h.updated_at).opt_time(h.accepted_at).opt_time(h.closed_at)
            .opt_time(h.deadlines.accept_by).opt_time(h.deadlines.done_by)
            .i64(h.escalation_level).text(h.escalated_to).text(h.event_source).text(h.event_id)
            .text(*data));
    if (!r) return r.error();
    auto id = single_i64(*r, "handoffs");
    if (!id) return id.error();
    if (auto s = mark_changed(*id); !s) return s.error();
    if (auto s = insert_checklist(*id, h.checklist); !s) return s.error();
    if (auto s = insert_entries(*id, 1, h.timeline); !s) return s.error();
    return *id;
}

// Locks the handoff's row until the transaction ends and answers its revision, or none when
// there is no such handoff. FOR NO KEY UPDATE, the lock an UPDATE of non-key columns takes:
// it makes concurrent updates and timeline appends of one handoff wait for each other, but
// not the inserts of timers or outbox rows that merely reference it.
Result<std::optional<std::int64_t>> PgTransaction::lock_handoff(std::int64_t id) {
    auto r = run("SELECT revision FROM handoffs WHERE id = $1 FOR NO KEY UPDATE",
                 Params().i64(id));
    if (!r) return r.error();
    return first_of(collect<std::int64_t>(*r, "handoffs", read_id));
}

Status PgTransaction::update_handoff(const core::Handoff& h) {
    if (auto s = require_writable("update_handoff"); !s) return s;
    if (auto s = check_checklist(h.checklist); !s) return s;
    auto data = dump_json(h.data, "data");
    if (!data) return data.error();
    auto revision = lock_handoff(h.id);
    if (!revision) return revision.error();
    if (!*revision) return make_error(ErrorCode::not_found, "no handoff " + std::to_string(h.id));
    if (**revision != h.revision) {
        return make_error(ErrorCode::conflict, "handoff " + std::to_string(h.id) +
                                                   " was changed by someone else; reload it "
                                                   "and try again");
    }
    auto r = run(
        "UPDATE handoffs SET title = $1, subject = $2, giver = $3, owner = $4, "
        "pending_from = $5, unowned = $6, state = $7, done_definition = $8, updated_ms = $9, "
        "accepted_ms = $10, closed_ms = $11, accept_by_ms = $12, done_by_ms = $13, "
        "escalation_level = $14, escalated_to = $15, data = $16, revision = revision + 1 "
        "WHERE id = $17 AND revision = $18",
        Params().text(h.title).text(h.subject).text(h.giver).text(h.owner).text(h.pending_from)
            .flag(h.unowned).text(core::to_string(h.state)).text(h.done_definition)
            .time(h.updated_at).opt_time(h.accepted_at).opt_time(h.closed_at)
            .opt_time(h.deadlines.accept_by).opt_time(h.deadlines.done_by)
            .i64(h.escalation_level).text(h.escalated_to).text(*data).i64(h.id)
            .i64(h.revision));
    if (!r) return r.error();
    // The row is locked and its revision checked, so the update cannot miss it.
    BATON_ASSERT(affected(*r) == 1);
    if (auto s = mark_changed(h.id); !s) return s;
    auto clear = run("DELETE FROM checklist_items WHERE handoff_id = $1", Params().i64(h.id));
    if (!clear) return clear.error();
    return insert_checklist(h.id, h.checklist);
}

Status PgTransaction::append_timeline(std::int64_t handoff_id,
                                      const std::vector<core::TimelineEntry>& entries) {
    if (auto s = require_writable("append_timeline"); !s) return s;
    // The lock makes two appends to one handoff take turns, so they cannot both read the
    // same last seq.
    auto revision = lock_handoff(handoff_id);
    if (!revision) return revision.error();
    if (!*revision) {
        return make_error(ErrorCode::not_found, "no handoff " + std::to_string(handoff_id));
    }
    auto last = run("SELECT COALESCE(MAX(seq), 0) FROM timeline WHERE handoff_id = $1",
                    Params().i64(handoff_id));
    if (!last) return last.error();
    auto seq = single_i64(*last, "timeline");
    if (!seq) return seq.error();
    if (auto s = mark_changed(handoff_id); !s) return s;
    return insert_entries(handoff_id, *seq + 1, entries);
}

// Reads the checklist columns from `row` onwards: number, text, checked, checked_by,
// checked_ms, when_type.
core::ChecklistItem read_checklist_item(Row& row) {
    core::ChecklistItem item;
    item.number = row.i32();
    item.text = row.text();
    item.checked = row.flag();
    item.checked_by = row.text();
    item.checked_at = row.opt_time();
    item.when = row.opt_text();
    return item;
}

Status PgTransaction::load_checklist(core::Handoff& h) {
    auto r = run(
        "SELECT number, text, checked, checked_by, checked_ms, when_type FROM checklist_items "
        "WHERE handoff_id = $1 ORDER BY number",
        Params().i64(h.id));
    if (!r) return r.error();
    auto items = collect<core::ChecklistItem>(*r, "checklist_items", [](Row& row) {
        core::ChecklistItem item = read_checklist_item(row);
        if (auto s = row.finish(); !s) return Result<core::ChecklistItem>(s.error());
        return Result<core::ChecklistItem>(std::move(item));
    });
    if (!items) return items.error();
    h.checklist = std::move(*items);
    return check_loaded_checklist(h);
}

// The checklists of a page of handoffs in one query rather than one round trip per handoff.
// `handoffs` must be in id order, as list_handoffs returns them.
Status PgTransaction::load_checklists(std::vector<core::Handoff>& handoffs) {
    if (handoffs.empty()) return ok_status();
    std::string ids = "{";
    for (std::size_t i = 0; i < handoffs.size(); ++i) {
        BATON_ASSERT(i == 0 || handoffs[i - 1].id < handoffs[i].id);
        if (i > 0) ids += ',';
        ids += std::to_string(handoffs[i].id);
    }
    ids += '}';
    auto r = run(
        "SELECT handoff_id, number, text, checked, checked_by, checked_ms, when_type "
        "FROM checklist_items WHERE handoff_id = ANY($1::bigint[]) ORDER BY handoff_id, number",
        Params().text(ids));
    if (!r) return r.error();
    const int rows = PQntuples(r->get());
    std::size_t next = 0;  // the handoff the next row belongs to, or a later one
    for (int i = 0; i < rows; ++i) {
        Row row(r->get(), i, "checklist_items");
        const std::int64_t handoff_id = row.i64();
        core::ChecklistItem item = read_checklist_item(row);
        if (auto s = row.finish(); !s) return s;
        while (next < handoffs.size() && handoffs[next].id < handoff_id) ++next;
        if (next == handoffs.size() || handoffs[next].id != handoff_id) {
            return corrupt("checklist item of handoff " + std::to_string(handoff_id) +
                           " read for a page without it");
        }
        handoffs[next].checklist.push_back(std::move(item));
    }
    for (const core::Handoff& h : handoffs) {
        if (auto s = check_loaded_checklist(h); !s) return s;
    }
    return ok_status();
}

Status PgTransaction::load_timeline(core::Handoff& h) {
    auto r = run(
        "SELECT seq, at_ms, actor, kind, text, data FROM timeline WHERE handoff_id = $1 "
        "ORDER BY seq",
        Params().i64(h.id));
    if (!r) return r.error();
    const int rows = PQntuples(r->get());
    for (int i = 0; i < rows; ++i) {
        Row row(r->get(), i, "timeline");
        const std::int64_t seq = row.i64();
        core::TimelineEntry entry;
        entry.at = row.time();
        entry.actor = row.text();
        entry.kind = row.text();
        entry.text = row.text();
        entry.data = row.json();
        if (auto s = row.finish(); !s) return s;
        if (seq != i + 1) {
            return corrupt("corrupt timeline of handoff " + std::to_string(h.id) + ": entry " +
                           std::to_string(i + 1) + " has seq " + std::to_string(seq));
        }
        h.timeline.push_back(std::move(entry));
    }
    return ok_status();
}

Result<std::optional<core::Handoff>> PgTransaction::handoff(std::int64_t id, bool with_timeline) {
    auto r = run(std::string("SELECT ") + handoff_columns + " FROM handoffs WHERE id = $1",
                 Params().i64(id));
    if (!r) return r.error();
    auto found = first_of(collect<core::Handoff>(*r, "handoffs", read_handoff));
    if (!found) return found.error();
    if (!*found) return std::optional<core::Handoff>();
    core::Handoff& h = **found;
    if (auto s = load_checklist(h); !s) return s.error();
    if (with_timeline) {
        if (auto s = load_timeline(h); !s) return s.error();
    }
    return std::move(*found);
}

Result<std::vector<core::Handoff>> PgTransaction::list_handoffs(const HandoffFilter& f) {
    Params p;
    std::string sql = "SELECT " + handoff_columns_for(f.with_data) + " FROM handoffs WHERE id " +
                      (f.newest_first ? "< " : "> ") + p.next_placeholder();
    p.i64(f.cursor_bound());
    auto add = [&](const char* condition, auto&& bind) {
        sql += condition + p.next_placeholder();
        bind();
    };
    if (f.state) add(" AND state = ", [&] { p.text(core::to_string(*f.state)); });
    if (f.playbook) add(" AND playbook_id = ", [&] { p.text(*f.playbook); });
    if (f.subject) add(" AND subject = ", [&] { p.text(*f.subject); });
    if (f.created_since) add(" AND created_ms >= ", [&] { p.time(*f.created_since); });
    if (f.overdue_at) {
        // The SQL form of core::is_overdue; NULL deadlines compare as unknown, which WHERE
        // treats as false. The state test stands outside the OR, as in the SQLite store.
        const std::string at = p.next_placeholder();
        p.time(*f.overdue_at);
        sql += " AND state IN ('waiting', 'accepted') AND ((state = 'waiting' AND accept_by_ms < " +
               at + ") OR done_by_ms < " + at + ")";
    }
    if (f.owner || !f.owner_in.empty()) {
        std::string owner_at, in_at;
        if (f.owner) {
            owner_at = p.next_placeholder();
            p.text(*f.owner);
        }
        if (!f.owner_in.empty()) {
            auto list = dump_json(nlohmann::json(f.owner_in), "owner_in");
            if (!list) return list.error();
            in_at = p.next_placeholder();
            p.text(*list);
        }
        // One column passes both owner tests.
        const auto owner_is = [&](const std::string& column) {
            std::string test = "TRUE";
            if (!owner_at.empty()) test += " AND " + column + " = " + owner_at;
            if (!in_at.empty()) {
                test +=
                    " AND " + column + " IN (SELECT json_array_elements_text(" + in_at + "::json))";
            }
            return test;
        };
        // With `accountable` the previous owner passes too, and with `mine` the giver of a
        // declined handoff and whom it was escalated to. PostgreSQL reads the indexes as a
        // bitmap OR (handoffs_by_owner_id, handoffs_by_pending_from,
        // handoffs_declined_by_giver, handoffs_by_escalated_to).
        if (f.accountable || f.mine) {
            sql += " AND ((" + owner_is("owner") + ") OR (pending_from <> '' AND " +
                   owner_is("pending_from") + ")";
            if (f.mine) {
                std::string given = owner_is("giver");
                if (!f.givers.empty()) {
                    auto list = dump_json(nlohmann::json(f.givers), "givers");
                    if (!list) return list.error();
                    given = "giver IN (SELECT json_array_elements_text(" + p.next_placeholder() +
                            "::json))";
                    p.text(*list);
                }
                sql += " OR (state = 'declined' AND " + given + ") OR (escalated_to <> '' AND " +
                       owner_is("escalated_to") + ")";
            }
            sql += ")";
        } else {
            sql += " AND " + owner_is("owner");
        }
    }
    if (f.subject_contains) {
        add(" AND subject ILIKE ", [&] { p.text("%" + like_escape(*f.subject_contains) + "%"); });
        sql += " ESCAPE '\\'";
    }
    if (f.closed_since) add(" AND closed_ms >= ", [&] { p.time(*f.closed_since); });
    if (f.unowned_only) sql += " AND unowned = 1";
    sql += f.newest_first ? " ORDER BY id DESC LIMIT " : " ORDER BY id LIMIT ";
    sql += p.next_placeholder();
    p.i64(handoff_page_limit(f.limit));
    auto r = run(sql, p);
    if (!r) return r.error();
    auto out = collect<core::Handoff>(*r, "handoffs", read_handoff);
    if (!out) return out.error();
    // Checklists are merged in ascending id order.
    if (f.newest_first) std::reverse(out->begin(), out->end());
    if (auto s = load_checklists(*out); !s) return s.error();
    if (f.newest_first) std::reverse(out->begin(), out->end());
    return out;
}

// --- timers and outbox

Status PgTransaction::insert_timers(const std::vector<TimerRecord>& timers) {
    if (auto s = require_writable("insert_timers"); !s) return s;
    for (const TimerRecord& t : timers) {
        // The same timer twice is one timer; one that was cancelled before it fired is
        // armed again (a reassignment at the same instant restarts the same ladder).
        auto r = run(
            "INSERT INTO timers (handoff_id, kind, level, due_ms, fired_ms, cancelled, target) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (handoff_id, kind, level, due_ms) "
            "DO UPDATE SET cancelled = 0, target = excluded.target "
            "WHERE timers.fired_ms IS NULL AND timers.cancelled = 1 AND excluded.cancelled = 0",
            Params().i64(t.handoff_id).text(to_string(t.kind)).i64(t.level).time(t.due_at)
                .opt_time(t.fired_at).flag(t.cancelled).text(t.target));
        if (!r) return r.error();
    }
    return ok_status();
}

Status PgTransaction::cancel_timers(std::int64_t handoff_id,
                                    const std::vector<std::int64_t>& timer_ids) {
    if (auto s = require_writable("cancel_timers"); !s) return s;
    for (std::int64_t timer_id : timer_ids) {
        auto r = run(
            "UPDATE timers SET cancelled = 1 WHERE id = $1 AND handoff_id = $2 "
            "AND fired_ms IS NULL AND cancelled = 0",
            Params().i64(timer_id).i64(handoff_id));
        if (!r) return r.error();
    }
    return ok_status();
}

Result<std::vector<TimerRecord>> PgTransaction::timers_of(std::int64_t handoff_id) {
    auto r = run(std::string("SELECT ") + timer_columns +
                     " FROM timers WHERE handoff_id = $1 ORDER BY id",
                 Params().i64(handoff_id));
    if (!r) return r.error();
    return collect<TimerRecord>(*r, "timers", read_timer);
}

Status PgTransaction::insert_outbox(const std::vector<OutboxRecord>& rows) {
    if (auto s = require_writable("insert_outbox"); !s) return s;
    for (const OutboxRecord& o : rows) {
        // An empty key would make every keyless message a duplicate of the first one.
        if (o.dedupe_key.empty()) {
            return make_error(ErrorCode::invalid_argument, "an outbox row needs a dedupe key",
                              "dedupe_key");
        }
        auto payload = dump_json(o.payload, "payload");
        if (!payload) return payload.error();
        auto r = run(
            "INSERT INTO outbox (handoff_id, channel, target, dedupe_key, payload, status, "
            "attempts, next_attempt_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            "ON CONFLICT (dedupe_key) DO NOTHING",
            Params().i64(o.handoff_id).text(o.channel).text(o.target).text(o.dedupe_key)
                .text(*payload).text(o.status).i64(o.attempts).time(o.next_attempt_at)
                .time(o.created_at));
        if (!r) return r.error();
    }
    return ok_status();
}

Result<std::vector<OutboxRecord>> PgTransaction::outbox_of(std::int64_t handoff_id) {
    auto r = run(std::string("SELECT ") + outbox_columns +
                     " FROM outbox WHERE handoff_id = $1 ORDER BY id",
                 Params().i64(handoff_id));
    if (!r) return r.error();
    return collect<OutboxRecord>(*r, "outbox", read_outbox);
}

// --- the scheduler and the dispatcher

Result<std::vector<TimerRecord>> PgTransaction::due_timers(TimePoint now, std::size_t limit) {
    auto r = run(std::string("SELECT ") + timer_columns +
                     " FROM timers WHERE fired_ms IS NULL AND cancelled = 0 AND due_ms <= $1 "
                     "ORDER BY due_ms, id LIMIT $2",
                 Params().time(now).i64(page_limit(limit)));
    if (!r) return r.error();
    return collect<TimerRecord>(*r, "timers", read_timer);
}

// Two nodes firing one timer at once: the second UPDATE waits for the first's row lock,
// then (READ COMMITTED) re-checks its WHERE against the committed row, finds it fired and
// touches nothing. So exactly one of them sees true.
Result<bool> PgTransaction::fire_timer(std::int64_t timer_id, TimePoint at) {
    if (auto s = require_writable("fire_timer"); !s) return s.error();
    auto r = run(
        "UPDATE timers SET fired_ms = $1 WHERE id = $2 AND fired_ms IS NULL AND cancelled = 0 "
        "RETURNING id",
        Params().time(at).i64(timer_id));
    if (!r) return r.error();
    return PQntuples(r->get()) == 1;
}

Result<std::optional<TimePoint>> PgTransaction::next_timer_due() {
    auto r = run("SELECT MIN(due_ms) FROM timers WHERE fired_ms IS NULL AND cancelled = 0");
    if (!r) return r.error();
    return single_opt_time(*r, "timers");
}

// Rows another dispatcher has locked (it is leasing them right now) are skipped rather than
// waited for, so several nodes lease disjoint rows side by side. RETURNING gives no order,
// so each row comes back with the due time it was taken at, to sort by.
Result<std::vector<OutboxRecord>> PgTransaction::lease_outbox(TimePoint now, TimePoint lease_until,
                                                              std::size_t limit) {
    if (auto s = require_writable("lease_outbox"); !s) return s.error();
    auto r = run(
        "WITH due AS (SELECT id, next_attempt_ms FROM outbox "
        "WHERE status = 'pending' AND next_attempt_ms <= $1 "
        "ORDER BY next_attempt_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "UPDATE outbox o SET attempts = o.attempts + 1, next_attempt_ms = $3 FROM due "
        "WHERE o.id = due.id RETURNING o.id, o.handoff_id, o.channel, o.target, o.dedupe_key, "
        "o.payload, o.status, o.attempts, o.next_attempt_ms, o.created_ms, o.last_error, "
        "o.delivered_ms, due.next_attempt_ms",
        Params().time(now).i64(page_limit(limit)).time(lease_until));
    if (!r) return r.error();
    std::vector<std::pair<std::int64_t, OutboxRecord>> leased;
    const int rows = PQntuples(r->get());
    for (int i = 0; i < rows; ++i) {
        Row row(r->get(), i, "outbox");
        auto record = read_outbox(row);
        if (!record) return record.error();
        const std::int64_t due_ms = row.i64();
        if (auto s = row.finish(); !s) return s.error();
        leased.emplace_back(due_ms, std::move(*record));
    }
    std::sort(leased.begin(), leased.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second.id < b.second.id;
    });
    std::vector<OutboxRecord> out;
    out.reserve(leased.size());
    for (auto& [due_ms, record] : leased) out.push_back(std::move(record));
    return out;
}

Status PgTransaction::settle_outbox(std::int64_t id, const std::string& status,
                                    TimePoint next_attempt_at, const std::string& last_error,
                                    std::optional<TimePoint> delivered_at) {
    if (auto s = require_writable("settle_outbox"); !s) return s;
    if (status != "pending" && status != "delivered" && status != "failed") {
        return make_error(ErrorCode::invalid_argument,
                          "an outbox status is pending, delivered or failed, not '" + status + "'",
                          "status");
    }
    auto r = run(
        "UPDATE outbox SET status = $1, next_attempt_ms = $2, last_error = $3, "
        "delivered_ms = $4 WHERE id = $5",
        Params().text(status).time(next_attempt_at).text(last_error).opt_time(delivered_at)
            .i64(id));
    if (!r) return r.error();
    if (affected(*r) == 0) {
        return make_error(ErrorCode::not_found, "no outbox row " + std::to_string(id), "id");
    }
    return ok_status();
}

Result<std::optional<TimePoint>> PgTransaction::next_outbox_due() {
    auto r = run("SELECT MIN(next_attempt_ms) FROM outbox WHERE status = 'pending'");
    if (!r) return r.error();
    return single_opt_time(*r, "outbox");
}

Result<std::map<std::string, std::int64_t>> PgTransaction::count_outbox_by_status() {
    std::map<std::string, std::int64_t> counts{{"pending", 0}, {"delivered", 0}, {"failed", 0}};
    auto r = run("SELECT status, COUNT(*) FROM outbox GROUP BY status");
    if (!r) return r.error();
    for (int i = 0; i < PQntuples(r->get()); ++i) {
        Row row(r->get(), i, "outbox");
        const std::string status = row.text();
        const std::int64_t count = row.i64();
        if (auto s = row.finish(); !s) return s.error();
        counts[status] = count;
    }
    return counts;
}

// --- owner resolution, configuration version, metrics

Result<std::int64_t> PgTransaction::next_assignment(const std::string& team) {
    if (auto s = require_writable("next_assignment"); !s) return s.error();
    auto r = run(
        "INSERT INTO assignment_counters AS a (team, counter) VALUES ($1, 1) "
        "ON CONFLICT (team) DO UPDATE SET counter = a.counter + 1 RETURNING a.counter - 1",
        Params().text(team));
    if (!r) return r.error();
    return single_i64(*r, "assignment_counters");
}

Result<std::int64_t> PgTransaction::peek_assignment(const std::string& team) {
    auto r = run("SELECT COALESCE((SELECT counter FROM assignment_counters WHERE team = $1), 0)",
                 Params().text(team));
    if (!r) return r.error();
    return single_i64(*r, "assignment_counters");
}

Result<std::map<std::string, int>> PgTransaction::open_handoff_counts(
    const std::vector<std::string>& handles) {
    std::map<std::string, int> counts;
    for (const std::string& handle : handles) counts[handle] = 0;
    if (handles.empty()) return counts;
    auto list = dump_json(nlohmann::json(handles), "handles");
    if (!list) return list.error();
    auto r = run(
        "SELECT owner, COUNT(*) FROM handoffs WHERE state IN ('waiting', 'accepted') "
        "AND owner IN (SELECT json_array_elements_text($1::json)) GROUP BY owner",
        Params().text(*list));
    if (!r) return r.error();
    for (int i = 0; i < PQntuples(r->get()); ++i) {
        Row row(r->get(), i, "handoffs");
        std::string owner = row.text();
        const int count = row.i32();
        if (auto s = row.finish(); !s) return s.error();
        counts[owner] = count;
    }
    return counts;
}

Result<std::int64_t> PgTransaction::config_version() {
    auto r = run("SELECT value FROM meta WHERE name = 'config_version'");
    if (!r) return r.error();
    return single_i64(*r, "meta");
}

Result<std::map<core::HandoffState, std::int64_t>> PgTransaction::count_handoffs_by_state() {
    std::map<core::HandoffState, std::int64_t> counts;
    for (core::HandoffState state : all_handoff_states) counts[state] = 0;
    auto r = run("SELECT state, COUNT(*) FROM handoffs GROUP BY state");
    if (!r) return r.error();
    for (int i = 0; i < PQntuples(r->get()); ++i) {
        Row row(r->get(), i, "handoffs");
        const std::string state = row.text();
        const std::int64_t count = row.i64();
        if (auto s = row.finish(); !s) return s.error();
        auto parsed = core::parse_handoff_state(state);
        if (!parsed) return corrupt("corrupt row in handoffs: unknown state '" + state + "'");
        counts[*parsed] = count;
    }
    return counts;
}

// --- API tokens

Result<std::int64_t> PgTransaction::insert_token(const TokenRecord& token) {
    if (auto s = require_writable("insert_token"); !s) return s.error();
    // An empty hash is a caller's bug; stored, it would be a token nobody can present.
    if (token.hash.empty()) {
        return make_error(ErrorCode::invalid_argument, "a token needs a hash", "hash");
    }
    auto r = run(
        "INSERT INTO tokens (handle, hash, label, created_ms, revoked_ms) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING RETURNING id",
        Params().text(token.handle).text(token.hash).text(token.label).time(token.created_at)
            .opt_time(token.revoked_at));
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0) {
        return make_error(ErrorCode::conflict, "a token with this hash already exists", "hash");
    }
    return single_i64(*r, "tokens");
}

Status PgTransaction::revoke_token(std::int64_t id, TimePoint now) {
    if (auto s = require_writable("revoke_token"); !s) return s;
    auto r = run("UPDATE tokens SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL",
                 Params().time(now).i64(id));
    if (!r) return r.error();
    if (affected(*r) == 1) return ok_status();
    auto exists = run("SELECT COUNT(*) FROM tokens WHERE id = $1", Params().i64(id));
    if (!exists) return exists.error();
    auto count = single_i64(*exists, "tokens");
    if (!count) return count.error();
    if (*count == 0) return make_error(ErrorCode::not_found, "no token " + std::to_string(id));
    return make_error(ErrorCode::conflict, "token " + std::to_string(id) + " is already revoked");
}

Result<std::optional<TokenRecord>> PgTransaction::token_by_hash(const std::string& hash) {
    auto r = run(std::string("SELECT ") + token_columns + " FROM tokens WHERE hash = $1",
                 Params().text(hash));
    if (!r) return r.error();
    return first_of(collect<TokenRecord>(*r, "tokens", read_token));
}

Result<std::vector<TokenRecord>> PgTransaction::list_tokens() {
    auto r = run(std::string("SELECT ") + token_columns + " FROM tokens ORDER BY id");
    if (!r) return r.error();
    return collect<TokenRecord>(*r, "tokens", read_token);
}

// --- idempotency keys

Result<std::optional<IdempotencyRecord>> PgTransaction::idempotency(const std::string& scope,
                                                                    const std::string& key) {
    auto r = run(
        "SELECT scope, key, request_hash, status, response_body, created_ms FROM idempotency "
        "WHERE scope = $1 AND key = $2",
        Params().text(scope).text(key));
    if (!r) return r.error();
    return first_of(collect<IdempotencyRecord>(*r, "idempotency", [](Row& row) {
        IdempotencyRecord record;
        record.scope = row.text();
        record.key = row.text();
        record.request_hash = row.text();
        record.status = row.i32();
        record.response_body = row.text();
        record.created_at = row.time();
        if (auto s = row.finish(); !s) return Result<IdempotencyRecord>(s.error());
        return Result<IdempotencyRecord>(std::move(record));
    }));
}

Status PgTransaction::put_idempotency(const IdempotencyRecord& record) {
    if (auto s = require_writable("put_idempotency"); !s) return s;
    auto r = run(
        "INSERT INTO idempotency (scope, key, request_hash, status, response_body, created_ms) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, key) DO NOTHING",
        Params().text(record.scope).text(record.key).text(record.request_hash)
            .i64(record.status).text(record.response_body).time(record.created_at));
    if (!r) return r.error();
    if (affected(*r) == 0) {
        return make_error(ErrorCode::conflict,
                          "idempotency key '" + record.key + "' is already stored", "key");
    }
    return ok_status();
}

Result<std::int64_t> PgTransaction::expire_idempotency(TimePoint before, TimePoint links_before,
                                                      std::size_t limit) {
    if (auto s = require_writable("expire_idempotency"); !s) return s.error();
    auto r = run(
        "DELETE FROM idempotency WHERE (scope, key) IN (SELECT scope, key FROM idempotency "
        "WHERE created_ms < CASE WHEN scope = 'link' THEN $2::bigint ELSE $1::bigint END "
        "ORDER BY created_ms LIMIT $3 FOR UPDATE SKIP LOCKED)",
        Params().time(before).time(links_before).i64(page_limit(limit)));
    if (!r) return r.error();
    return static_cast<std::int64_t>(affected(*r));
}

// --- live updates

// Gives the handoff the next change number (see migration 4: the meta row stays locked
// until this transaction ends, so numbers follow commit order across nodes).
Status PgTransaction::mark_changed(std::int64_t handoff_id) {
    // pg_notify tells listening nodes at commit (several in one transaction are one).
    auto r = run(
        "WITH next AS (UPDATE meta SET value = value + 1 WHERE name = 'change_seq' "
        "RETURNING value) UPDATE handoffs SET change_seq = "
        "(SELECT next.value FROM next, pg_notify('baton_changes', '') AS told) WHERE id = $1",
        Params().i64(handoff_id));
    if (!r) return r.error();
    return ok_status();
}

Result<std::vector<HandoffChange>> PgTransaction::handoff_changes(std::int64_t after_seq,
                                                                  std::size_t limit) {
    auto r = run(
        "SELECT change_seq, id FROM handoffs WHERE change_seq > $1 ORDER BY change_seq "
        "LIMIT $2",
        Params().i64(after_seq).i64(page_limit(limit)));
    if (!r) return r.error();
    auto changed = collect<std::pair<std::int64_t, std::int64_t>>(*r, "handoffs", [](Row& row) {
        const std::int64_t seq = row.i64();
        const std::int64_t id = row.i64();
        if (auto s = row.finish(); !s) {
            return Result<std::pair<std::int64_t, std::int64_t>>(s.error());
        }
        return Result<std::pair<std::int64_t, std::int64_t>>(std::make_pair(seq, id));
    });
    if (!changed) return changed.error();
    std::vector<HandoffChange> out;
    out.reserve(changed->size());
    for (const auto& [seq, id] : *changed) {
        auto h = handoff(id, false);
        if (!h) return h.error();
        if (!*h) return corrupt("handoff " + std::to_string(id) + " vanished while read");
        out.push_back({seq, std::move(**h)});
    }
    return out;
}

Result<std::int64_t> PgTransaction::last_change_seq() {
    auto r = run("SELECT value FROM meta WHERE name = 'change_seq'");
    if (!r) return r.error();
    return single_i64(*r, "meta");
}

// --- passwords and sessions

Status PgTransaction::put_password(const std::string& handle, const std::string& hash,
                                   TimePoint at) {
    if (auto s = require_writable("put_password"); !s) return s;
    if (handle.empty() || hash.empty()) {
        return make_error(ErrorCode::invalid_argument, "a password needs a handle and a hash",
                          handle.empty() ? "handle" : "hash");
    }
    auto r = run(
        "INSERT INTO passwords (handle, hash, updated_ms) VALUES ($1, $2, $3) "
        "ON CONFLICT (handle) DO UPDATE SET hash = excluded.hash, "
        "updated_ms = excluded.updated_ms",
        Params().text(handle).text(hash).time(at));
    if (!r) return r.error();
    auto end = run("DELETE FROM sessions WHERE handle = $1", Params().text(handle));
    if (!end) return end.error();
    return ok_status();
}

Result<std::optional<std::string>> PgTransaction::password_hash(const std::string& handle) {
    auto r = run("SELECT hash FROM passwords WHERE handle = $1", Params().text(handle));
    if (!r) return r.error();
    return first_of(collect<std::string>(*r, "passwords", [](Row& row) {
        std::string hash = row.text();
        if (auto s = row.finish(); !s) return Result<std::string>(s.error());
        return Result<std::string>(std::move(hash));
    }));
}

Status PgTransaction::insert_session(const SessionRecord& session) {
    if (auto s = require_writable("insert_session"); !s) return s;
    if (session.hash.empty()) {
        return make_error(ErrorCode::invalid_argument, "a session needs a hash", "hash");
    }
    auto r = run(
        "INSERT INTO sessions (hash, handle, created_ms, expires_ms) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (hash) DO NOTHING",
        Params().text(session.hash).text(session.handle).time(session.created_at)
            .time(session.expires_at));
    if (!r) return r.error();
    if (affected(*r) == 0) {
        return make_error(ErrorCode::conflict, "a session with this hash already exists",
                          "hash");
    }
    return ok_status();
}

Result<std::optional<SessionRecord>> PgTransaction::session_by_hash(const std::string& hash) {
    auto r = run("SELECT hash, handle, created_ms, expires_ms FROM sessions WHERE hash = $1",
                 Params().text(hash));
    if (!r) return r.error();
    return first_of(collect<SessionRecord>(*r, "sessions", [](Row& row) {
        SessionRecord record;
        record.hash = row.text();
        record.handle = row.text();
        record.created_at = row.time();
        record.expires_at = row.time();
        if (auto s = row.finish(); !s) return Result<SessionRecord>(s.error());
        return Result<SessionRecord>(std::move(record));
    }));
}

Status PgTransaction::delete_session(const std::string& hash) {
    if (auto s = require_writable("delete_session"); !s) return s;
    auto r = run("DELETE FROM sessions WHERE hash = $1", Params().text(hash));
    if (!r) return r.error();
    return ok_status();
}

Result<std::int64_t> PgTransaction::expire_sessions(TimePoint now, std::size_t limit) {
    if (auto s = require_writable("expire_sessions"); !s) return s.error();
    auto r = run(
        "DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions WHERE expires_ms <= $1 "
        "ORDER BY expires_ms LIMIT $2 FOR UPDATE SKIP LOCKED)",
        Params().time(now).i64(page_limit(limit)));
    if (!r) return r.error();
    return static_cast<std::int64_t>(affected(*r));
}

// --- the delivery log of /hooks

// The columns of hook_deliveries, with (for a list without content) the headers and body
// read as empty.
std::string hook_delivery_columns(bool with_content) {
    return std::string(
               "id, source, received_ms, outcome, stage, field, message, verified, method, uri, ") +
           (with_content ? "headers, body" : "'[]', ''") +
           ", body_partial, events, replay_of, replayed_ms, replayed_by";
}

Result<HookDeliveryRecord> read_hook_delivery(Row& r) {
    HookDeliveryRecord d;
    d.id = r.i64();
    d.source = r.text();
    d.received_at = r.time();
    d.outcome = r.text();
    d.stage = r.text();
    d.field = r.text();
    d.message = r.text();
    d.verified = r.flag();
    d.method = r.text();
    d.uri = r.text();
    d.headers = r.json();
    d.body = r.text();
    d.body_partial = r.flag();
    d.events = r.json();
    d.replay_of = r.i64();
    d.replayed_at = r.opt_time();
    d.replayed_by = r.i64();
    if (auto s = r.finish(); !s) return s.error();
    return d;
}

Result<std::int64_t> PgTransaction::insert_hook_delivery(const HookDeliveryRecord& d) {
    if (auto s = require_writable("insert_hook_delivery"); !s) return s.error();
    auto headers = dump_json(d.headers, "headers");
    if (!headers) return headers.error();
    auto events = dump_json(d.events, "events");
    if (!events) return events.error();
    auto r =
        run("INSERT INTO hook_deliveries (source, received_ms, outcome, stage, field, message, "
            "verified, method, uri, headers, body, body_partial, events, replay_of, replayed_ms, "
            "replayed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
            "NULL, 0) RETURNING id",
            Params()
                .text(d.source)
                .time(d.received_at)
                .text(d.outcome)
                .text(d.stage)
                .text(d.field)
                .text(d.message)
                .flag(d.verified)
                .text(d.method)
                .text(d.uri)
                .text(*headers)
                .text(d.body)
                .flag(d.body_partial)
                .text(*events)
                .i64(d.replay_of));
    if (!r) return r.error();
    auto id = single_i64(*r, "hook_deliveries");
    if (!id || d.replay_of == 0 || d.outcome == "refused") return id;
    auto mark =
        run("UPDATE hook_deliveries SET replayed_ms = $1, replayed_by = $2 "
            "WHERE id = $3 AND replayed_ms IS NULL",
            Params().time(d.received_at).i64(*id).i64(d.replay_of));
    if (!mark) return mark.error();
    if (affected(*mark) == 1) return id;
    auto original = hook_delivery(d.replay_of);
    if (!original) return original.error();
    if (!*original) {
        return make_error(ErrorCode::not_found,
                          "no delivery " + std::to_string(d.replay_of) + " to replay");
    }
    return make_error(ErrorCode::conflict, "delivery " + std::to_string(d.replay_of) +
                                               " was replayed already, by delivery " +
                                               std::to_string((*original)->replayed_by));
}

Result<std::optional<HookDeliveryRecord>> PgTransaction::hook_delivery(std::int64_t id) {
    auto r = run("SELECT " + hook_delivery_columns(true) + " FROM hook_deliveries WHERE id = $1",
                 Params().i64(id));
    if (!r) return r.error();
    return first_of(collect<HookDeliveryRecord>(*r, "hook_deliveries", read_hook_delivery));
}

Result<std::vector<HookDeliveryRecord>> PgTransaction::list_hook_deliveries(
    const HookDeliveryFilter& filter) {
    Params p;
    std::string sql = "SELECT " + hook_delivery_columns(filter.with_content) +
                      " FROM hook_deliveries WHERE id < " + p.next_placeholder();
    p.i64(filter.before_id > 0 ? filter.before_id : std::numeric_limits<std::int64_t>::max());
    if (filter.source) {
        sql += " AND source = " + p.next_placeholder();
        p.text(*filter.source);
    }
    if (filter.outcome) {
        sql += " AND outcome = " + p.next_placeholder();
        p.text(*filter.outcome);
    }
    sql += " ORDER BY id DESC LIMIT " + p.next_placeholder();
    p.i64(page_limit(filter.limit));
    auto r = run(sql, p);
    if (!r) return r.error();
    return collect<HookDeliveryRecord>(*r, "hook_deliveries", read_hook_delivery);
}

Result<std::int64_t> PgTransaction::expire_hook_deliveries(TimePoint before, std::size_t limit) {
    if (auto s = require_writable("expire_hook_deliveries"); !s) return s.error();
    auto r =
        run("DELETE FROM hook_deliveries WHERE id IN (SELECT id FROM hook_deliveries "
            "WHERE received_ms < $1 ORDER BY received_ms LIMIT $2 FOR UPDATE SKIP LOCKED)",
            Params().time(before).i64(page_limit(limit)));
    if (!r) return r.error();
    return static_cast<std::int64_t>(affected(*r));
}

// ---------------------------------------------------------------------------------------
// Connection pool

// Lends connections for one transaction at a time: at most pool_size are open; a caller
// that finds them all lent out waits up to acquire_timeout_ms, then fails with unavailable.
// A connection given back broken (the server went away, or the backend was terminated) is
// closed, and so are the idle ones: whatever broke one probably broke them all (a server
// restart), and the next caller should connect afresh rather than fail on each in turn.
class Pool {
public:
    Pool(const PostgresOptions& options, std::string describe)
        : options_(options), describe_(std::move(describe)) {}

    Result<std::unique_ptr<Connection>> acquire() {
        std::unique_lock lock(mutex_);
        const auto timeout = std::chrono::milliseconds(options_.acquire_timeout_ms);
        if (!available_.wait_for(lock, timeout,
                                 [&] { return !idle_.empty() || open_ < options_.pool_size; })) {
            return make_error(ErrorCode::unavailable,
                              "postgres: all " + std::to_string(options_.pool_size) +
                                  " connections to " + describe_ + " stayed busy for " +
                                  std::to_string(options_.acquire_timeout_ms) +
                                  " ms; try again shortly");
        }
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
        ++open_;
        lock.unlock();
        auto c = Connection::open(options_, describe_);
        if (!c) {
            lock.lock();
            --open_;
            available_.notify_one();
        }
        return c;
    }

    void release(std::unique_ptr<Connection> c) {
        c->rollback_quietly();
        std::vector<std::unique_ptr<Connection>> to_close;
        {
            std::lock_guard lock(mutex_);
            if (!c->broken() && c->idle()) {
                idle_.push_back(std::move(c));
            } else {
                to_close.push_back(std::move(c));
                for (auto& idle : idle_) to_close.push_back(std::move(idle));
                idle_.clear();
                open_ -= to_close.size();
            }
        }
        available_.notify_all();
        // to_close's connections are closed here, outside the lock.
    }

private:
    const PostgresOptions& options_;
    const std::string describe_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
    std::size_t open_ = 0;  // guarded by mutex_: idle plus lent out
};

// A connection borrowed from the pool for one scope, given back however the scope ends.
class Lease {
public:
    Lease(Pool& pool, std::unique_ptr<Connection> c) : pool_(pool), c_(std::move(c)) {}
    ~Lease() { pool_.release(std::move(c_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() const { return *c_; }

private:
    Pool& pool_;
    std::unique_ptr<Connection> c_;
};

// ---------------------------------------------------------------------------------------
// Store

// Exceptions never leave the store: a callback that throws (or a bad_alloc inside one)
// fails its own transaction with internal.
Status run_callback(const TransactionFn& fn, Transaction& tx) {
    try {
        return fn(tx);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("a store callback threw: ") + e.what());
    } catch (...) {
        return make_error(ErrorCode::internal, "a store callback threw a non-standard exception");
    }
}

// LISTEN baton_changes on a connection of its own, on a thread of its own: every
// notification (mark_changed sends one at commit) calls on_change. It waits on the socket
// in short rounds so that destruction is prompt, and reconnects after a lost connection
// (telling on_change then, as a notification may have been missed meanwhile).
class PgChangeListener final : public ChangeListener {
public:
    PgChangeListener(PostgresOptions options, std::string describe,
                     std::function<void()> on_change)
        : options_(std::move(options)),
          describe_(std::move(describe)),
          on_change_(std::move(on_change)),
          thread_([this] { run(); }) {}
    ~PgChangeListener() override {
        stopping_.store(true);
        thread_.join();
    }

private:
    void run() {
        std::unique_ptr<Connection> conn;
        bool reported = false;
        while (!stopping_.load()) {
            if (!conn) {
                auto opened = Connection::open(options_, describe_);
                if (opened) {
                    if (auto s = (*opened)->exec("LISTEN baton_changes"); s) {
                        conn = std::move(opened).value();
                        reported = false;
                        on_change_();  // anything missed while not listening
                        continue;
                    }
                }
                if (!reported) {
                    std::fprintf(stderr, "baton: live updates from other nodes paused: cannot "
                                         "listen on %s; retrying\n", describe_.c_str());
                    reported = true;
                }
                for (int i = 0; i < 10 && !stopping_.load(); ++i) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                }
                continue;
            }
            if (!conn->wait_for_notifications(std::chrono::milliseconds(250))) {
                conn.reset();  // lost: connect again
                continue;
            }
            if (conn->take_notifications() > 0) on_change_();
        }
    }

    const PostgresOptions options_;
    const std::string describe_;
    const std::function<void()> on_change_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;  // last: started once the members above exist
};

class PostgresStore final : public Store {
public:
    PostgresStore(PostgresOptions options, std::string describe)
        : options_(std::move(options)),
          describe_(std::move(describe)),
          pool_(options_, describe_) {}

    Status open(TimePoint now);
    Status write(const TransactionFn& fn) override;
    Status read(const TransactionFn& fn) override;
    Status backup(const std::string& path) override;
    Status export_rows(RowSink& sink) override;
    Result<CopySummary> import_rows(const RowProducer& produce) override;
    std::string describe() const override { return describe_; }
    std::unique_ptr<ChangeListener> listen_for_changes(std::function<void()> on_change) override {
        return std::make_unique<PgChangeListener>(options_, describe_, std::move(on_change));
    }

private:
    Status transaction(const char* begin, bool writable, const TransactionFn& fn);
    Status check_encoding(Connection& c);

    const PostgresOptions options_;
    const std::string describe_;
    Pool pool_;

    // The threads running a write callback, so that a nested write() from inside one fails
    // at once (as in SQLite) instead of taking a second connection and waiting on the
    // first one's row locks.
    std::mutex writers_mutex_;
    std::set<std::thread::id> writer_threads_;  // guarded by writers_mutex_
};

Status PostgresStore::check_encoding(Connection& c) {
    auto r = c.run("SELECT pg_encoding_to_char(encoding) FROM pg_database "
                   "WHERE datname = current_database()",
                   {});
    if (!r) return r.error();
    if (PQntuples(r->get()) != 1) return corrupt("postgres: cannot read the database's encoding");
    const std::string encoding = PQgetvalue(r->get(), 0, 0);
    if (encoding == "UTF8") return ok_status();
    return make_error(ErrorCode::invalid_argument,
                      describe_ + " uses encoding " + encoding +
                          "; Baton needs a UTF8 database (CREATE DATABASE ... ENCODING 'UTF8')",
                      "db");
}

Status PostgresStore::open(TimePoint now) {
    auto c = pool_.acquire();
    if (!c) return c.error();
    Lease lease(pool_, std::move(*c));
    if (auto s = check_encoding(*lease); !s) return s;
    return migrate(*lease, describe_, now);
}

// One transaction on one pooled connection. COMMIT is only sent when the callback succeeded
// and the transaction is not already failed: PostgreSQL answers COMMIT of a failed
// transaction with a silent ROLLBACK, which must not look like success (a callback that
// ignored a failed statement's error and returned ok).
Status PostgresStore::transaction(const char* begin, bool writable, const TransactionFn& fn) {
    auto c = pool_.acquire();
    if (!c) return c.error();
    Lease lease(pool_, std::move(*c));
    Connection& conn = *lease;
    if (auto s = conn.exec(begin); !s) return s;
    PgTransaction tx(conn, writable);
    Status result = run_callback(fn, tx);
    if (!result) {
        conn.rollback_quietly();
        return result;
    }
    if (conn.in_failed_transaction()) {
        conn.rollback_quietly();
        return make_error(ErrorCode::internal,
                          "postgres: a statement failed inside the transaction but the callback "
                          "returned ok; nothing was kept");
    }
    if (auto s = conn.exec("COMMIT"); !s) {
        // A connection lost during COMMIT leaves the outcome unknown; say so.
        if (conn.broken()) {
            return make_error(ErrorCode::unavailable,
                              s.error().message + " (the commit may or may not have happened)");
        }
        return s;
    }
    return ok_status();
}

Status PostgresStore::write(const TransactionFn& fn) {
    const std::thread::id me = std::this_thread::get_id();
    {
        std::lock_guard lock(writers_mutex_);
        if (!writer_threads_.insert(me).second) {
            return make_error(ErrorCode::internal,
                              "write() was called inside a write callback; use its Transaction");
        }
    }
    Status result = [&]() -> Status {
        try {
            return transaction("BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE", true, fn);
        } catch (const std::exception& e) {
            return make_error(ErrorCode::internal, std::string("postgres: ") + e.what());
        }
    }();
    std::lock_guard lock(writers_mutex_);
    writer_threads_.erase(me);
    return result;
}

// REPEATABLE READ: the snapshot is taken at the first statement and holds to the end, so
// everything the callback reads is one consistent state. READ ONLY makes the server refuse
// a write even if a bug got past require_writable.
Status PostgresStore::read(const TransactionFn& fn) {
    try {
        return transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false, fn);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("postgres: ") + e.what());
    }
}

// ---------------------------------------------------------------------------------------
// Table-level copy (store/copy.h)

// How many rows an export fetches from its cursor at a time: a bound on the memory one
// fetch takes (an event is at most limits::event_bytes_max).
constexpr int copy_fetch_rows = 100;
// How many rows an import sends in one INSERT: fewer round trips than one a row, within
// PostgreSQL's 65,535 parameters per statement for the widest table.
constexpr std::size_t copy_insert_rows = 100;
constexpr std::size_t copy_columns_max = 32;  // handoffs, the widest table, has 23
static_assert(copy_insert_rows * copy_columns_max <= 65'535,
              "a batch of the widest rows would have too many parameters");
// How long an import waits for the target's tables (another writer, another import) before
// giving up with unavailable.
constexpr const char* copy_lock_timeout = "10s";

// Every "table.column" of the database (but schema_migrations), for copy::check_catalogue.
Result<std::vector<std::string>> catalogue(Connection& c) {
    auto r = c.run(
        "SELECT table_name::text || '.' || column_name::text FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'",
        {});
    if (!r) return r.error();
    return collect<std::string>(*r, "information_schema.columns", [](Row& row) {
        std::string name = row.text();
        if (auto s = row.finish(); !s) return Result<std::string>(s.error());
        return Result<std::string>(std::move(name));
    });
}

// One value of a fetched row, checked against the column's type.
Result<CopyValue> copy_value(const PGresult* result, int row, int col, const copy::Table& table) {
    if (PQgetisnull(result, row, col)) return CopyValue(std::monostate{});
    const char* text = PQgetvalue(result, row, col);
    const auto length = static_cast<std::size_t>(PQgetlength(result, row, col));
    if (table.columns[static_cast<std::size_t>(col)].type == copy::ColumnType::text) {
        return CopyValue(std::string(text, length));
    }
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text, text + length, value);
    if (ec != std::errc() || end != text + length) {
        return corrupt("corrupt row in " + std::string(table.name) + ": column " +
                       std::string(table.columns[static_cast<std::size_t>(col)].name) +
                       " is not an integer");
    }
    return CopyValue(value);
}

// One table's rows in key order, through a cursor so that a large table is never held in
// memory at once. Text keys sort with COLLATE "C": byte-wise, as in SQLite.
Status export_table(Connection& c, const copy::Table& table, RowSink& sink) {
    if (auto s = sink.table(std::string(table.name), copy::column_names(table)); !s) return s;
    if (auto s = c.exec("DECLARE baton_copy NO SCROLL CURSOR FOR SELECT " +
                        copy::column_list(table) + " FROM " + std::string(table.name) +
                        " ORDER BY " + copy::key_order(table, " COLLATE \"C\""));
        !s) {
        return s;
    }
    const std::string fetch = "FETCH FORWARD " + std::to_string(copy_fetch_rows) +
                              " FROM baton_copy";
    std::vector<CopyValue> values(table.columns.size());
    for (;;) {
        auto r = c.exec_rows(fetch);
        if (!r) return r.error();
        const int rows = PQntuples(r->get());
        if (PQnfields(r->get()) != static_cast<int>(table.columns.size()) && rows > 0) {
            return corrupt("postgres: unexpected columns from " + std::string(table.name));
        }
        for (int i = 0; i < rows; ++i) {
            for (std::size_t col = 0; col < values.size(); ++col) {
                auto v = copy_value(r->get(), i, static_cast<int>(col), table);
                if (!v) return v.error();
                values[col] = std::move(*v);
            }
            if (auto s = sink.row(values); !s) return s;
        }
        if (rows < copy_fetch_rows) break;
    }
    return c.exec("CLOSE baton_copy");
}

Status export_all(Connection& c, const std::string& describe, RowSink& sink) {
    auto found = catalogue(c);
    if (!found) return found.error();
    if (auto s = copy::check_catalogue(std::move(*found), describe); !s) return s;
    auto version = c.run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
    if (!version) return version.error();
    auto v = single_i64(*version, "schema_migrations");
    if (!v) return v.error();
    if (auto s = sink.begin(static_cast<int>(*v)); !s) return s;
    for (const copy::Table& table : copy::tables()) {
        if (auto s = export_table(c, table, sink); !s) return s;
    }
    return sink.end();
}

// REPEATABLE READ READ ONLY, as read(): one snapshot, taken at the first statement, for
// every table, while writers on other connections (and other nodes) carry on.
Status PostgresStore::export_rows(RowSink& sink) {
    try {
        auto c = pool_.acquire();
        if (!c) return c.error();
        Lease lease(pool_, std::move(*c));
        Connection& conn = *lease;
        if (auto s = conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s) return s;
        Status result = export_all(conn, describe_, sink);
        if (!result) {
            conn.rollback_quietly();
            return result;
        }
        return conn.exec("COMMIT");
    } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("postgres: ") + e.what());
    }
}

// Inserts what it is given, as it is, in batches of copy_insert_rows; at end() sets each
// id sequence past the largest copied id, so that new ids continue after the copied ones.
class PgImport final : public RowSink {
public:
    PgImport(Connection& c, std::string describe)
        : c_(c),
          describe_(std::move(describe)),
          checks_(static_cast<int>(migrations.size()), describe_) {}

    // The lock keeps every other writer out from the check that the store is empty to the
    // commit (readers may still read); waiting for it is bounded by copy_lock_timeout.
    Status lock_and_check_empty() {
        std::string names;
        for (const copy::Table& table : copy::tables()) {
            names += (names.empty() ? "" : ", ") + std::string(table.name);
        }
        if (auto s = c_.exec(std::string("SET LOCAL lock_timeout = '") + copy_lock_timeout +
                             "'; LOCK TABLE " + names + " IN EXCLUSIVE MODE");
            !s) {
            return s;
        }
        for (const copy::Table& table : copy::tables()) {
            if (table.counters) continue;
            auto r = c_.run("SELECT EXISTS (SELECT 1 FROM " + std::string(table.name) + ")::int",
                            {});
            if (!r) return r.error();
            auto any = single_i64(*r, table.name);
            if (!any) return any.error();
            if (*any != 0) return copy::not_empty(describe_, table.name);
        }
        return ok_status();
    }

    Status begin(int schema_version) override { return checks_.begin(schema_version); }

    Status table(const std::string& name, const std::vector<std::string>& columns) override {
        if (auto s = flush(); !s) return s;
        auto table = checks_.table(name, columns);
        if (!table) return table.error();
        BATON_ASSERT((*table)->columns.size() <= copy_columns_max);
        table_ = *table;
        return ok_status();
    }

    Status row(const std::vector<CopyValue>& values) override {
        if (auto s = checks_.row(values.size()); !s) return s;
        pending_.push_back(values);
        if (pending_.size() < copy_insert_rows) return ok_status();
        return flush();
    }

    Status end() override {
        if (auto s = flush(); !s) return s;
        if (auto s = checks_.end(); !s) return s;
        for (const copy::Table& table : copy::tables()) {
            if (table.serial.empty()) continue;
            const std::string name(table.name);
            const std::string column(table.serial);
            auto r = c_.run("SELECT setval(pg_get_serial_sequence('" + name + "', '" + column +
                                "'), COALESCE(MAX(" + column + "), 0) + 1, false) FROM " + name,
                            {});
            if (!r) return r.error();
        }
        return ok_status();
    }

    const copy::ImportChecks& checks() const { return checks_; }

private:
    // INSERT INTO t (...) VALUES (...), ... with `rows` rows; the counters replace the
    // rows every migrated store has.
    std::string insert_sql(std::size_t rows) const {
        std::string sql = "INSERT INTO " + std::string(table_->name) + " (" +
                          copy::column_list(*table_) + ") VALUES ";
        int n = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            sql += r == 0 ? "(" : ", (";
            for (std::size_t c = 0; c < table_->columns.size(); ++c) {
                sql += (c == 0 ? "$" : ", $") + std::to_string(++n);
            }
            sql += ")";
        }
        if (table_->counters) sql += " ON CONFLICT (name) DO UPDATE SET value = excluded.value";
        return sql;
    }

    // A full batch goes in one statement; a last, smaller one row by row, so that the
    // connection prepares at most two statements per table.
    Status flush() {
        if (pending_.empty()) return ok_status();
        const std::size_t per_statement = pending_.size() == copy_insert_rows ? pending_.size() : 1;
        for (std::size_t start = 0; start < pending_.size(); start += per_statement) {
            Params params;
            for (std::size_t r = start; r < start + per_statement; ++r) {
                for (const CopyValue& v : pending_[r]) {
                    if (const auto* i = std::get_if<std::int64_t>(&v)) {
                        params.i64(*i);
                    } else if (const auto* t = std::get_if<std::string>(&v)) {
                        params.text(*t);
                    } else {
                        params.null();
                    }
                }
            }
            auto r = c_.run(insert_sql(per_statement), params);
            if (!r) {
                pending_.clear();
                return make_error(r.error().code, "copying into " + std::string(table_->name) +
                                                      ": " + r.error().message);
            }
        }
        pending_.clear();
        return ok_status();
    }

    Connection& c_;
    const std::string describe_;
    copy::ImportChecks checks_;
    const copy::Table* table_ = nullptr;
    std::vector<std::vector<CopyValue>> pending_;  // at most copy_insert_rows
};

// One READ COMMITTED transaction on one connection, like write(), holding every table's
// lock from the emptiness check to the commit.
Result<CopySummary> PostgresStore::import_rows(const RowProducer& produce) {
    try {
        auto c = pool_.acquire();
        if (!c) return c.error();
        Lease lease(pool_, std::move(*c));
        Connection& conn = *lease;
        if (auto s = conn.exec("BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE"); !s) {
            return s.error();
        }
        PgImport import(conn, describe_);
        Status result = [&]() -> Status {
            if (auto s = import.lock_and_check_empty(); !s) return s;
            if (auto s = produce(import); !s) return s;
            if (!import.checks().ended()) {
                return make_error(ErrorCode::internal, "copy: the rows ended without end()");
            }
            if (conn.in_failed_transaction()) {
                return make_error(ErrorCode::internal, "postgres: the import's transaction failed");
            }
            return conn.exec("COMMIT");
        }();
        if (!result) {
            conn.rollback_quietly();
            return result.error();
        }
        return import.checks().summary();
    } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("postgres: ") + e.what());
    }
}

// A new SQLite file with this store's rows, read in one snapshot: `baton --db sqlite:PATH`
// opens it as it is, and `baton migrate` copies it back into an empty PostgreSQL database.
Status PostgresStore::backup(const std::string& path) {
    if (auto claimed = claim_backup_file(path); !claimed) return claimed;
    // The SQLite store closes at the end of the lambda, folding its write-ahead log into
    // the file, so that the backup is one file.
    Status result = [&]() -> Status {
        auto target = open_sqlite({.path = path});
        if (!target) return target.error();
        auto copied = copy_into(**target);
        return copied ? ok_status() : Status(copied.error());
    }();
    if (!result) {
        std::error_code ignored;
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
            std::filesystem::remove(path + suffix, ignored);
        }
    }
    return result;
}

}  // namespace

Result<std::string> describe_postgres_url(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (options == nullptr) {
        std::string message = error == nullptr ? "out of memory" : one_line(error);
        PQfreemem(error);
        return make_error(ErrorCode::invalid_argument,
                          "not a PostgreSQL connection URL: " + message, "db");
    }
    std::map<std::string, std::string> parts;
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val != nullptr) parts[o->keyword] = o->val;
    }
    PQconninfoFree(options);
    // libpq would only notice a bad port when connecting, and answer unavailable.
    if (parts["port"].find_first_not_of("0123456789,") != std::string::npos) {
        return make_error(ErrorCode::invalid_argument,
                          "not a PostgreSQL connection URL: invalid port '" + parts["port"] + "'",
                          "db");
    }
    // Only these, and never the password (nor anything else, such as sslpassword).
    std::string out = "postgres://";
    if (!parts["user"].empty()) out += parts["user"] + "@";
    out += !parts["host"].empty() ? parts["host"] : parts["hostaddr"];
    if (!parts["port"].empty()) out += ":" + parts["port"];
    out += "/" + parts["dbname"];
    return out;
}

Result<std::unique_ptr<Store>> open_postgres(const PostgresOptions& options) {
    if (options.url.rfind("postgres://", 0) != 0 && options.url.rfind("postgresql://", 0) != 0) {
        return make_error(ErrorCode::invalid_argument,
                          "a PostgreSQL URL starts with postgres:// or postgresql://", "db");
    }
    if (options.pool_size < 1) {
        return make_error(ErrorCode::invalid_argument, "postgres: pool_size must be at least 1",
                          "pool_size");
    }
    auto describe = describe_postgres_url(options.url);
    if (!describe) return describe.error();
    try {
        auto store = std::make_unique<PostgresStore>(options, *describe);
        const TimePoint now = std::chrono::time_point_cast<Milliseconds>(
            std::chrono::system_clock::now());
        if (auto s = store->open(now); !s) return s.error();
        return std::unique_ptr<Store>(std::move(store));
    } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("postgres: ") + e.what());
    }
}

int postgres_schema_version() { return static_cast<int>(migrations.size()); }

}  // namespace baton::store
