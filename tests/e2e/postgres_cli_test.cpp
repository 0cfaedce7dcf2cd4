// The real baton binary on PostgreSQL: `--db postgres://...` and BATON_DB reach the
// PostgreSQL store, and the commands behave as they do on SQLite (the engine and the CLI do
// not know which store they run on). The server is the test's own (support/pg_cluster.h).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/run_process.h"
#include "support/pg_cluster.h"

namespace baton::test {
namespace {

using json = nlohmann::json;

constexpr int exit_ok = 0;
constexpr int exit_unavailable = 7;

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
    EXPECT_EQ(backup.exit_code, 3) << describe(backup);
    EXPECT_NE(backup.err.find("already exists"), std::string::npos) << backup.err;
    EXPECT_EQ(backup.err.find(cluster_->password()), std::string::npos) << backup.err;
    EXPECT_EQ(read_text(tmp_ / "taken.db"), "x");
}

}  // namespace
}  // namespace baton::test
