// baton migrate --from URL --to URL: copies a whole store — every table as it is, with its
// ids, history and counters — into an empty database of either kind: SQLite to PostgreSQL,
// PostgreSQL to SQLite, or SQLite to SQLite. The source is read in one consistent snapshot
// (it may stay in use meanwhile); the target is written in one transaction, so it either
// holds the whole copy or nothing. Runs locally, with both databases in reach.
#include "cli/command.h"
#include "core/utf8.h"

namespace baton::cli {

namespace {

// Opens one side, naming it in the error so that the one line says which side failed.
Result<engine::Opened> open_side(Context& ctx, const std::string& url, bool create,
                                 const char* side) {
    auto opened = ctx.open_engine(url, create);
    if (!opened) {
        Error error = opened.error();
        error.message = std::string("the ") + side + ": " + error.message;
        return error;
    }
    return opened;
}

std::string summary_text(const std::string& from, const std::string& to,
                         const store::CopySummary& summary) {
    std::int64_t rows = 0;
    for (const auto& [table, count] : summary.rows) rows += count;
    return "copied " + from + " to " + to + ": " + std::to_string(summary.rows_of("handoffs")) +
           " handoffs, " + std::to_string(summary.rows_of("events")) + " events, " +
           std::to_string(rows) + " rows in " + std::to_string(summary.rows.size()) + " tables\n";
}

Result<std::string> run_migrate(Context& ctx, const Args& args) {
    if (!ctx.open_engine) {
        return make_error(ErrorCode::internal, "this binary cannot open databases");
    }
    // Without --from, the workspace's own database (--db, BATON_DB, or its baton.db).
    const std::string from_url = args.get_or("--from", ctx.db_url);
    const std::string to_url = *args.get("--to");
    auto from = open_side(ctx, from_url, /*create=*/false, "source (--from)");
    if (!from) return from.error();
    // A SQLite target is created when missing; a PostgreSQL one must exist (and be empty).
    auto to = open_side(ctx, to_url, /*create=*/true, "target (--to)");
    if (!to) return to.error();
    const std::string from_name = from->engine->describe_store();
    const std::string to_name = to->engine->describe_store();
    if (from_name == to_name) {
        return make_error(ErrorCode::invalid_argument,
                          "--from and --to name the same database (" + from_name + ")", "to");
    }
    auto copied = from->engine->copy_store_into(*to->engine);
    if (!copied) return copied.error();
    if (ctx.json) {
        nlohmann::json rows = nlohmann::json::object();
        for (const auto& [table, count] : copied->rows) rows[table] = count;
        return core::dump_json({{"from", from_name}, {"to", to_name}, {"rows", rows}}, 2) + "\n";
    }
    return summary_text(from_name, to_name, *copied);
}

}  // namespace

CommandSpec migrate_command() {
    return {"migrate",
            "copy the whole store (every table, ids and history as they are) into an empty "
            "database: SQLite to PostgreSQL or back",
            {{"--from", OptionKind::value,
              "the database to copy, such as sqlite:baton.db (default: the workspace's)"},
             {"--to", OptionKind::value,
              "the empty database to fill, such as postgres://USER@HOST/DB", true}},
            run_migrate,
            /*local_only=*/true};
}

}  // namespace baton::cli
