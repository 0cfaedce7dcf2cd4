// Copying a whole store between SQLite and PostgreSQL (Store::copy_into, as `baton migrate`
// does) and backing up PostgreSQL (a SQLite file), with real history made by the engine on
// the example workspace: events into handoffs, a relay, accepts, checklist ticks, comments,
// a decline, reminders and escalations fired, deliveries settled, tokens, a password, a
// session and an idempotency record. SQLite → PostgreSQL → SQLite must keep every row of
// every table, and the engine on each copy must answer exactly as on the source; new ids
// continue past the copied ones. A PostgreSQL backup taken while a thread keeps writing
// must be one consistent moment. PostgreSQL is the test's own (support/pg_cluster.h).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "engine/engine.h"
#include "engine/json_views.h"
#include "store/copy_rows.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_clock.h"
#include "support/pg_cluster.h"
#include "support/temp_dir.h"

namespace baton::store::testing {
namespace {

using baton::testing::FakeClock;
using baton::testing::PgCluster;
using nlohmann::json;
using namespace std::chrono_literals;

std::string read_example(const std::string& name) {
    std::ifstream in(std::string(BATON_SOURCE_DIR) + "/examples/" + name);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const char* kChannels = R"(
slack:
  "#ops": { webhook: "https://hooks.slack.example/T0/B0/x" }
smtp: { url: "smtp://mail.example:25", from: "Baton <baton@example.com>" }
public_url: "https://baton.example.com/"
)";

core::Event make(const std::string& type, const std::string& id, const json& data, TimePoint time) {
    core::Event e;
    e.type = type;
    e.id = id;
    e.source = "crm";
    e.time = time;
    e.subject = data.value("company", "");
    e.data = data;
    return e;
}

// Declares `lhs` holding the value of a Result, or fails the test with its error.
#define ASSIGN_OR_FAIL(lhs, expr)                                   \
    auto lhs##_result = (expr);                                     \
    ASSERT_TRUE(lhs##_result.ok()) << lhs##_result.error().message; \
    auto lhs = std::move(lhs##_result).value()

#define ASSERT_RESULT(expr)                                                 \
    do {                                                                    \
        const auto& assert_result_ = (expr);                                \
        ASSERT_TRUE(assert_result_.ok()) << assert_result_.error().message; \
    } while (0)

class StoreCopy : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        cluster_ = baton::testing::shared_pg_cluster(why);
        if (cluster_ == nullptr) GTEST_SKIP() << "no PostgreSQL server for the tests: " << why;
    }

    Result<std::unique_ptr<Store>> fresh_postgres() {
        std::string why;
        const std::string db = cluster_->create_database(why);
        if (db.empty()) return make_error(ErrorCode::unavailable, why);
        return open_postgres({.url = cluster_->url(db)});
    }
    Result<std::unique_ptr<Store>> fresh_sqlite(const std::string& name) {
        return open_sqlite({.path = dir_.file(name)});
    }

    // History made by the engine, the way Baton makes it.
    void make_history(engine::Engine& engine) {
        ASSERT_RESULT(engine.apply(
            {{"people.yaml", read_example("people.yaml")},
             {"playbooks/sold-to-onboarding.yaml",
              read_example("playbooks/sold-to-onboarding.yaml")},
             {"playbooks/kickoff-prep.yaml", read_example("playbooks/kickoff-prep.yaml")},
             {"playbooks/ready-to-client.yaml", read_example("playbooks/ready-to-client.yaml")},
             {"templates/client-next-step.md", read_example("templates/client-next-step.md")},
             {"channels.yaml", kChannels}}));
        // A call to /hooks for the delivery log: refused, since no source is configured.
        engine::Engine::HookCall call;
        call.source = "crm";
        call.uri = "https://baton.example.com/hooks/crm";
        call.headers = {{"Content-Type", "application/json"}};
        call.body = R"({"type":"deal.won"})";
        auto logged = engine.receive_hook(call);
        ASSERT_RESULT(logged);
        EXPECT_GT(logged->delivery_id, 0);
        std::vector<std::int64_t> ids;
        for (int i = 0; i < 6; ++i) {
            const std::string company = "Client " + std::to_string(i);
            auto r = engine.ingest(make("deal.won", "deal-" + std::to_string(i),
                                        {{"company", company},
                                         {"amount", i == 5 ? 10 : 5000},  // the last: no match
                                         {"pipeline", "services"}},
                                        clock_.now()));
            ASSERT_RESULT(r);
            for (auto id : r->handoff_ids) ids.push_back(id);
            clock_.advance(1min);
        }
        ASSERT_EQ(ids.size(), 5u);
        auto owner_of = [&](std::int64_t id) {
            auto h = engine.show(id);
            EXPECT_TRUE(h.ok());
            auto actor = engine.actor(h->owner);
            EXPECT_TRUE(actor.ok());
            return *actor;
        };
        // 0: accepted, ticked through and done (the relay starts kickoff-prep);
        // 1: accepted with a comment; 2: declined; 3: cancelled; 4: left waiting.
        ASSERT_RESULT(engine.act(ids[0], core::Accept{}, owner_of(ids[0])));
        for (int item = 1; item <= 3; ++item) {
            ASSERT_RESULT(engine.act(ids[0], core::Check{item, true}, owner_of(ids[0])));
        }
        ASSERT_RESULT(engine.act(ids[0], core::Finish{}, owner_of(ids[0])));
        ASSERT_RESULT(engine.act(ids[1], core::Accept{}, owner_of(ids[1])));
        ASSERT_RESULT(
            engine.act(ids[1], core::Comment{"Folder is up — ✓ 東京"}, owner_of(ids[1])));
        ASSERT_RESULT(engine.act(ids[2], core::Decline{"Not mine"}, owner_of(ids[2])));
        ASSERT_RESULT(engine.act(ids[3], core::Cancel{"Deal fell through"},
                                 engine::Engine::local_operator()));
        // A day later: reminders and escalations fire, messages are sent, one fails.
        clock_.advance(26h);
        ASSERT_RESULT(engine.fire_due_timers(100));
        auto lease = engine.lease_notifications(100, 1min);
        ASSERT_RESULT(lease);
        ASSERT_GE(lease->notifications.size(), 3u);
        int n = 0;
        for (const auto& note : lease->notifications) {
            channels::Outcome outcome;
            outcome.kind =
                n % 3 == 2 ? channels::Outcome::Kind::failed : channels::Outcome::Kind::delivered;
            outcome.status = outcome.kind == channels::Outcome::Kind::failed ? 404 : 200;
            outcome.detail = outcome.status == 404 ? "no such channel" : "";
            ASSERT_RESULT(engine.settle_delivery(note, outcome, {}, 0.5));
            ++n;
        }
        auto token = engine.create_token("sam", "CI");
        ASSERT_RESULT(token);
        token_secret_ = token->secret;
        token_id_ = token->id;
        auto revoked = engine.create_token("dana", "old laptop");
        ASSERT_RESULT(revoked);
        ASSERT_RESULT(engine.revoke_token(revoked->id));
        ASSERT_RESULT(engine.set_password("ari", "correct horse battery staple"));
        auto signed_in = engine.sign_in("ari", "correct horse battery staple", 24h);
        ASSERT_RESULT(signed_in);
        session_secret_ = signed_in->secret;
        IdempotencyRecord answer;
        answer.scope = std::to_string(token->id);
        answer.key = "retry-1";
        answer.request_hash = "abc123";
        answer.status = 202;
        answer.response_body = R"({"handoffs":[1]})";
        answer.created_at = clock_.now();
        ASSERT_RESULT(engine.remember_answer(answer));
    }

    // What the engine answers on a store: every handoff with its timeline, the lists, the
    // reports, a relay, the events, the tokens — as the CLI and API would show them.
    json answers(engine::Engine& engine) {
        json out;
        const TimePoint now = clock_.now();
        auto list = engine.list({.limit = 1000});
        EXPECT_TRUE(list.ok());
        for (const auto& h : *list) {
            auto shown = engine.show(h.id);
            EXPECT_TRUE(shown.ok());
            out["handoffs"].push_back(engine::handoff_json(*shown, now, true));
        }
        for (auto state : {core::HandoffState::waiting, core::HandoffState::accepted,
                           core::HandoffState::done}) {
            auto some = engine.list({.state = state});
            EXPECT_TRUE(some.ok());
            for (const auto& h : *some) out["by_state"][core::to_string(state)].push_back(h.id);
        }
        for (auto by : {core::ReportBy::playbook, core::ReportBy::owner}) {
            auto report = engine.report(std::chrono::duration_cast<Milliseconds>(30 * 24h), by);
            EXPECT_TRUE(report.ok());
            out["reports"].push_back(engine::report_json(*report));
        }
        auto relay = engine.relay("Client 0");
        EXPECT_TRUE(relay.ok());
        out["relay"] = engine::relay_json(*relay, now);
        auto events = engine.events({.limit = 1000});
        EXPECT_TRUE(events.ok());
        for (const auto& e : *events) out["events"].push_back(engine::event_json(e));
        auto tokens = engine.tokens();
        EXPECT_TRUE(tokens.ok());
        for (const auto& t : *tokens) {
            out["tokens"].push_back({t.id, t.handle, t.label, t.revoked_at.has_value()});
        }
        return out;
    }

    // A new event on a copy starts a handoff whose id (and its timers' and messages' ids)
    // come after the copied ones, with no unique key broken.
    void expect_new_ids_follow(engine::Engine& engine, Store& store, const std::string& id) {
        ASSIGN_OR_FAIL(before, export_of(store));
        auto r = engine.ingest(make(
            "deal.won", id, {{"company", "New " + id}, {"amount", 9000}, {"pipeline", "services"}},
            clock_.now()));
        ASSERT_RESULT(r);
        ASSERT_EQ(r->handoff_ids.size(), 1u);
        EXPECT_EQ(r->handoff_ids[0],
                  static_cast<std::int64_t>(before.rows.at("handoffs").size()) + 1);
        auto timers = engine.timers(r->handoff_ids[0]);
        ASSERT_RESULT(timers);
        ASSERT_FALSE(timers->empty());
        EXPECT_EQ(timers->front().id,
                  static_cast<std::int64_t>(before.rows.at("timers").size()) + 1);
        auto outbox = engine.outbox(r->handoff_ids[0]);
        ASSERT_RESULT(outbox);
        ASSERT_FALSE(outbox->empty());
        EXPECT_EQ(outbox->front().id,
                  static_cast<std::int64_t>(before.rows.at("outbox").size()) + 1);
        auto last = engine.last_change_seq();
        ASSERT_RESULT(last);
        EXPECT_GT(*last, 0);
    }

    PgCluster* cluster_ = nullptr;
    baton::testing::TempDir dir_;
    FakeClock clock_{*parse_rfc3339("2026-11-23T09:00:00Z")};
    std::string token_secret_;
    std::int64_t token_id_ = 0;
    std::string session_secret_;
};

TEST_F(StoreCopy, SqliteToPostgresAndBackKeepsEveryRowAndEveryAnswer) {
    ASSIGN_OR_FAIL(sqlite, fresh_sqlite("source.db"));
    engine::Engine source(*sqlite, clock_);
    ASSERT_NO_FATAL_FAILURE(make_history(source));
    ASSIGN_OR_FAIL(rows, export_of(*sqlite));
    for (const auto& [table, table_rows] : rows.rows) {
        EXPECT_FALSE(table_rows.empty()) << "the history leaves " << table << " empty";
    }
    const json expected = answers(source);

    // SQLite → PostgreSQL, through the engine as `baton migrate` does it.
    ASSIGN_OR_FAIL(postgres, fresh_postgres());
    {
        engine::Engine into(*postgres, clock_);
        ASSIGN_OR_FAIL(summary, source.copy_store_into(into));
        EXPECT_EQ(summary.rows_of("handoffs"),
                  static_cast<std::int64_t>(rows.rows["handoffs"].size()));
    }
    ASSIGN_OR_FAIL(on_postgres, export_of(*postgres));
    expect_same_rows(on_postgres, rows);
    engine::Engine pg_engine(*postgres, clock_);
    EXPECT_EQ(answers(pg_engine), expected);
    // Secrets work on the copy: the token, the session, the stored answer.
    ASSERT_RESULT(pg_engine.authenticate(token_secret_));
    EXPECT_EQ(pg_engine.authenticate(token_secret_)->handle, "sam");
    ASSERT_RESULT(pg_engine.session(session_secret_));
    EXPECT_EQ(pg_engine.session(session_secret_)->handle, "ari");

    // PostgreSQL → a new SQLite file: the same rows again.
    ASSIGN_OR_FAIL(back, fresh_sqlite("back.db"));
    ASSIGN_OR_FAIL(summary_back, postgres->copy_into(*back));
    EXPECT_EQ(summary_back.rows.size(), rows.tables.size());
    ASSIGN_OR_FAIL(on_back, export_of(*back));
    expect_same_rows(on_back, rows);
    engine::Engine back_engine(*back, clock_);
    EXPECT_EQ(answers(back_engine), expected);
    auto idempotent = back_engine.idempotent_answer(std::to_string(token_id_), "retry-1");
    ASSERT_RESULT(idempotent);
    EXPECT_TRUE(idempotent->has_value());

    // Each copy goes on from where the source was.
    ASSERT_NO_FATAL_FAILURE(expect_new_ids_follow(pg_engine, *postgres, "after-pg"));
    ASSERT_NO_FATAL_FAILURE(expect_new_ids_follow(back_engine, *back, "after-back"));
    // And the source, being untouched, still exports what it did.
    ASSIGN_OR_FAIL(source_after, export_of(*sqlite));
    expect_same_rows(source_after, rows);
}

TEST_F(StoreCopy, ACopyIntoAPostgresDatabaseInUseIsRefused) {
    ASSIGN_OR_FAIL(sqlite, fresh_sqlite("source.db"));
    engine::Engine source(*sqlite, clock_);
    ASSERT_NO_FATAL_FAILURE(make_history(source));
    ASSIGN_OR_FAIL(postgres, fresh_postgres());
    ASSERT_RESULT(sqlite->copy_into(*postgres));
    ASSIGN_OR_FAIL(before, export_of(*postgres));
    // A second migrate into the same database: refused, one line naming it, nothing changed.
    auto again = sqlite->copy_into(*postgres);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::conflict);
    EXPECT_EQ(again.error().message, postgres->describe() +
                                         " is not empty (its events table has rows); copy into a "
                                         "new, empty database");
    ASSIGN_OR_FAIL(after, export_of(*postgres));
    expect_same_rows(after, before);
}

// A backup of PostgreSQL while a writer keeps ingesting events and accepting handoffs:
// every backup must be one moment of the store — the events a prefix of the order they
// were written in, and covering every one acknowledged before the backup began; each event's
// handoffs all there; each handoff with its whole checklist and a timeline numbered from 1
// without a gap that begins with its creation; the change counter past every handoff's.
TEST_F(StoreCopy, APostgresBackupUnderLoadIsOneConsistentMoment) {
    ASSIGN_OR_FAIL(postgres, fresh_postgres());
    engine::SystemClock system_clock;
    engine::Engine engine(*postgres, system_clock);
    ASSERT_RESULT(engine.apply(
        {{"people.yaml", read_example("people.yaml")},
         {"playbooks/sold-to-onboarding.yaml", read_example("playbooks/sold-to-onboarding.yaml")},
         {"playbooks/kickoff-prep.yaml", read_example("playbooks/kickoff-prep.yaml")},
         {"playbooks/ready-to-client.yaml", read_example("playbooks/ready-to-client.yaml")}}));
    std::atomic<bool> stop{false};
    std::atomic<int> acknowledged{0};  // events load-0 .. load-(n-1) are committed
    std::string writer_error;  // read after the writer has joined
    std::atomic<bool> writer_failed{false};
    std::thread writer([&] {
        for (int i = 0; !stop.load(); ++i) {
            const std::string company = "Load " + std::to_string(i);
            auto r = engine.ingest(
                make("deal.won", "load-" + std::to_string(i),
                     {{"company", company}, {"amount", 5000}, {"pipeline", "services"}},
                     system_clock.now()));
            if (!r) {
                writer_error = r.error().message;
                writer_failed.store(true);
                return;
            }
            acknowledged.store(i + 1);
            for (auto id : r->handoff_ids) {
                auto h = engine.show(id);
                if (!h) continue;
                auto owner = engine.actor(h->owner);
                if (!owner) continue;
                (void)engine.act(id, core::Accept{}, *owner);
                (void)engine.act(id, core::Check{1, true}, *owner);
            }
        }
    });
    std::vector<std::pair<std::string, int>> backups;
    for (int b = 0; b < 4; ++b) {
        std::this_thread::sleep_for(300ms);
        const std::string path = dir_.file("load-" + std::to_string(b) + ".db");
        const int before = acknowledged.load();
        Status s = postgres->backup(path);
        EXPECT_TRUE(s.ok()) << s.error().message;
        backups.emplace_back(path, before);
    }
    // The writer goes on past the last backup's start, so every backup ran under load.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (acknowledged.load() <= backups.back().second &&
           std::chrono::steady_clock::now() < deadline && !writer_failed.load()) {
        std::this_thread::sleep_for(10ms);
    }
    stop.store(true);
    writer.join();
    ASSERT_EQ(writer_error, "");
    std::printf("[   INFO   ] %d events ingested; backups began after %d, %d, %d and %d\n",
                acknowledged.load(), backups[0].second, backups[1].second, backups[2].second,
                backups[3].second);
    ASSERT_GT(acknowledged.load(), backups.back().second) << "the load was not running";

    for (const auto& [path, before] : backups) {
        SCOPED_TRACE(path);
        auto copy = open_sqlite({.path = path, .create_if_missing = false});
        ASSERT_TRUE(copy.ok()) << copy.error().message;
        ASSIGN_OR_FAIL(rows, export_of(**copy));
        // Read the copy as the engine does: every handoff, its event, its timeline.
        engine::Engine on_copy(**copy, system_clock);
        auto events = on_copy.events({.limit = 1000});
        ASSERT_RESULT(events);
        std::set<std::string> ids;
        for (const auto& e : *events) {
            if (e.event.id.rfind("load-", 0) == 0) ids.insert(e.event.id);
        }
        ASSERT_GE(static_cast<int>(ids.size()), before);
        for (int i = 0; i < static_cast<int>(ids.size()); ++i) {
            ASSERT_TRUE(ids.count("load-" + std::to_string(i)))
                << "the events are not a prefix: load-" << i << " is missing";
        }
        auto handoffs = on_copy.list({.limit = 1000});
        ASSERT_RESULT(handoffs);
        std::map<std::string, int> per_event;
        std::int64_t change_max = 0;
        for (const auto& listed : *handoffs) {
            auto h = on_copy.show(listed.id);
            ASSERT_RESULT(h);
            per_event[h->event_id] += 1;
            ASSERT_FALSE(h->timeline.empty()) << "handoff " << h->id << " has no timeline";
            EXPECT_EQ(h->timeline.front().kind, "created") << "handoff " << h->id;
            EXPECT_EQ(h->checklist.size(), 3u) << "handoff " << h->id;
            const bool ticked = h->checklist.size() == 3 && h->checklist[0].checked;
            bool ticked_on_timeline = false;
            for (const auto& entry : h->timeline) ticked_on_timeline |= entry.kind == "checked";
            EXPECT_EQ(ticked, ticked_on_timeline) << "handoff " << h->id;
        }
        for (const auto& e : *events) {
            EXPECT_EQ(per_event[e.event.id], e.handoffs_created) << e.event.id;
        }
        for (const auto& [event_id, count] : per_event) {
            EXPECT_TRUE(ids.count(event_id)) << count << " handoffs of " << event_id
                                             << ", which is not in the backup";
        }
        // Each handoff's timeline is numbered 1..n in the copy's rows: no entry lost between.
        std::map<std::int64_t, std::vector<std::int64_t>> seqs;
        for (const std::string& row : rows.rows.at("timeline")) {
            const auto bar = row.find(" | ");
            const auto next = row.find(" | ", bar + 3);
            seqs[std::stoll(row.substr(0, bar))].push_back(
                std::stoll(row.substr(bar + 3, next - bar - 3)));
        }
        EXPECT_EQ(seqs.size(), handoffs->size());
        for (const auto& [id, numbers] : seqs) {
            for (std::size_t i = 0; i < numbers.size(); ++i) {
                ASSERT_EQ(numbers[i], static_cast<std::int64_t>(i) + 1) << "handoff " << id;
            }
        }
        auto last = on_copy.last_change_seq();
        ASSERT_RESULT(last);
        auto changes = on_copy.changes(0, 1000);
        ASSERT_RESULT(changes);
        for (const auto& c : *changes) change_max = std::max(change_max, c.seq);
        EXPECT_EQ(*last, change_max);
        EXPECT_EQ(changes->size(), handoffs->size());
    }
}

}  // namespace
}  // namespace baton::store::testing
