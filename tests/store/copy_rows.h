// Test helpers for the table-level copy (Store::export_rows, import_rows): a RowSink that
// collects every row of a store as text, and a comparison of two such collections. Used by
// the Store contract and by the tests that copy between SQLite and PostgreSQL.
// Not thread-safe; one per test.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "store/store.h"

namespace baton::store::testing {

// Every row a store exports, table by table, for comparing two stores row for row.
class CollectedRows final : public RowSink {
public:
    Status begin(int version) override {
        schema_version = version;
        return ok_status();
    }
    Status table(const std::string& name, const std::vector<std::string>& cols) override {
        tables.push_back(name);
        columns[name] = cols;
        current_ = &rows[name];
        return ok_status();
    }
    Status row(const std::vector<CopyValue>& values) override {
        std::string text;
        for (const CopyValue& v : values) {
            if (!text.empty()) text += " | ";
            if (const auto* i = std::get_if<std::int64_t>(&v)) {
                text += std::to_string(*i);
            } else if (const auto* t = std::get_if<std::string>(&v)) {
                text += "'" + *t + "'";
            } else {
                text += "NULL";
            }
        }
        current_->push_back(std::move(text));
        return ok_status();
    }
    Status end() override {
        ended = true;
        return ok_status();
    }

    int schema_version = 0;
    bool ended = false;
    std::vector<std::string> tables;  // in the order they came
    std::map<std::string, std::vector<std::string>> columns;
    std::map<std::string, std::vector<std::string>> rows;  // each row as text, in order

private:
    std::vector<std::string>* current_ = nullptr;
};

inline Result<CollectedRows> export_of(Store& store) {
    CollectedRows collected;
    if (auto s = store.export_rows(collected); !s) return s.error();
    return collected;
}

// Two exports hold the same tables, columns and rows (in the same order).
inline void expect_same_rows(const CollectedRows& got, const CollectedRows& want) {
    EXPECT_EQ(got.schema_version, want.schema_version);
    EXPECT_TRUE(got.ended);
    EXPECT_EQ(got.tables, want.tables);
    EXPECT_EQ(got.columns, want.columns);
    for (const auto& [table, rows] : want.rows) {
        const auto it = got.rows.find(table);
        ASSERT_NE(it, got.rows.end()) << table;
        EXPECT_EQ(it->second, rows) << "the rows of " << table << " differ";
    }
    EXPECT_EQ(got.rows.size(), want.rows.size());
}

}  // namespace baton::store::testing
