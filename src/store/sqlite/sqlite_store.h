// SqliteStore: the embedded default Store, one SQLite file in WAL mode with
// synchronous=FULL (an acknowledged write survives kill -9 and power loss), foreign keys
// on, versioned migrations run at open, BEGIN IMMEDIATE for writers and one writer at a
// time. Thread-safe: readers use their own connections; writers share one connection
// through group commit — concurrent write() callers queue their callbacks, one of them
// (the leader) runs a batch of them in one transaction with one fsync and answers each
// caller with its own Status. write_async() callers queue the same way without waiting;
// a committer thread, started by the first of them and joined by the destructor (after
// the queue is drained), leads the batches no write() caller is waiting to lead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "store/store.h"

namespace baton::store {

struct SqliteOptions {
    std::string path;                // the database file; created when missing
    int busy_timeout_ms = 5000;      // how long to wait for another process's lock
    bool create_if_missing = true;
    // Group commit. A write() that finds write_queue_max callbacks already waiting fails at
    // once with unavailable ("write queue full ...") instead of queueing without bound;
    // a leader commits at most write_batch_max callbacks in one transaction. Both >= 1.
    std::size_t write_queue_max = 4096;
    std::size_t write_batch_max = 512;
};

// Opens (and migrates) the database. Errors: unavailable (cannot open or lock),
// corrupt (not a Baton database, or a schema newer than this binary knows).
Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options);

// The schema version this binary migrates to.
int sqlite_schema_version();

// The settings the write connection runs with, as SQLite reports them. For diagnostics and
// for the tests that check durability (journal mode and synchronous are per connection, so
// a second connection cannot see them). Answers invalid_argument for a Store that was not
// made by open_sqlite.
struct SqliteSettings {
    std::string journal_mode;  // "wal"
    int synchronous = 0;       // 2 = FULL
    bool foreign_keys = false;
    int busy_timeout_ms = 0;
    // Since open: physical write transactions committed, and the write() callbacks that
    // succeeded in them. Group commit shows as commits < writes_committed under load.
    std::int64_t commits = 0;
    std::int64_t writes_committed = 0;
};
Result<SqliteSettings> sqlite_settings(Store& store);

// Fault injection for tests of a failing COMMIT: after `commits_to_skip` more COMMITs of
// the write connection succeed, the next `commits_to_fail` fail (SQLite turns them into
// rollbacks through its commit hook), as a failing disk would. Answers invalid_argument
// for a Store that was not made by open_sqlite.
Status sqlite_fail_commits(Store& store, int commits_to_skip, int commits_to_fail);

}  // namespace baton::store
