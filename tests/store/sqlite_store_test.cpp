// SqliteStore on real files in a fresh /tmp directory per test: the Store contract, then
// what is SQLite's own (migrations, refusing foreign files, backup, durability settings,
// and rows damaged behind the store's back).
#include <sqlite3.h>

#include <fstream>
#include <iterator>

#include "store/sqlite/sqlite_store.h"
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

TEST_F(SqliteStoreTest, RunsInWalWithFullSyncAndForeignKeys) {
    auto store = open_sqlite({.path = path(), .busy_timeout_ms = 1234});
    ASSERT_TRUE(store.ok()) << store.error().message;
    RawDb raw(path());
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
    ASSIGN_OR_FAIL(settings, sqlite_settings(**store));
    EXPECT_EQ(settings.journal_mode, "wal");
    EXPECT_EQ(settings.synchronous, 2);  // FULL
    EXPECT_TRUE(settings.foreign_keys);
    EXPECT_EQ(settings.busy_timeout_ms, 1234);
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
