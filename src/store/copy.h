// The tables a store copy carries (Store::export_rows and import_rows), shared by the SQLite
// and PostgreSQL stores so that both read and write the same list. Both schemas have these
// tables with these columns (PostgreSQL's schema_migrations aside, which describes the
// database rather than the workspace, and SQLite's internal tables).
//
// When a migration adds a table or a column, add it here too: export_rows compares this list
// with the database's own catalogue and refuses to copy a schema it does not fully know, so
// that a forgotten column fails loudly (internal) instead of being silently dropped.
//
// Pure data; no threads, no ownership.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace baton::store::copy {

enum class ColumnType { integer, text };

struct Column {
    std::string_view name;
    ColumnType type;
};

struct Table {
    std::string_view name;
    std::vector<Column> columns;
    // The primary key, in order: rows are exported in this order, which is therefore the
    // same from either store (text keys compare byte-wise, as SQLite does).
    std::vector<std::string_view> key;
    // The column whose values a sequence gives (PostgreSQL's BIGSERIAL, SQLite's rowid):
    // after an import, new values must continue past the copied ones. Empty when none.
    std::string_view serial;
    // Counters rather than data: the rows exist in every freshly migrated store, so the
    // import overwrites them (after the tables whose triggers bump them) instead of adding
    // them, and does not count them when it checks that the target is empty.
    bool counters = false;
};

constexpr ColumnType I = ColumnType::integer;
constexpr ColumnType T = ColumnType::text;

// Parents before children (the foreign keys of checklist_items, timeline, timers and outbox
// name handoffs), and meta last: its config_version is bumped by triggers on
// playbook_versions and documents while they are imported, then set to the source's value.
inline const std::vector<Table>& tables() {
    static const std::vector<Table> all = {
        {"events",
         {{"seq", I},
          {"source", T},
          {"id", T},
          {"type", T},
          {"subject", T},
          {"time_ms", I},
          {"data", T},
          {"received_ms", I},
          {"handoffs_created", I}},
         {"seq"},
         "seq"},
        {"playbook_versions",
         {{"id", T}, {"version", I}, {"yaml", T}, {"file", T}, {"applied_ms", I}},
         {"id", "version"},
         ""},
        {"documents",
         {{"kind", T}, {"version", I}, {"text", T}, {"applied_ms", I}},
         {"kind", "version"},
         ""},
        {"handoffs",
         {{"id", I},           {"playbook_id", T},     {"playbook_version", I},
          {"title", T},        {"subject", T},         {"giver", T},
          {"owner", T},        {"pending_from", T},    {"unowned", I},
          {"state", T},        {"done_definition", T}, {"created_ms", I},
          {"updated_ms", I},   {"accepted_ms", I},     {"closed_ms", I},
          {"accept_by_ms", I}, {"done_by_ms", I},      {"escalation_level", I},
          {"event_source", T}, {"event_id", T},        {"data", T},
          {"revision", I},     {"change_seq", I},      {"escalated_to", T}},
         {"id"},
         "id"},
        {"checklist_items",
         {{"handoff_id", I},
          {"number", I},
          {"text", T},
          {"checked", I},
          {"checked_by", T},
          {"checked_ms", I},
          {"when_type", T}},
         {"handoff_id", "number"},
         ""},
        {"timeline",
         {{"handoff_id", I},
          {"seq", I},
          {"at_ms", I},
          {"actor", T},
          {"kind", T},
          {"text", T},
          {"data", T}},
         {"handoff_id", "seq"},
         ""},
        {"timers",
         {{"id", I},
          {"handoff_id", I},
          {"kind", T},
          {"level", I},
          {"due_ms", I},
          {"fired_ms", I},
          {"cancelled", I},
          {"target", T}},
         {"id"},
         "id"},
        {"outbox",
         {{"id", I},
          {"handoff_id", I},
          {"channel", T},
          {"target", T},
          {"dedupe_key", T},
          {"payload", T},
          {"status", T},
          {"attempts", I},
          {"next_attempt_ms", I},
          {"created_ms", I},
          {"last_error", T},
          {"delivered_ms", I}},
         {"id"},
         "id"},
        {"assignment_counters", {{"team", T}, {"counter", I}}, {"team"}, ""},
        {"tokens",
         {{"id", I},
          {"handle", T},
          {"hash", T},
          {"label", T},
          {"created_ms", I},
          {"revoked_ms", I}},
         {"id"},
         "id"},
        {"idempotency",
         {{"scope", T},
          {"key", T},
          {"request_hash", T},
          {"status", I},
          {"response_body", T},
          {"created_ms", I}},
         {"scope", "key"},
         ""},
        {"passwords", {{"handle", T}, {"hash", T}, {"updated_ms", I}}, {"handle"}, ""},
        {"sessions",
         {{"hash", T}, {"handle", T}, {"created_ms", I}, {"expires_ms", I}},
         {"hash"},
         ""},
        {"hook_deliveries",
         {{"id", I},
          {"source", T},
          {"received_ms", I},
          {"outcome", T},
          {"stage", T},
          {"field", T},
          {"message", T},
          {"verified", I},
          {"method", T},
          {"uri", T},
          {"headers", T},
          {"body", T},
          {"body_partial", I},
          {"events", T},
          {"replay_of", I},
          {"replayed_ms", I},
          {"replayed_by", I}},
         {"id"},
         "id"},
        {"meta", {{"name", T}, {"value", I}}, {"name"}, "", /*counters=*/true},
    };
    return all;
}

// The table called `name`, or null.
inline const Table* find_table(std::string_view name) {
    for (const Table& t : tables()) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

inline std::vector<std::string> column_names(const Table& table) {
    std::vector<std::string> out;
    out.reserve(table.columns.size());
    for (const Column& c : table.columns) out.emplace_back(c.name);
    return out;
}

// "a, b, c": the table's columns for a SELECT or INSERT.
inline std::string column_list(const Table& table) {
    std::string out;
    for (const Column& c : table.columns) {
        if (!out.empty()) out += ", ";
        out += c.name;
    }
    return out;
}

// "a, b": the key for an ORDER BY; `text_suffix` follows each text column (PostgreSQL's
// COLLATE "C", so that text sorts byte-wise as in SQLite).
inline std::string key_order(const Table& table, std::string_view text_suffix) {
    std::string out;
    for (std::string_view k : table.key) {
        if (!out.empty()) out += ", ";
        out += k;
        for (const Column& c : table.columns) {
            if (c.name == k && c.type == ColumnType::text) out += text_suffix;
        }
    }
    return out;
}

// The refusal of a target that holds data: the copy never merges into, or overwrites, a
// workspace.
inline Error not_empty(const std::string& target, std::string_view table) {
    return make_error(ErrorCode::conflict, target + " is not empty (its " + std::string(table) +
                                               " table has rows); copy into a new, empty database");
}

// What an import checks of the stream it is given, the same in both stores: one begin() at
// this store's schema version, every table of tables() once and in that order with exactly
// its columns, rows of the right width, then end(). Counts the rows per table.
class ImportChecks {
public:
    ImportChecks(int schema_version, std::string target)
        : schema_version_(schema_version), target_(std::move(target)) {}

    Status begin(int schema_version) {
        if (begun_) return make_error(ErrorCode::internal, "copy: begin() came twice");
        begun_ = true;
        if (schema_version == schema_version_) return ok_status();
        return make_error(ErrorCode::invalid_argument,
                          "cannot copy rows of schema version " + std::to_string(schema_version) +
                              " into " + target_ + " at schema version " +
                              std::to_string(schema_version_) +
                              ": both databases must be at this baton's version (" +
                              std::to_string(schema_version_) +
                              "; opening a database with this baton migrates it)");
    }

    // The table the rows that follow belong to.
    Result<const Table*> table(const std::string& name, const std::vector<std::string>& columns) {
        if (!begun_ || ended_) return make_error(ErrorCode::internal, "copy: table() outside");
        std::size_t index = 0;
        while (index < tables().size() && tables()[index].name != name) ++index;
        if (index == tables().size()) {
            return make_error(ErrorCode::invalid_argument, "copy: unknown table " + name);
        }
        if (next_ > index) {
            return make_error(ErrorCode::invalid_argument,
                              "copy: table " + name + " came twice or out of order");
        }
        if (next_ < index) {
            return make_error(ErrorCode::invalid_argument, "copy: table " +
                                                               std::string(tables()[next_].name) +
                                                               " is missing (before " + name + ")");
        }
        current_ = &tables()[index];
        if (columns != column_names(*current_)) {
            return make_error(ErrorCode::invalid_argument,
                              "copy: the columns of " + name + " are not this schema's");
        }
        ++next_;
        summary_.rows.emplace_back(name, 0);
        return current_;
    }

    Status row(std::size_t values) {
        if (current_ == nullptr || ended_) {
            return make_error(ErrorCode::internal, "copy: a row outside a table");
        }
        if (values != current_->columns.size()) {
            return make_error(ErrorCode::invalid_argument,
                              "copy: a row of " + std::string(current_->name) + " has " +
                                  std::to_string(values) + " values for " +
                                  std::to_string(current_->columns.size()) + " columns");
        }
        ++summary_.rows.back().second;
        return ok_status();
    }

    Status end() {
        if (!begun_ || ended_) return make_error(ErrorCode::internal, "copy: end() outside");
        if (next_ < tables().size()) {
            return make_error(ErrorCode::invalid_argument,
                              "copy: table " + std::string(tables()[next_].name) +
                                  " is missing (the copy ended before it)");
        }
        ended_ = true;
        return ok_status();
    }

    bool ended() const { return ended_; }
    const CopySummary& summary() const { return summary_; }

private:
    const int schema_version_;
    const std::string target_;
    bool begun_ = false;
    bool ended_ = false;
    std::size_t next_ = 0;  // the index in tables() of the table expected next
    const Table* current_ = nullptr;
    CopySummary summary_;
};

// Compares the tables and columns a database has (as "table.column", any order) with
// tables(): a copy refuses a schema it does not fully know rather than drop a column.
inline Status check_catalogue(std::vector<std::string> found, const std::string& describe) {
    std::vector<std::string> known;
    for (const Table& t : tables()) {
        for (const Column& c : t.columns) {
            known.push_back(std::string(t.name) + "." + std::string(c.name));
        }
    }
    std::sort(found.begin(), found.end());
    std::sort(known.begin(), known.end());
    std::vector<std::string> unknown;
    std::set_difference(found.begin(), found.end(), known.begin(), known.end(),
                        std::back_inserter(unknown));
    std::vector<std::string> missing;
    std::set_difference(known.begin(), known.end(), found.begin(), found.end(),
                        std::back_inserter(missing));
    if (unknown.empty() && missing.empty()) return ok_status();
    return make_error(ErrorCode::internal,
                      "copy: " + describe + (unknown.empty() ? " lacks " : " has ") +
                          (unknown.empty() ? missing.front() : unknown.front()) +
                          ", which src/store/copy.h " +
                          (unknown.empty() ? "expects" : "does not know") + "; nothing was copied");
}

}  // namespace baton::store::copy
