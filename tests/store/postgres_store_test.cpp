// PostgresStore on a real PostgreSQL server that the test starts itself (support/pg_cluster.h):
// the Store contract, unchanged, on a fresh database per test; then what is PostgreSQL's
// own — migrations and a newer schema refused, the password kept out of describe(), two
// nodes leasing the outbox and firing timers at once, a killed backend, changes heard
// across nodes (LISTEN/NOTIFY), a backup (a SQLite file), and the engine running on it.
#include <libpq-fe.h>

#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "engine/engine.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_contract.h"
#include "support/fake_clock.h"
#include "support/pg_cluster.h"

namespace baton::store::testing {
namespace {

using baton::testing::PgCluster;

// A fresh database on the process's cluster; the URL to open it, or an error saying why.
Result<std::string> fresh_database_url() {
    std::string why;
    PgCluster* cluster = baton::testing::shared_pg_cluster(why);
    if (cluster == nullptr) {
        return make_error(ErrorCode::unavailable, "no PostgreSQL server for the tests: " + why);
    }
    const std::string db = cluster->create_database(why);
    if (db.empty()) return make_error(ErrorCode::unavailable, "CREATE DATABASE failed: " + why);
    return cluster->url(db);
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContract,
                         ::testing::Values(StoreBackend{
                             "postgres",
                             [](const std::filesystem::path&) -> Result<std::unique_ptr<Store>> {
                                 auto url = fresh_database_url();
                                 if (!url) return url.error();
                                 return open_postgres({.url = *url});
                             }}),
                         backend_name);

class PostgresStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        cluster_ = baton::testing::shared_pg_cluster(why);
        if (cluster_ == nullptr) GTEST_SKIP() << "no PostgreSQL server for the tests: " << why;
        db_ = cluster_->create_database(why);
        ASSERT_FALSE(db_.empty()) << why;
    }

    std::string url() const { return cluster_->url(db_); }

    std::unique_ptr<Store> open_or_fail(std::size_t pool_size = 4) {
        auto store = open_postgres({.url = url(), .pool_size = pool_size});
        EXPECT_TRUE(store.ok()) << store.error().message;
        return store.ok() ? std::move(store).value() : nullptr;
    }

    std::string sql(const std::string& query) const { return cluster_->scalar(db_, query); }

    PgCluster* cluster_ = nullptr;
    std::string db_;
};

TEST_F(PostgresStoreTest, OpenMigratesOnceAndReopenKeepsData) {
    std::int64_t id = 0;
    {
        auto store = open_or_fail();
        ASSERT_NE(store, nullptr);
        ASSERT_OK(store->write([&](Transaction& tx) -> Status {
            auto inserted = tx.insert_handoff(full_handoff());
            if (!inserted) return inserted.error();
            id = *inserted;
            return ok_status();
        }));
    }
    EXPECT_EQ(sql("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations"),
              "1,2,3,4,5,6,7,8");
    EXPECT_EQ(std::to_string(postgres_schema_version()), "8");
    EXPECT_EQ(sql("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'handoffs_by_pending_from'"),
              "1");
    auto store = open_or_fail();  // a second open migrates nothing and keeps everything
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(sql("SELECT COUNT(*) FROM schema_migrations"), "8");
    std::optional<core::Handoff> loaded;
    ASSERT_OK(store->read([&](Transaction& tx) -> Status {
        auto h = tx.handoff(id, true);
        if (!h) return h.error();
        loaded = std::move(*h);
        return ok_status();
    }));
    ASSERT_TRUE(loaded.has_value());
    expect_same_handoff(*loaded, full_handoff(), true);
}

// Schema 8 adds escalated_to and fills it for handoffs that escalated before it: the target
// of the highest-level `escalated` entry of each one's timeline.
TEST_F(PostgresStoreTest, SchemaEightFillsEscalatedToFromTheTimeline) {
    std::int64_t escalated = 0;
    std::int64_t quiet = 0;
    {
        auto store = open_or_fail();
        ASSERT_NE(store, nullptr);
        ASSERT_OK(store->write([&](Transaction& tx) -> Status {
            core::Handoff h = full_handoff();
            h.escalation_level = 2;
            auto a = tx.insert_handoff(h);
            if (!a) return a.error();
            escalated = *a;
            h.escalation_level = 0;
            h.escalated_to.clear();
            auto b = tx.insert_handoff(h);
            if (!b) return b.error();
            quiet = *b;
            return ok_status();
        }));
    }
    // Back to schema 7: no column, and the timeline as 7 wrote it.
    const std::string id = std::to_string(escalated);
    ASSERT_EQ(cluster_->exec(db_,
                             "ALTER TABLE handoffs DROP COLUMN escalated_to;"
                             "DROP INDEX handoffs_declined_by_giver;"
                             "DELETE FROM schema_migrations WHERE version = 8;"
                             "INSERT INTO timeline VALUES (" +
                                 id +
                                 ", 100, 0, 'baton', "
                                 "'escalated', 'to ari', '{\"level\":1,\"to\":\"ari\"}'),"
                                 "(" +
                                 id +
                                 ", 101, 0, 'baton', 'escalated', 'to kim', "
                                 "'{\"level\":2,\"to\":\"kim\"}')"),
              "");
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(sql("SELECT COUNT(*) FROM schema_migrations"), "8");
    EXPECT_EQ(sql("SELECT string_agg(id || '=' || escalated_to, ',' ORDER BY id) FROM handoffs"),
              id + "=kim," + std::to_string(quiet) + "=");
    EXPECT_EQ(sql("SELECT COUNT(*) FROM pg_indexes WHERE indexname IN "
                  "('handoffs_by_escalated_to', 'handoffs_declined_by_giver')"),
              "2");
    ASSERT_OK(store->read([&](Transaction& tx) -> Status {
        auto h = tx.handoff(std::stoll(id), false);
        if (!h) return h.error();
        EXPECT_TRUE(h->has_value());
        if (*h) EXPECT_EQ((*h)->escalated_to, "kim");
        return ok_status();
    }));
}

TEST_F(PostgresStoreTest, TwoNodesOpeningAtOnceMigrateOnce) {
    std::vector<std::future<Result<std::unique_ptr<Store>>>> opening;
    for (int i = 0; i < 3; ++i) {
        opening.push_back(std::async(std::launch::async, [&] {
            return open_postgres({.url = url(), .pool_size = 1});
        }));
    }
    for (auto& f : opening) {
        auto store = f.get();
        EXPECT_TRUE(store.ok()) << store.error().message;
    }
    EXPECT_EQ(sql("SELECT COUNT(*) FROM schema_migrations"), "8");
}

TEST_F(PostgresStoreTest, ANewerSchemaIsRefused) {
    ASSERT_NE(open_or_fail(), nullptr);
    const int newer = postgres_schema_version() + 1;
    ASSERT_EQ(cluster_->exec(db_, "INSERT INTO schema_migrations VALUES (" +
                                      std::to_string(newer) + ", 0)"),
              "");
    auto store = open_postgres({.url = url()});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::corrupt);
    EXPECT_NE(store.error().message.find("schema version " + std::to_string(newer) +
                                         " is newer than this baton"),
              std::string::npos)
        << store.error().message;
}

TEST_F(PostgresStoreTest, ADatabaseOfSomethingElseIsRefused) {
    ASSERT_EQ(cluster_->exec(db_, "CREATE TABLE invoices (id INT)"), "");
    auto store = open_postgres({.url = url()});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::corrupt);
    EXPECT_NE(store.error().message.find("not a Baton database"), std::string::npos);
    EXPECT_EQ(sql("SELECT to_regclass('handoffs') IS NULL"), "t");  // nothing was created
}

TEST_F(PostgresStoreTest, TheDatabaseRefusesToRewriteTheTimeline) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->write([](Transaction& tx) -> Status {
        auto id = tx.insert_handoff(full_handoff());
        return id ? ok_status() : Status(id.error());
    }));
    for (const char* statement : {"UPDATE timeline SET text = 'edited'",
                                  "DELETE FROM timeline", "TRUNCATE timeline CASCADE"}) {
        const std::string error = cluster_->exec(db_, statement);
        EXPECT_NE(error.find("timeline entries are append only"), std::string::npos)
            << statement << ": " << error;
    }
    EXPECT_EQ(sql("SELECT COUNT(*) FROM timeline WHERE text <> 'edited'"), "2");
}

TEST_F(PostgresStoreTest, DescribeAndErrorsNeverShowThePassword) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    const std::string expected =
        "postgres://baton@127.0.0.1:" + std::to_string(cluster_->port()) + "/" + db_;
    EXPECT_EQ(store->describe(), expected);
    EXPECT_EQ(store->describe().find(cluster_->password()), std::string::npos);
    ASSERT_OK(
        describe_postgres_url("postgresql://ana:s3cret@db.example:6543/baton?sslmode=require"));
    EXPECT_EQ(*describe_postgres_url("postgresql://ana:s3cret@db.example:6543/baton"),
              "postgres://ana@db.example:6543/baton");
    EXPECT_EQ(*describe_postgres_url("postgres://ana@db.example/baton?password=s3cret"),
              "postgres://ana@db.example/baton");

    // A wrong password: unavailable, and the message names the server but not the secret.
    const std::string wrong = "postgres://baton:not-the-" + cluster_->password() +
                              "@127.0.0.1:" + std::to_string(cluster_->port()) + "/" + db_;
    auto refused = open_postgres({.url = wrong});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
    EXPECT_NE(refused.error().message.find(expected), std::string::npos)
        << refused.error().message;
    EXPECT_EQ(refused.error().message.find(cluster_->password()), std::string::npos);
}

TEST_F(PostgresStoreTest, NotAPostgresUrlIsInvalid) {
    for (const char* bad : {"sqlite:baton.db", "postgres://host:notaport/db", ""}) {
        auto store = open_postgres({.url = bad});
        ASSERT_FALSE(store.ok()) << bad;
        EXPECT_EQ(store.error().code, ErrorCode::invalid_argument) << bad;
    }
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsUnavailable) {
    const std::string url = "postgres://baton@127.0.0.1:" +
                            std::to_string(baton::testing::pg_detail::free_port()) + "/db";
    auto store = open_postgres({.url = url, .connect_timeout_s = 2});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::unavailable);
}

TEST_F(PostgresStoreTest, ANulByteIsRefusedAsInvalidInput) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    Status s = store->write([](Transaction& tx) -> Status {
        auto r = tx.insert_event(make_event(std::string("a\0b", 3)), at(0));
        return r ? ok_status() : Status(r.error());
    });
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::invalid_argument);
}

// Outbox rows ready for the dispatcher, all due at once.
std::vector<OutboxRecord> due_rows(std::int64_t handoff_id, int count) {
    std::vector<OutboxRecord> rows;
    for (int i = 0; i < count; ++i) {
        OutboxRecord o;
        o.handoff_id = handoff_id;
        o.channel = "slack";
        o.target = "#ops";
        o.dedupe_key = "row-" + std::to_string(i);
        o.next_attempt_at = at(i % 7);
        o.created_at = at(0);
        rows.push_back(o);
    }
    return rows;
}

// Two stores on one database are two nodes. While one node's lease transaction holds its
// rows, the other leases at once (SKIP LOCKED: it neither waits nor takes the same rows).
TEST_F(PostgresStoreTest, TwoNodesLeaseDisjointOutboxRowsWithoutWaiting) {
    auto node_a = open_or_fail();
    auto node_b = open_or_fail();
    ASSERT_NE(node_a, nullptr);
    ASSERT_NE(node_b, nullptr);
    ASSERT_OK(node_a->write([&](Transaction& tx) -> Status {
        auto id = tx.insert_handoff(bare_handoff());
        if (!id) return id.error();
        return tx.insert_outbox(due_rows(*id, 10));
    }));
    std::vector<OutboxRecord> taken_a;
    std::vector<OutboxRecord> taken_b;
    bool b_waited = false;
    std::future<Status> b;
    ASSERT_OK(node_a->write([&](Transaction& tx) -> Status {
        auto leased = tx.lease_outbox(at(100), at(60'000), 4);
        if (!leased) return leased.error();
        taken_a = *leased;
        b = std::async(std::launch::async, [&] {
            return node_b->write([&](Transaction& tx_b) -> Status {
                auto other = tx_b.lease_outbox(at(100), at(60'000), 4);
                if (!other) return other.error();
                taken_b = *other;
                return ok_status();
            });
        });
        b_waited = b.wait_for(std::chrono::seconds(10)) != std::future_status::ready;
        return ok_status();
    }));
    ASSERT_OK(b.get());
    EXPECT_FALSE(b_waited) << "node b waited for node a's locked rows";
    ASSERT_EQ(taken_a.size(), 4u);
    ASSERT_EQ(taken_b.size(), 4u);
    std::set<std::int64_t> ids;
    for (const auto& o : taken_a) ids.insert(o.id);
    for (const auto& o : taken_b) ids.insert(o.id);
    EXPECT_EQ(ids.size(), 8u);
    // Each node's rows come oldest due first.
    for (const auto* taken : {&taken_a, &taken_b}) {
        for (std::size_t i = 1; i < taken->size(); ++i) {
            EXPECT_LE(to_unix_ms((*taken)[i - 1].created_at), to_unix_ms((*taken)[i].created_at));
            EXPECT_EQ((*taken)[i].attempts, 1);
        }
    }
}

TEST_F(PostgresStoreTest, NodesLeasingInALoopNeverTakeTheSameRow) {
    auto node_a = open_or_fail();
    auto node_b = open_or_fail();
    ASSERT_NE(node_a, nullptr);
    ASSERT_NE(node_b, nullptr);
    constexpr int rows = 120;
    ASSERT_OK(node_a->write([&](Transaction& tx) -> Status {
        auto id = tx.insert_handoff(bare_handoff());
        if (!id) return id.error();
        return tx.insert_outbox(due_rows(*id, rows));
    }));
    auto drain = [](Store& node, std::vector<std::int64_t>& ids) {
        for (;;) {
            std::vector<OutboxRecord> leased;
            Status s = node.write([&](Transaction& tx) -> Status {
                auto r = tx.lease_outbox(at(100), at(60'000), 3);
                if (!r) return r.error();
                leased = *r;
                return ok_status();
            });
            if (!s.ok()) return s;
            if (leased.empty()) return ok_status();
            for (const auto& o : leased) ids.push_back(o.id);
        }
    };
    std::vector<std::int64_t> ids_a;
    std::vector<std::int64_t> ids_b;
    auto a = std::async(std::launch::async, [&] { return drain(*node_a, ids_a); });
    auto b = std::async(std::launch::async, [&] { return drain(*node_b, ids_b); });
    ASSERT_OK(a.get());
    ASSERT_OK(b.get());
    std::set<std::int64_t> all(ids_a.begin(), ids_a.end());
    all.insert(ids_b.begin(), ids_b.end());
    EXPECT_EQ(ids_a.size() + ids_b.size(), static_cast<std::size_t>(rows));
    EXPECT_EQ(all.size(), static_cast<std::size_t>(rows));
    EXPECT_EQ(sql("SELECT COUNT(*) FROM outbox WHERE attempts = 1"), std::to_string(rows));
}

TEST_F(PostgresStoreTest, ATimerFiredByTwoNodesAtOnceFiresOnce) {
    auto node_a = open_or_fail();
    auto node_b = open_or_fail();
    ASSERT_NE(node_a, nullptr);
    ASSERT_NE(node_b, nullptr);
    constexpr int timers = 25;
    std::vector<std::int64_t> timer_ids;
    ASSERT_OK(node_a->write([&](Transaction& tx) -> Status {
        auto id = tx.insert_handoff(bare_handoff());
        if (!id) return id.error();
        std::vector<TimerRecord> records;
        for (int i = 0; i < timers; ++i) {
            records.push_back({0, *id, TimerKind::remind, i, at(i), std::nullopt, false, "ana"});
        }
        if (auto s = tx.insert_timers(records); !s) return s;
        auto stored = tx.timers_of(*id);
        if (!stored) return stored.error();
        for (const auto& t : *stored) timer_ids.push_back(t.id);
        return ok_status();
    }));
    ASSERT_EQ(timer_ids.size(), static_cast<std::size_t>(timers));
    auto fire_all = [&](Store& node, int& fired) {
        for (std::int64_t timer_id : timer_ids) {
            Status s = node.write([&](Transaction& tx) -> Status {
                auto r = tx.fire_timer(timer_id, at(1'000));
                if (!r) return r.error();
                fired += *r ? 1 : 0;
                return ok_status();
            });
            if (!s.ok()) return s;
        }
        return ok_status();
    };
    int fired_a = 0;
    int fired_b = 0;
    auto a = std::async(std::launch::async, [&] { return fire_all(*node_a, fired_a); });
    auto b = std::async(std::launch::async, [&] { return fire_all(*node_b, fired_b); });
    ASSERT_OK(a.get());
    ASSERT_OK(b.get());
    EXPECT_EQ(fired_a + fired_b, timers);

    // And deterministically: node b tries while node a's firing is not yet committed; it
    // waits for a's row lock, then finds the timer fired.
    ASSERT_OK(node_a->write([&](Transaction& tx) -> Status {
        auto id = tx.insert_handoff(bare_handoff());
        if (!id) return id.error();
        return tx.insert_timers({{0, *id, TimerKind::escalate, 1, at(5), std::nullopt, false,
                                  "ari"}});
    }));
    const std::string last = sql("SELECT MAX(id) FROM timers");
    const std::int64_t timer_id = std::stoll(last);
    std::optional<bool> a_fired;
    std::optional<bool> b_fired;
    std::future<Status> b_try;
    ASSERT_OK(node_a->write([&](Transaction& tx) -> Status {
        auto r = tx.fire_timer(timer_id, at(10));
        if (!r) return r.error();
        a_fired = *r;
        b_try = std::async(std::launch::async, [&] {
            return node_b->write([&](Transaction& tx_b) -> Status {
                auto other = tx_b.fire_timer(timer_id, at(11));
                if (!other) return other.error();
                b_fired = *other;
                return ok_status();
            });
        });
        // Give b time to reach the lock; it cannot finish before a commits.
        EXPECT_EQ(b_try.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
        return ok_status();
    }));
    ASSERT_OK(b_try.get());
    EXPECT_EQ(a_fired, std::optional<bool>(true));
    EXPECT_EQ(b_fired, std::optional<bool>(false));
}

TEST_F(PostgresStoreTest, AKilledBackendFailsOneCallThenThePoolReconnects) {
    auto store = open_or_fail(2);
    ASSERT_NE(store, nullptr);
    auto count_events = [&]() -> Result<std::size_t> {
        std::size_t n = 0;
        Status s = store->read([&](Transaction& tx) -> Status {
            auto events = tx.list_events({});
            if (!events) return events.error();
            n = events->size();
            return ok_status();
        });
        if (!s.ok()) return s.error();
        return n;
    };
    ASSERT_OK(store->write([](Transaction& tx) -> Status {
        auto r = tx.insert_event(make_event("before"), at(0));
        return r ? ok_status() : Status(r.error());
    }));
    ASSERT_OK(count_events());
    const std::string killed = sql(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    ASSERT_NE(killed, "0") << "no store connection to terminate";

    auto failed = count_events();
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, ErrorCode::unavailable);
    EXPECT_NE(failed.error().message.find("connection"), std::string::npos)
        << failed.error().message;

    ASSIGN_OR_FAIL(after, count_events());
    EXPECT_EQ(after, 1u);
    ASSERT_OK(store->write([](Transaction& tx) -> Status {
        auto r = tx.insert_event(make_event("after"), at(0));
        return r ? ok_status() : Status(r.error());
    }));
}

// Counts a change listener's calls and lets a test wait for the next one.
class Heard {
public:
    std::function<void()> callback() {
        return [this] {
            std::lock_guard lock(mutex_);
            ++count_;
            cv_.notify_all();
        };
    }
    // True when the count passes `above` within `limit`.
    bool wait_above(int above, std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, limit, [&] { return count_ > above; });
    }
    int count() {
        std::lock_guard lock(mutex_);
        return count_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int count_ = 0;
};

Status insert_one(Store& store, const std::string& subject) {
    return store.write([&](Transaction& tx) -> Status {
        auto id = tx.insert_handoff(bare_handoff("ana", subject));
        return id ? ok_status() : Status(id.error());
    });
}

TEST_F(PostgresStoreTest, AnotherNodesChangeIsHeardWhenItCommits) {
    auto a = open_or_fail();
    auto b = open_or_fail();
    ASSERT_TRUE(a && b);
    Heard heard;
    auto listener = b->listen_for_changes(heard.callback());
    ASSERT_NE(listener, nullptr);
    // Once listening it says so (a change may have been missed before).
    ASSERT_TRUE(heard.wait_above(0, std::chrono::seconds(10)));
    const int before = heard.count();
    // A write that rolls back tells nobody; one that commits does.
    Status rolled_back = a->write([](Transaction& tx) -> Status {
        auto id = tx.insert_handoff(bare_handoff());
        if (!id) return id.error();
        return make_error(ErrorCode::conflict, "changed my mind");
    });
    ASSERT_FALSE(rolled_back.ok());
    ASSERT_OK(insert_one(*a, "Acme"));
    ASSERT_TRUE(heard.wait_above(before, std::chrono::seconds(10)));
    EXPECT_EQ(heard.count(), before + 1) << "one commit, one notification";
}

TEST_F(PostgresStoreTest, AListenerWhoseBackendIsKilledListensAgain) {
    auto a = open_or_fail();
    auto b = open_or_fail();
    ASSERT_TRUE(a && b);
    Heard heard;
    auto listener = b->listen_for_changes(heard.callback());
    ASSERT_TRUE(heard.wait_above(0, std::chrono::seconds(10)));
    const std::string killed = sql(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    ASSERT_NE(killed, "0");
    // Reconnected, it says so; then it hears a change again.
    const int before = heard.count();
    ASSERT_TRUE(heard.wait_above(before, std::chrono::seconds(15)));
    const int reconnected = heard.count();
    for (int attempt = 0; attempt < 3; ++attempt) {  // a's own pool reconnects on its next call
        if (insert_one(*a, "After").ok()) break;
    }
    EXPECT_TRUE(heard.wait_above(reconnected, std::chrono::seconds(10)));
}

TEST_F(PostgresStoreTest, AWriteInsideAWriteCallbackIsRefused) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    Status inner = ok_status();
    ASSERT_OK(store->write([&](Transaction&) -> Status {
        inner = store->write([](Transaction&) { return ok_status(); });
        return ok_status();
    }));
    ASSERT_FALSE(inner.ok());
    EXPECT_EQ(inner.error().code, ErrorCode::internal);
}

TEST_F(PostgresStoreTest, ACallbackThatIgnoresAFailedStatementKeepsNothing) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    Status s = store->write([](Transaction& tx) -> Status {
        (void)tx.insert_event(make_event("lost"), at(0));
        // A timer for a handoff that does not exist: a foreign key violation, ignored.
        (void)tx.insert_timers({{0, 4242, TimerKind::remind, 0, at(1), std::nullopt, false, "x"}});
        return ok_status();
    });
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::internal);
    EXPECT_EQ(sql("SELECT COUNT(*) FROM events"), "0");
}

// A backup of PostgreSQL is a SQLite file holding every row, which the SQLite store opens
// as it is (docs/operations.md).
TEST_F(PostgresStoreTest, BackupIsASqliteFileWithEveryRowAndRefusesAnExistingPath) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(populate_every_table(*store));
    TempDir dir;
    const std::string path = (dir.path() / "backup.db").string();
    ASSERT_OK(store->backup(path));
    // One file: the SQLite store folded its write-ahead log in when it closed.
    EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
    ASSIGN_OR_FAIL(source, export_of(*store));
    {
        auto copy = open_sqlite({.path = path, .create_if_missing = false});
        ASSERT_TRUE(copy.ok()) << copy.error().message;
        ASSIGN_OR_FAIL(copied, export_of(**copy));
        expect_same_rows(copied, source);
    }
    const auto size = std::filesystem::file_size(path);
    Status again = store->backup(path);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
    EXPECT_EQ(std::filesystem::file_size(path), size);
    Status nowhere = store->backup((dir.path() / "no-such-dir" / "b.db").string());
    ASSERT_FALSE(nowhere.ok());
    EXPECT_EQ(nowhere.error().code, ErrorCode::unavailable);
    EXPECT_EQ(nowhere.error().message.find(cluster_->password()), std::string::npos);
}

// An import takes every table's lock before it checks that they are empty; a writer that
// holds one makes it wait at most its lock timeout (10 s), then fail as unavailable.
TEST_F(PostgresStoreTest, AnImportWaitsForAWriterOnlySoLong) {
    auto source = open_or_fail();
    ASSERT_NE(source, nullptr);
    ASSERT_OK(populate_every_table(*source));
    std::string why;
    const std::string target_db = cluster_->create_database(why);
    ASSERT_FALSE(target_db.empty()) << why;
    auto opened = open_postgres({.url = cluster_->url(target_db)});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    auto target = std::move(opened).value();
    std::promise<void> release;
    std::promise<void> holding;
    auto writer = std::async(std::launch::async, [&] {
        return target->write([&](Transaction& tx) -> Status {
            auto e = tx.insert_event(make_event("in-flight"), at(0));
            if (!e) return e.error();
            holding.set_value();
            release.get_future().wait();
            return make_error(ErrorCode::conflict, "rolled back on purpose");
        });
    });
    holding.get_future().wait();
    const auto started = std::chrono::steady_clock::now();
    auto imported = source->copy_into(*target);
    const auto waited = std::chrono::steady_clock::now() - started;
    release.set_value();
    EXPECT_FALSE(writer.get().ok());
    ASSERT_FALSE(imported.ok());
    EXPECT_EQ(imported.error().code, ErrorCode::unavailable) << imported.error().message;
    EXPECT_GE(waited, std::chrono::seconds(9));
    EXPECT_LT(waited, std::chrono::seconds(30));
    // With the writer gone, the same copy goes in.
    ASSERT_OK(source->copy_into(*target));
}

// --- the engine on PostgreSQL

const char* kPeople = R"(
people:
  - { handle: sam, role: member }
  - { handle: dana, role: member }
  - { handle: ari, role: admin }
teams:
  - { handle: sales, members: [sam] }
  - { handle: ops, members: [dana], rule: round-robin }
)";

const char* kSold = R"(
id: sold
title: Sold → onboarding
when: deal.won
subject: "{{data.company}}"
from: sales
owner: ops
done: Welcome email sent.
checklist: [Send the welcome email]
calendar: 24x7
accept_within: 1h
remind: [30m]
checkpoint:
  - slack: "#ops"
)";

// Regression, found by tests/e2e/nodes_fault_test.cpp: two nodes that both found no link key
// both made one, and each signed delivery ids and links with its own; the same message then
// went out under two ids, and a link made on one node was refused on the other. Here both
// nodes find none and wait on the lock a new document version takes (held by the test), so
// they make their keys at the same moment, every time.
TEST_F(PostgresStoreTest, TwoNodesMakingTheLinkKeyAtOnceAgreeOnOne) {
    auto store_a = open_or_fail();
    auto store_b = open_or_fail();
    ASSERT_NE(store_a, nullptr);
    ASSERT_NE(store_b, nullptr);
    baton::testing::FakeClock clock(*parse_rfc3339("2026-11-23T10:00:00Z"));
    engine::Engine node_a(*store_a, clock);
    engine::Engine node_b(*store_b, clock);

    PGconn* holder = PQconnectdb(cluster_->conninfo(db_).c_str());
    ASSERT_EQ(PQstatus(holder), CONNECTION_OK) << PQerrorMessage(holder);
    const auto exec = [&](const char* sql) {
        PGresult* r = PQexec(holder, sql);
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        return ok;
    };
    ASSERT_TRUE(exec("BEGIN"));
    ASSERT_TRUE(exec("SELECT value FROM meta WHERE name = 'config_version' FOR UPDATE"));
    const TimePoint expires = clock.now() + std::chrono::hours(1);
    auto link_a = std::async(std::launch::async,
                             [&] { return node_a.make_link(1, "accept", "dana", expires); });
    auto link_b = std::async(std::launch::async,
                             [&] { return node_b.make_link(1, "done", "dana", expires); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::string waiting;
    while (std::chrono::steady_clock::now() < deadline) {
        waiting = sql("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND wait_event_type = 'Lock'");
        if (waiting == "2") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(waiting, "2") << "both nodes wait to add the key";
    ASSERT_TRUE(exec("COMMIT"));
    PQfinish(holder);

    auto a = link_a.get();
    auto b = link_b.get();
    ASSERT_TRUE(a.ok()) << a.error().message;
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_EQ(sql("SELECT COUNT(*) FROM documents WHERE kind = 'secret:links'"), "1");
    for (engine::Engine* node : {&node_a, &node_b}) {
        for (const std::string& link : {*a, *b}) {
            auto peeked = node->peek_link(link);
            EXPECT_TRUE(peeked.ok()) << (peeked.ok() ? "" : peeked.error().message);
        }
    }
}

TEST_F(PostgresStoreTest, TheEngineRunsOnIt) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    baton::testing::FakeClock clock(*parse_rfc3339("2026-11-23T10:00:00Z"));
    engine::Engine engine(*store, clock);
    auto applied = engine.apply({{"people.yaml", kPeople}, {"playbooks/sold.yaml", kSold}});
    ASSERT_TRUE(applied.ok()) << applied.error().message;

    core::Event deal;
    deal.id = "deal-1";
    deal.type = "deal.won";
    deal.source = "crm";
    deal.time = clock.now();
    deal.data = {{"company", "Acme"}};
    auto ingested = engine.ingest(deal);
    ASSERT_TRUE(ingested.ok()) << ingested.error().message;
    ASSERT_EQ(ingested->handoff_ids.size(), 1u);
    const std::int64_t id = ingested->handoff_ids[0];
    auto again = engine.ingest(deal);  // the same event twice changes nothing
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(sql("SELECT COUNT(*) FROM handoffs"), "1");

    auto shown = engine.show(id);
    ASSERT_TRUE(shown.ok()) << shown.error().message;
    EXPECT_EQ(shown->owner, "dana");
    EXPECT_EQ(shown->subject, "Acme");
    EXPECT_TRUE(shown->state == core::HandoffState::waiting);
    auto outbox = engine.outbox(id);
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    EXPECT_EQ(outbox->size(), 1u);

    auto dana = engine.actor("dana");
    ASSERT_TRUE(dana.ok()) << dana.error().message;
    auto accepted = engine.act(id, core::Accept{}, *dana);
    ASSERT_TRUE(accepted.ok()) << accepted.error().message;
    EXPECT_TRUE(accepted->state == core::HandoffState::accepted);

    clock.advance(std::chrono::hours(2));
    auto tick = engine.fire_due_timers(100);
    ASSERT_TRUE(tick.ok()) << tick.error().message;
    auto lease = engine.lease_notifications(10, std::chrono::minutes(1));
    ASSERT_TRUE(lease.ok()) << lease.error().message;

    auto after = engine.show(id);
    ASSERT_TRUE(after.ok()) << after.error().message;
    EXPECT_GE(after->timeline.size(), 2u);
    EXPECT_EQ(sql("SELECT value FROM meta WHERE name = 'config_version'"), "2");
}

}  // namespace
}  // namespace baton::store::testing
