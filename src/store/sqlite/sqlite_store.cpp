// SqliteStore: the Store on one SQLite file, through the sqlite3 C API.
//
// Layout of this file, top to bottom: error mapping; small RAII wrappers (Statement,
// Query, Row, Connection); the schema migrations; SqliteTransaction, which implements every
// Transaction method on one connection; SqliteStore, which owns the connections and runs
// read and write transactions; the public functions.
//
// Connections: one write connection, guarded by a mutex, so there is exactly one writer in
// this process (BEGIN IMMEDIATE takes SQLite's write lock up front, so another process
// waits in busy_timeout instead of failing half way). Writers meet in a group commit queue
// (see SqliteStore::write). Readers take a connection from a small pool, each opened with
// query_only so that even a bug cannot write through it.
// WAL mode lets readers run while the writer commits. Prepared statements are cached per
// connection, keyed by their SQL text; the set of SQL texts is finite by construction
// (list queries vary only in which of a fixed set of filters they use).
#include "store/sqlite/sqlite_store.h"
#include "core/utf8.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"
#include "store/backup_file.h"
#include "store/checklist_checks.h"
#include "store/copy.h"

namespace baton::store {
namespace {

// How many idle reader connections to keep open. More concurrent readers than this still
// work: they open a connection and close it afterwards.
constexpr std::size_t idle_readers_max = 4;

// Written into the header by the first migration, so that a Baton database can be told
// from any other SQLite file ("Batn").
constexpr std::int64_t application_id = 0x4261746E;

// ---------------------------------------------------------------------------------------
// Errors

ErrorCode code_of(int rc) {
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_CANTOPEN: return ErrorCode::unavailable;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB: return ErrorCode::corrupt;
        default: return ErrorCode::internal;
    }
}

Error sqlite_error(sqlite3* db, int rc, std::string_view context) {
    std::string message = "sqlite: ";
    if (!context.empty()) {
        message += context;
        message += ": ";
    }
    // The connection's message is more specific ("no such table: x") but only describes
    // this failure when the connection's last error is this one.
    const bool db_knows = db != nullptr && (sqlite3_errcode(db) & 0xff) == (rc & 0xff);
    message += db_knows ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return make_error(code_of(rc), std::move(message));
}

Error corrupt(std::string message) { return make_error(ErrorCode::corrupt, std::move(message)); }

// The start of a statement's SQL, to say which statement failed without flooding a log.
std::string sql_excerpt(sqlite3_stmt* stmt) {
    const char* sql = sqlite3_sql(stmt);
    std::string text = sql == nullptr ? "" : sql;
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
// RAII wrappers

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

// One prepared statement, owned by its connection's cache and finalized with it.
class Statement {
public:
    explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

private:
    friend class Query;
    sqlite3_stmt* const stmt_;
    bool in_use_ = false;  // one Query at a time; a nested use is a programmer error
};

// One execution of a cached statement: binds parameters in order, steps, and resets the
// statement when it goes out of scope so the next user finds it clean.
class Query {
public:
    Query(sqlite3* db, Statement& statement) : db_(db), statement_(&statement) {
        BATON_ASSERT(!statement.in_use_);
        statement.in_use_ = true;
    }
    Query(Query&& other) noexcept
        : db_(other.db_),
          statement_(std::exchange(other.statement_, nullptr)),
          next_index_(other.next_index_),
          bind_rc_(other.bind_rc_) {}
    Query& operator=(Query&&) = delete;
    ~Query() {
        if (statement_ == nullptr) return;
        sqlite3_reset(statement_->stmt_);
        sqlite3_clear_bindings(statement_->stmt_);
        statement_->in_use_ = false;
    }

    Query& bind_i64(std::int64_t value) {
        return note(sqlite3_bind_int64(stmt(), next_index_++, value));
    }
    Query& bind_flag(bool value) { return bind_i64(value ? 1 : 0); }
    Query& bind_null() { return note(sqlite3_bind_null(stmt(), next_index_++)); }
    Query& bind_text(std::string_view value) {
        // A null pointer would bind SQL NULL; an empty string_view may carry one.
        const char* data = value.data() == nullptr ? "" : value.data();
        return note(sqlite3_bind_text64(stmt(), next_index_++, data, value.size(),
                                        SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    Query& bind_opt_text(const std::optional<std::string>& value) {
        return value ? bind_text(*value) : bind_null();
    }
    Query& bind_time(TimePoint value) { return bind_i64(to_unix_ms(value)); }
    Query& bind_opt_time(const std::optional<TimePoint>& value) {
        return value ? bind_time(*value) : bind_null();
    }

    // True when a row is ready to read, false when the statement is done.
    Result<bool> step() {
        if (bind_rc_ != SQLITE_OK) return sqlite_error(db_, bind_rc_, sql_excerpt(stmt()));
        const int rc = sqlite3_step(stmt());
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        return sqlite_error(db_, rc, sql_excerpt(stmt()));
    }

    // Runs the statement to completion, ignoring any rows.
    Status run() {
        for (;;) {
            auto more = step();
            if (!more) return more.error();
            if (!*more) return ok_status();
        }
    }

    // The first column of the only row, as an integer (a COUNT, a MAX, a RETURNING).
    Result<std::int64_t> single_i64() {
        auto row = step();
        if (!row) return row.error();
        if (!*row || sqlite3_column_type(stmt(), 0) != SQLITE_INTEGER) {
            return corrupt("sqlite: expected one integer from " + sql_excerpt(stmt()));
        }
        const std::int64_t value = sqlite3_column_int64(stmt(), 0);
        if (auto done = run(); !done) return done.error();
        return value;
    }

    // The first column of the only row as a time, or none when it is NULL (a MIN over no
    // rows).
    Result<std::optional<TimePoint>> single_opt_time() {
        auto row = step();
        if (!row) return row.error();
        if (!*row) return corrupt("sqlite: expected one row from " + sql_excerpt(stmt()));
        std::optional<TimePoint> value;
        const int type = sqlite3_column_type(stmt(), 0);
        if (type == SQLITE_INTEGER) {
            value = from_unix_ms(sqlite3_column_int64(stmt(), 0));
        } else if (type != SQLITE_NULL) {
            return corrupt("sqlite: expected an integer or NULL from " + sql_excerpt(stmt()));
        }
        if (auto done = run(); !done) return done.error();
        return value;
    }

    sqlite3_stmt* stmt() const { return statement_->stmt_; }

private:
    Query& note(int rc) {
        if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
        return *this;
    }

    sqlite3* const db_;
    Statement* statement_;
    int next_index_ = 1;
    int bind_rc_ = SQLITE_OK;
};

// Reads the current row of a query column by column, in order, checking each value's type.
// A value of the wrong type is remembered (the first one) and reported by finish() as a
// corrupt error naming the table and column: a bad row is an error, never a crash.
class Row {
public:
    Row(const Query& query, std::string_view table) : stmt_(query.stmt()), table_(table) {}

    std::int64_t i64() {
        const int col = column_++;
        if (sqlite3_column_type(stmt_, col) != SQLITE_INTEGER) return fail(col, "an integer");
        return sqlite3_column_int64(stmt_, col);
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
        if (sqlite3_column_type(stmt_, col) != SQLITE_TEXT) {
            fail(col, "text");
            return {};
        }
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
        return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
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
        if (sqlite3_column_type(stmt_, column_) != SQLITE_NULL) return false;
        ++column_;
        return true;
    }
    std::int64_t fail(int col, const char* expected) {
        if (problem_.empty()) {
            const char* name = sqlite3_column_name(stmt_, col);
            problem_ = "corrupt row in " + std::string(table_) + ": column " +
                       (name == nullptr ? std::to_string(col) : name) + " is not " + expected;
        }
        return 0;
    }

    sqlite3_stmt* const stmt_;
    const std::string_view table_;
    int column_ = 0;
    std::string problem_;
};

// One SQLite connection with its statement cache. Used by one thread at a time (the store
// hands it out under a mutex or from the reader pool), so it is opened NOMUTEX.
class Connection {
public:
    explicit Connection(DbHandle db) : db_(std::move(db)) {}

    static Result<std::unique_ptr<Connection>> open(const std::string& path, int flags,
                                                    int busy_timeout_ms) {
        sqlite3* raw = nullptr;
        const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
        DbHandle db(raw);  // SQLite allocates a handle even when the open fails
        if (rc != SQLITE_OK) return sqlite_error(raw, rc, "cannot open " + path);
        sqlite3_busy_timeout(raw, busy_timeout_ms);
        return std::make_unique<Connection>(std::move(db));
    }

    sqlite3* db() const { return db_.get(); }

    // Runs SQL without parameters or results (pragmas, transaction control, migrations).
    Status exec(const std::string& sql) {
        char* message = nullptr;
        const int rc = sqlite3_exec(db(), sql.c_str(), nullptr, nullptr, &message);
        if (rc == SQLITE_OK) return ok_status();
        std::string text = message == nullptr ? sqlite3_errstr(rc) : message;
        sqlite3_free(message);
        return make_error(code_of(rc), "sqlite: " + text);
    }

    Result<Query> query(const std::string& sql) {
        auto it = cache_.find(sql);
        if (it == cache_.end()) {
            sqlite3_stmt* stmt = nullptr;
            const int rc = sqlite3_prepare_v3(db(), sql.c_str(), static_cast<int>(sql.size()),
                                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
            if (rc != SQLITE_OK) {
                sqlite3_finalize(stmt);
                return sqlite_error(db(), rc, "prepare");
            }
            BATON_ASSERT(stmt != nullptr);  // only empty SQL prepares to nothing
            it = cache_.emplace(sql, std::make_unique<Statement>(stmt)).first;
        }
        return Query(db(), *it->second);
    }

    // The same for SQL written as a string literal, found by the literal's address: no
    // string is built or hashed per call (the ingest path runs about twenty of these an
    // event). A literal lives as long as the program, so its address names one text.
    template <std::size_t N>
    Result<Query> query(const char (&sql)[N]) {
        if (auto it = by_address_.find(sql); it != by_address_.end()) {
            return Query(db(), *it->second);
        }
        auto q = query(std::string(sql, N - 1));
        if (!q) return q.error();
        by_address_.emplace(sql, cache_.find(std::string(sql, N - 1))->second.get());
        return q;
    }

    bool in_transaction() const { return sqlite3_get_autocommit(db()) == 0; }

    // Best effort: used on paths that already carry an error to report.
    void rollback_quietly() {
        if (in_transaction()) sqlite3_exec(db(), "ROLLBACK", nullptr, nullptr, nullptr);
    }

    Result<std::string> pragma_text(const std::string& sql) {
        auto q = query(sql);
        if (!q) return q.error();
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) return corrupt("sqlite: no answer to " + sql);
        Row r(*q, "pragma");
        std::string value = r.text();
        if (auto s = r.finish(); !s) return s.error();
        return value;
    }

    Result<std::int64_t> pragma_i64(const std::string& sql) {
        auto q = query(sql);
        if (!q) return q.error();
        return q->single_i64();
    }

private:
    // Declared first so it is destroyed last, after the statements it owns.
    DbHandle db_;
    std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
    std::unordered_map<const char*, Statement*> by_address_;  // into cache_
};

// ---------------------------------------------------------------------------------------
// Schema

// Migration N (from 1) is migrations[N - 1]; the database's PRAGMA user_version is the
// last one applied. Append new steps; never edit a released one.
constexpr std::string_view migration_1 = R"sql(
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

// Version 2: API tokens, idempotency keys, and the configuration version.
//
// config_version is one row of `meta`, bumped by triggers whenever a playbook or document
// version row is inserted (put_versioned inserts only when the text changed), so it is one
// primary-key read, cannot be forgotten by a future writer of those tables, and rolls back
// with the savepoint or transaction that inserted the version. A database migrated from
// version 1 starts at the number of versions it already holds: 0 only when it has none.
//
// Token ids are AUTOINCREMENT so an id is never reused: idempotency keys are scoped by
// token id, and a reused id would let one caller replay another's answers.
constexpr std::string_view migration_2 = R"sql(
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    handle     TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);

CREATE TABLE idempotency (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
-- For expiring old keys by age.
CREATE INDEX idempotency_by_created ON idempotency (created_ms);

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (name, value) VALUES ('config_version',
    (SELECT COUNT(*) FROM playbook_versions) + (SELECT COUNT(*) FROM documents));
CREATE TRIGGER playbook_versions_bump_config AFTER INSERT ON playbook_versions
BEGIN UPDATE meta SET value = value + 1 WHERE name = 'config_version'; END;
CREATE TRIGGER documents_bump_config AFTER INSERT ON documents
BEGIN UPDATE meta SET value = value + 1 WHERE name = 'config_version'; END;
)sql";

// Version 3: what the dispatcher records about deliveries (the last error of a failed
// attempt and when a row was delivered), and the order in which it takes due rows.
constexpr std::string_view migration_3 = R"sql(
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN delivered_ms INTEGER;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (next_attempt_ms, id) WHERE status = 'pending';
)sql";

// Version 4: live updates (a change number per handoff, given in commit order from one
// counter in `meta`; existing handoffs get numbers in id order), sign-in passwords and
// browser sessions.
constexpr std::string_view migration_4 = R"sql(
ALTER TABLE handoffs ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE handoffs SET change_seq = id;
CREATE INDEX handoffs_by_change ON handoffs (change_seq);
INSERT INTO meta (name, value) VALUES ('change_seq', (SELECT COALESCE(MAX(id), 0) FROM handoffs));

CREATE TABLE passwords (
    handle     TEXT PRIMARY KEY,
    hash       TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    handle     TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions (expires_ms);
CREATE INDEX sessions_by_handle ON sessions (handle);
)sql";

// Version 5: a person's handoffs in id order, so that the list's owner and team filters
// read one page from the index instead of sorting every handoff of the person (bench/list.sh
// measured 30,000 sorted for a page of 100). handoffs_by_owner stays for the open counts.
constexpr std::string_view migration_5 = R"sql(
CREATE INDEX handoffs_by_owner_id ON handoffs (owner, id);
)sql";

// Version 6: the delivery log of POST /hooks/{source} (every call, how it ended, and its
// headers and body to replay a refused one); expired by age, so indexed by arrival.
constexpr std::string_view migration_6 = R"sql(
CREATE TABLE hook_deliveries (
    id             INTEGER PRIMARY KEY,
    source         TEXT NOT NULL,
    received_ms    INTEGER NOT NULL,
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
    replay_of      INTEGER NOT NULL,
    replayed_ms    INTEGER,
    replayed_by    INTEGER NOT NULL
);
CREATE INDEX hook_deliveries_by_received ON hook_deliveries (received_ms);
CREATE INDEX hook_deliveries_by_source ON hook_deliveries (source, id);
CREATE INDEX hook_deliveries_by_outcome ON hook_deliveries (outcome, id);
)sql";

// Version 7: the handoffs a previous owner stays accountable for until the new owner
// accepts, in id order, for the accountable list filter (`list --owner`, the board's Mine).
// Partial: most handoffs have no previous owner.
constexpr std::string_view migration_7 = R"sql(
CREATE INDEX handoffs_by_pending_from ON handoffs (pending_from, id) WHERE pending_from <> '';
)sql";

// Version 8: Mine holds what was escalated to me and what was declined back to me (the
// board's "Needs an owner"). `escalated_to` is whom the latest escalation went to, filled
// from the timeline for handoffs escalated before; each index serves one arm of the
// accountable list filter, partial because few handoffs are escalated or declined.
constexpr std::string_view migration_8 = R"sql(
ALTER TABLE handoffs ADD COLUMN escalated_to TEXT NOT NULL DEFAULT '';
UPDATE handoffs SET escalated_to = COALESCE((
    SELECT json_extract(t.data, '$.to') FROM timeline t
    WHERE t.handoff_id = handoffs.id AND t.kind = 'escalated'
    ORDER BY json_extract(t.data, '$.level') DESC, t.seq DESC LIMIT 1), '')
WHERE escalation_level > 0;
CREATE INDEX handoffs_by_escalated_to ON handoffs (escalated_to, id) WHERE escalated_to <> '';
CREATE INDEX handoffs_declined_by_giver ON handoffs (giver, id) WHERE state = 'declined';
)sql";

constexpr std::array<std::string_view, 8> migrations = {
    migration_1, migration_2, migration_3, migration_4,
    migration_5, migration_6, migration_7, migration_8};

// What the file says it is: the schema version it carries. Refuses files that are not
// Baton's and schemas newer than this binary. Only reads, so it can run before anything
// (such as switching to WAL) changes the file.
Result<std::int64_t> schema_version(Connection& c, const std::string& describe) {
    auto app = c.pragma_i64("PRAGMA application_id");
    if (!app) {
        // The first read of the file: a file that is not SQLite fails here with NOTADB.
        if (app.error().code != ErrorCode::corrupt) return app.error();
        return corrupt(describe + " is not a SQLite database, or is damaged (" +
                       app.error().message + ")");
    }
    auto version = c.pragma_i64("PRAGMA user_version");
    if (!version) return version.error();
    auto tables =
        c.pragma_i64("SELECT COUNT(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'");
    if (!tables) return tables.error();
    if ((*app != 0 && *app != application_id) || (*app == 0 && *tables > 0)) {
        return corrupt(describe + " is not a Baton database (a SQLite file with other content)");
    }
    const auto known = static_cast<std::int64_t>(migrations.size());
    if (*version > known) {
        return corrupt("database schema version " + std::to_string(*version) +
                       " is newer than this baton (" + std::to_string(known) + ")");
    }
    return *version;
}

// Brings the schema up to date in one transaction: either every pending step applies, or
// none does. The version is read again under the write lock, so two processes opening the
// same new file do not both migrate it.
Status migrate(Connection& c, const std::string& describe) {
    if (auto s = c.exec("BEGIN IMMEDIATE"); !s) return s;
    auto result = [&]() -> Status {
        auto version = schema_version(c, describe);
        if (!version) return version.error();
        const auto known = static_cast<std::int64_t>(migrations.size());
        for (std::int64_t v = *version + 1; v <= known; ++v) {
            if (auto s = c.exec(std::string(migrations[static_cast<std::size_t>(v - 1)])); !s) {
                return make_error(s.error().code, describe + ": migration " + std::to_string(v) +
                                                      " failed: " + s.error().message);
            }
            if (auto s = c.exec("PRAGMA user_version = " + std::to_string(v)); !s) return s;
        }
        if (*version == 0) {
            const std::string set_app = "PRAGMA application_id = " + std::to_string(application_id);
            if (auto s = c.exec(set_app); !s) return s;
        }
        return c.exec("COMMIT");
    }();
    if (!result) c.rollback_quietly();
    return result;
}

// ---------------------------------------------------------------------------------------
// Transaction

using Param = std::variant<std::int64_t, std::string>;

void bind_params(Query& q, const std::vector<Param>& params) {
    for (const Param& p : params) {
        if (const auto* i = std::get_if<std::int64_t>(&p)) {
            q.bind_i64(*i);
        } else {
            q.bind_text(std::get<std::string>(p));
        }
    }
}

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

// `text` with LIKE's wildcards (and the escape character itself) escaped by a backslash.
std::string like_escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

// The SQL form of core::is_overdue (see HandoffFilter::overdue_at); NULL deadlines compare
// as unknown, which WHERE treats as false. The state test comes first and outside the OR:
// with an OR of two state terms SQLite read every open handoff through the state index and
// sorted them all for one page (80 ms of CPU at 100,000 handoffs, bench/README.md).
constexpr const char* overdue_clause =
    " AND state IN ('waiting', 'accepted') AND ((state = 'waiting' AND accept_by_ms < ?) OR"
    " done_by_ms < ?)";

Result<EventRecord> read_event(const Query& q) {
    Row r(q, "events");
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

Result<core::Handoff> read_handoff(const Query& q) {
    Row r(q, "handoffs");
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

Result<TimerRecord> read_timer(const Query& q) {
    Row r(q, "timers");
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

Result<OutboxRecord> read_outbox(const Query& q) {
    Row r(q, "outbox");
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

// Runs a query and decodes every row with `read`.
template <class T, class ReadFn>
// `expected`: how many rows there may be (a LIMIT), reserved up front so that a page of
// thousands is not moved again each time the vector grows.
Result<std::vector<T>> collect(Query& q, ReadFn read, std::size_t expected = 0) {
    std::vector<T> out;
    out.reserve(expected);
    for (;;) {
        auto row = q.step();
        if (!row) return row.error();
        if (!*row) return out;
        auto value = read(q);
        if (!value) return value.error();
        out.push_back(std::move(*value));
    }
}

// Implements every Transaction method on one connection. A read transaction refuses the
// write methods with internal: a write inside read() is a programmer error, reported as a
// value so a request fails instead of the process.
class SqliteTransaction final : public Transaction {
public:
    SqliteTransaction(Connection& connection, bool writable)
        : c_(connection), writable_(writable) {}

    // For the store's own table-level copy (import_rows), which works below the methods.
    Connection& connection() const { return c_; }

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

    Result<std::optional<IdempotencyRecord>> idempotency(const std::string& scope,
                                                         const std::string& key) override;
    Status put_idempotency(const IdempotencyRecord& record) override;
    Result<std::int64_t> expire_idempotency(TimePoint before, TimePoint links_before,
                                            std::size_t limit) override;

private:
    Status require_writable(const char* method) const {
        if (writable_) return ok_status();
        return make_error(ErrorCode::internal, std::string(method) +
                                                   " was called inside read(); writes "
                                                   "belong in write()");
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
    Result<bool> handoff_exists(std::int64_t id);
    Status mark_changed(std::int64_t handoff_id);

    Connection& c_;
    const bool writable_;
};

// --- events

Result<bool> SqliteTransaction::insert_event(const core::Event& event, TimePoint received_at) {
    if (auto s = require_writable("insert_event"); !s) return s.error();
    auto data = dump_json(event.data, "data");
    if (!data) return data.error();
    auto q = c_.query(
        "INSERT INTO events (source, id, type, subject, time_ms, data, received_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, id) DO NOTHING");
    if (!q) return q.error();
    q->bind_text(event.source).bind_text(event.id).bind_text(event.type);
    q->bind_opt_text(event.subject).bind_time(event.time).bind_text(*data);
    q->bind_time(received_at);
    if (auto s = q->run(); !s) return s.error();
    return sqlite3_changes64(c_.db()) == 1;
}

Status SqliteTransaction::set_event_handoffs(const std::string& source, const std::string& id,
                                             int handoffs_created) {
    if (auto s = require_writable("set_event_handoffs"); !s) return s;
    auto q = c_.query("UPDATE events SET handoffs_created = ? WHERE source = ? AND id = ?");
    if (!q) return q.error();
    q->bind_i64(handoffs_created).bind_text(source).bind_text(id);
    if (auto s = q->run(); !s) return s;
    if (sqlite3_changes64(c_.db()) == 0) {
        return make_error(ErrorCode::not_found, "no event " + id + " from " + source);
    }
    return ok_status();
}

Result<std::optional<EventRecord>> SqliteTransaction::event(const std::string& source,
                                                            const std::string& id) {
    auto q = c_.query(std::string("SELECT ") + event_columns +
                      " FROM events WHERE source = ? AND id = ?");
    if (!q) return q.error();
    q->bind_text(source).bind_text(id);
    auto rows = collect<EventRecord>(*q, read_event);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<EventRecord>();
    return std::optional<EventRecord>(std::move(rows->front()));
}

Result<std::vector<EventRecord>> SqliteTransaction::list_events(const EventFilter& filter) {
    std::string sql = std::string("SELECT ") + event_columns + " FROM events WHERE seq > ?";
    std::vector<Param> params{filter.after_seq};
    if (filter.type) {
        sql += " AND type = ?";
        params.emplace_back(*filter.type);
    }
    if (filter.unmatched_only) sql += " AND handoffs_created = 0";
    sql += " ORDER BY seq LIMIT ?";
    params.emplace_back(page_limit(filter.limit));
    auto q = c_.query(sql);
    if (!q) return q.error();
    bind_params(*q, params);
    return collect<EventRecord>(*q, read_event);
}

Result<std::vector<std::int64_t>> SqliteTransaction::handoffs_of_event(const std::string& source,
                                                                       const std::string& id) {
    auto q = c_.query(
        "SELECT id FROM handoffs WHERE event_source = ? AND event_id = ? ORDER BY id");
    if (!q) return q.error();
    q->bind_text(source).bind_text(id);
    return collect<std::int64_t>(*q, [](const Query& query) -> Result<std::int64_t> {
        Row r(query, "handoffs");
        const std::int64_t value = r.i64();
        if (auto s = r.finish(); !s) return s.error();
        return value;
    });
}

// --- playbooks and documents

// Both versioned tables work alike: a new version unless the text is byte-identical to the
// current one. `file` is empty for documents (their table has no file column).
Result<int> SqliteTransaction::put_versioned(const std::string& table,
                                             const std::string& key_column,
                                             const std::string& key, const std::string& text,
                                             const std::string& file, TimePoint now) {
    const std::string text_column = table == "documents" ? "text" : "yaml";
    int version = 0;
    {
        auto current = c_.query("SELECT version, " + text_column + " FROM " + table +
                                " WHERE " + key_column + " = ? ORDER BY version DESC LIMIT 1");
        if (!current) return current.error();
        current->bind_text(key);
        auto row = current->step();
        if (!row) return row.error();
        if (*row) {
            Row r(*current, table);
            version = r.i32();
            const std::string stored = r.text();
            if (auto s = r.finish(); !s) return s.error();
            if (stored == text) return version;
        }
    }
    const bool has_file = table == "playbook_versions";
    auto insert = c_.query("INSERT INTO " + table + " (" + key_column + ", version, " +
                           text_column + (has_file ? ", file" : "") + ", applied_ms) VALUES " +
                           (has_file ? "(?, ?, ?, ?, ?)" : "(?, ?, ?, ?)"));
    if (!insert) return insert.error();
    insert->bind_text(key).bind_i64(version + 1).bind_text(text);
    if (has_file) insert->bind_text(file);
    insert->bind_time(now);
    if (auto s = insert->run(); !s) return s.error();
    return version + 1;
}

Result<int> SqliteTransaction::put_playbook(const std::string& id, const std::string& yaml,
                                            const std::string& file, TimePoint now) {
    if (auto s = require_writable("put_playbook"); !s) return s.error();
    return put_versioned("playbook_versions", "id", id, yaml, file, now);
}

Result<int> SqliteTransaction::put_document(const std::string& kind, const std::string& text,
                                            TimePoint now) {
    if (auto s = require_writable("put_document"); !s) return s.error();
    return put_versioned("documents", "kind", kind, text, "", now);
}

Result<PlaybookRecord> read_playbook(const Query& q) {
    Row r(q, "playbook_versions");
    PlaybookRecord p;
    p.id = r.text();
    p.version = r.i32();
    p.yaml = r.text();
    p.file = r.text();
    p.applied_at = r.time();
    if (auto s = r.finish(); !s) return s.error();
    return p;
}

Result<std::vector<PlaybookRecord>> SqliteTransaction::current_playbooks() {
    auto q = c_.query(
        "SELECT id, version, yaml, file, applied_ms FROM playbook_versions p "
        "WHERE version = (SELECT MAX(version) FROM playbook_versions q WHERE q.id = p.id) "
        "ORDER BY id");
    if (!q) return q.error();
    return collect<PlaybookRecord>(*q, read_playbook);
}

Result<std::optional<PlaybookRecord>> SqliteTransaction::playbook(const std::string& id,
                                                                  std::optional<int> version) {
    auto q = c_.query(version ? "SELECT id, version, yaml, file, applied_ms FROM "
                                "playbook_versions WHERE id = ? AND version = ?"
                              : "SELECT id, version, yaml, file, applied_ms FROM "
                                "playbook_versions WHERE id = ? ORDER BY version DESC LIMIT 1");
    if (!q) return q.error();
    q->bind_text(id);
    if (version) q->bind_i64(*version);
    auto rows = collect<PlaybookRecord>(*q, read_playbook);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<PlaybookRecord>();
    return std::optional<PlaybookRecord>(std::move(rows->front()));
}

Result<DocumentRecord> read_document(const Query& query) {
    Row r(query, "documents");
    DocumentRecord d;
    d.kind = r.text();
    d.version = r.i32();
    d.text = r.text();
    d.applied_at = r.time();
    if (auto s = r.finish(); !s) return s.error();
    return d;
}

Result<std::optional<DocumentRecord>> SqliteTransaction::current_document(
    const std::string& kind) {
    auto q = c_.query(
        "SELECT kind, version, text, applied_ms FROM documents WHERE kind = ? "
        "ORDER BY version DESC LIMIT 1");
    if (!q) return q.error();
    q->bind_text(kind);
    auto rows = collect<DocumentRecord>(*q, read_document);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<DocumentRecord>();
    return std::optional<DocumentRecord>(std::move(rows->front()));
}

Result<std::vector<DocumentRecord>> SqliteTransaction::current_documents_with_prefix(
    const std::string& prefix) {
    auto q = c_.query(
        "SELECT kind, version, text, applied_ms FROM documents d "
        "WHERE substr(kind, 1, length(?1)) = ?1 "
        "AND version = (SELECT MAX(version) FROM documents WHERE kind = d.kind) ORDER BY kind");
    if (!q) return q.error();
    q->bind_text(prefix);
    return collect<DocumentRecord>(*q, read_document);
}

// --- handoffs

Status SqliteTransaction::insert_checklist(std::int64_t handoff_id,
                                           const std::vector<core::ChecklistItem>& items) {
    for (const core::ChecklistItem& item : items) {
        auto q = c_.query(
            "INSERT INTO checklist_items (handoff_id, number, text, checked, checked_by, "
            "checked_ms, when_type) VALUES (?, ?, ?, ?, ?, ?, ?)");
        if (!q) return q.error();
        q->bind_i64(handoff_id).bind_i64(item.number).bind_text(item.text);
        q->bind_flag(item.checked).bind_text(item.checked_by).bind_opt_time(item.checked_at);
        q->bind_opt_text(item.when);
        if (auto s = q->run(); !s) return s;
    }
    return ok_status();
}

Status SqliteTransaction::insert_entries(std::int64_t handoff_id, std::int64_t first_seq,
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
        auto q = c_.query(
            "INSERT INTO timeline (handoff_id, seq, at_ms, actor, kind, text, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)");
        if (!q) return q.error();
        q->bind_i64(handoff_id).bind_i64(seq++).bind_time(entry.at).bind_text(entry.actor);
        q->bind_text(entry.kind).bind_text(entry.text).bind_text(*data);
        if (auto s = q->run(); !s) return s;
    }
    return ok_status();
}

Result<std::int64_t> SqliteTransaction::insert_handoff(const core::Handoff& h) {
    if (auto s = require_writable("insert_handoff"); !s) return s.error();
    if (auto s = check_checklist(h.checklist); !s) return s.error();
    auto data = dump_json(h.data, "data");
    if (!data) return data.error();
    auto q = c_.query(
        "INSERT INTO handoffs (playbook_id, playbook_version, title, subject, giver, owner, "
        "pending_from, unowned, state, done_definition, created_ms, updated_ms, accepted_ms, "
        "closed_ms, accept_by_ms, done_by_ms, escalation_level, escalated_to, event_source, "
        "event_id, data, revision) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)");
    if (!q) return q.error();
    q->bind_text(h.playbook_id).bind_i64(h.playbook_version).bind_text(h.title);
    q->bind_text(h.subject).bind_text(h.giver).bind_text(h.owner).bind_text(h.pending_from);
    q->bind_flag(h.unowned).bind_text(core::to_string(h.state)).bind_text(h.done_definition);
    q->bind_time(h.created_at).bind_time(h.updated_at).bind_opt_time(h.accepted_at);
    q->bind_opt_time(h.closed_at).bind_opt_time(h.deadlines.accept_by);
    q->bind_opt_time(h.deadlines.done_by).bind_i64(h.escalation_level).bind_text(h.escalated_to);
    q->bind_text(h.event_source).bind_text(h.event_id).bind_text(*data);
    if (auto s = q->run(); !s) return s.error();
    const std::int64_t id = sqlite3_last_insert_rowid(c_.db());
    if (auto s = mark_changed(id); !s) return s.error();
    if (auto s = insert_checklist(id, h.checklist); !s) return s.error();
    if (auto s = insert_entries(id, 1, h.timeline); !s) return s.error();
    return id;
}

Status SqliteTransaction::update_handoff(const core::Handoff& h) {
    if (auto s = require_writable("update_handoff"); !s) return s;
    if (auto s = check_checklist(h.checklist); !s) return s;
    auto data = dump_json(h.data, "data");
    if (!data) return data.error();
    auto q = c_.query(
        "UPDATE handoffs SET title = ?, subject = ?, giver = ?, owner = ?, pending_from = ?, "
        "unowned = ?, state = ?, done_definition = ?, updated_ms = ?, accepted_ms = ?, "
        "closed_ms = ?, accept_by_ms = ?, done_by_ms = ?, escalation_level = ?, "
        "escalated_to = ?, data = ?, revision = revision + 1 WHERE id = ? AND revision = ?");
    if (!q) return q.error();
    q->bind_text(h.title).bind_text(h.subject).bind_text(h.giver).bind_text(h.owner);
    q->bind_text(h.pending_from).bind_flag(h.unowned).bind_text(core::to_string(h.state));
    q->bind_text(h.done_definition).bind_time(h.updated_at).bind_opt_time(h.accepted_at);
    q->bind_opt_time(h.closed_at).bind_opt_time(h.deadlines.accept_by);
    q->bind_opt_time(h.deadlines.done_by).bind_i64(h.escalation_level);
    q->bind_text(h.escalated_to).bind_text(*data).bind_i64(h.id).bind_i64(h.revision);
    if (auto s = q->run(); !s) return s;
    if (sqlite3_changes64(c_.db()) == 0) {
        auto exists = handoff_exists(h.id);
        if (!exists) return exists.error();
        if (!*exists) {
            return make_error(ErrorCode::not_found, "no handoff " + std::to_string(h.id));
        }
        return make_error(ErrorCode::conflict, "handoff " + std::to_string(h.id) +
                                                   " was changed by someone else; reload it "
                                                   "and try again");
    }
    if (auto s = mark_changed(h.id); !s) return s;
    auto clear = c_.query("DELETE FROM checklist_items WHERE handoff_id = ?");
    if (!clear) return clear.error();
    clear->bind_i64(h.id);
    if (auto s = clear->run(); !s) return s;
    return insert_checklist(h.id, h.checklist);
}

// Gives the handoff the next change number. Writers are serialised, so numbers are given
// in commit order (a group commit's callbacks run one after another).
Status SqliteTransaction::mark_changed(std::int64_t handoff_id) {
    auto next = c_.query(
        "UPDATE meta SET value = value + 1 WHERE name = 'change_seq' RETURNING value");
    if (!next) return next.error();
    auto seq = next->single_i64();
    if (!seq) return seq.error();
    auto q = c_.query("UPDATE handoffs SET change_seq = ? WHERE id = ?");
    if (!q) return q.error();
    q->bind_i64(*seq).bind_i64(handoff_id);
    return q->run();
}

Result<bool> SqliteTransaction::handoff_exists(std::int64_t id) {
    auto q = c_.query("SELECT COUNT(*) FROM handoffs WHERE id = ?");
    if (!q) return q.error();
    q->bind_i64(id);
    auto count = q->single_i64();
    if (!count) return count.error();
    return *count > 0;
}

Status SqliteTransaction::append_timeline(std::int64_t handoff_id,
                                          const std::vector<core::TimelineEntry>& entries) {
    if (auto s = require_writable("append_timeline"); !s) return s;
    auto exists = handoff_exists(handoff_id);
    if (!exists) return exists.error();
    if (!*exists) {
        return make_error(ErrorCode::not_found, "no handoff " + std::to_string(handoff_id));
    }
    auto last = c_.query("SELECT COALESCE(MAX(seq), 0) FROM timeline WHERE handoff_id = ?");
    if (!last) return last.error();
    last->bind_i64(handoff_id);
    auto seq = last->single_i64();
    if (!seq) return seq.error();
    if (auto s = mark_changed(handoff_id); !s) return s;
    return insert_entries(handoff_id, *seq + 1, entries);
}

// Reads the checklist columns from `r` onwards: number, text, checked, checked_by,
// checked_ms, when_type.
core::ChecklistItem read_checklist_item(Row& r) {
    core::ChecklistItem item;
    item.number = r.i32();
    item.text = r.text();
    item.checked = r.flag();
    item.checked_by = r.text();
    item.checked_at = r.opt_time();
    item.when = r.opt_text();
    return item;
}

Status SqliteTransaction::load_checklist(core::Handoff& h) {
    auto q = c_.query(
        "SELECT number, text, checked, checked_by, checked_ms, when_type FROM checklist_items "
        "WHERE handoff_id = ? ORDER BY number");
    if (!q) return q.error();
    q->bind_i64(h.id);
    auto items = collect<core::ChecklistItem>(*q, [](const Query& query) {
        Row r(query, "checklist_items");
        core::ChecklistItem item = read_checklist_item(r);
        if (auto s = r.finish(); !s) return Result<core::ChecklistItem>(s.error());
        return Result<core::ChecklistItem>(std::move(item));
    });
    if (!items) return items.error();
    h.checklist = std::move(*items);
    return check_loaded_checklist(h);
}

// The checklists of a page of handoffs in one query rather than one per handoff (a page of
// 1,000 spent more time in 1,000 lookups than in reading the page). `handoffs` must be in
// id order, as list_handoffs returns them; the items come back in the same order.
Status SqliteTransaction::load_checklists(std::vector<core::Handoff>& handoffs) {
    if (handoffs.empty()) return ok_status();
    std::string ids = "[";
    for (std::size_t i = 0; i < handoffs.size(); ++i) {
        BATON_ASSERT(i == 0 || handoffs[i - 1].id < handoffs[i].id);
        if (i > 0) ids += ',';
        ids += std::to_string(handoffs[i].id);
    }
    ids += ']';
    auto q = c_.query(
        "SELECT handoff_id, number, text, checked, checked_by, checked_ms, when_type "
        "FROM checklist_items WHERE handoff_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY handoff_id, number");
    if (!q) return q.error();
    q->bind_text(ids);
    std::size_t next = 0;  // the handoff the next row belongs to, or a later one
    for (;;) {
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) break;
        Row r(*q, "checklist_items");
        const std::int64_t handoff_id = r.i64();
        core::ChecklistItem item = read_checklist_item(r);
        if (auto s = r.finish(); !s) return s;
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

Status SqliteTransaction::load_timeline(core::Handoff& h) {
    auto q = c_.query(
        "SELECT seq, at_ms, actor, kind, text, data FROM timeline WHERE handoff_id = ? "
        "ORDER BY seq");
    if (!q) return q.error();
    q->bind_i64(h.id);
    std::int64_t expected = 1;
    for (;;) {
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) return ok_status();
        Row r(*q, "timeline");
        const std::int64_t seq = r.i64();
        core::TimelineEntry entry;
        entry.at = r.time();
        entry.actor = r.text();
        entry.kind = r.text();
        entry.text = r.text();
        entry.data = r.json();
        if (auto s = r.finish(); !s) return s;
        if (seq != expected++) {
            return corrupt("corrupt timeline of handoff " + std::to_string(h.id) +
                           ": entry " + std::to_string(expected - 1) + " has seq " +
                           std::to_string(seq));
        }
        h.timeline.push_back(std::move(entry));
    }
}

Result<std::optional<core::Handoff>> SqliteTransaction::handoff(std::int64_t id,
                                                               bool with_timeline) {
    std::vector<core::Handoff> found;
    {
        auto q = c_.query(std::string("SELECT ") + handoff_columns +
                          " FROM handoffs WHERE id = ?");
        if (!q) return q.error();
        q->bind_i64(id);
        auto rows = collect<core::Handoff>(*q, read_handoff);
        if (!rows) return rows.error();
        found = std::move(*rows);
    }
    if (found.empty()) return std::optional<core::Handoff>();
    core::Handoff& h = found.front();
    if (auto s = load_checklist(h); !s) return s.error();
    if (with_timeline) {
        if (auto s = load_timeline(h); !s) return s.error();
    }
    return std::optional<core::Handoff>(std::move(h));
}

Result<std::vector<core::Handoff>> SqliteTransaction::list_handoffs(const HandoffFilter& f) {
    // Every filter but the owner's, as one WHERE clause with its parameters.
    std::string where = std::string(" FROM handoffs WHERE id ") + (f.newest_first ? "< ?" : "> ?");
    std::vector<Param> where_params{f.cursor_bound()};
    if (f.state) {
        where += " AND state = ?";
        where_params.emplace_back(std::string(core::to_string(*f.state)));
    }
    if (f.playbook) {
        where += " AND playbook_id = ?";
        where_params.emplace_back(*f.playbook);
    }
    if (f.subject) {
        where += " AND subject = ?";
        where_params.emplace_back(*f.subject);
    }
    if (f.created_since) {
        where += " AND created_ms >= ?";
        where_params.emplace_back(to_unix_ms(*f.created_since));
    }
    if (f.overdue_at) {
        where += overdue_clause;
        where_params.emplace_back(to_unix_ms(*f.overdue_at));
        where_params.emplace_back(to_unix_ms(*f.overdue_at));
    }
    if (f.subject_contains) {
        // LIKE ignores ASCII case; the pattern's own % and _ are escaped.
        where += " AND subject LIKE ? ESCAPE '\\'";
        where_params.emplace_back("%" + like_escape(*f.subject_contains) + "%");
    }
    if (f.closed_since) {
        where += " AND closed_ms >= ?";
        where_params.emplace_back(to_unix_ms(*f.closed_since));
    }
    if (f.unowned_only) where += " AND unowned = 1";

    // The owner filter on one column: the one handle, and one of owner_in; the giver
    // column of Mine's declined arm takes one of `givers` instead when there are some.
    const auto owner_clause = [&](const char* column, std::vector<Param>& params) {
        std::string clause;
        if (f.mine && !f.givers.empty() && std::string_view(column) == "giver") {
            clause += " AND giver IN (";
            for (std::size_t i = 0; i < f.givers.size(); ++i) {
                clause += i == 0 ? "?" : ", ?";
                params.emplace_back(f.givers[i]);
            }
            return clause + ")";
        }
        if (f.owner) {
            clause += std::string(" AND ") + column + " = ?";
            params.emplace_back(*f.owner);
        }
        if (!f.owner_in.empty()) {
            clause += std::string(" AND ") + column + " IN (";
            for (std::size_t i = 0; i < f.owner_in.size(); ++i) {
                clause += i == 0 ? "?" : ", ?";
                params.emplace_back(f.owner_in[i]);
            }
            clause += ")";
        }
        return clause;
    };
    const std::string select = "SELECT " + handoff_columns_for(f.with_data);
    std::vector<Param> params = where_params;
    std::string sql = select + where + owner_clause("owner", params);
    if ((f.accountable || f.mine) && (f.owner || !f.owner_in.empty())) {
        // The other ways a person holds a handoff, each a further arm read in id order from
        // its own partial index (handoffs_by_pending_from, handoffs_declined_by_giver,
        // handoffs_by_escalated_to) and merged: an OR of the columns would sort every
        // handoff of the person for one page. Each arm leaves out what an earlier arm has.
        struct Arm {
            const char* column;
            const char* only;
        };
        std::vector<Arm> arms = {{"owner", ""}, {"pending_from", " AND pending_from <> ''"}};
        if (f.mine) {
            arms.push_back({"giver", " AND state = 'declined'"});
            arms.push_back({"escalated_to", " AND escalated_to <> ''"});
        }
        for (std::size_t i = 1; i < arms.size(); ++i) {
            params.insert(params.end(), where_params.begin(), where_params.end());
            sql += " UNION ALL " + select + where + arms[i].only +
                   owner_clause(arms[i].column, params);
            for (std::size_t j = 0; j < i; ++j) {
                sql += std::string(" AND NOT (1") + arms[j].only +
                       owner_clause(arms[j].column, params) + ")";
            }
        }
    }
    sql += f.newest_first ? " ORDER BY id DESC LIMIT ?" : " ORDER BY id LIMIT ?";
    params.emplace_back(handoff_page_limit(f.limit));
    std::vector<core::Handoff> out;
    {
        auto q = c_.query(sql);
        if (!q) return q.error();
        bind_params(*q, params);
        auto rows = collect<core::Handoff>(*q, read_handoff,
                                           static_cast<std::size_t>(handoff_page_limit(f.limit)));
        if (!rows) return rows.error();
        out = std::move(*rows);
    }
    // Checklists are merged in ascending id order.
    if (f.newest_first) std::reverse(out.begin(), out.end());
    if (auto s = load_checklists(out); !s) return s.error();
    if (f.newest_first) std::reverse(out.begin(), out.end());
    return out;
}

// --- timers and outbox

Status SqliteTransaction::insert_timers(const std::vector<TimerRecord>& timers) {
    if (auto s = require_writable("insert_timers"); !s) return s;
    for (const TimerRecord& t : timers) {
        // The same timer twice is one timer; one that was cancelled before it fired is
        // armed again (a reassignment at the same instant restarts the same ladder).
        auto q = c_.query(
            "INSERT INTO timers (handoff_id, kind, level, due_ms, fired_ms, cancelled, target) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (handoff_id, kind, level, due_ms) "
            "DO UPDATE SET cancelled = 0, target = excluded.target "
            "WHERE timers.fired_ms IS NULL AND timers.cancelled = 1 AND excluded.cancelled = 0");
        if (!q) return q.error();
        q->bind_i64(t.handoff_id).bind_text(to_string(t.kind)).bind_i64(t.level);
        q->bind_time(t.due_at).bind_opt_time(t.fired_at).bind_flag(t.cancelled);
        q->bind_text(t.target);
        if (auto s = q->run(); !s) return s;
    }
    return ok_status();
}

Status SqliteTransaction::cancel_timers(std::int64_t handoff_id,
                                        const std::vector<std::int64_t>& timer_ids) {
    if (auto s = require_writable("cancel_timers"); !s) return s;
    for (std::int64_t timer_id : timer_ids) {
        auto q = c_.query(
            "UPDATE timers SET cancelled = 1 WHERE id = ? AND handoff_id = ? "
            "AND fired_ms IS NULL AND cancelled = 0");
        if (!q) return q.error();
        q->bind_i64(timer_id).bind_i64(handoff_id);
        if (auto s = q->run(); !s) return s;
    }
    return ok_status();
}

Result<std::vector<TimerRecord>> SqliteTransaction::timers_of(std::int64_t handoff_id) {
    auto q = c_.query(std::string("SELECT ") + timer_columns +
                      " FROM timers WHERE handoff_id = ? ORDER BY id");
    if (!q) return q.error();
    q->bind_i64(handoff_id);
    return collect<TimerRecord>(*q, read_timer);
}

Status SqliteTransaction::insert_outbox(const std::vector<OutboxRecord>& rows) {
    if (auto s = require_writable("insert_outbox"); !s) return s;
    for (const OutboxRecord& o : rows) {
        // An empty key would make every keyless message a duplicate of the first one.
        if (o.dedupe_key.empty()) {
            return make_error(ErrorCode::invalid_argument, "an outbox row needs a dedupe key",
                              "dedupe_key");
        }
        auto payload = dump_json(o.payload, "payload");
        if (!payload) return payload.error();
        auto q = c_.query(
            "INSERT INTO outbox (handoff_id, channel, target, dedupe_key, payload, status, "
            "attempts, next_attempt_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (dedupe_key) DO NOTHING");
        if (!q) return q.error();
        q->bind_i64(o.handoff_id).bind_text(o.channel).bind_text(o.target);
        q->bind_text(o.dedupe_key).bind_text(*payload).bind_text(o.status);
        q->bind_i64(o.attempts).bind_time(o.next_attempt_at).bind_time(o.created_at);
        if (auto s = q->run(); !s) return s;
    }
    return ok_status();
}

Result<std::vector<OutboxRecord>> SqliteTransaction::outbox_of(std::int64_t handoff_id) {
    auto q = c_.query(std::string("SELECT ") + outbox_columns +
                      " FROM outbox WHERE handoff_id = ? ORDER BY id");
    if (!q) return q.error();
    q->bind_i64(handoff_id);
    return collect<OutboxRecord>(*q, read_outbox);
}

// --- the scheduler and the dispatcher

Result<std::vector<TimerRecord>> SqliteTransaction::due_timers(TimePoint now,
                                                               std::size_t limit) {
    // The partial index timers_due holds exactly the armed timers, in due order.
    auto q = c_.query(std::string("SELECT ") + timer_columns +
                      " FROM timers WHERE fired_ms IS NULL AND cancelled = 0 AND due_ms <= ? "
                      "ORDER BY due_ms, id LIMIT ?");
    if (!q) return q.error();
    q->bind_time(now).bind_i64(page_limit(limit));
    return collect<TimerRecord>(*q, read_timer);
}

Result<bool> SqliteTransaction::fire_timer(std::int64_t timer_id, TimePoint at) {
    if (auto s = require_writable("fire_timer"); !s) return s.error();
    auto q = c_.query(
        "UPDATE timers SET fired_ms = ? WHERE id = ? AND fired_ms IS NULL AND cancelled = 0 "
        "RETURNING id");
    if (!q) return q.error();
    q->bind_time(at).bind_i64(timer_id);
    auto row = q->step();
    if (!row) return row.error();
    const bool fired = *row;
    if (fired) {
        // Drain the statement so that the update completes before the next one.
        auto end = q->step();
        if (!end) return end.error();
    }
    return fired;
}

Result<std::optional<TimePoint>> SqliteTransaction::next_timer_due() {
    auto q = c_.query(
        "SELECT MIN(due_ms) FROM timers WHERE fired_ms IS NULL AND cancelled = 0");
    if (!q) return q.error();
    return q->single_opt_time();
}

Result<std::vector<OutboxRecord>> SqliteTransaction::lease_outbox(TimePoint now,
                                                                  TimePoint lease_until,
                                                                  std::size_t limit) {
    if (auto s = require_writable("lease_outbox"); !s) return s.error();
    std::vector<OutboxRecord> rows;
    {
        auto q = c_.query(std::string("SELECT ") + outbox_columns +
                          " FROM outbox WHERE status = 'pending' AND next_attempt_ms <= ? "
                          "ORDER BY next_attempt_ms, id LIMIT ?");
        if (!q) return q.error();
        q->bind_time(now).bind_i64(page_limit(limit));
        auto due = collect<OutboxRecord>(*q, read_outbox);
        if (!due) return due.error();
        rows = std::move(due).value();
    }
    for (OutboxRecord& o : rows) {
        auto q = c_.query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ? WHERE id = ?");
        if (!q) return q.error();
        q->bind_time(lease_until).bind_i64(o.id);
        if (auto s = q->run(); !s) return s.error();
        o.attempts += 1;
        o.next_attempt_at = lease_until;
    }
    return rows;
}

Status SqliteTransaction::settle_outbox(std::int64_t id, const std::string& status,
                                        TimePoint next_attempt_at,
                                        const std::string& last_error,
                                        std::optional<TimePoint> delivered_at) {
    if (auto s = require_writable("settle_outbox"); !s) return s;
    if (status != "pending" && status != "delivered" && status != "failed") {
        return make_error(ErrorCode::invalid_argument,
                          "an outbox status is pending, delivered or failed, not '" + status + "'",
                          "status");
    }
    auto q = c_.query(
        "UPDATE outbox SET status = ?, next_attempt_ms = ?, last_error = ?, delivered_ms = ? "
        "WHERE id = ? RETURNING id");
    if (!q) return q.error();
    q->bind_text(status).bind_time(next_attempt_at).bind_text(last_error);
    q->bind_opt_time(delivered_at).bind_i64(id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) {
        return make_error(ErrorCode::not_found, "no outbox row " + std::to_string(id), "id");
    }
    auto end = q->step();
    if (!end) return end.error();
    return ok_status();
}

Result<std::optional<TimePoint>> SqliteTransaction::next_outbox_due() {
    auto q = c_.query("SELECT MIN(next_attempt_ms) FROM outbox WHERE status = 'pending'");
    if (!q) return q.error();
    return q->single_opt_time();
}

Result<std::map<std::string, std::int64_t>> SqliteTransaction::count_outbox_by_status() {
    std::map<std::string, std::int64_t> counts{{"pending", 0}, {"delivered", 0}, {"failed", 0}};
    auto q = c_.query("SELECT status, COUNT(*) FROM outbox GROUP BY status");
    if (!q) return q.error();
    for (;;) {
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) return counts;
        Row r(*q, "outbox");
        const std::string status = r.text();
        const std::int64_t count = r.i64();
        if (auto s = r.finish(); !s) return s.error();
        counts[status] = count;
    }
}

// --- owner resolution

Result<std::int64_t> SqliteTransaction::next_assignment(const std::string& team) {
    if (auto s = require_writable("next_assignment"); !s) return s.error();
    auto q = c_.query(
        "INSERT INTO assignment_counters (team, counter) VALUES (?, 1) "
        "ON CONFLICT (team) DO UPDATE SET counter = counter + 1 RETURNING counter - 1");
    if (!q) return q.error();
    q->bind_text(team);
    return q->single_i64();
}

Result<std::int64_t> SqliteTransaction::peek_assignment(const std::string& team) {
    auto q =
        c_.query("SELECT COALESCE((SELECT counter FROM assignment_counters WHERE team = ?), 0)");
    if (!q) return q.error();
    q->bind_text(team);
    return q->single_i64();
}

Result<std::map<std::string, int>> SqliteTransaction::open_handoff_counts(
    const std::vector<std::string>& handles) {
    std::map<std::string, int> counts;
    for (const std::string& handle : handles) counts[handle] = 0;
    if (handles.empty()) return counts;
    auto list = dump_json(nlohmann::json(handles), "handles");
    if (!list) return list.error();
    auto q = c_.query(
        "SELECT owner, COUNT(*) FROM handoffs WHERE state IN ('waiting', 'accepted') "
        "AND owner IN (SELECT value FROM json_each(?)) GROUP BY owner");
    if (!q) return q.error();
    q->bind_text(*list);
    for (;;) {
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) return counts;
        Row r(*q, "handoffs");
        std::string owner = r.text();
        const int count = r.i32();
        if (auto s = r.finish(); !s) return s.error();
        counts[owner] = count;
    }
}

// --- configuration version

Result<std::int64_t> SqliteTransaction::config_version() {
    auto q = c_.query("SELECT value FROM meta WHERE name = 'config_version'");
    if (!q) return q.error();
    return q->single_i64();
}

// --- metrics

// Every state, so that a state with no handoffs still shows as 0 (a gauge that vanishes
// is read as "unknown", not "none").
constexpr std::array<core::HandoffState, 5> all_handoff_states = {
    core::HandoffState::waiting, core::HandoffState::accepted, core::HandoffState::done,
    core::HandoffState::declined, core::HandoffState::cancelled};

Result<std::map<core::HandoffState, std::int64_t>> SqliteTransaction::count_handoffs_by_state() {
    std::map<core::HandoffState, std::int64_t> counts;
    for (core::HandoffState state : all_handoff_states) counts[state] = 0;
    // Answered from the handoffs_by_state index without touching the rows.
    auto q = c_.query("SELECT state, COUNT(*) FROM handoffs GROUP BY state");
    if (!q) return q.error();
    for (;;) {
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) return counts;
        Row r(*q, "handoffs");
        const std::string state = r.text();
        const std::int64_t count = r.i64();
        if (auto s = r.finish(); !s) return s.error();
        auto parsed = core::parse_handoff_state(state);
        if (!parsed) {
            return corrupt("corrupt row in handoffs: unknown state '" + state + "'");
        }
        counts[*parsed] = count;
    }
}

// --- API tokens

constexpr const char* token_columns = "id, handle, hash, label, created_ms, revoked_ms";

Result<TokenRecord> read_token(const Query& q) {
    Row r(q, "tokens");
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

Result<std::int64_t> SqliteTransaction::insert_token(const TokenRecord& token) {
    if (auto s = require_writable("insert_token"); !s) return s.error();
    // An empty hash is a caller's bug; stored, it would be a token nobody can present.
    if (token.hash.empty()) {
        return make_error(ErrorCode::invalid_argument, "a token needs a hash", "hash");
    }
    auto q = c_.query(
        "INSERT INTO tokens (handle, hash, label, created_ms, revoked_ms) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING");
    if (!q) return q.error();
    q->bind_text(token.handle).bind_text(token.hash).bind_text(token.label);
    q->bind_time(token.created_at).bind_opt_time(token.revoked_at);
    if (auto s = q->run(); !s) return s.error();
    if (sqlite3_changes64(c_.db()) == 0) {
        return make_error(ErrorCode::conflict, "a token with this hash already exists", "hash");
    }
    return sqlite3_last_insert_rowid(c_.db());
}

Status SqliteTransaction::revoke_token(std::int64_t id, TimePoint now) {
    if (auto s = require_writable("revoke_token"); !s) return s;
    {
        auto q = c_.query("UPDATE tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL");
        if (!q) return q.error();
        q->bind_time(now).bind_i64(id);
        if (auto s = q->run(); !s) return s;
        if (sqlite3_changes64(c_.db()) == 1) return ok_status();
    }
    auto exists = c_.query("SELECT COUNT(*) FROM tokens WHERE id = ?");
    if (!exists) return exists.error();
    exists->bind_i64(id);
    auto count = exists->single_i64();
    if (!count) return count.error();
    if (*count == 0) return make_error(ErrorCode::not_found, "no token " + std::to_string(id));
    return make_error(ErrorCode::conflict, "token " + std::to_string(id) + " is already revoked");
}

Result<std::optional<TokenRecord>> SqliteTransaction::token_by_hash(const std::string& hash) {
    auto q = c_.query(std::string("SELECT ") + token_columns + " FROM tokens WHERE hash = ?");
    if (!q) return q.error();
    q->bind_text(hash);
    auto rows = collect<TokenRecord>(*q, read_token);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<TokenRecord>();
    return std::optional<TokenRecord>(std::move(rows->front()));
}

Result<std::vector<TokenRecord>> SqliteTransaction::list_tokens() {
    auto q = c_.query(std::string("SELECT ") + token_columns + " FROM tokens ORDER BY id");
    if (!q) return q.error();
    return collect<TokenRecord>(*q, read_token);
}

// --- idempotency keys

Result<std::optional<IdempotencyRecord>> SqliteTransaction::idempotency(const std::string& scope,
                                                                        const std::string& key) {
    auto q = c_.query(
        "SELECT scope, key, request_hash, status, response_body, created_ms FROM idempotency "
        "WHERE scope = ? AND key = ?");
    if (!q) return q.error();
    q->bind_text(scope).bind_text(key);
    auto rows = collect<IdempotencyRecord>(*q, [](const Query& query) {
        Row r(query, "idempotency");
        IdempotencyRecord record;
        record.scope = r.text();
        record.key = r.text();
        record.request_hash = r.text();
        record.status = r.i32();
        record.response_body = r.text();
        record.created_at = r.time();
        if (auto s = r.finish(); !s) return Result<IdempotencyRecord>(s.error());
        return Result<IdempotencyRecord>(std::move(record));
    });
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<IdempotencyRecord>();
    return std::optional<IdempotencyRecord>(std::move(rows->front()));
}

Status SqliteTransaction::put_idempotency(const IdempotencyRecord& record) {
    if (auto s = require_writable("put_idempotency"); !s) return s;
    auto q = c_.query(
        "INSERT INTO idempotency (scope, key, request_hash, status, response_body, created_ms) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING");
    if (!q) return q.error();
    q->bind_text(record.scope).bind_text(record.key).bind_text(record.request_hash);
    q->bind_i64(record.status).bind_text(record.response_body).bind_time(record.created_at);
    if (auto s = q->run(); !s) return s;
    if (sqlite3_changes64(c_.db()) == 0) {
        return make_error(ErrorCode::conflict,
                          "idempotency key '" + record.key + "' is already stored", "key");
    }
    return ok_status();
}

Result<std::int64_t> SqliteTransaction::expire_idempotency(TimePoint before,
                                                          TimePoint links_before,
                                                          std::size_t limit) {
    if (auto s = require_writable("expire_idempotency"); !s) return s.error();
    // idempotency_by_created keeps this an index range scan, however many keys are kept.
    auto q = c_.query(
        "DELETE FROM idempotency WHERE (scope, key) IN (SELECT scope, key FROM idempotency "
        "WHERE created_ms < CASE WHEN scope = 'link' THEN ?2 ELSE ?1 END "
        "ORDER BY created_ms LIMIT ?3)");
    if (!q) return q.error();
    q->bind_time(before).bind_time(links_before).bind_i64(page_limit(limit));
    if (auto s = q->run(); !s) return s.error();
    return static_cast<std::int64_t>(sqlite3_changes64(c_.db()));
}

// --- live updates

Result<std::vector<HandoffChange>> SqliteTransaction::handoff_changes(std::int64_t after_seq,
                                                                      std::size_t limit) {
    std::vector<std::pair<std::int64_t, std::int64_t>> changed;  // (seq, id)
    {
        auto q = c_.query(
            "SELECT change_seq, id FROM handoffs WHERE change_seq > ? ORDER BY change_seq "
            "LIMIT ?");
        if (!q) return q.error();
        q->bind_i64(after_seq).bind_i64(page_limit(limit));
        auto rows = collect<std::pair<std::int64_t, std::int64_t>>(*q, [](const Query& query) {
            Row r(query, "handoffs");
            const std::int64_t seq = r.i64();
            const std::int64_t id = r.i64();
            if (auto s = r.finish(); !s) {
                return Result<std::pair<std::int64_t, std::int64_t>>(s.error());
            }
            return Result<std::pair<std::int64_t, std::int64_t>>(std::make_pair(seq, id));
        });
        if (!rows) return rows.error();
        changed = std::move(*rows);
    }
    std::vector<HandoffChange> out;
    out.reserve(changed.size());
    for (const auto& [seq, id] : changed) {
        auto h = handoff(id, false);
        if (!h) return h.error();
        if (!*h) return corrupt("handoff " + std::to_string(id) + " vanished while read");
        out.push_back({seq, std::move(**h)});
    }
    return out;
}

Result<std::int64_t> SqliteTransaction::last_change_seq() {
    auto q = c_.query("SELECT value FROM meta WHERE name = 'change_seq'");
    if (!q) return q.error();
    return q->single_i64();
}

// --- passwords and sessions

Status SqliteTransaction::put_password(const std::string& handle, const std::string& hash,
                                       TimePoint at) {
    if (auto s = require_writable("put_password"); !s) return s;
    if (handle.empty() || hash.empty()) {
        return make_error(ErrorCode::invalid_argument, "a password needs a handle and a hash",
                          handle.empty() ? "handle" : "hash");
    }
    auto q = c_.query(
        "INSERT INTO passwords (handle, hash, updated_ms) VALUES (?, ?, ?) "
        "ON CONFLICT (handle) DO UPDATE SET hash = excluded.hash, "
        "updated_ms = excluded.updated_ms");
    if (!q) return q.error();
    q->bind_text(handle).bind_text(hash).bind_time(at);
    if (auto s = q->run(); !s) return s;
    auto end = c_.query("DELETE FROM sessions WHERE handle = ?");
    if (!end) return end.error();
    end->bind_text(handle);
    return end->run();
}

Result<std::optional<std::string>> SqliteTransaction::password_hash(const std::string& handle) {
    auto q = c_.query("SELECT hash FROM passwords WHERE handle = ?");
    if (!q) return q.error();
    q->bind_text(handle);
    auto rows = collect<std::string>(*q, [](const Query& query) {
        Row r(query, "passwords");
        std::string hash = r.text();
        if (auto s = r.finish(); !s) return Result<std::string>(s.error());
        return Result<std::string>(std::move(hash));
    });
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(rows->front()));
}

Status SqliteTransaction::insert_session(const SessionRecord& session) {
    if (auto s = require_writable("insert_session"); !s) return s;
    if (session.hash.empty()) {
        return make_error(ErrorCode::invalid_argument, "a session needs a hash", "hash");
    }
    auto q = c_.query(
        "INSERT INTO sessions (hash, handle, created_ms, expires_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (hash) DO NOTHING");
    if (!q) return q.error();
    q->bind_text(session.hash).bind_text(session.handle).bind_time(session.created_at);
    q->bind_time(session.expires_at);
    if (auto s = q->run(); !s) return s;
    if (sqlite3_changes64(c_.db()) == 0) {
        return make_error(ErrorCode::conflict, "a session with this hash already exists",
                          "hash");
    }
    return ok_status();
}

Result<std::optional<SessionRecord>> SqliteTransaction::session_by_hash(const std::string& hash) {
    auto q = c_.query(
        "SELECT hash, handle, created_ms, expires_ms FROM sessions WHERE hash = ?");
    if (!q) return q.error();
    q->bind_text(hash);
    auto rows = collect<SessionRecord>(*q, [](const Query& query) {
        Row r(query, "sessions");
        SessionRecord record;
        record.hash = r.text();
        record.handle = r.text();
        record.created_at = r.time();
        record.expires_at = r.time();
        if (auto s = r.finish(); !s) return Result<SessionRecord>(s.error());
        return Result<SessionRecord>(std::move(record));
    });
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<SessionRecord>();
    return std::optional<SessionRecord>(std::move(rows->front()));
}

Status SqliteTransaction::delete_session(const std::string& hash) {
    if (auto s = require_writable("delete_session"); !s) return s;
    auto q = c_.query("DELETE FROM sessions WHERE hash = ?");
    if (!q) return q.error();
    q->bind_text(hash);
    return q->run();
}

Result<std::int64_t> SqliteTransaction::expire_sessions(TimePoint now, std::size_t limit) {
    if (auto s = require_writable("expire_sessions"); !s) return s.error();
    auto q = c_.query(
        "DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions WHERE expires_ms <= ? "
        "ORDER BY expires_ms LIMIT ?)");
    if (!q) return q.error();
    q->bind_time(now).bind_i64(page_limit(limit));
    if (auto s = q->run(); !s) return s.error();
    return static_cast<std::int64_t>(sqlite3_changes64(c_.db()));
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

Result<HookDeliveryRecord> read_hook_delivery(const Query& query) {
    Row r(query, "hook_deliveries");
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

Result<std::int64_t> SqliteTransaction::insert_hook_delivery(const HookDeliveryRecord& d) {
    if (auto s = require_writable("insert_hook_delivery"); !s) return s.error();
    auto headers = dump_json(d.headers, "headers");
    if (!headers) return headers.error();
    auto events = dump_json(d.events, "events");
    if (!events) return events.error();
    auto q = c_.query(
        "INSERT INTO hook_deliveries (source, received_ms, outcome, stage, field, message, "
        "verified, method, uri, headers, body, body_partial, events, replay_of, replayed_ms, "
        "replayed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)");
    if (!q) return q.error();
    q->bind_text(d.source).bind_time(d.received_at).bind_text(d.outcome).bind_text(d.stage);
    q->bind_text(d.field).bind_text(d.message).bind_flag(d.verified).bind_text(d.method);
    q->bind_text(d.uri).bind_text(*headers).bind_text(d.body).bind_flag(d.body_partial);
    q->bind_text(*events).bind_i64(d.replay_of);
    if (auto s = q->run(); !s) return s.error();
    const std::int64_t id = sqlite3_last_insert_rowid(c_.db());
    if (d.replay_of == 0 || d.outcome == "refused") return id;
    auto mark = c_.query(
        "UPDATE hook_deliveries SET replayed_ms = ?, replayed_by = ? "
        "WHERE id = ? AND replayed_ms IS NULL");
    if (!mark) return mark.error();
    mark->bind_time(d.received_at).bind_i64(id).bind_i64(d.replay_of);
    if (auto s = mark->run(); !s) return s.error();
    if (sqlite3_changes64(c_.db()) == 1) return id;
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

Result<std::optional<HookDeliveryRecord>> SqliteTransaction::hook_delivery(std::int64_t id) {
    auto q =
        c_.query("SELECT " + hook_delivery_columns(true) + " FROM hook_deliveries WHERE id = ?");
    if (!q) return q.error();
    q->bind_i64(id);
    auto rows = collect<HookDeliveryRecord>(*q, read_hook_delivery);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<HookDeliveryRecord>();
    return std::optional<HookDeliveryRecord>(std::move(rows->front()));
}

Result<std::vector<HookDeliveryRecord>> SqliteTransaction::list_hook_deliveries(
    const HookDeliveryFilter& filter) {
    std::string sql = "SELECT " + hook_delivery_columns(filter.with_content) +
                      " FROM hook_deliveries WHERE id < ?";
    std::vector<Param> params{filter.before_id > 0 ? filter.before_id
                                                   : std::numeric_limits<std::int64_t>::max()};
    if (filter.source) {
        sql += " AND source = ?";
        params.emplace_back(*filter.source);
    }
    if (filter.outcome) {
        sql += " AND outcome = ?";
        params.emplace_back(*filter.outcome);
    }
    sql += " ORDER BY id DESC LIMIT ?";
    params.emplace_back(page_limit(filter.limit));
    auto q = c_.query(sql);
    if (!q) return q.error();
    bind_params(*q, params);
    return collect<HookDeliveryRecord>(*q, read_hook_delivery);
}

Result<std::int64_t> SqliteTransaction::expire_hook_deliveries(TimePoint before,
                                                               std::size_t limit) {
    if (auto s = require_writable("expire_hook_deliveries"); !s) return s.error();
    auto q = c_.query(
        "DELETE FROM hook_deliveries WHERE id IN (SELECT id FROM hook_deliveries "
        "WHERE received_ms < ? ORDER BY received_ms LIMIT ?)");
    if (!q) return q.error();
    q->bind_time(before).bind_i64(page_limit(limit));
    if (auto s = q->run(); !s) return s.error();
    return static_cast<std::int64_t>(sqlite3_changes64(c_.db()));
}

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

// Starts the store's own threads with every signal blocked: they may start before a
// program blocks its stop signals for sigwait (a store is opened first), and a SIGTERM
// delivered to one of them would kill the process instead of stopping it cleanly.
std::thread start_store_thread(std::function<void()> body) {
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    std::thread started(std::move(body));
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return started;
}

// One caller of write() waiting for its callback to be committed and synced. It lives on
// that caller's stack and is linked into the store's queue. The leader that takes it sets
// `taken` (under the queue mutex) and writes `result`; the syncer, once the write-ahead log
// is on disk, sets `done` and notifies `wake` under the queue mutex, so the caller cannot
// see `done`, return and destroy it before the syncer has let go of it.
// A write_async() node instead lives on the heap and owns its callback: the syncer hands
// `result` to `on_done` (outside the queue mutex) and deletes it.
struct PendingWrite {
    explicit PendingWrite(const TransactionFn& callback) : fn(&callback) {}
    PendingWrite(TransactionFn callback, std::function<void(Status)> answer)
        : owned_fn(std::move(callback)), on_done(std::move(answer)), fn(&owned_fn) {}
    const TransactionFn owned_fn;               // write_async only
    const std::function<void(Status)> on_done;  // write_async only
    const TransactionFn* const fn;
    PendingWrite* next = nullptr;  // the queue, then the batch, is a singly linked list
    Status result = ok_status();
    bool taken = false;  // in a batch: a leader owns it until the syncer answers it
    bool done = false;
    std::condition_variable wake;
};

// A batch on its way from the leader to the syncer: its nodes, and whether its COMMIT
// happened (a batch of refusals, or one whose transaction failed, has nothing to sync).
struct CommittedBatch {
    PendingWrite* head = nullptr;
    bool committed = false;
};

class SqliteStore final : public Store {
public:
    explicit SqliteStore(SqliteOptions options) : options_(std::move(options)) {}
    ~SqliteStore() override;

    Status open();
    Status write(const TransactionFn& fn) override;
    void write_async(TransactionFn fn, std::function<void(Status)> done) override;
    Status read(const TransactionFn& fn) override;
    Status backup(const std::string& path) override;
    Status export_rows(RowSink& sink) override;
    Result<CopySummary> import_rows(const RowProducer& produce) override;
    std::string describe() const override { return "sqlite:" + options_.path; }
    std::size_t pending_writes() const override;
    Result<SqliteSettings> settings();
    void fail_commits(int commits_to_skip, int commits_to_fail);
    void fail_syncs(int syncs_to_fail);
    void pause_syncs(bool paused);

private:
    Status configure_writer(Connection& c);
    void lead(const PendingWrite* me, std::unique_lock<std::mutex>& queue_lock);
    void hand_over_leadership();
    void run_committer();
    PendingWrite* take_batch();
    bool commit_batch(PendingWrite* batch);
    bool write_batch(PendingWrite* batch);
    void hand_to_syncer(PendingWrite* batch, bool committed);
    void run_syncer();
    Status sync_wal(bool inject_failure);
    void answer(const std::vector<CommittedBatch>& group, const Status& synced);
    std::optional<Error> broken() const;
    Status run_in_savepoint(const TransactionFn& fn);
    static int on_commit(void* store);
    Result<std::unique_ptr<Connection>> acquire_reader();
    void release_reader(std::unique_ptr<Connection> reader);
    Status copy_into(Connection& source, const std::string& path);

    const SqliteOptions options_;

    // Lock order: a leader takes write_mutex_ only after letting go of queue_mutex_, and
    // nothing takes queue_mutex_ while holding write_mutex_.
    std::mutex write_mutex_;
    std::unique_ptr<Connection> writer_;  // guarded by write_mutex_
    // The leader's thread while it leads, so that a nested write() from inside a callback
    // (which runs on that thread) fails instead of waiting for itself.
    std::atomic<std::thread::id> writer_thread_{};
    std::atomic<std::int64_t> commits_{0};
    std::atomic<std::int64_t> writes_committed_{0};

    mutable std::mutex queue_mutex_;
    PendingWrite* queue_head_ = nullptr;  // guarded by queue_mutex_; oldest first
    PendingWrite* queue_tail_ = nullptr;  // guarded by queue_mutex_
    std::size_t queue_size_ = 0;          // guarded by queue_mutex_
    bool leader_active_ = false;          // guarded by queue_mutex_
    // Leads for write_async() callers, who do not wait: started by the first of them,
    // stopped (after the queue is drained) by the destructor.
    std::thread committer_;                  // guarded by queue_mutex_
    std::condition_variable committer_wake_;
    bool committer_stop_ = false;            // guarded by queue_mutex_

    // The sync stage. The write connection runs with synchronous=NORMAL, so COMMIT writes
    // the WAL frames without an fsync; the syncer thread makes them durable with one
    // fdatasync of the WAL file (wal_fd_, its own descriptor) for every batch committed
    // since its last one, and only then answers their callers. Meanwhile the leader already
    // runs the next batch: the fsync's latency leaves the serial path. Lock order:
    // sync_mutex_ and queue_mutex_ are never held together.
    mutable std::mutex sync_mutex_;
    std::condition_variable sync_wake_;
    std::vector<CommittedBatch> to_sync_;  // guarded by sync_mutex_; oldest first
    bool syncer_stop_ = false;             // guarded by sync_mutex_
    bool syncs_paused_ = false;            // guarded by sync_mutex_ (tests)
    int syncs_to_fail_ = 0;                // guarded by sync_mutex_ (tests)
    // Set for good by the first failed fsync: after one, the kernel may have dropped the
    // dirty pages and a later fsync can succeed without them, so no write is acknowledged
    // again until the store is reopened (PostgreSQL does the same).
    std::atomic<bool> sync_failed_{false};
    std::optional<Error> sync_error_;  // guarded by sync_mutex_
    std::thread syncer_;
    int wal_fd_ = -1;  // set by open(); then only the syncer uses it
    std::string wal_path_;
    std::atomic<std::int64_t> syncs_{0};

    std::mutex faults_mutex_;
    int commits_to_skip_ = 0;  // guarded by faults_mutex_
    int commits_to_fail_ = 0;  // guarded by faults_mutex_

    std::mutex readers_mutex_;
    std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mutex_
};

Status SqliteStore::configure_writer(Connection& c) {
    auto mode = c.pragma_text("PRAGMA journal_mode = WAL");
    if (!mode) return mode.error();
    if (*mode != "wal") {
        return make_error(ErrorCode::unavailable, describe() + ": cannot use WAL mode (got " +
                                                      *mode + "); is it on a network drive?");
    }
    // FULL while open() migrates; NORMAL once the syncer is ready (see open()).
    if (auto s = c.exec("PRAGMA synchronous = FULL"); !s) return s;
    // Each write callback runs in a savepoint, whose statement journal SQLite would
    // otherwise spill to a temporary file page by page (65 pwrite calls per event in the
    // intake benchmark). It only ever holds the undo of an uncommitted savepoint, so memory
    // loses nothing on a crash: durability is the WAL's, synced before any answer.
    if (auto s = c.exec("PRAGMA temp_store = MEMORY"); !s) return s;
    return c.exec("PRAGMA foreign_keys = ON");
}

Status SqliteStore::open() {
    const int flags = SQLITE_OPEN_READWRITE | (options_.create_if_missing ? SQLITE_OPEN_CREATE : 0);
    auto writer = Connection::open(options_.path, flags, options_.busy_timeout_ms);
    if (!writer) return writer.error();
    if (auto version = schema_version(**writer, describe()); !version) return version.error();
    if (auto s = configure_writer(**writer); !s) return s;
    if (auto s = migrate(**writer, describe()); !s) return s;
    // The WAL exists from the first read in WAL mode, and lives as long as this
    // connection: SQLite deletes it only when the last connection to the database closes,
    // and in WAL mode this one holds its shared lock until then.
    const char* wal = sqlite3_filename_wal(sqlite3_db_filename((*writer)->db(), "main"));
    wal_path_ = wal != nullptr ? wal : "";
    wal_fd_ = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) {
        return make_error(ErrorCode::unavailable, describe() + ": cannot open the write-ahead " +
                                                      "log " + wal_path_ + ": " +
                                                      std::strerror(errno));
    }
    // The WAL may be new: its directory entry must be on disk too (with FULL, SQLite would
    // sync the directory at the WAL's first sync).
    const std::string wal_dir = std::filesystem::path(wal_path_).parent_path().string();
    const int dir_fd = ::open(wal_dir.empty() ? "." : wal_dir.c_str(), O_RDONLY | O_CLOEXEC);
    const bool dir_synced = dir_fd >= 0 && ::fsync(dir_fd) == 0;
    if (dir_fd >= 0) ::close(dir_fd);
    if (!dir_synced) {
        return make_error(ErrorCode::unavailable,
                          describe() + ": cannot sync the directory of " + wal_path_);
    }
    // From here on COMMIT does not fsync: the syncer does, before anyone is answered.
    // Checkpoints still sync the WAL before copying it into the database, and the database
    // after (SQLite's NORMAL), so what the syncer made durable stays durable.
    if (auto s = (*writer)->exec("PRAGMA synchronous = NORMAL"); !s) return s;
    writer_ = std::move(*writer);
    sqlite3_commit_hook(writer_->db(), &SqliteStore::on_commit, this);
    syncer_ = start_store_thread([this] { run_syncer(); });
    return ok_status();
}

// The fault injection of sqlite_fail_commits; a non-zero answer turns the COMMIT into a
// rollback. Runs on the write connection, inside COMMIT.
int SqliteStore::on_commit(void* store) {
    auto* self = static_cast<SqliteStore*>(store);
    std::lock_guard lock(self->faults_mutex_);
    if (self->commits_to_skip_ > 0) {
        --self->commits_to_skip_;
        return 0;
    }
    if (self->commits_to_fail_ > 0) {
        --self->commits_to_fail_;
        return 1;
    }
    return 0;
}

void SqliteStore::fail_commits(int commits_to_skip, int commits_to_fail) {
    std::lock_guard lock(faults_mutex_);
    commits_to_skip_ = std::max(commits_to_skip, 0);
    commits_to_fail_ = std::max(commits_to_fail, 0);
}

void SqliteStore::fail_syncs(int syncs_to_fail) {
    std::lock_guard lock(sync_mutex_);
    syncs_to_fail_ = std::max(syncs_to_fail, 0);
}

void SqliteStore::pause_syncs(bool paused) {
    {
        std::lock_guard lock(sync_mutex_);
        syncs_paused_ = paused;
    }
    sync_wake_.notify_one();
}

// Transaction control on the write connection through cached statements: they run a few
// times per batch and per callback, and sqlite3_exec would parse them every time.
template <std::size_t N>
Status run_prepared(Connection& c, const char (&sql)[N]) {
    auto q = c.query(sql);
    if (!q) return q.error();
    return q->run();
}

Status SqliteStore::run_in_savepoint(const TransactionFn& fn) {
    if (auto s = run_prepared(*writer_, "SAVEPOINT write_item"); !s) return s;
    SqliteTransaction tx(*writer_, /*writable=*/true);
    Status result = run_callback(fn, tx);
    // If SQLite already rolled the whole transaction back (some I/O errors do), there is
    // no savepoint left to release; write_batch notices and fails the batch.
    if (!writer_->in_transaction()) return result;
    if (!result) {
        if (auto s = run_prepared(*writer_, "ROLLBACK TO write_item"); !s) return s;
    }
    if (auto s = run_prepared(*writer_, "RELEASE write_item"); !s) return s;
    return result;
}

// Runs each callback of the batch in its own savepoint inside one BEGIN IMMEDIATE ...
// COMMIT and leaves each one's Status in its PendingWrite: one callback's failure undoes
// only its own work, and all of them share one fsync. When the transaction as a whole
// fails (BEGIN, COMMIT, or SQLite rolling it back), every callback gets that error: none
// of their work is kept. The leader owns the batch's nodes until it hands them to the syncer.
bool SqliteStore::write_batch(PendingWrite* batch) {
    // When the batch as a whole fails, a callback that had failed on its own keeps its own
    // error (a refusal stays a refusal: nothing of it was kept either way); the others get
    // the batch's error.
    auto fail_all = [&](const Error& error) {
        writer_->rollback_quietly();
        for (PendingWrite* p = batch; p != nullptr; p = p->next) {
            if (p->result) p->result = error;
        }
        return false;
    };
    if (auto s = run_prepared(*writer_, "BEGIN IMMEDIATE"); !s) return fail_all(s.error());
    std::int64_t succeeded = 0;
    for (PendingWrite* p = batch; p != nullptr; p = p->next) {
        p->result = run_in_savepoint(*p->fn);
        if (!writer_->in_transaction()) {
            return fail_all(make_error(ErrorCode::unavailable,
                                       "sqlite: the transaction was rolled back by the "
                                       "database: " + std::string(sqlite3_errmsg(writer_->db()))));
        }
        if (p->result) ++succeeded;
    }
    // Nothing to keep: no COMMIT (and no fsync) for a batch of refusals.
    if (succeeded == 0) {
        writer_->rollback_quietly();
        return false;
    }
    if (auto s = run_prepared(*writer_, "COMMIT"); !s) {
        // The transaction did not become durable: whatever SQLite calls it, the callers may
        // retry (Store errors are unavailable or corrupt).
        Error error = s.error();
        if (error.code != ErrorCode::corrupt) error.code = ErrorCode::unavailable;
        return fail_all(error);
    }
    commits_.fetch_add(1);
    writes_committed_.fetch_add(succeeded);
    return true;
}

// Whether the batch's COMMIT happened (and so has something for the syncer to make durable).
bool SqliteStore::commit_batch(PendingWrite* batch) {
    std::lock_guard lock(write_mutex_);
    try {
        return write_batch(batch);
    } catch (const std::exception& e) {
        // Whatever ran is undone as a whole, so every callback of the batch failed.
        writer_->rollback_quietly();
        const Error error = make_error(ErrorCode::internal, std::string("sqlite: ") + e.what());
        for (PendingWrite* p = batch; p != nullptr; p = p->next) p->result = error;
        return false;
    }
}

// Detaches up to write_batch_max callbacks from the front of the queue (oldest first).
// Called by the leader with queue_mutex_ held; the queue is never empty here because the
// leader's own callback is still in it.
PendingWrite* SqliteStore::take_batch() {
    BATON_ASSERT(queue_head_ != nullptr);
    PendingWrite* first = queue_head_;
    PendingWrite* last = first;
    std::size_t taken = 1;
    while (taken < options_.write_batch_max && last->next != nullptr) {
        last = last->next;
        ++taken;
    }
    queue_head_ = last->next;
    if (queue_head_ == nullptr) queue_tail_ = nullptr;
    last->next = nullptr;
    queue_size_ -= taken;
    for (PendingWrite* p = first; p != nullptr; p = p->next) p->taken = true;
    return first;
}

// The leader commits batches from the front of the queue until its own callback has been
// committed (older callbacks may be ahead of it), handing each batch to the syncer as soon
// as its COMMIT returned, then hands leadership to the oldest waiter. Writers that arrive
// meanwhile queue up for the next batch: that is where the sharing comes from. The
// committer thread leads with `me` null: until the queue is empty.
void SqliteStore::lead(const PendingWrite* me, std::unique_lock<std::mutex>& queue_lock) {
    leader_active_ = true;
    writer_thread_.store(std::this_thread::get_id());
    while (me != nullptr ? !me->taken : queue_head_ != nullptr) {
        PendingWrite* batch = take_batch();
        queue_lock.unlock();
        hand_to_syncer(batch, commit_batch(batch));
        queue_lock.lock();
    }
    writer_thread_.store(std::thread::id());
    leader_active_ = false;
    hand_over_leadership();
}

void SqliteStore::hand_to_syncer(PendingWrite* batch, bool committed) {
    {
        std::lock_guard lock(sync_mutex_);
        to_sync_.push_back({batch, committed});
    }
    sync_wake_.notify_one();
}

// One fdatasync of the WAL covers every batch whose COMMIT returned before it started: the
// syncer takes the batches first, then syncs. A WAL that is no longer linked (deleted under
// us) cannot be synced meaningfully, and says so.
Status SqliteStore::sync_wal(bool inject_failure) {
    if (inject_failure) {
        return make_error(ErrorCode::unavailable,
                          describe() + ": fdatasync of " + wal_path_ + " failed: injected fault");
    }
    struct stat info {};
    if (::fstat(wal_fd_, &info) != 0 || info.st_nlink == 0) {
        return make_error(ErrorCode::unavailable, describe() + ": the write-ahead log " +
                                                      wal_path_ + " was removed while open");
    }
    if (::fdatasync(wal_fd_) != 0) {
        return make_error(ErrorCode::unavailable, describe() + ": fdatasync of " + wal_path_ +
                                                      " failed: " + std::strerror(errno));
    }
    syncs_.fetch_add(1);
    return ok_status();
}

// Answers every write of `group`: each with its own result, unless its batch committed
// and the sync failed, when a success becomes that failure (it was never acknowledged, so
// a retry is right; a retried event meets its own row and is answered as a duplicate).
void SqliteStore::answer(const std::vector<CommittedBatch>& group, const Status& synced) {
    PendingWrite* waiting = nullptr;
    for (const CommittedBatch& batch : group) {
        for (PendingWrite* p = batch.head; p != nullptr;) {
            PendingWrite* next = p->next;
            if (batch.committed && !synced && p->result) p->result = synced.error();
            if (p->on_done) {
                try {
                    p->on_done(std::move(p->result));
                } catch (...) {
                    // An answer that cannot be handed on is the caller's loss, not the
                    // batch's: every write of it is durable.
                }
                delete p;
            } else {
                p->next = waiting;
                waiting = p;
            }
            p = next;
        }
    }
    if (waiting == nullptr) return;
    std::lock_guard queue_lock(queue_mutex_);
    for (PendingWrite* p = waiting; p != nullptr;) {
        PendingWrite* next = p->next;  // read first: a woken caller may free its node
        p->done = true;
        p->wake.notify_one();
        p = next;
    }
}

void SqliteStore::run_syncer() {
    std::unique_lock lock(sync_mutex_);
    for (;;) {
        sync_wake_.wait(lock, [&] {
            return (!to_sync_.empty() && (!syncs_paused_ || syncer_stop_)) ||
                   (syncer_stop_ && to_sync_.empty());
        });
        if (to_sync_.empty()) return;  // told to stop, and every batch is answered
        std::vector<CommittedBatch> group;
        group.swap(to_sync_);
        const bool inject = syncs_to_fail_ > 0;
        if (inject) --syncs_to_fail_;
        const bool failed_before = sync_error_.has_value();
        lock.unlock();
        Status synced = ok_status();
        if (failed_before) {
            synced = broken().value();
        } else if (std::any_of(group.begin(), group.end(),
                               [](const CommittedBatch& b) { return b.committed; })) {
            synced = sync_wal(inject);
        }
        if (!synced && !failed_before) {
            std::lock_guard relock(sync_mutex_);
            sync_error_ = make_error(ErrorCode::unavailable,
                                     synced.error().message +
                                         "; no write is acknowledged until the store is reopened");
            sync_failed_.store(true);
            synced = *sync_error_;
        }
        answer(group, synced);
        lock.lock();
    }
}

std::optional<Error> SqliteStore::broken() const {
    if (!sync_failed_.load()) return std::nullopt;
    std::lock_guard lock(sync_mutex_);
    return sync_error_;
}

// With queue_mutex_ held and no leader: wakes whoever should lead the queue's next batch,
// the oldest caller of write() if it is at the front, else the committer thread (which
// also waits for an empty queue when it is told to stop).
void SqliteStore::hand_over_leadership() {
    if (queue_head_ != nullptr && !queue_head_->on_done) {
        queue_head_->wake.notify_one();
    } else {
        committer_wake_.notify_one();
    }
}

void SqliteStore::run_committer() {
    std::unique_lock queue_lock(queue_mutex_);
    for (;;) {
        committer_wake_.wait(queue_lock, [&] {
            return (queue_head_ != nullptr && !leader_active_) ||
                   (committer_stop_ && queue_head_ == nullptr);
        });
        if (queue_head_ == nullptr) return;  // told to stop, and every write is answered
        lead(nullptr, queue_lock);
    }
}

SqliteStore::~SqliteStore() {
    std::thread committer;
    {
        std::lock_guard lock(queue_mutex_);
        committer_stop_ = true;
        committer = std::move(committer_);
    }
    committer_wake_.notify_one();
    if (committer.joinable()) committer.join();
    // Every batch is now with the syncer, which answers them all before it stops.
    {
        std::lock_guard lock(sync_mutex_);
        syncer_stop_ = true;
    }
    sync_wake_.notify_one();
    if (syncer_.joinable()) syncer_.join();
    if (wal_fd_ >= 0) ::close(wal_fd_);
}

// Queues `fn` like write() but returns at once; the committer thread leads the batches
// that no caller of write() is waiting to lead.
void SqliteStore::write_async(TransactionFn fn, std::function<void(Status)> done) {
    auto node = std::make_unique<PendingWrite>(std::move(fn), std::move(done));
    if (auto error = broken()) return node->on_done(std::move(*error));
    std::unique_lock queue_lock(queue_mutex_);
    if (queue_size_ >= options_.write_queue_max || committer_stop_) {
        const std::string why = committer_stop_ ? "the store is closing"
                                                : "write queue full (" +
                                                      std::to_string(queue_size_) +
                                                      " writes waiting); try again shortly";
        queue_lock.unlock();
        node->on_done(make_error(ErrorCode::unavailable, why));
        return;
    }
    if (!committer_.joinable()) committer_ = start_store_thread([this] { run_committer(); });
    PendingWrite* raw = node.release();
    if (queue_tail_ == nullptr) {
        queue_head_ = raw;
    } else {
        queue_tail_->next = raw;
    }
    queue_tail_ = raw;
    ++queue_size_;
    if (!leader_active_) committer_wake_.notify_one();
}

// Group commit, leader/follower with no thread of its own: the caller queues its callback;
// if no leader is running it becomes the leader (see lead), otherwise it waits until a
// leader has committed its callback or leadership is free. A full queue is refused at once
// so that overload shows as a quick, retryable error rather than unbounded waiting.
Status SqliteStore::write(const TransactionFn& fn) {
    if (writer_thread_.load() == std::this_thread::get_id()) {
        return make_error(ErrorCode::internal,
                          "write() was called inside a write callback; use its Transaction");
    }
    if (auto error = broken()) return std::move(*error);
    PendingWrite me(fn);
    std::unique_lock queue_lock(queue_mutex_);
    if (queue_size_ >= options_.write_queue_max) {
        return make_error(ErrorCode::unavailable,
                          "write queue full (" + std::to_string(queue_size_) +
                              " writes waiting); try again shortly");
    }
    if (queue_tail_ == nullptr) {
        queue_head_ = &me;
    } else {
        queue_tail_->next = &me;
    }
    queue_tail_ = &me;
    ++queue_size_;
    // Wait to be answered, or to lead while the callback is still queued; after leading,
    // the callback is committed and waits for the syncer like the others.
    for (;;) {
        me.wake.wait(queue_lock, [&] { return me.done || (!me.taken && !leader_active_); });
        if (me.done) return std::move(me.result);
        lead(&me, queue_lock);
    }
}

std::size_t SqliteStore::pending_writes() const {
    std::lock_guard lock(queue_mutex_);
    return queue_size_;
}

Result<std::unique_ptr<Connection>> SqliteStore::acquire_reader() {
    {
        std::lock_guard lock(readers_mutex_);
        if (!idle_readers_.empty()) {
            auto reader = std::move(idle_readers_.back());
            idle_readers_.pop_back();
            return reader;
        }
    }
    auto reader = Connection::open(options_.path, SQLITE_OPEN_READWRITE, options_.busy_timeout_ms);
    if (!reader) return reader.error();
    // query_only: a reader cannot write even if a bug tried to.
    if (auto s = (*reader)->exec("PRAGMA foreign_keys = ON; PRAGMA query_only = ON"); !s) {
        return s.error();
    }
    return reader;
}

void SqliteStore::release_reader(std::unique_ptr<Connection> reader) {
    reader->rollback_quietly();
    if (reader->in_transaction()) return;  // something is wrong with it: close it
    std::lock_guard lock(readers_mutex_);
    if (idle_readers_.size() < idle_readers_max) idle_readers_.push_back(std::move(reader));
}

Status SqliteStore::read(const TransactionFn& fn) {
    try {
        auto reader = acquire_reader();
        if (!reader) return reader.error();
        Connection& c = **reader;
        Status result = [&]() -> Status {
            // A deferred transaction: its snapshot starts at the first read and holds to
            // the end, so everything the callback reads is one consistent state.
            if (auto s = c.exec("BEGIN"); !s) return s;
            SqliteTransaction tx(c, /*writable=*/false);
            Status inner = run_callback(fn, tx);
            if (auto s = c.exec(inner ? "COMMIT" : "ROLLBACK"); !s && inner) return s;
            return inner;
        }();
        release_reader(std::move(*reader));
        return result;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("sqlite: ") + e.what());
    }
}

Status SqliteStore::copy_into(Connection& source, const std::string& path) {
    auto target = Connection::open(path, SQLITE_OPEN_READWRITE, options_.busy_timeout_ms);
    if (!target) return target.error();
    sqlite3* dest = (*target)->db();
    sqlite3_backup* backup = sqlite3_backup_init(dest, "main", source.db(), "main");
    if (backup == nullptr) return sqlite_error(dest, sqlite3_errcode(dest), "backup");
    // All pages in one step: one read transaction on the source, so the copy is one
    // consistent snapshot while writers carry on (WAL).
    const int rc = sqlite3_backup_step(backup, -1);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) return sqlite_error(dest, rc, "backup to " + path);
    return ok_status();
}

Status SqliteStore::backup(const std::string& path) {
    if (auto claimed = claim_backup_file(path); !claimed) return claimed;
    Status result = [&]() -> Status {
        try {
            auto reader = acquire_reader();
            if (!reader) return reader.error();
            Status copied = copy_into(**reader, path);
            release_reader(std::move(*reader));
            return copied;
        } catch (const std::exception& e) {
            return make_error(ErrorCode::internal, e.what());
        }
    }();
    if (!result) {
        std::error_code ignored;
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
            std::filesystem::remove(path + suffix, ignored);
        }
    }
    return result;
}

// ---------------------------------------------------------------------------------------
// Table-level copy (store/copy.h)

// Every "table.column" of the database, for copy::check_catalogue.
Result<std::vector<std::string>> catalogue(Connection& c) {
    auto q = c.query(
        "SELECT m.name || '.' || p.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS p "
        "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'");
    if (!q) return q.error();
    std::vector<std::string> out;
    for (;;) {
        auto more = q->step();
        if (!more) return more.error();
        if (!*more) return out;
        Row r(*q, "sqlite_schema");
        out.push_back(r.text());
        if (auto s = r.finish(); !s) return s.error();
    }
}

// One table's rows, in key order, each value checked against the column's type.
Status export_table(Connection& c, const copy::Table& table, RowSink& sink) {
    if (auto s = sink.table(std::string(table.name), copy::column_names(table)); !s) return s;
    auto q = c.query("SELECT " + copy::column_list(table) + " FROM " + std::string(table.name) +
                     " ORDER BY " + copy::key_order(table, ""));
    if (!q) return q.error();
    std::vector<CopyValue> values(table.columns.size());
    for (;;) {
        auto more = q->step();
        if (!more) return more.error();
        if (!*more) return ok_status();
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            const int col = static_cast<int>(i);
            const int type = sqlite3_column_type(q->stmt(), col);
            const bool integer = table.columns[i].type == copy::ColumnType::integer;
            if (type == SQLITE_NULL) {
                values[i] = std::monostate{};
            } else if (integer && type == SQLITE_INTEGER) {
                values[i] = static_cast<std::int64_t>(sqlite3_column_int64(q->stmt(), col));
            } else if (!integer && type == SQLITE_TEXT) {
                const auto* data =
                    reinterpret_cast<const char*>(sqlite3_column_text(q->stmt(), col));
                values[i] = std::string(
                    data, static_cast<std::size_t>(sqlite3_column_bytes(q->stmt(), col)));
            } else {
                return corrupt("corrupt row in " + std::string(table.name) + ": column " +
                               std::string(table.columns[i].name) + " is not " +
                               (integer ? "an integer" : "text"));
            }
        }
        if (auto s = sink.row(values); !s) return s;
    }
}

// Inside one read transaction: the snapshot starts with the first read (the catalogue) and
// holds to the end, so every table is read at the same moment.
Status export_all(Connection& c, const std::string& describe, RowSink& sink) {
    auto found = catalogue(c);
    if (!found) return found.error();
    if (auto s = copy::check_catalogue(std::move(*found), describe); !s) return s;
    auto version = c.pragma_i64("PRAGMA user_version");
    if (!version) return version.error();
    if (auto s = sink.begin(static_cast<int>(*version)); !s) return s;
    for (const copy::Table& table : copy::tables()) {
        if (auto s = export_table(c, table, sink); !s) return s;
    }
    return sink.end();
}

Status SqliteStore::export_rows(RowSink& sink) {
    try {
        auto reader = acquire_reader();
        if (!reader) return reader.error();
        Connection& c = **reader;
        Status result = [&]() -> Status {
            if (auto s = c.exec("BEGIN"); !s) return s;
            Status inner = export_all(c, describe(), sink);
            if (auto s = c.exec(inner ? "COMMIT" : "ROLLBACK"); !s && inner) return s;
            return inner;
        }();
        release_reader(std::move(*reader));
        return result;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("sqlite: ") + e.what());
    }
}

// Inserts what it is given, as it is, on the write connection inside the import's
// transaction. Rows go in with their own ids; AUTOINCREMENT's sqlite_sequence follows the
// largest inserted id by itself, so new ids continue past the copied ones.
class SqliteImport final : public RowSink {
public:
    SqliteImport(Connection& c, std::string describe)
        : c_(c),
          describe_(std::move(describe)),
          checks_(static_cast<int>(migrations.size()), describe_) {}

    Status check_empty() {
        for (const copy::Table& table : copy::tables()) {
            if (table.counters) continue;
            auto q = c_.query("SELECT EXISTS (SELECT 1 FROM " + std::string(table.name) + ")");
            if (!q) return q.error();
            auto any = q->single_i64();
            if (!any) return any.error();
            if (*any != 0) return copy::not_empty(describe_, table.name);
        }
        return ok_status();
    }

    Status begin(int schema_version) override { return checks_.begin(schema_version); }

    Status table(const std::string& name, const std::vector<std::string>& columns) override {
        auto table = checks_.table(name, columns);
        if (!table) return table.error();
        std::string sql = "INSERT INTO " + name + " (" + copy::column_list(**table) +
                          ") VALUES (";
        for (std::size_t i = 0; i < columns.size(); ++i) sql += i == 0 ? "?" : ", ?";
        sql += ")";
        // The counters exist in every migrated store: the source's values replace them.
        if ((*table)->counters) sql += " ON CONFLICT (name) DO UPDATE SET value = excluded.value";
        insert_sql_ = std::move(sql);
        table_ = std::string(name);
        return ok_status();
    }

    Status row(const std::vector<CopyValue>& values) override {
        if (auto s = checks_.row(values.size()); !s) return s;
        auto q = c_.query(insert_sql_);
        if (!q) return q.error();
        for (const CopyValue& v : values) {
            if (const auto* i = std::get_if<std::int64_t>(&v)) {
                q->bind_i64(*i);
            } else if (const auto* t = std::get_if<std::string>(&v)) {
                q->bind_text(*t);
            } else {
                q->bind_null();
            }
        }
        if (auto s = q->run(); !s) {
            return make_error(s.error().code, "copying into " + table_ + ": " + s.error().message);
        }
        return ok_status();
    }

    Status end() override { return checks_.end(); }

    const copy::ImportChecks& checks() const { return checks_; }

private:
    Connection& c_;
    const std::string describe_;
    copy::ImportChecks checks_;
    std::string insert_sql_;
    std::string table_;
};

Result<CopySummary> SqliteStore::import_rows(const RowProducer& produce) {
    CopySummary summary;
    // One write callback: BEGIN IMMEDIATE holds SQLite's write lock for the whole import,
    // so no other writer (of this process or another) can slip rows in between the check
    // that the store is empty and the commit.
    Status written = write([&](Transaction& tx) -> Status {
        auto* sqlite_tx = dynamic_cast<SqliteTransaction*>(&tx);
        BATON_ASSERT(sqlite_tx != nullptr);  // write() hands its callbacks nothing else
        SqliteImport import(sqlite_tx->connection(), describe());
        if (auto s = import.check_empty(); !s) return s;
        if (auto s = produce(import); !s) return s;
        if (!import.checks().ended()) {
            return make_error(ErrorCode::internal, "copy: the rows ended without end()");
        }
        summary = import.checks().summary();
        return ok_status();
    });
    if (!written) return written.error();
    return summary;
}

Result<SqliteSettings> SqliteStore::settings() {
    std::lock_guard lock(write_mutex_);
    SqliteSettings out;
    auto mode = writer_->pragma_text("PRAGMA journal_mode");
    if (!mode) return mode.error();
    out.journal_mode = *mode;
    auto sync = writer_->pragma_i64("PRAGMA synchronous");
    if (!sync) return sync.error();
    out.synchronous = static_cast<int>(*sync);
    auto keys = writer_->pragma_i64("PRAGMA foreign_keys");
    if (!keys) return keys.error();
    out.foreign_keys = *keys == 1;
    auto busy = writer_->pragma_i64("PRAGMA busy_timeout");
    if (!busy) return busy.error();
    out.busy_timeout_ms = static_cast<int>(*busy);
    out.commits = commits_.load();
    out.writes_committed = writes_committed_.load();
    out.wal_syncs = syncs_.load();
    return out;
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options) {
    // SQLite's memory statistics take a global mutex on every allocation (some twenty
    // thousand a second on the ingest path); nothing here reads them. This only works
    // before SQLite initialises, hence the first open; if something else initialised it
    // already, SQLite refuses and the statistics simply stay on.
    static std::once_flag memstatus_off;
    std::call_once(memstatus_off, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    if (options.path.empty()) {
        return make_error(ErrorCode::invalid_argument, "sqlite: no database path", "path");
    }
    if (options.write_queue_max < 1 || options.write_batch_max < 1) {
        return make_error(ErrorCode::invalid_argument,
                          "sqlite: write_queue_max and write_batch_max must be at least 1",
                          options.write_queue_max < 1 ? "write_queue_max" : "write_batch_max");
    }
    try {
        auto store = std::make_unique<SqliteStore>(options);
        if (auto s = store->open(); !s) return s.error();
        return std::unique_ptr<Store>(std::move(store));
    } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("sqlite: ") + e.what());
    }
}

int sqlite_schema_version() { return static_cast<int>(migrations.size()); }

// The SqliteStore behind `store`, or invalid_argument for a Store open_sqlite did not make.
Result<SqliteStore*> as_sqlite(Store& store) {
    auto* sqlite = dynamic_cast<SqliteStore*>(&store);
    if (sqlite == nullptr) {
        return make_error(ErrorCode::invalid_argument, store.describe() + " is not SQLite");
    }
    return sqlite;
}

Result<SqliteSettings> sqlite_settings(Store& store) {
    auto sqlite = as_sqlite(store);
    if (!sqlite) return sqlite.error();
    return (*sqlite)->settings();
}

Status sqlite_fail_commits(Store& store, int commits_to_skip, int commits_to_fail) {
    auto sqlite = as_sqlite(store);
    if (!sqlite) return sqlite.error();
    (*sqlite)->fail_commits(commits_to_skip, commits_to_fail);
    return ok_status();
}

Status sqlite_fail_syncs(Store& store, int syncs_to_fail) {
    auto sqlite = as_sqlite(store);
    if (!sqlite) return sqlite.error();
    (*sqlite)->fail_syncs(syncs_to_fail);
    return ok_status();
}

Status sqlite_pause_syncs(Store& store, bool paused) {
    auto sqlite = as_sqlite(store);
    if (!sqlite) return sqlite.error();
    (*sqlite)->pause_syncs(paused);
    return ok_status();
}

}  // namespace baton::store
