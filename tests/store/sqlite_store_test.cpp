// SqliteStore on real files in a fresh /tmp directory per test: the Store contract, then
// what is SQLite's own (migrations, refusing foreign files, backup, durability settings,
// group commit, and rows damaged behind the store's back).
#include <sqlite3.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite_schema_v1.h"
#include "store/store_contract.h"

namespace baton::store::testing {
namespace {

std::string db_path(const std::filesystem::path& dir) { return (dir / "baton.db").string(); }

Result<std::unique_ptr<Store>> open_at(const std::string& path) {
    return open_sqlite({.path = path});
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract,
                         ::testing::Values(StoreBackend{
                             "sqlite",
                             [](const std::filesystem::path& dir) {
                                 return open_at(db_path(dir));
                             }}),
                         backend_name);

// A plain sqlite3 connection, to look at and damage the file the way another program could.
class RawDb {
public:
    explicit RawDb(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << "raw open failed";
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    int exec(const std::string& sql) {
        return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    }
    std::string text(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        std::string out = "<error>";
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW) {
            const auto* value = sqlite3_column_text(stmt, 0);
            out = value == nullptr ? "<null>" : reinterpret_cast<const char*>(value);
        }
        sqlite3_finalize(stmt);
        return out;
    }

private:
    sqlite3* db_ = nullptr;
};

std::string file_contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class SqliteStoreTest : public ::testing::Test {
protected:
    std::string path() const { return db_path(dir_.path()); }

    std::unique_ptr<Store> open_or_fail() {
        auto store = open_at(path());
        EXPECT_TRUE(store.ok()) << store.error().message;
        return store.ok() ? std::move(store).value() : nullptr;
    }

    // One handoff with a checklist, a timeline and a timer, written through the store.
    std::int64_t seed(Store& store) {
        std::int64_t id = 0;
        Status s = store.write([&](Transaction& tx) -> Status {
            auto inserted = tx.insert_handoff(full_handoff());
            if (!inserted) return inserted.error();
            id = *inserted;
            return tx.insert_timers(
                {{0, id, TimerKind::remind, 0, at(10), std::nullopt, false, "ana"}});
        });
        EXPECT_TRUE(s.ok()) << s.error().message;
        return id;
    }

    Result<std::optional<core::Handoff>> load(Store& store, std::int64_t id) {
        std::optional<core::Handoff> out;
        Status s = store.read([&](Transaction& tx) -> Status {
            auto h = tx.handoff(id, true);
            if (!h) return h.error();
            out = std::move(*h);
            return ok_status();
        });
        if (!s.ok()) return s.error();
        return out;
    }

    TempDir dir_;
};

TEST(TimerKindNames, RoundTrip) {
    for (TimerKind kind : {TimerKind::remind, TimerKind::escalate, TimerKind::accept_due,
                           TimerKind::done_due}) {
        EXPECT_EQ(parse_timer_kind(to_string(kind)), kind);
    }
    EXPECT_STREQ(to_string(TimerKind::accept_due), "accept_due");
    EXPECT_FALSE(parse_timer_kind("Remind").has_value());
    EXPECT_FALSE(parse_timer_kind("").has_value());
}

TEST_F(SqliteStoreTest, OpenCreatesMigratesAndReopenKeepsData) {
    std::int64_t id = 0;
    {
        auto store = open_or_fail();
        ASSERT_NE(store, nullptr);
        EXPECT_EQ(store->describe(), "sqlite:" + path());
        id = seed(*store);
    }
    {
        RawDb raw(path());
        EXPECT_EQ(raw.text("PRAGMA user_version"), std::to_string(sqlite_schema_version()));
        EXPECT_EQ(raw.text("SELECT COUNT(*) FROM handoffs"), "1");
    }
    auto store = open_or_fail();  // a second open migrates nothing and keeps everything
    ASSERT_NE(store, nullptr);
    ASSIGN_OR_FAIL(loaded, load(*store, id));
    ASSERT_TRUE(loaded.has_value());
    expect_same_handoff(*loaded, full_handoff(), true);
    EXPECT_GE(sqlite_schema_version(), 1);
}

TEST_F(SqliteStoreTest, AMissingFileIsNotCreatedWhenAskedNotTo) {
    auto store = open_sqlite({.path = path(), .create_if_missing = false});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::unavailable);
    EXPECT_FALSE(std::filesystem::exists(path()));
}

TEST_F(SqliteStoreTest, AnUnreachablePathIsUnavailable) {
    auto store = open_at((dir_.path() / "no" / "such" / "dir" / "baton.db").string());
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::unavailable);
    auto empty = open_sqlite({.path = ""});
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().code, ErrorCode::invalid_argument);
}

TEST_F(SqliteStoreTest, ANewerSchemaIsRefused) {
    { ASSERT_NE(open_or_fail(), nullptr); }
    const int newer = sqlite_schema_version() + 1;
    {
        RawDb raw(path());
        ASSERT_EQ(raw.exec("PRAGMA user_version = " + std::to_string(newer)), SQLITE_OK);
    }
    auto store = open_at(path());
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::corrupt);
    EXPECT_EQ(store.error().message, "database schema version " + std::to_string(newer) +
                                         " is newer than this baton (" +
                                         std::to_string(sqlite_schema_version()) + ")");
}

TEST_F(SqliteStoreTest, AFileThatIsNotSqliteIsRefusedAndLeftAlone) {
    const std::string junk(8192, 'x');
    { std::ofstream(path(), std::ios::binary) << "name,amount\nacme,12\n" << junk; }
    const std::string before = file_contents(path());
    auto store = open_at(path());
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::corrupt);
    EXPECT_NE(store.error().message.find("is not a SQLite database"), std::string::npos)
        << store.error().message;
    EXPECT_NE(store.error().message.find(path()), std::string::npos);
    EXPECT_EQ(file_contents(path()), before);
}

TEST_F(SqliteStoreTest, ASqliteFileOfAnotherProgramIsRefusedAndLeftAlone) {
    {
        RawDb raw(path());
        ASSERT_EQ(raw.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)"),
                  SQLITE_OK);
    }
    auto store = open_at(path());
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::corrupt);
    EXPECT_NE(store.error().message.find("not a Baton database"), std::string::npos);
    RawDb raw(path());
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "delete");  // not switched to WAL
    EXPECT_EQ(raw.text("PRAGMA user_version"), "0");
}

TEST_F(SqliteStoreTest, RunsInWalSyncedByTheStoreWithForeignKeys) {
    auto store = open_sqlite({.path = path(), .busy_timeout_ms = 1234});
    ASSERT_TRUE(store.ok()) << store.error().message;
    RawDb raw(path());
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
    ASSIGN_OR_FAIL(settings, sqlite_settings(**store));
    EXPECT_EQ(settings.journal_mode, "wal");
    EXPECT_EQ(settings.synchronous, 1);  // NORMAL: COMMIT does not fsync, the syncer does
    EXPECT_TRUE(settings.foreign_keys);
    EXPECT_EQ(settings.busy_timeout_ms, 1234);
    EXPECT_EQ(settings.wal_syncs, 0);
}

TEST_F(SqliteStoreTest, SettingsOfAnotherStoreAreRefused) {
    class NotSqlite final : public Store {
    public:
        Status write(const TransactionFn&) override { return ok_status(); }
        Status read(const TransactionFn&) override { return ok_status(); }
        Status backup(const std::string&) override { return ok_status(); }
        std::string describe() const override { return "fake:"; }
    };
    NotSqlite fake;
    auto settings = sqlite_settings(fake);
    ASSERT_FALSE(settings.ok());
    EXPECT_EQ(settings.error().code, ErrorCode::invalid_argument);
}

TEST_F(SqliteStoreTest, BackupIsAnOpenableCopyAndRefusesAnExistingPath) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    const std::int64_t id = seed(*store);
    const std::string copy = (dir_.path() / "copy.db").string();
    ASSERT_OK(store->backup(copy));
    // The original keeps working after the backup.
    ASSERT_OK(store->write([](Transaction& tx) -> Status {
        auto r = tx.insert_event(make_event("after-backup"), at(0));
        return r ? ok_status() : Status(r.error());
    }));

    {
        auto restored = open_at(copy);
        ASSERT_TRUE(restored.ok()) << restored.error().message;
        ASSIGN_OR_FAIL(loaded, load(**restored, id));
        ASSERT_TRUE(loaded.has_value());
        expect_same_handoff(*loaded, full_handoff(), true);
        std::size_t timers = 0;
        bool later_event = true;
        ASSERT_OK((*restored)->read([&](Transaction& tx) -> Status {
            auto t = tx.timers_of(id);
            if (!t) return t.error();
            timers = t->size();
            auto e = tx.event("crm", "after-backup");
            if (!e) return e.error();
            later_event = e->has_value();
            return ok_status();
        }));
        EXPECT_EQ(timers, 1u);
        EXPECT_FALSE(later_event);  // a snapshot from the moment of the backup
    }

    const std::string before = file_contents(copy);
    Status again = store->backup(copy);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(file_contents(copy), before);

    Status nowhere = store->backup((dir_.path() / "missing" / "copy.db").string());
    ASSERT_FALSE(nowhere.ok());
    EXPECT_EQ(nowhere.error().code, ErrorCode::unavailable);
}

TEST_F(SqliteStoreTest, AWriteInsideAWriteFailsInsteadOfDeadlocking) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    Status inner = ok_status();
    Status outer = store->write([&](Transaction&) -> Status {
        inner = store->write([](Transaction&) { return ok_status(); });
        return ok_status();
    });
    EXPECT_OK(outer);
    ASSERT_FALSE(inner.ok());
    EXPECT_EQ(inner.error().code, ErrorCode::internal);
}

TEST_F(SqliteStoreTest, TheTimelineIsAppendOnlyInTheDatabaseToo) {
    std::int64_t id = 0;
    {
        auto store = open_or_fail();
        ASSERT_NE(store, nullptr);
        id = seed(*store);
    }
    RawDb raw(path());
    EXPECT_NE(raw.exec("UPDATE timeline SET text = 'rewritten'"), SQLITE_OK);
    EXPECT_NE(raw.exec("DELETE FROM timeline"), SQLITE_OK);
    EXPECT_EQ(raw.text("SELECT COUNT(*) FROM timeline WHERE handoff_id = " + std::to_string(id)),
              "2");
}

// --- migrations ---------------------------------------------------------------------------

// A database exactly as the version-1 binary left it, with some data in it.
void make_v1_database(const std::string& path) {
    RawDb raw(path);
    ASSERT_EQ(raw.exec("PRAGMA journal_mode = WAL"), SQLITE_OK);
    ASSERT_EQ(raw.exec("BEGIN"), SQLITE_OK);
    ASSERT_EQ(raw.exec(std::string(sqlite_schema_v1)), SQLITE_OK);
    ASSERT_EQ(raw.exec(std::string(sqlite_schema_v1_pragmas)), SQLITE_OK);
    ASSERT_EQ(raw.exec("INSERT INTO playbook_versions VALUES "
                       "('onboard', 1, 'id: onboard\n', 'onboard.yaml', 1700000000000), "
                       "('onboard', 2, 'id: onboard\n#\n', 'onboard.yaml', 1700000001000)"),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("INSERT INTO documents VALUES ('people', 1, 'people: []\n', 0)"),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("INSERT INTO handoffs (playbook_id, playbook_version, title, subject, "
                       "giver, owner, pending_from, unowned, state, done_definition, created_ms, "
                       "updated_ms, escalation_level, event_source, event_id, data, revision) "
                       "VALUES ('onboard', 2, 'Onboard', 'Acme', 'sales', 'ana', '', 0, "
                       "'accepted', 'Done.', 1700000000000, 1700000000000, 0, 'crm', 'e1', "
                       "'{}', 0)"),
              SQLITE_OK);
    // Escalated twice, then declined: version 8 fills escalated_to from the timeline with
    // the highest level's person.
    ASSERT_EQ(raw.exec("INSERT INTO handoffs (playbook_id, playbook_version, title, subject, "
                       "giver, owner, pending_from, unowned, state, done_definition, created_ms, "
                       "updated_ms, escalation_level, event_source, event_id, data, revision) "
                       "VALUES ('onboard', 2, 'Onboard', 'Bolt', 'sales', 'ana', '', 0, "
                       "'declined', 'Done.', 1700000000000, 1700000000000, 2, 'crm', 'e2', "
                       "'{}', 0)"),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("INSERT INTO timeline VALUES "
                       "(2, 1, 1700000000000, 'baton', 'escalated', 'Escalated to kim', "
                       "'{\"level\":1,\"to\":\"kim\"}'), "
                       "(2, 2, 1700000001000, 'baton', 'escalated', 'Escalated to ari', "
                       "'{\"level\":2,\"to\":\"ari\"}'), "
                       "(2, 3, 1700000002000, 'ana', 'declined', 'ana declined', '{}')"),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("COMMIT"), SQLITE_OK);
    ASSERT_EQ(raw.text("PRAGMA user_version"), "1");
}

TEST_F(SqliteStoreTest, AVersionOneDatabaseIsMigratedInPlace) {
    ASSERT_NO_FATAL_FAILURE(make_v1_database(path()));
    ASSERT_EQ(sqlite_schema_version(), 8);
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    {
        RawDb raw(path());
        EXPECT_EQ(raw.text("PRAGMA user_version"), "8");
        // Version 4: change numbers (existing handoffs numbered in id order), passwords,
        // sessions.
        EXPECT_EQ(raw.text("SELECT COUNT(*) FROM pragma_table_info('handoffs') "
                           "WHERE name = 'change_seq'"),
                  "1");
        EXPECT_EQ(raw.text("SELECT value FROM meta WHERE name = 'change_seq'"),
                  raw.text("SELECT COALESCE(MAX(id), 0) FROM handoffs"));
        EXPECT_EQ(raw.text("SELECT COUNT(*) FROM handoffs WHERE change_seq <> id"), "0");
        EXPECT_EQ(raw.text("SELECT COUNT(*) FROM sqlite_master WHERE name IN "
                           "('passwords', 'sessions')"),
                  "2");
        // Version 3: the outbox records deliveries.
        EXPECT_EQ(raw.text("SELECT COUNT(*) FROM pragma_table_info('outbox') "
                           "WHERE name IN ('last_error', 'delivered_ms')"),
                  "2");
        // Version 5: a person's handoffs in id order.
        EXPECT_EQ(raw.text("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' "
                           "AND name = 'handoffs_by_owner_id'"),
                  "1");
        // Version 6: the delivery log of /hooks, empty.
        EXPECT_EQ(raw.text("SELECT COUNT(*) FROM hook_deliveries"), "0");
        // Version 7: the handoffs a previous owner stays accountable for.
        EXPECT_EQ(raw.text("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' "
                           "AND name = 'handoffs_by_pending_from'"),
                  "1");
        // Version 8: whom a handoff was escalated to, and the indexes of Mine's other arms.
        EXPECT_EQ(raw.text("SELECT group_concat(subject || '=' || escalated_to, ',') FROM "
                           "(SELECT subject, escalated_to FROM handoffs ORDER BY id)"),
                  "Acme=,Bolt=ari");
        EXPECT_EQ(raw.text("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                           "('handoffs_by_escalated_to', 'handoffs_declined_by_giver')"),
                  "2");
    }
    std::int64_t config = 0;
    std::map<core::HandoffState, std::int64_t> counts;
    std::vector<PlaybookRecord> playbooks;
    ASSERT_OK(store->read([&](Transaction& tx) -> Status {
        auto v = tx.config_version();
        if (!v) return v.error();
        config = *v;
        auto c = tx.count_handoffs_by_state();
        if (!c) return c.error();
        counts = *c;
        auto p = tx.current_playbooks();
        if (!p) return p.error();
        playbooks = *p;
        return ok_status();
    }));
    // Three versions were stored before the counter existed: it starts past them, not at 0.
    EXPECT_EQ(config, 3);
    EXPECT_EQ(counts.at(core::HandoffState::accepted), 1);
    EXPECT_EQ(counts.at(core::HandoffState::waiting), 0);
    ASSERT_EQ(playbooks.size(), 1u);
    EXPECT_EQ(playbooks[0].version, 2);

    // The new tables work, and the old ones keep versioning (and now counting).
    std::int64_t after = 0;
    ASSERT_OK(store->write([&](Transaction& tx) -> Status {
        if (auto t = tx.insert_token(make_token("h")); !t) return t.error();
        if (auto s = tx.put_idempotency(make_idempotency("1", "k")); !s) return s;
        auto v = tx.put_playbook("onboard", "id: onboard\n#\n#\n", "onboard.yaml", at(0));
        if (!v) return v.error();
        if (*v != 3) return make_error(ErrorCode::internal, "expected version 3");
        auto c = tx.config_version();
        if (!c) return c.error();
        after = *c;
        return ok_status();
    }));
    EXPECT_EQ(after, 4);
    store.reset();
    auto again = open_or_fail();  // nothing left to migrate: a second run would fail
    ASSERT_NE(again, nullptr);
}

TEST_F(SqliteStoreTest, ConfigVersionIsOneRowBumpedPerNewVersion) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->write([](Transaction& tx) -> Status {
        for (const char* text : {"a\n", "a\n", "b\n"}) {
            if (auto v = tx.put_playbook("p", text, "p.yaml", at(0)); !v) return v.error();
        }
        auto d = tx.put_document("people", "[]\n", at(0));
        return d ? ok_status() : Status(d.error());
    }));
    RawDb raw(path());
    EXPECT_EQ(raw.text("SELECT value FROM meta WHERE name = 'config_version'"), "3");
    // One row for it (the other row of meta is the change number, version 4).
    EXPECT_EQ(raw.text("SELECT COUNT(*) FROM meta WHERE name = 'config_version'"), "1");
    EXPECT_EQ(raw.text("SELECT group_concat(name) FROM (SELECT name FROM meta ORDER BY name)"),
              "change_seq,config_version");
}

TEST_F(SqliteStoreTest, GroupCommitLimitsMustBePositive) {
    const std::vector<std::pair<std::size_t, std::size_t>> limits_to_try = {{0, 1}, {1, 0}};
    for (auto [queue, batch] : limits_to_try) {
        auto store = open_sqlite({.path = path(), .write_queue_max = queue,
                                  .write_batch_max = batch});
        ASSERT_FALSE(store.ok());
        EXPECT_EQ(store.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(store.error().field, queue == 0 ? "write_queue_max" : "write_batch_max");
    }
}

// --- group commit -------------------------------------------------------------------------

// Polls `done` until it holds. The limit only keeps a broken store from hanging the run;
// no test depends on how long anything takes.
bool eventually(const std::function<bool()>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done()) {
        if (std::chrono::steady_clock::now() > give_up) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

Status insert_event_status(Transaction& tx, const std::string& id) {
    auto r = tx.insert_event(make_event(id), at(0));
    if (!r) return r.error();
    return *r ? ok_status() : make_error(ErrorCode::internal, "duplicate event " + id);
}

// Holds a leader inside its callback so that the test decides which writers queue behind
// it, and therefore exactly what the next batch holds. The held write inserts event "gate".
class HeldWrite {
public:
    explicit HeldWrite(Store& store)
        : thread_([this, &store] {
              status_ = store.write([this](Transaction& tx) -> Status {
                  entered_.store(true);
                  if (!eventually([this] { return released_.load(); })) {
                      return make_error(ErrorCode::internal, "never released");
                  }
                  return insert_event_status(tx, "gate");
              });
          }) {
        EXPECT_TRUE(eventually([this] { return entered_.load(); }));
    }
    ~HeldWrite() { (void)release(); }
    HeldWrite(const HeldWrite&) = delete;
    HeldWrite& operator=(const HeldWrite&) = delete;

    // Lets the held callback finish and waits for its write() to return.
    Status release() {
        released_.store(true);
        if (thread_.joinable()) thread_.join();
        return status_;
    }

private:
    std::atomic<bool> entered_{false};
    std::atomic<bool> released_{false};
    Status status_ = ok_status();
    std::thread thread_;
};

// Writers started one at a time, each queued behind the held leader before the next starts,
// so the queue holds them in start order.
class QueuedWriters {
public:
    explicit QueuedWriters(Store& store) : store_(store) {}
    ~QueuedWriters() { join(); }

    void add(TransactionFn fn) {
        const std::size_t index = results_.size();
        // Pointers to deque elements stay valid as it grows; indexing would race with it.
        Status* result = &results_.emplace_back(ok_status());
        const TransactionFn* callback = &fns_.emplace_back(std::move(fn));
        threads_.emplace_back([this, result, callback] { *result = store_.write(*callback); });
        EXPECT_TRUE(eventually([&] { return store_.pending_writes() == index + 1; }))
            << "writer " << index << " did not queue";
    }
    void join() {
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
    }
    const Status& result(std::size_t i) const { return results_[i]; }

private:
    Store& store_;
    std::deque<TransactionFn> fns_;
    std::deque<Status> results_;  // each written by its own thread, read after join()
    std::vector<std::thread> threads_;
};

std::int64_t commits_of(Store& store) {
    auto settings = sqlite_settings(store);
    EXPECT_TRUE(settings.ok());
    return settings.ok() ? settings->commits : -1;
}

bool has_event(Store& store, const std::string& id) {
    bool found = false;
    Status s = store.read([&](Transaction& tx) -> Status {
        auto e = tx.event("crm", id);
        if (!e) return e.error();
        found = e->has_value();
        return ok_status();
    });
    EXPECT_TRUE(s.ok());
    return found;
}

TEST_F(SqliteStoreTest, ManyWritersAllLandAndEachSeesOk) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    constexpr int threads = 8;
    constexpr int writes_per_thread = 50;
    const std::int64_t commits_before = commits_of(*store);
    std::atomic<int> oks{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < writes_per_thread; ++i) {
                const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
                Status s =
                    store->write([&](Transaction& tx) { return insert_event_status(tx, id); });
                if (s.ok()) ++oks;
            }
        });
    }
    for (auto& th : pool) th.join();
    EXPECT_EQ(oks.load(), threads * writes_per_thread);
    EXPECT_EQ(store->pending_writes(), 0u);
    ASSIGN_OR_FAIL(settings, sqlite_settings(*store));
    EXPECT_LE(settings.commits - commits_before, threads * writes_per_thread);
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < writes_per_thread; ++i) {
            EXPECT_TRUE(has_event(*store, "t" + std::to_string(t) + "-" + std::to_string(i)));
        }
    }
}

TEST_F(SqliteStoreTest, WritersQueuedBehindALeaderShareOneCommit) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    const std::int64_t commits_before = commits_of(*store);
    {
        HeldWrite held(*store);
        QueuedWriters writers(*store);
        for (int i = 0; i < 7; ++i) {
            const std::string id = "queued-" + std::to_string(i);
            writers.add([id](Transaction& tx) { return insert_event_status(tx, id); });
        }
        EXPECT_EQ(store->pending_writes(), 7u);
        EXPECT_OK(held.release());
        writers.join();
        for (std::size_t i = 0; i < 7; ++i) EXPECT_OK(writers.result(i));
    }
    // The held leader's batch, then one batch for all seven that queued meanwhile.
    EXPECT_EQ(commits_of(*store) - commits_before, 2);
    for (int i = 0; i < 7; ++i) EXPECT_TRUE(has_event(*store, "queued-" + std::to_string(i)));
    EXPECT_EQ(store->pending_writes(), 0u);
}

TEST_F(SqliteStoreTest, ConcurrentSlowWritersAreBatched) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    constexpr int threads = 8;
    constexpr int writes_per_thread = 10;
    ASSIGN_OR_FAIL(before, sqlite_settings(*store));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < writes_per_thread; ++i) {
                Status s = store->write([&](Transaction& tx) {
                    // Slow enough that the other threads queue up meanwhile.
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    return insert_event_status(tx, std::to_string(t) + "-" + std::to_string(i));
                });
                EXPECT_TRUE(s.ok()) << s.error().message;
            }
        });
    }
    for (auto& th : pool) th.join();
    ASSIGN_OR_FAIL(after, sqlite_settings(*store));
    EXPECT_EQ(after.writes_committed - before.writes_committed, threads * writes_per_thread);
    EXPECT_LT(after.commits - before.commits, threads * writes_per_thread);
}

TEST_F(SqliteStoreTest, AFailingCallbackInABatchUndoesOnlyItsOwnWork) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    const std::int64_t commits_before = commits_of(*store);
    HeldWrite held(*store);
    QueuedWriters writers(*store);
    writers.add([](Transaction& tx) { return insert_event_status(tx, "before"); });
    writers.add([](Transaction& tx) -> Status {
        if (auto s = insert_event_status(tx, "failing"); !s) return s;
        if (auto t = tx.insert_token(make_token("h")); !t) return t.error();
        return make_error(ErrorCode::conflict, "refused", "owner");
    });
    writers.add([](Transaction& tx) -> Status {
        if (auto s = insert_event_status(tx, "after"); !s) return s;
        auto n = tx.next_assignment("ops");
        return n ? ok_status() : Status(n.error());
    });
    EXPECT_OK(held.release());
    writers.join();
    EXPECT_EQ(commits_of(*store) - commits_before, 2);  // the three shared one commit
    EXPECT_OK(writers.result(0));
    ASSERT_FALSE(writers.result(1).ok());
    EXPECT_EQ(writers.result(1).error().code, ErrorCode::conflict);
    EXPECT_EQ(writers.result(1).error().message, "refused");
    EXPECT_OK(writers.result(2));
    EXPECT_TRUE(has_event(*store, "before"));
    EXPECT_FALSE(has_event(*store, "failing"));
    EXPECT_TRUE(has_event(*store, "after"));
    std::size_t tokens = 99;
    ASSERT_OK(store->read([&](Transaction& tx) -> Status {
        auto t = tx.list_tokens();
        if (!t) return t.error();
        tokens = t->size();
        return ok_status();
    }));
    EXPECT_EQ(tokens, 0u);
}

TEST_F(SqliteStoreTest, AFailedCommitFailsEveryCallerOfTheBatch) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(sqlite_fail_commits(*store, /*commits_to_skip=*/1, /*commits_to_fail=*/1));
    HeldWrite held(*store);
    QueuedWriters writers(*store);
    for (const char* id : {"a", "b", "c"}) {
        writers.add([id](Transaction& tx) { return insert_event_status(tx, id); });
    }
    EXPECT_OK(held.release());  // the skipped commit
    writers.join();
    for (std::size_t i = 0; i < 3; ++i) {
        ASSERT_FALSE(writers.result(i).ok()) << i;
        EXPECT_EQ(writers.result(i).error().message, writers.result(0).error().message);
    }
    EXPECT_TRUE(has_event(*store, "gate"));
    for (const char* id : {"a", "b", "c"}) EXPECT_FALSE(has_event(*store, id)) << id;
    // The store carries on once the disk does.
    EXPECT_OK(store->write([](Transaction& tx) { return insert_event_status(tx, "later"); }));
    EXPECT_TRUE(has_event(*store, "later"));
}

// Found by the simulation (tests/sim): a refused callback got the batch's COMMIT failure
// ("internal: COMMIT: constraint failed") instead of its own refusal, and a failed COMMIT
// answered internal where the Store contract says unavailable.
TEST_F(SqliteStoreTest, AFailedCommitKeepsARefusalsOwnErrorAndAnswersTheRestUnavailable) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(sqlite_fail_commits(*store, /*commits_to_skip=*/1, /*commits_to_fail=*/1));
    HeldWrite held(*store);
    QueuedWriters writers(*store);
    writers.add([](Transaction& tx) { return insert_event_status(tx, "a"); });
    writers.add([](Transaction& tx) -> Status {
        if (auto s = insert_event_status(tx, "refused"); !s) return s;
        return make_error(ErrorCode::conflict, "refused");
    });
    EXPECT_OK(held.release());  // the skipped commit
    writers.join();
    ASSERT_FALSE(writers.result(0).ok());
    EXPECT_EQ(writers.result(0).error().code, ErrorCode::unavailable);
    ASSERT_FALSE(writers.result(1).ok());
    EXPECT_EQ(writers.result(1).error().code, ErrorCode::conflict);
    EXPECT_EQ(writers.result(1).error().message, "refused");
    EXPECT_FALSE(has_event(*store, "a"));
    EXPECT_FALSE(has_event(*store, "refused"));
    // A write that keeps nothing does not commit, so a failing disk cannot turn a refusal
    // into an error of the store.
    ASSERT_OK(sqlite_fail_commits(*store, 0, 1));
    const Status alone = store->write([](Transaction& tx) -> Status {
        if (auto s = insert_event_status(tx, "alone"); !s) return s;
        return make_error(ErrorCode::forbidden, "not yours");
    });
    ASSERT_FALSE(alone.ok());
    EXPECT_EQ(alone.error().code, ErrorCode::forbidden);
    const Status next = store->write([](Transaction& tx) { return insert_event_status(tx, "b"); });
    ASSERT_FALSE(next.ok()) << "the armed commit failure is still due";
    EXPECT_EQ(next.error().code, ErrorCode::unavailable);
    EXPECT_FALSE(has_event(*store, "b"));
    EXPECT_OK(store->write([](Transaction& tx) { return insert_event_status(tx, "later"); }));
    EXPECT_TRUE(has_event(*store, "later"));
}

TEST_F(SqliteStoreTest, AFullWriteQueueRefusesAtOnceAndDropsNothing) {
    auto opened = open_sqlite({.path = path(), .write_queue_max = 2});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    Store& store = **opened;
    EXPECT_EQ(store.pending_writes(), 0u);
    HeldWrite held(store);
    EXPECT_EQ(store.pending_writes(), 0u);  // the leader's own callback is no longer queued
    QueuedWriters writers(store);
    writers.add([](Transaction& tx) { return insert_event_status(tx, "q1"); });
    writers.add([](Transaction& tx) { return insert_event_status(tx, "q2"); });
    EXPECT_EQ(store.pending_writes(), 2u);

    // Refused on another thread, so that a write that blocked would show as a failure here
    // instead of hanging the test behind the held leader.
    std::atomic<bool> returned{false};
    Status refused = ok_status();
    std::thread extra([&] {
        refused = store.write([](Transaction& tx) { return insert_event_status(tx, "extra"); });
        returned.store(true);
    });
    const bool answered = eventually([&] { return returned.load(); });
    EXPECT_TRUE(answered) << "a write to a full queue blocked";
    if (answered) {
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
        EXPECT_EQ(refused.error().message.rfind("write queue full", 0), 0u)
            << refused.error().message;
    }
    EXPECT_EQ(store.pending_writes(), 2u);
    EXPECT_OK(held.release());
    extra.join();
    writers.join();
    EXPECT_OK(writers.result(0));
    EXPECT_OK(writers.result(1));
    EXPECT_TRUE(has_event(store, "q1"));
    EXPECT_TRUE(has_event(store, "q2"));
    EXPECT_FALSE(has_event(store, "extra"));
    EXPECT_EQ(store.pending_writes(), 0u);
    EXPECT_OK(store.write([](Transaction& tx) { return insert_event_status(tx, "extra"); }));
}

TEST_F(SqliteStoreTest, BatchesAreCappedAtWriteBatchMax) {
    auto opened = open_sqlite({.path = path(), .write_batch_max = 2});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    Store& store = **opened;
    const std::int64_t commits_before = commits_of(store);
    {
        HeldWrite held(store);
        QueuedWriters writers(store);
        for (int i = 0; i < 5; ++i) {
            const std::string id = "w" + std::to_string(i);
            writers.add([id](Transaction& tx) { return insert_event_status(tx, id); });
        }
        EXPECT_OK(held.release());
        writers.join();
        for (std::size_t i = 0; i < 5; ++i) EXPECT_OK(writers.result(i));
    }
    EXPECT_EQ(commits_of(store) - commits_before, 1 + 3);  // the held one, then 2 + 2 + 1
}

TEST_F(SqliteStoreTest, ANestedWriteFromACallbackRunByAnotherLeaderFails) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    HeldWrite held(*store);
    QueuedWriters writers(*store);
    Status inner = ok_status();
    writers.add([](Transaction& tx) { return insert_event_status(tx, "first"); });
    // Usually run on the first writer's thread, which leads the batch both share.
    writers.add([&](Transaction& tx) -> Status {
        inner = store->write([](Transaction& w) { return insert_event_status(w, "nested"); });
        return insert_event_status(tx, "second");
    });
    EXPECT_OK(held.release());
    writers.join();
    EXPECT_OK(writers.result(0));
    EXPECT_OK(writers.result(1));
    ASSERT_FALSE(inner.ok());
    EXPECT_EQ(inner.error().code, ErrorCode::internal);
    EXPECT_TRUE(has_event(*store, "second"));
    EXPECT_FALSE(has_event(*store, "nested"));
}

// Answers of write_async(), collected from whichever thread gives them.
class AsyncAnswers {
public:
    std::function<void(Status)> slot() {
        std::lock_guard lock(mutex_);
        const std::size_t index = results_.size();
        results_.emplace_back(std::nullopt);
        return [this, index](Status s) {
            std::lock_guard inner(mutex_);
            results_[index] = std::move(s);
        };
    }
    bool all_answered() {
        std::lock_guard lock(mutex_);
        return std::all_of(results_.begin(), results_.end(),
                           [](const auto& r) { return r.has_value(); });
    }
    Status result(std::size_t i) {
        std::lock_guard lock(mutex_);
        return results_.at(i).value_or(make_error(ErrorCode::internal, "not answered"));
    }

private:
    std::mutex mutex_;
    std::deque<std::optional<Status>> results_;  // GUARDED_BY(mutex_)
};

TEST_F(SqliteStoreTest, AsyncWritesShareACommitWithWritersAndFailAlone) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    const std::int64_t commits_before = commits_of(*store);
    AsyncAnswers answers;
    {
        HeldWrite held(*store);
        QueuedWriters writers(*store);
        writers.add([](Transaction& tx) { return insert_event_status(tx, "s1"); });
        store->write_async([](Transaction& tx) { return insert_event_status(tx, "a1"); },
                           answers.slot());
        store->write_async([](Transaction& tx) -> Status {
            if (auto s = insert_event_status(tx, "a2"); !s) return s;
            return make_error(ErrorCode::conflict, "refused");
        }, answers.slot());
        EXPECT_EQ(store->pending_writes(), 3u);
        store->write_async([](Transaction& tx) { return insert_event_status(tx, "a3"); },
                           answers.slot());
        EXPECT_FALSE(answers.all_answered());  // nothing is answered before its commit
        EXPECT_OK(held.release());
        writers.join();
        EXPECT_OK(writers.result(0));
    }
    ASSERT_TRUE(eventually([&] { return answers.all_answered(); }));
    EXPECT_OK(answers.result(0));
    ASSERT_FALSE(answers.result(1).ok());
    EXPECT_EQ(answers.result(1).error().code, ErrorCode::conflict);
    EXPECT_OK(answers.result(2));
    // The held leader's batch, then one batch for the four that queued meanwhile.
    EXPECT_EQ(commits_of(*store) - commits_before, 2);
    EXPECT_TRUE(has_event(*store, "a1"));
    EXPECT_FALSE(has_event(*store, "a2"));
    EXPECT_TRUE(has_event(*store, "s1"));
    EXPECT_TRUE(has_event(*store, "a3"));
    EXPECT_EQ(store->pending_writes(), 0u);
}

TEST_F(SqliteStoreTest, AsyncWritesAloneAreCommittedByTheStoresThread) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    AsyncAnswers answers;
    for (int i = 0; i < 50; ++i) {
        const std::string id = "alone-" + std::to_string(i);
        store->write_async([id](Transaction& tx) { return insert_event_status(tx, id); },
                           answers.slot());
    }
    ASSERT_TRUE(eventually([&] { return answers.all_answered(); }));
    for (std::size_t i = 0; i < 50; ++i) EXPECT_OK(answers.result(i));
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(has_event(*store, "alone-" + std::to_string(i)));
    // A write() after them still finds a leader (itself).
    EXPECT_OK(store->write([](Transaction& tx) { return insert_event_status(tx, "after"); }));
}

TEST_F(SqliteStoreTest, AFailedCommitFailsAsyncWritersToo) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(sqlite_fail_commits(*store, /*commits_to_skip=*/1, /*commits_to_fail=*/1));
    AsyncAnswers answers;
    {
        HeldWrite held(*store);
        store->write_async([](Transaction& tx) { return insert_event_status(tx, "x"); },
                           answers.slot());
        EXPECT_OK(held.release());
    }
    ASSERT_TRUE(eventually([&] { return answers.all_answered(); }));
    EXPECT_FALSE(answers.result(0).ok());
    EXPECT_FALSE(has_event(*store, "x"));
}

TEST_F(SqliteStoreTest, ClosingTheStoreCommitsAndAnswersEveryQueuedAsyncWrite) {
    AsyncAnswers answers;
    {
        auto store = open_or_fail();
        ASSERT_NE(store, nullptr);
        for (int i = 0; i < 20; ++i) {
            const std::string id = "closing-" + std::to_string(i);
            store->write_async([id](Transaction& tx) { return insert_event_status(tx, id); },
                               answers.slot());
        }
    }
    EXPECT_TRUE(answers.all_answered());
    auto reopened = open_or_fail();
    ASSERT_NE(reopened, nullptr);
    for (std::size_t i = 0; i < 20; ++i) {
        EXPECT_OK(answers.result(i));
        EXPECT_TRUE(has_event(*reopened, "closing-" + std::to_string(i)));
    }
}

TEST_F(SqliteStoreTest, AWriteIsAnsweredAfterOneWalSyncAndARefusalSyncsNothing) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->write([](Transaction& tx) { return insert_event_status(tx, "one"); }));
    ASSIGN_OR_FAIL(after, sqlite_settings(*store));
    EXPECT_EQ(after.wal_syncs, 1);
    // A write that keeps nothing commits nothing, so there is nothing to sync.
    const Status refused = store->write([](Transaction& tx) -> Status {
        if (auto s = insert_event_status(tx, "refused"); !s) return s;
        return make_error(ErrorCode::conflict, "refused");
    });
    EXPECT_FALSE(refused.ok());
    ASSIGN_OR_FAIL(later, sqlite_settings(*store));
    EXPECT_EQ(later.wal_syncs, 1);
}

// The answer of a write waits for the fsync, not only for the COMMIT: with the syncer
// paused, committed writes are visible to readers but nobody has been answered.
TEST_F(SqliteStoreTest, NoWriteIsAnsweredBeforeItsWalIsSynced) {
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(sqlite_pause_syncs(*store, true));
    AsyncAnswers answers;
    store->write_async([](Transaction& tx) { return insert_event_status(tx, "async"); },
                       answers.slot());
    std::atomic<bool> blocking_returned{false};
    Status blocking = ok_status();
    std::thread writer([&] {
        blocking = store->write([](Transaction& tx) { return insert_event_status(tx, "sync"); });
        blocking_returned.store(true);
    });
    ASSERT_TRUE(eventually([&] {
        return has_event(*store, "async") && has_event(*store, "sync");
    }));
    ASSIGN_OR_FAIL(paused, sqlite_settings(*store));
    EXPECT_GE(paused.commits, 1);
    EXPECT_EQ(paused.wal_syncs, 0);
    EXPECT_FALSE(answers.all_answered());
    EXPECT_FALSE(blocking_returned.load());
    // Writers keep committing while the disk is slow: the leader does not wait for it.
    ASSERT_OK(sqlite_pause_syncs(*store, false));
    writer.join();
    EXPECT_OK(blocking);
    ASSERT_TRUE(eventually([&] { return answers.all_answered(); }));
    EXPECT_OK(answers.result(0));
    ASSIGN_OR_FAIL(synced, sqlite_settings(*store));
    EXPECT_GE(synced.wal_syncs, 1);
    EXPECT_LE(synced.wal_syncs, synced.commits);
}

TEST_F(SqliteStoreTest, AFailedSyncFailsItsWritersAndTheStoreRefusesWritesUntilReopened) {
    {
        auto store = open_or_fail();
        ASSERT_NE(store, nullptr);
        ASSERT_OK(sqlite_fail_syncs(*store, 1));
        const Status failed =
            store->write([](Transaction& tx) { return insert_event_status(tx, "unsynced"); });
        ASSERT_FALSE(failed.ok());
        EXPECT_EQ(failed.error().code, ErrorCode::unavailable);
        EXPECT_NE(failed.error().message.find("fdatasync of " + path() + "-wal failed"),
                  std::string::npos)
            << failed.error().message;
        // Later writes are refused before they run, blocking and asynchronous alike, even
        // though a later fsync might succeed.
        bool ran = false;
        const Status later = store->write([&](Transaction& tx) {
            ran = true;
            return insert_event_status(tx, "later");
        });
        ASSERT_FALSE(later.ok());
        EXPECT_EQ(later.error().code, ErrorCode::unavailable);
        EXPECT_NE(later.error().message.find("until the store is reopened"), std::string::npos);
        EXPECT_FALSE(ran);
        AsyncAnswers answers;
        store->write_async([](Transaction& tx) { return insert_event_status(tx, "async"); },
                           answers.slot());
        ASSERT_TRUE(answers.all_answered());  // refused at once, on the caller's thread
        EXPECT_EQ(answers.result(0).error().code, ErrorCode::unavailable);
        // Reads still work.
        EXPECT_FALSE(has_event(*store, "later"));
    }
    auto reopened = open_or_fail();
    ASSERT_NE(reopened, nullptr);
    EXPECT_OK(reopened->write([](Transaction& tx) { return insert_event_status(tx, "after"); }));
    EXPECT_TRUE(has_event(*reopened, "after"));
}

// Damages one row with a raw connection, then expects the store to answer corrupt.
struct Damage {
    const char* name;
    const char* sql;
};

std::string damage_name(const ::testing::TestParamInfo<Damage>& param_info) {
    return param_info.param.name;
}

class DamagedRowTest : public SqliteStoreTest, public ::testing::WithParamInterface<Damage> {};

TEST_P(DamagedRowTest, IsReportedAsCorruptNotACrash) {
    std::int64_t id = 0;
    {
        auto store = open_or_fail();
        ASSERT_NE(store, nullptr);
        id = seed(*store);
    }
    {
        RawDb raw(path());
        ASSERT_EQ(raw.exec(GetParam().sql), SQLITE_OK) << GetParam().sql;
    }
    auto store = open_or_fail();
    ASSERT_NE(store, nullptr);
    Status s = store->read([&](Transaction& tx) -> Status {
        auto h = tx.handoff(id, true);
        if (!h) return h.error();
        auto timers = tx.timers_of(id);
        if (!timers) return timers.error();
        return ok_status();
    });
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::corrupt) << s.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Sqlite, DamagedRowTest,
    ::testing::Values(
        Damage{"UnknownState", "UPDATE handoffs SET state = 'limbo'"},
        Damage{"DataNotJson", "UPDATE handoffs SET data = '{\"company\": '"},
        Damage{"TimeNotANumber", "UPDATE handoffs SET created_ms = 'yesterday'"},
        Damage{"FlagNotABoolean", "UPDATE handoffs SET unowned = 7"},
        Damage{"ChecklistGap", "DELETE FROM checklist_items WHERE number = 1"},
        Damage{"ChecklistTextBlob", "UPDATE checklist_items SET text = X'00ff' WHERE number = 2"},
        Damage{"UnknownTimerKind", "UPDATE timers SET kind = 'nap'"}),
    damage_name);

}  // namespace
}  // namespace baton::store::testing
