// SqliteStore: the embedded default Store, one SQLite file in WAL mode, foreign keys on,
// versioned migrations run at open, BEGIN IMMEDIATE for writers and one writer at a time.
// An acknowledged write survives kill -9 and power loss: no caller is answered before an
// fdatasync of the WAL that began after its COMMIT. Thread-safe: readers use their own
// connections; writers share one connection through group commit — concurrent write()
// callers queue their callbacks, one of them (the leader) runs a batch of them in one
// transaction, and a syncer thread makes the batches committed since its last fsync durable
// with one fdatasync and answers each caller with its own Status. COMMIT itself does not
// fsync (synchronous=NORMAL), so the leader runs the next batch while the syncer waits for
// the disk. write_async() callers queue the same way without waiting; a committer thread,
// started by the first of them and joined by the destructor (after the queue is drained),
// leads the batches no write() caller is waiting to lead. Readers may see a committed write
// a few milliseconds before it is durable and acknowledged.
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
    int synchronous = 0;       // 1 = NORMAL: COMMIT writes the WAL, the syncer fsyncs it
    bool foreign_keys = false;
    int busy_timeout_ms = 0;
    // Since open: physical write transactions committed, and the write() callbacks that
    // succeeded in them. Group commit shows as commits < writes_committed under load.
    std::int64_t commits = 0;
    std::int64_t writes_committed = 0;
    // Since open: the syncer's fdatasync calls of the WAL (each covers one or more commits).
    std::int64_t wal_syncs = 0;
};
Result<SqliteSettings> sqlite_settings(Store& store);

// Fault injection for tests of a failing COMMIT: after `commits_to_skip` more COMMITs of
// the write connection succeed, the next `commits_to_fail` fail (SQLite turns them into
// rollbacks through its commit hook), as a failing disk would. Answers invalid_argument
// for a Store that was not made by open_sqlite.
Status sqlite_fail_commits(Store& store, int commits_to_skip, int commits_to_fail);

// Fault injection for tests of a failing fsync: the next `syncs_to_fail` fdatasync calls of
// the WAL fail as a failing disk's would. After the first, the store refuses every write
// (unavailable) until it is reopened.
Status sqlite_fail_syncs(Store& store, int syncs_to_fail);

// For tests that need committed-but-not-yet-durable writes: while paused, the syncer
// neither syncs nor answers (it still does both when the store closes).
Status sqlite_pause_syncs(Store& store, bool paused);

}  // namespace baton::store
