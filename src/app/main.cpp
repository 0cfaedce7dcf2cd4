// The baton binary: the only place that wires the modules together — the store (SQLite, or
// PostgreSQL for a postgres:// URL), the system clock, the engine, the CLI, and for the
// CLI's remote mode the HTTP client's RemoteService. It prints what the CLI returns.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/serve.h"
#include "cli/cli.h"
#include "engine/engine.h"
#include "http/remote_service.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using baton::ErrorCode;
using baton::make_error;

// The store a database URL names: sqlite:PATH (or sqlite://PATH), or postgres://... /
// postgresql://... (the schema is created or migrated at open; `create` only matters for a
// SQLite file, which is not created by commands that expect a workspace).
baton::Result<std::unique_ptr<baton::store::Store>> open_store(const std::string& url,
                                                               bool create) {
    if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
        return baton::store::open_postgres({.url = url});
    }
    std::string path;
    if (url.rfind("sqlite://", 0) == 0) {
        path = url.substr(9);
    } else if (url.rfind("sqlite:", 0) == 0) {
        path = url.substr(7);
    } else {
        // Not echoed: a mistyped PostgreSQL URL may carry a password.
        return make_error(ErrorCode::invalid_argument,
                          "unsupported database URL; use sqlite:PATH or postgres://USER@HOST/DB",
                          "db");
    }
    if (path.empty()) return make_error(ErrorCode::invalid_argument, "empty database path", "db");
    std::error_code ec;
    if (!create && !std::filesystem::exists(path, ec)) {
        return make_error(ErrorCode::unavailable,
                          "no Baton database at " + path +
                              " (run `baton init DIR`, or name a workspace with --workspace "
                              "or BATON_HOME, or a database with --db or BATON_DB)",
                          "db");
    }
    return baton::store::open_sqlite({.path = path});
}

baton::Result<baton::engine::Opened> open_engine(const std::string& url, bool create,
                                                 const baton::engine::Clock& clock) {
    auto store = open_store(url, create);
    if (!store) return store.error();
    baton::engine::Opened opened;
    opened.store = std::move(store).value();
    opened.engine = std::make_unique<baton::engine::Engine>(*opened.store, clock);
    return opened;
}

}  // namespace

int main(int argc, char** argv) {
    // Everything Baton writes is private to its user: baton.db holds the link-signing key
    // (a copy mints valid one-click links) and the hashes of every token, and its -wal and
    // -shm, backups and exports hold the same rows. Files 0600, directories 0700.
    umask(077);
    static const baton::engine::SystemClock clock;
    baton::cli::Invocation inv;
    inv.args.assign(argv + 1, argv + argc);
    inv.getenv = [](const char* name) -> const char* { return std::getenv(name); };
    inv.in = &std::cin;
    inv.clock = &clock;
    inv.open_engine = [](const std::string& url, bool create) {
        return open_engine(url, create, clock);
    };
    inv.open_remote = [](const std::string& url, const std::string& token) {
        return baton::http::open_remote({.url = url, .token = token}, clock);
    };
    inv.cwd = ".";
    inv.stdout_is_terminal = isatty(STDOUT_FILENO) == 1;
    inv.serve = baton::app::serve;
    inv.stream = [](const std::string& line) {
        std::cout << line << std::flush;
    };
    const baton::cli::Outcome outcome = baton::cli::run_cli(inv);
    std::cout << outcome.out << std::flush;
    std::cerr << outcome.err << std::flush;
    return outcome.exit_code;
}
