// PostgresStore: the Store on a PostgreSQL database, for when several `baton serve` nodes
// share one database. Versioned migrations run at open (in one transaction, under an
// advisory lock, so two nodes starting together migrate once); a newer schema than this
// binary knows is refused.
//
// Ownership and threading: the store owns a pool of at most `pool_size` libpq connections,
// each with its prepared statements. It is safe to call from several threads; each
// write() or read() takes one connection for its whole transaction and gives it back.
// A write is one READ COMMITTED transaction (no group commit: PostgreSQL runs concurrent
// writers itself); the rows the contract needs exclusively are locked explicitly (see the
// .cpp). A read is a REPEATABLE READ, READ ONLY transaction: one consistent snapshot.
//
// Errors: a lost connection or an unreachable server is unavailable, and the broken
// connection is dropped so that the next call connects afresh; a schema newer than this
// binary, or a database holding other tables, is corrupt.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "store/store.h"

namespace baton::store {

struct PostgresOptions {
    // postgres://user:password@host:port/dbname?sslmode=... (or postgresql://). The
    // password never appears in describe() or in an error message.
    std::string url;
    std::size_t pool_size = 4;        // connections at most; >= 2 lets a read run beside a write
    int connect_timeout_s = 5;        // per connection attempt (the URL may override it)
    int acquire_timeout_ms = 10'000;  // how long a caller waits for a free connection
};

// Connects, checks and migrates the schema. Errors: invalid_argument (not a PostgreSQL
// URL), unavailable (cannot connect), corrupt (not a Baton database, or a newer schema).
Result<std::unique_ptr<Store>> open_postgres(const PostgresOptions& options);

// The schema version this binary migrates to (the same numbering as SQLite's).
int postgres_schema_version();

// The URL without its secrets, as describe() shows it: postgres://user@host:port/dbname.
// invalid_argument when libpq cannot parse it.
Result<std::string> describe_postgres_url(const std::string& url);

}  // namespace baton::store
