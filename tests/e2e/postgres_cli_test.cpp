// The real baton binary on PostgreSQL: `--db postgres://...` and BATON_DB reach the
// PostgreSQL store, and the commands behave as they do on SQLite (the engine and the CLI do
// not know which store they run on); `baton backup` makes a SQLite file of it, also while
// another process writes; `baton migrate` copies a workspace from SQLite and back, and the
// copies answer `list`, `show`, `report`, `relay` and `events` as the source does. The
// server is the test's own (support/pg_cluster.h).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "e2e/run_process.h"
#include "store/copy.h"
#include "support/pg_cluster.h"

namespace baton::test {
namespace {

using json = nlohmann::json;


class PostgresCli : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        cluster_ = baton::testing::shared_pg_cluster(why);
        if (cluster_ == nullptr) GTEST_SKIP() << "no PostgreSQL server for the tests: " << why;
        db_ = cluster_->create_database(why);
        ASSERT_FALSE(db_.empty()) << why;
    }

    ProcessResult baton(std::vector<std::string> args, std::string stdin_text = "",
                        std::map<std::string, std::string> env = {}) {
        RunOptions o;
        o.args = std::move(args);
        o.stdin_text = std::move(stdin_text);
        o.env = std::move(env);
        o.cwd = tmp_.path();
        return run_baton(o);
    }

    // Runs with --db and expects exit 0; answers stdout.
    std::string ok(std::vector<std::string> args, std::string stdin_text = "") {
        args.insert(args.begin(), {"--db", cluster_->url(db_)});
        const auto r = baton(args, std::move(stdin_text));
        EXPECT_EQ(r.exit_code, exit_ok) << describe(r);
        return r.out;
    }

    baton::testing::PgCluster* cluster_ = nullptr;
    std::string db_;
    TempDir tmp_;
};

TEST_F(PostgresCli, ApplyEmitListAcceptAndShow) {
    const std::string examples = source_dir() + "/examples";
    ok({"apply", examples + "/people.yaml", examples + "/playbooks"});
    ok({"emit", "deal.won", "--id", "d-1", "--source", "crm", "--subject", "Zed Corp", "--data",
        R"({"company":"Zed Corp","amount":5000,"pipeline":"services"})"});
    const std::string data = R"({"company":"Zed Corp","amount":5000,"pipeline":"services"})";
    const json dup = json::parse(
        ok({"--json", "emit", "deal.won", "--id", "d-1", "--source", "crm", "--data", data}),
        nullptr, false);
    EXPECT_EQ(dup.value("duplicate", false), true) << dup.dump();

    // BATON_DB names the database as well as --db does.
    const auto listed = baton({"--json", "list", "--all"}, "", {{"BATON_DB", cluster_->url(db_)}});
    ASSERT_EQ(listed.exit_code, exit_ok) << describe(listed);
    const json handoffs = json::parse(listed.out, nullptr, false);
    ASSERT_TRUE(handoffs.is_array()) << listed.out;
    ASSERT_EQ(handoffs.size(), 1u);
    const std::string id = std::to_string(handoffs[0].at("id").get<std::int64_t>());
    const std::string owner = handoffs[0].at("owner").get<std::string>();

    ok({"accept", id, "--as", owner});
    const json shown = json::parse(ok({"--json", "show", id}), nullptr, false);
    EXPECT_EQ(shown.value("state", ""), "accepted") << shown.dump();
    EXPECT_EQ(cluster_->scalar(db_, "SELECT state FROM handoffs"), "accepted");
}

TEST_F(PostgresCli, StoreErrorsAreOneLineWithoutThePassword) {
    const std::string wrong = "postgres://baton:wrong-" + cluster_->password() +
                              "@127.0.0.1:" + std::to_string(cluster_->port()) + "/" + db_;
    const auto refused = baton({"--db", wrong, "list"});
    EXPECT_EQ(refused.exit_code, exit_unavailable) << describe(refused);
    EXPECT_EQ(refused.err.find(cluster_->password()), std::string::npos) << refused.err;
    EXPECT_EQ(refused.out.find(cluster_->password()), std::string::npos) << refused.out;

    // A backup onto an existing file: refused as invalid, and still no password.
    write_text(tmp_ / "taken.db", "x");
    const auto backup = baton({"--db", cluster_->url(db_), "backup", tmp_ / "taken.db"});
    EXPECT_EQ(backup.exit_code, exit_invalid) << describe(backup);
    EXPECT_NE(backup.err.find("already exists"), std::string::npos) << backup.err;
    EXPECT_EQ(backup.err.find(cluster_->password()), std::string::npos) << backup.err;
    EXPECT_EQ(read_text(tmp_ / "taken.db"), "x");
}

// Rows of a query over a SQLite file, each value as text (NULL as "").
std::vector<std::vector<std::string>> sqlite_rows(const std::string& path, const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << "cannot open " << path;
        sqlite3_close(db);
        return rows;
    }
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    } else {
        while (sqlite3_step(statement) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int c = 0; c < sqlite3_column_count(statement); ++c) {
                const auto* text = sqlite3_column_text(statement, c);
                row.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
            }
            rows.push_back(std::move(row));
        }
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return rows;
}

// `baton backup` on PostgreSQL while another process keeps writing (`baton emit`, one event
// after another): each backup must be one moment — its events a prefix of the order they
// were acknowledged in, covering every one acknowledged before the backup began; each
// event with all its handoffs, each handoff with its whole checklist and a timeline
// numbered 1..n from its creation; the change counter past every handoff's; and the file
// opens with `baton --db sqlite:FILE`.
TEST_F(PostgresCli, BackupWhileEventsAreWrittenIsOneConsistentMoment) {
    const std::string examples = source_dir() + "/examples";
    ok({"apply", examples + "/people.yaml", examples + "/playbooks"});
    const std::string pg = cluster_->url(db_);
    std::atomic<bool> stop{false};
    std::atomic<int> acknowledged{0};
    std::thread writer([&] {
        for (int i = 0; !stop.load(); ++i) {
            const std::string company = "Load " + std::to_string(i);
            const json data = {{"company", company}, {"amount", 5000}, {"pipeline", "services"}};
            const auto r = baton({"--db", pg, "emit", "deal.won", "--id",
                                  "load-" + std::to_string(i), "--source", "load", "--subject",
                                  company, "--data", data.dump()});
            if (r.exit_code != exit_ok) {
                ADD_FAILURE() << describe(r);
                return;
            }
            acknowledged.store(i + 1);
        }
    });
    std::vector<std::pair<std::string, int>> backups;
    for (int b = 0; b < 3; ++b) {
        std::this_thread::sleep_for(std::chrono::milliseconds(600));
        const std::string file = tmp_ / ("load-" + std::to_string(b) + ".db");
        const int before = acknowledged.load();
        const auto r = baton({"--db", pg, "backup", file});
        EXPECT_EQ(r.exit_code, exit_ok) << describe(r);
        backups.emplace_back(file, before);
    }
    // The writer goes on past the last backup's start, so every backup ran under load.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (acknowledged.load() <= backups.back().second &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop.store(true);
    writer.join();
    ASSERT_GT(acknowledged.load(), backups.back().second) << "the load was not running";
    ASSERT_GT(backups.back().second, backups.front().second) << "no event between backups";
    std::printf("[   INFO   ] %d events emitted; backups began after %d, %d and %d\n",
                acknowledged.load(), backups[0].second, backups[1].second, backups[2].second);

    for (const auto& [file, before] : backups) {
        SCOPED_TRACE(file);
        EXPECT_EQ(sqlite_rows(file, "PRAGMA integrity_check"),
                  (std::vector<std::vector<std::string>>{{"ok"}}));
        EXPECT_TRUE(sqlite_rows(file, "PRAGMA foreign_key_check").empty());
        const auto events = sqlite_rows(
            file, "SELECT id, handoffs_created FROM events WHERE source = 'load'");
        ASSERT_GE(static_cast<int>(events.size()), before);
        std::set<std::string> ids;
        for (const auto& e : events) ids.insert(e[0]);
        for (int i = 0; i < static_cast<int>(events.size()); ++i) {
            EXPECT_TRUE(ids.count("load-" + std::to_string(i))) << "load-" << i << " missing";
        }
        // Each event's handoffs are all there, as many as it says it created.
        EXPECT_TRUE(sqlite_rows(file,
                                "SELECT e.id FROM events e WHERE e.handoffs_created <> "
                                "(SELECT COUNT(*) FROM handoffs h WHERE h.event_source = "
                                "e.source AND h.event_id = e.id)")
                        .empty());
        // No handoff without its event.
        EXPECT_TRUE(sqlite_rows(file,
                                "SELECT h.id FROM handoffs h WHERE NOT EXISTS (SELECT 1 FROM "
                                "events e WHERE e.source = h.event_source AND e.id = h.event_id)")
                        .empty());
        // Each handoff: three checklist items, a timeline 1..n that starts with its creation.
        EXPECT_TRUE(sqlite_rows(file,
                                "SELECT h.id FROM handoffs h WHERE (SELECT COUNT(*) FROM "
                                "checklist_items c WHERE c.handoff_id = h.id) <> 3 OR "
                                "(SELECT COUNT(*) FROM timeline t WHERE t.handoff_id = h.id) = 0 "
                                "OR (SELECT MAX(seq) FROM timeline t WHERE t.handoff_id = h.id) "
                                "<> (SELECT COUNT(*) FROM timeline t WHERE t.handoff_id = h.id) "
                                "OR (SELECT kind FROM timeline t WHERE t.handoff_id = h.id AND "
                                "t.seq = 1) IS NOT 'created'")
                        .empty());
        EXPECT_EQ(sqlite_rows(file, "SELECT COUNT(*) FROM handoffs WHERE change_seq > "
                                    "(SELECT value FROM meta WHERE name = 'change_seq')"),
                  (std::vector<std::vector<std::string>>{{"0"}}));
        const auto handoffs = sqlite_rows(file, "SELECT COUNT(*) FROM handoffs");
        const auto listed = baton({"--db", "sqlite:" + file, "--json", "list", "--all"});
        ASSERT_EQ(listed.exit_code, exit_ok) << describe(listed);
        EXPECT_EQ(std::to_string(json::parse(listed.out, nullptr, false).size()), handoffs[0][0]);
    }
}

class PostgresMigrate : public PostgresCli {
protected:
    // Runs `baton --json ARGS` on a database and expects exit 0; answers the JSON.
    json read_json(const std::vector<std::string>& db, std::vector<std::string> args) {
        std::vector<std::string> full = db;
        full.push_back("--json");
        full.insert(full.end(), args.begin(), args.end());
        const auto r = baton(full);
        EXPECT_EQ(r.exit_code, exit_ok) << describe(r);
        return json::parse(r.out, nullptr, false);
    }

    // How long the baton has been held is measured against the clock of each run, so it is
    // left out when two runs are compared.
    static json without_held_times(json value) {
        if (value.is_object()) value.erase("held_ms");
        if (value.is_structured()) {
            for (auto& item : value) item = without_held_times(item);
        }
        return value;
    }

    // Everything a person can read of a workspace through the CLI.
    json answers(const std::vector<std::string>& db) {
        json out;
        out["list"] = read_json(db, {"list", "--all"});
        for (const auto& h : out["list"]) {
            out["show"].push_back(read_json(db, {"show", std::to_string(h.at("id").get<int>())}));
        }
        out["waiting"] = read_json(db, {"list", "--state", "waiting"});
        for (const char* by : {"playbook", "owner"}) {
            out["report"][by] = read_json(db, {"report", "--by", by});
        }
        out["relay"] = without_held_times(read_json(db, {"relay", "Acme Dental"}));
        out["events"] = read_json(db, {"events"});
        return out;
    }

    // A workspace on SQLite with the example events and some history: an accept, ticks,
    // a comment, a decline.
    std::vector<std::string> sqlite_workspace_with_history() {
        const std::string ws = tmp_ / "ws";
        EXPECT_EQ(baton({"init", ws}).exit_code, exit_ok);
        const std::vector<std::string> db = {"--workspace", ws};
        auto with = [&](std::vector<std::string> args) {
            args.insert(args.begin(), db.begin(), db.end());
            return args;
        };
        const auto emitted = baton(with({"emit", "-"}), read_text(ws + "/events.jsonl"));
        EXPECT_EQ(emitted.exit_code, exit_ok) << describe(emitted);
        const json list = read_json(db, {"list", "--all"});
        EXPECT_GE(list.size(), 2u) << list.dump();
        for (std::size_t i = 0; i < list.size() && i < 2; ++i) {
            const std::string id = std::to_string(list[i].at("id").get<int>());
            const std::string owner = list[i].at("owner").get<std::string>();
            if (i == 0) {
                EXPECT_EQ(baton(with({"accept", id, "--as", owner})).exit_code, exit_ok);
                EXPECT_EQ(baton(with({"check", id, "1", "--as", owner})).exit_code, exit_ok);
                const auto commented =
                    baton(with({"comment", id, "Folder is up — ✓", "--as", owner}));
                EXPECT_EQ(commented.exit_code, exit_ok) << describe(commented);
            } else {
                EXPECT_EQ(baton(with({"decline", id, "--reason", "Not mine", "--as", owner}))
                              .exit_code,
                          exit_ok);
            }
        }
        return db;
    }
};

TEST_F(PostgresMigrate, SqliteToPostgresAndBackAnswersTheSame) {
    const auto source = sqlite_workspace_with_history();
    const json expected = answers(source);
    ASSERT_GE(expected["list"].size(), 2u);
    const std::string pg = cluster_->url(db_);

    std::vector<std::string> to_pg = source;
    for (const char* a : {"migrate", "--to"}) to_pg.push_back(a);
    to_pg.push_back(pg);
    const auto migrated = baton(to_pg);
    ASSERT_EQ(migrated.exit_code, exit_ok) << describe(migrated);
    EXPECT_EQ(migrated.out.rfind("copied sqlite:", 0), 0u) << migrated.out;
    EXPECT_NE(migrated.out.find("to postgres://baton@127.0.0.1"), std::string::npos);
    EXPECT_EQ(migrated.out.find(cluster_->password()), std::string::npos) << migrated.out;
    EXPECT_EQ(answers({"--db", pg}), expected);

    // Again into the same database: refused in one line naming it, nothing changed.
    const auto again = baton(to_pg);
    EXPECT_EQ(again.exit_code, exit_conflict) << describe(again);
    EXPECT_EQ(count_lines(again.err), 1) << again.err;
    EXPECT_NE(again.err.find("postgres://baton@127.0.0.1:" + std::to_string(cluster_->port()) +
                             "/" + db_ + " is not empty"),
              std::string::npos)
        << again.err;
    EXPECT_EQ(again.err.find(cluster_->password()), std::string::npos) << again.err;
    EXPECT_EQ(answers({"--db", pg}), expected);

    // Back from PostgreSQL into a new SQLite file.
    const std::string back = "sqlite:" + tmp_ / "back.db";
    const auto returned = baton({"migrate", "--from", pg, "--to", back});
    ASSERT_EQ(returned.exit_code, exit_ok) << describe(returned);
    EXPECT_EQ(answers({"--db", back}), expected);

    // And SQLite to SQLite, with the rows per table as JSON.
    const std::string again_file = "sqlite:" + tmp_ / "again.db";
    const json copied = read_json({}, {"migrate", "--from", back, "--to", again_file});
    EXPECT_EQ(copied.value("from", ""), back) << copied.dump();
    EXPECT_EQ(copied.value("to", ""), again_file) << copied.dump();
    ASSERT_TRUE(copied.contains("rows")) << copied.dump();
    EXPECT_EQ(copied["rows"].value("handoffs", -1),
              static_cast<int>(expected["list"].size())) << copied.dump();
    EXPECT_EQ(copied["rows"].size(), store::copy::tables().size()) << copied.dump();
    EXPECT_EQ(answers({"--db", again_file}), expected);

    // Work goes on on the copy: the next handoff's id follows the copied ones.
    const std::int64_t max_id = expected["list"].back().at("id").get<std::int64_t>();
    const json next = read_json({"--db", pg},
                                {"emit", "deal.won", "--id", "after-migrate", "--source", "crm",
                                 "--data",
                                 R"({"company":"Zed Corp","amount":5000,"pipeline":"services"})"});
    ASSERT_TRUE(next.contains("handoffs")) << next.dump();
    ASSERT_EQ(next.at("handoffs").size(), 1u) << next.dump();
    EXPECT_EQ(next.at("handoffs")[0].get<std::int64_t>(), max_id + 1);
}

TEST_F(PostgresMigrate, MistakesAreOneLineWithTheirOwnExitCode) {
    const auto source = sqlite_workspace_with_history();
    struct Case {
        std::vector<std::string> args;
        int exit_code;
        std::string says;
    };
    const std::string pg = cluster_->url(db_);
    const std::vector<Case> cases = {
        {{"migrate", "--from", "sqlite:" + tmp_ / "missing.db", "--to", pg}, exit_unavailable,
         "the source (--from): no Baton database at"},
        {{"migrate", "--from", pg, "--to", "mysql://x"}, exit_invalid, "the target (--to)"},
        {{"--workspace", tmp_ / "ws", "migrate", "--to", "sqlite:" + tmp_ / "ws/baton.db"},
         exit_invalid, "name the same database"},
        {{"migrate", "--from", pg}, exit_usage, "--to"},
    };
    for (const Case& c : cases) {
        const auto r = baton(c.args);
        EXPECT_EQ(r.exit_code, c.exit_code) << describe(r);
        EXPECT_EQ(count_lines(r.err), 1) << describe(r);
        EXPECT_NE(r.err.find(c.says), std::string::npos) << describe(r);
        EXPECT_EQ(r.err.find(cluster_->password()), std::string::npos) << r.err;
    }
    // Remote mode has no databases to copy.
    const auto remote = baton({"--server", "http://127.0.0.1:9", "migrate", "--to", pg});
    EXPECT_EQ(remote.exit_code, exit_usage) << describe(remote);
}

TEST_F(PostgresMigrate, ABackupOfPostgresIsASqliteFileTheCliOpensAsItIs) {
    const auto source = sqlite_workspace_with_history();
    const std::string pg = cluster_->url(db_);
    std::vector<std::string> to_pg = source;
    for (const std::string& a : {std::string("migrate"), std::string("--to"), pg}) {
        to_pg.push_back(a);
    }
    ASSERT_EQ(baton(to_pg).exit_code, exit_ok);
    const json expected = answers({"--db", pg});

    const std::string file = tmp_ / "pg-backup.db";
    const auto backed_up = baton({"--db", pg, "backup", file});
    ASSERT_EQ(backed_up.exit_code, exit_ok) << describe(backed_up);
    EXPECT_EQ(backed_up.out, "backed up postgres://baton@127.0.0.1:" +
                                 std::to_string(cluster_->port()) + "/" + db_ + " to " + file +
                                 "\n");
    EXPECT_EQ(answers({"--db", "sqlite:" + file}), expected);
}

}  // namespace
}  // namespace baton::test
