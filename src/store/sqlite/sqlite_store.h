// SqliteStore: the embedded default Store, one SQLite file in WAL mode with
// synchronous=FULL (an acknowledged write survives kill -9 and power loss), foreign keys
// on, versioned migrations run at open, BEGIN IMMEDIATE for writers and one writer at a
// time. Thread-safe: writers are serialised by a mutex; readers use their own connections.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace baton::store {

struct SqliteOptions {
    std::string path;                // the database file; created when missing
    int busy_timeout_ms = 5000;      // how long to wait for another process's lock
    bool create_if_missing = true;
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
};
Result<SqliteSettings> sqlite_settings(Store& store);

}  // namespace baton::store
