// The engine over a real SQLite file with a fake clock: ingest, owner resolution,
// deadlines, timers and outbox rows, actions and their effects, versions, relays, reports,
// and atomicity when a transaction fails.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "core/deadlines.h"
#include "engine/json_views.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace baton {
namespace {

using engine::SourceFile;
using testing::FakeClock;
using testing::TempDir;

// Monday 2026-11-23 10:00 UTC.
const TimePoint kMonday10 = *parse_rfc3339("2026-11-23T10:00:00Z");

const char* kPeople = R"(
people:
  - { handle: sam, role: member }
  - { handle: dana, role: member, time_zone: UTC, hours: "Mon-Fri 09:00-17:00" }
  - { handle: lee, role: member, time_zone: UTC, hours: "Mon-Fri 09:00-17:00" }
  - { handle: ari, role: admin }
  - { handle: val, role: viewer }
teams:
  - { handle: sales, members: [sam] }
  - { handle: ops, members: [dana, lee], rule: round-robin }
  - { handle: busy, members: [dana, lee], rule: least-loaded }
)";

const char* kSold = R"(
id: sold
title: Sold → onboarding
when: deal.won
if: data.amount >= 1000
subject: "{{data.company}}"
from: sales
owner: ops
done: Welcome email sent, folder ready, kickoff booked.
checklist: [Send the welcome email, Set up the folder]
accept_within: 4h
done_within: 2d
remind: [2h]
escalate:
  - { after: 4h, to: ari }
  - { after: 1d, to: ari, on: done }
checkpoint:
  - slack: "#ops"
  - email: owner
)";

const char* kTemplated = R"(
id: templated
when: ready
from: sales
owner: "{{data.owner}}"
done: The client knows the next step.
calendar: 24x7
accept_within: 1h
)";

// A Store that can make the next write fail after its callback ran, to prove that nothing
// the callback wrote survives.
class FailingStore final : public store::Store {
public:
    explicit FailingStore(store::Store& inner) : inner_(inner) {}
    bool fail_next_write = false;
    // Runs before the next write_async() goes on (to change what it will find).
    std::function<void()> before_next_async_write;
    void write_async(store::TransactionFn fn, std::function<void(Status)> done) override {
        if (auto hook = std::exchange(before_next_async_write, nullptr)) hook();
        store::Store::write_async(std::move(fn), std::move(done));
    }
    Status write(const store::TransactionFn& fn) override {
        const bool fail = std::exchange(fail_next_write, false);
        return inner_.write([&](store::Transaction& tx) -> Status {
            auto st = fn(tx);
            if (!st || !fail) return st;
            return make_error(ErrorCode::unavailable, "injected commit failure");
        });
    }
    Status read(const store::TransactionFn& fn) override { return inner_.read(fn); }
    Status backup(const std::string& path) override { return inner_.backup(path); }
    std::string describe() const override { return "failing(" + inner_.describe() + ")"; }

private:
    store::Store& inner_;
};

class EngineTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = store::open_sqlite({.path = dir_.file("baton.db")});
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        sqlite_ = std::move(opened).value();
        failing_ = std::make_unique<FailingStore>(*sqlite_);
        engine_ = std::make_unique<engine::Engine>(*failing_, clock_);
        auto applied = engine_->apply({{"people.yaml", kPeople},
                                       {"playbooks/sold.yaml", kSold},
                                       {"playbooks/templated.yaml", kTemplated}});
        ASSERT_TRUE(applied.ok()) << applied.error().message;
    }

    core::Event deal(const std::string& id, int amount, const std::string& company = "Acme") {
        core::Event e;
        e.id = id;
        e.type = "deal.won";
        e.source = "crm";
        e.time = clock_.now();
        e.data = {{"amount", amount}, {"company", company}};
        return e;
    }

    core::Handoff ingest_one(const core::Event& e) {
        auto r = engine_->ingest(e);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        EXPECT_EQ(r->handoff_ids.size(), 1u);
        auto h = engine_->show(r->handoff_ids.at(0));
        EXPECT_TRUE(h.ok());
        return *h;
    }

    core::Actor as(const std::string& handle) {
        auto a = engine_->actor(handle);
        EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().message);
        return *a;
    }

    TempDir dir_;
    FakeClock clock_{kMonday10};
    std::unique_ptr<store::Store> sqlite_;
    std::unique_ptr<FailingStore> failing_;
    std::unique_ptr<engine::Engine> engine_;
};

TEST_F(EngineTest, IngestCreatesAHandoffWithOwnerDeadlinesTimersAndCheckpoints) {
    const core::Handoff h = ingest_one(deal("d1", 5000));
    EXPECT_EQ(h.playbook_id, "sold");
    EXPECT_EQ(h.playbook_version, 1);
    EXPECT_EQ(h.subject, "Acme");
    EXPECT_EQ(h.giver, "sales");
    EXPECT_EQ(h.owner, "dana");  // round-robin starts with the first member
    EXPECT_EQ(h.state, core::HandoffState::waiting);
    EXPECT_FALSE(h.unowned);
    ASSERT_EQ(h.checklist.size(), 2u);
    EXPECT_EQ(h.checklist[1].text, "Set up the folder");
    // Working hours Mon-Fri 09:00-17:00 UTC: 4h from Monday 10:00 is Monday 14:00.
    EXPECT_EQ(h.deadlines.accept_by, *parse_rfc3339("2026-11-23T14:00:00Z"));
    EXPECT_EQ(h.deadlines.done_by, *parse_rfc3339("2026-11-25T10:00:00Z"));
    ASSERT_FALSE(h.timeline.empty());
    EXPECT_EQ(h.timeline[0].kind, "created");
    EXPECT_EQ(h.timeline[0].actor, "baton");

    auto timers = engine_->timers(h.id);
    ASSERT_TRUE(timers.ok());
    // accept_due, done_due, one reminder, two escalation levels.
    ASSERT_EQ(timers->size(), 5u);
    int escalations = 0;
    for (const auto& t : *timers) {
        EXPECT_FALSE(t.cancelled);
        if (t.kind == store::TimerKind::escalate) {
            ++escalations;
            EXPECT_EQ(t.target, "ari");
        }
        if (t.kind == store::TimerKind::remind) {
            EXPECT_EQ(t.due_at, *parse_rfc3339("2026-11-23T12:00:00Z"));
            EXPECT_EQ(t.target, "dana");
        }
    }
    EXPECT_EQ(escalations, 2);

    auto outbox = engine_->outbox(h.id);
    ASSERT_TRUE(outbox.ok());
    ASSERT_EQ(outbox->size(), 2u);
    EXPECT_EQ((*outbox)[0].channel, "slack");
    EXPECT_EQ((*outbox)[0].target, "#ops");
    EXPECT_EQ((*outbox)[1].channel, "email");
    EXPECT_EQ((*outbox)[1].target, "dana");  // "owner" resolved to the owner's handle
}

Result<engine::IngestResult> ingest_async_and_wait(engine::Engine& engine, const core::Event& e) {
    std::promise<Result<engine::IngestResult>> answered;
    auto answer = answered.get_future();
    engine.ingest_async(e, [&answered](Result<engine::IngestResult> r) {
        answered.set_value(std::move(r));
    });
    return answer.get();
}

// Everything an ingest leaves in the store, as JSON, to compare two stores.
nlohmann::json stored_state(engine::Engine& engine, TimePoint now) {
    nlohmann::json out = nlohmann::json::array();
    auto all = engine.list({.limit = 100});
    EXPECT_TRUE(all.ok());
    if (!all.ok()) return out;
    for (const auto& listed : *all) {
        auto h = engine.show(listed.id);
        auto timers = engine.timers(listed.id);
        auto outbox = engine.outbox(listed.id);
        EXPECT_TRUE(h.ok() && timers.ok() && outbox.ok());
        if (!h.ok() || !timers.ok() || !outbox.ok()) continue;
        nlohmann::json t = nlohmann::json::array(), o = nlohmann::json::array();
        for (const auto& timer : *timers) {
            t.push_back({timer.id, core::to_string(timer.kind), timer.level,
                         format_rfc3339(timer.due_at), timer.cancelled, timer.target});
        }
        for (const auto& row : *outbox) {
            o.push_back({row.id, row.channel, row.target, row.dedupe_key, row.payload,
                         row.status, format_rfc3339(row.next_attempt_at)});
        }
        out.push_back({{"handoff", engine::handoff_json(*h, now, true)},
                       {"timers", t},
                       {"outbox", o}});
    }
    auto events = engine.events({});
    EXPECT_TRUE(events.ok());
    if (events.ok()) {
        for (const auto& e : *events) out.push_back({e.event.id, e.handoffs_created});
    }
    return out;
}

TEST_F(EngineTest, IngestAsyncStoresAndAnswersExactlyWhatIngestDoes) {
    // Two stores fed the same events, one through ingest(), one through ingest_async():
    // round-robin and least-loaded teams, an unresolvable owner, a missing template
    // value, an event that matches nothing, and a duplicate.
    TempDir other_dir;
    auto other = store::open_sqlite({.path = other_dir.file("baton.db")});
    ASSERT_TRUE(other.ok()) << other.error().message;
    engine::Engine async_engine(**other, clock_);
    ASSERT_TRUE(async_engine
                    .apply({{"people.yaml", kPeople},
                            {"playbooks/sold.yaml", kSold},
                            {"playbooks/templated.yaml", kTemplated}})
                    .ok());
    auto ready = [](const std::string& id, nlohmann::json data) {
        core::Event e;
        e.id = id;
        e.type = "ready";
        e.source = "ops";
        e.data = std::move(data);
        return e;
    };
    const std::vector<core::Event> events = {
        deal("a", 5000), deal("b", 5000, "Beta"), ready("r1", {{"owner", "busy"}}),
        deal("c", 5000), ready("r2", {{"owner", "busy"}}), ready("r3", {{"owner", "nobody"}}),
        ready("r4", nlohmann::json::object()), ready("r5", {{"owner", "lee"}}),
        deal("small", 10), deal("a", 5000)};
    for (const auto& e : events) {
        auto sync = engine_->ingest(e);
        auto async = ingest_async_and_wait(async_engine, e);
        ASSERT_TRUE(sync.ok()) << sync.error().message;
        ASSERT_TRUE(async.ok()) << async.error().message;
        EXPECT_EQ(async->duplicate, sync->duplicate) << e.id;
        EXPECT_EQ(async->handoff_ids, sync->handoff_ids) << e.id;
        EXPECT_EQ(async->playbooks_matched, sync->playbooks_matched) << e.id;
        clock_.advance(std::chrono::minutes(7));
    }
    EXPECT_EQ(stored_state(async_engine, clock_.now()).dump(2),
              stored_state(*engine_, clock_.now()).dump(2));
    auto invalid = ingest_async_and_wait(async_engine, core::Event{});
    ASSERT_FALSE(invalid.ok());
    EXPECT_EQ(invalid.error().code, ErrorCode::invalid_argument);
}

TEST_F(EngineTest, IngestAsyncMatchesAfreshWhenTheConfigurationChangedSinceItsPlan) {
    ASSERT_TRUE(engine_->actor("sam").ok());  // warms the cached configuration
    failing_->before_next_async_write = [&] {
        std::string renamed = kSold;
        const std::string title = "Sold → onboarding";
        renamed.replace(renamed.find(title), title.size(), "Sold, then onboarding");
        ASSERT_TRUE(engine_->apply({{"playbooks/sold.yaml", renamed}}).ok());
    };
    auto r = ingest_async_and_wait(*engine_, deal("d1", 5000));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->handoff_ids.size(), 1u);
    auto h = engine_->show(r->handoff_ids[0]);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->playbook_version, 2);
    EXPECT_EQ(h->title, "Sold, then onboarding");
    // And the next one plans from the new version.
    auto next = ingest_async_and_wait(*engine_, deal("d2", 5000));
    ASSERT_TRUE(next.ok());
    auto h2 = engine_->show(next->handoff_ids.at(0));
    ASSERT_TRUE(h2.ok());
    EXPECT_EQ(h2->playbook_version, 2);
}

TEST_F(EngineTest, AFailedAsyncIngestLeavesNothingBehind) {
    failing_->fail_next_write = true;
    auto r = ingest_async_and_wait(*engine_, deal("d1", 5000));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::unavailable);
    auto all = engine_->list({.limit = 100});
    ASSERT_TRUE(all.ok());
    EXPECT_TRUE(all->empty());
    auto events = engine_->events({});
    ASSERT_TRUE(events.ok());
    EXPECT_TRUE(events->empty());
}

TEST_F(EngineTest, TheSameEventTwiceCreatesNothingAndSaysSo) {
    auto first = engine_->ingest(deal("d1", 5000));
    ASSERT_TRUE(first.ok());
    auto second = engine_->ingest(deal("d1", 5000));
    ASSERT_TRUE(second.ok());
    EXPECT_TRUE(second->duplicate);
    EXPECT_EQ(second->handoff_ids, first->handoff_ids);
    auto all = engine_->list({.limit = 100});
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 1u);
}

TEST_F(EngineTest, AnEventThatMatchesNothingIsStoredAndListed) {
    auto r = engine_->ingest(deal("small", 10));  // the condition is false
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->duplicate);
    EXPECT_TRUE(r->handoff_ids.empty());
    auto events = engine_->events({.unmatched_only = true});
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 1u);
    EXPECT_EQ((*events)[0].event.id, "small");
    EXPECT_EQ((*events)[0].handoffs_created, 0);
}

TEST_F(EngineTest, AnEventThatTicksAChecklistItemMatchedAndIsNotListedAsUnmatched) {
    std::string sold = kSold;
    const std::string plain = "checklist: [Send the welcome email, Set up the folder]";
    sold.replace(sold.find(plain), plain.size(),
                 "checklist: [Send the welcome email, { item: Book the kickoff, when: "
                 "kickoff.booked }]");
    auto applied = engine_->apply({{"people.yaml", kPeople},
                                   {"playbooks/sold.yaml", sold},
                                   {"playbooks/templated.yaml", kTemplated}});
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    const core::Handoff h = ingest_one(deal("d1", 5000));
    core::Event booked;
    booked.id = "k1";
    booked.type = "kickoff.booked";
    booked.source = "calendar";
    booked.subject = "Acme";
    booked.time = clock_.now();
    auto r = engine_->ingest(booked);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->handoff_ids.empty());
    EXPECT_EQ(r->ticked_ids, std::vector<std::int64_t>{h.id});
    auto shown = engine_->show(h.id);
    ASSERT_TRUE(shown.ok());
    EXPECT_TRUE(shown->checklist.at(1).checked);
    // The tick is a match: only the event that matched nothing is listed as unmatched.
    ASSERT_TRUE(engine_->ingest(deal("small", 10)).ok());
    auto unmatched = engine_->events({.unmatched_only = true});
    ASSERT_TRUE(unmatched.ok());
    ASSERT_EQ(unmatched->size(), 1u);
    EXPECT_EQ((*unmatched)[0].event.id, "small");
    // Ingested again, the same event is a duplicate and ticks nothing twice.
    auto again = engine_->ingest(booked);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->duplicate);
    EXPECT_TRUE(again->ticked_ids.empty());
}

TEST_F(EngineTest, AConditionOnAMissingFieldDoesNotMatch) {
    core::Event e = deal("nofield", 0);
    e.data.erase("amount");
    auto r = engine_->ingest(e);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->handoff_ids.empty());
}

TEST_F(EngineTest, RoundRobinAlternatesAndSurvivesReopening) {
    EXPECT_EQ(ingest_one(deal("a", 5000)).owner, "dana");
    EXPECT_EQ(ingest_one(deal("b", 5000)).owner, "lee");
    // A new engine on a freshly opened store continues the rotation.
    engine_.reset();
    failing_.reset();
    sqlite_.reset();
    auto reopened = store::open_sqlite({.path = dir_.file("baton.db")});
    ASSERT_TRUE(reopened.ok());
    sqlite_ = std::move(reopened).value();
    failing_ = std::make_unique<FailingStore>(*sqlite_);
    engine_ = std::make_unique<engine::Engine>(*failing_, clock_);
    EXPECT_EQ(ingest_one(deal("c", 5000)).owner, "dana");
}

TEST_F(EngineTest, AnUnresolvableOwnerLandsWithTheGiverFlaggedWithTheReason) {
    core::Event e;
    e.id = "r1";
    e.type = "ready";
    e.source = "ops";
    e.data = {{"owner", "nobody-here"}};
    const core::Handoff h = ingest_one(e);
    EXPECT_TRUE(h.unowned);
    EXPECT_EQ(h.owner, "sam");  // the giver team's first member
    bool noted = false;
    for (const auto& entry : h.timeline) {
        noted = noted || (entry.kind == "unowned" &&
                          entry.text.find("nobody-here") != std::string::npos);
    }
    EXPECT_TRUE(noted);
}

TEST_F(EngineTest, AMissingTemplateValueRendersEmptyAndIsNoted) {
    core::Event e;
    e.id = "r2";
    e.type = "ready";
    e.source = "ops";
    const core::Handoff h = ingest_one(e);  // no data.owner at all
    EXPECT_TRUE(h.unowned);
    bool noted = false;
    for (const auto& entry : h.timeline) {
        noted = noted || (entry.kind == "note" && entry.data.value("path", "") == "data.owner");
    }
    EXPECT_TRUE(noted);
}

TEST_F(EngineTest, AcceptStopsTheAcceptSideAndTheGiverHearsBack) {
    const core::Handoff h = ingest_one(deal("d1", 5000));
    auto after = engine_->act(h.id, core::Accept{}, as("dana"));
    ASSERT_TRUE(after.ok()) << after.error().message;
    EXPECT_EQ(after->state, core::HandoffState::accepted);
    auto timers = engine_->timers(h.id);
    ASSERT_TRUE(timers.ok());
    for (const auto& t : *timers) {
        // Level 1 watches acceptance; level 2 (on: done) and done_due keep running.
        const bool accept_side = t.kind == store::TimerKind::remind ||
                                 t.kind == store::TimerKind::accept_due ||
                                 (t.kind == store::TimerKind::escalate && t.level == 1);
        EXPECT_EQ(t.cancelled, accept_side) << core::to_string(t.kind) << " " << t.level;
    }
    auto outbox = engine_->outbox(h.id);
    ASSERT_TRUE(outbox.ok());
    bool giver_told = false;
    for (const auto& row : *outbox) {
        // The giver is the sales team: each of its members is told.
        giver_told = giver_told || (row.channel == "notice" && row.target == "sam" &&
                                    row.payload.value("what", "") == "accepted");
    }
    EXPECT_TRUE(giver_told);
}

TEST_F(EngineTest, DoneStopsEveryTimer) {
    const core::Handoff h = ingest_one(deal("d1", 5000));
    ASSERT_TRUE(engine_->act(h.id, core::Accept{}, as("dana")).ok());
    ASSERT_TRUE(engine_->act(h.id, core::Check{1, true}, as("dana")).ok());
    ASSERT_TRUE(engine_->act(h.id, core::Check{2, true}, as("dana")).ok());
    auto done = engine_->act(h.id, core::Finish{}, as("dana"));
    ASSERT_TRUE(done.ok()) << done.error().message;
    EXPECT_EQ(done->state, core::HandoffState::done);
    auto timers = engine_->timers(h.id);
    ASSERT_TRUE(timers.ok());
    for (const auto& t : *timers) EXPECT_TRUE(t.cancelled) << core::to_string(t.kind);
}

TEST_F(EngineTest, ReassignRestartsTheAcceptLadderForTheNewOwner) {
    const core::Handoff h = ingest_one(deal("d1", 5000));
    clock_.advance(std::chrono::hours(1));
    auto moved = engine_->reassign(h.id, "lee", "dana is out", as("dana"));
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    EXPECT_EQ(moved->owner, "lee");
    EXPECT_EQ(moved->pending_from, "dana");
    EXPECT_EQ(moved->state, core::HandoffState::waiting);
    auto timers = engine_->timers(h.id);
    ASSERT_TRUE(timers.ok());
    int live_accept_due = 0;
    for (const auto& t : *timers) {
        if (t.kind == store::TimerKind::accept_due && !t.cancelled) {
            ++live_accept_due;
            // Counted again from 11:00: 4 working hours later is 15:00.
            EXPECT_EQ(t.due_at, *parse_rfc3339("2026-11-23T15:00:00Z"));
            EXPECT_EQ(t.target, "lee");
        }
    }
    EXPECT_EQ(live_accept_due, 1);
    // Until lee accepts, dana stays accountable; then she is released.
    auto accepted = engine_->act(h.id, core::Accept{}, as("lee"));
    ASSERT_TRUE(accepted.ok());
    EXPECT_TRUE(accepted->pending_from.empty());
}

TEST_F(EngineTest, AnEscalationThatReassignsGivesTheNewOwnerAFreshAcceptWindow) {
    std::string sold = kSold;
    const std::string plain = "  - { after: 4h, to: ari }";
    sold.replace(sold.find(plain), plain.size(), "  - { after: 4h, to: lee, reassign: true }");
    auto applied = engine_->apply({{"people.yaml", kPeople},
                                   {"playbooks/sold.yaml", sold},
                                   {"playbooks/templated.yaml", kTemplated}});
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    const core::Handoff h = ingest_one(deal("d1", 5000));
    ASSERT_EQ(h.owner, "dana");
    ASSERT_EQ(h.deadlines.accept_by, *parse_rfc3339("2026-11-23T14:00:00Z"));
    clock_.advance(std::chrono::hours(4));  // 14:00: the escalation and the old accept-by
    auto tick = engine_->fire_due_timers(100);
    ASSERT_TRUE(tick.ok()) << tick.error().message;
    auto moved = engine_->show(h.id);
    ASSERT_TRUE(moved.ok());
    EXPECT_EQ(moved->owner, "lee");
    EXPECT_EQ(moved->pending_from, "dana");
    // 4 of lee's working hours from 14:00: 3 on Monday, 1 on Tuesday from 09:00.
    const TimePoint fresh = *parse_rfc3339("2026-11-24T10:00:00Z");
    EXPECT_EQ(moved->deadlines.accept_by, fresh);
    EXPECT_FALSE(core::is_overdue_to_accept(*moved, clock_.now()));
    auto timers = engine_->timers(h.id);
    ASSERT_TRUE(timers.ok());
    int live_accept_due = 0, live_reminders = 0, live_done_side_escalations = 0;
    for (const auto& t : *timers) {
        if (t.cancelled || t.fired_at) continue;
        if (t.kind == store::TimerKind::accept_due) {
            ++live_accept_due;
            EXPECT_EQ(t.due_at, fresh);
            EXPECT_EQ(t.target, "lee");
        }
        if (t.kind == store::TimerKind::remind) {
            ++live_reminders;
            EXPECT_EQ(t.target, "lee");
        }
        // The ladder goes on: the level that reassigned is not armed again.
        if (t.kind == store::TimerKind::escalate) {
            EXPECT_NE(t.level, 1);
            ++live_done_side_escalations;
        }
    }
    EXPECT_EQ(live_accept_due, 1);
    EXPECT_EQ(live_reminders, 1);
    EXPECT_EQ(live_done_side_escalations, 1);
}

TEST_F(EngineTest, ReassignToAnUnknownHandleIsRefusedAndChangesNothing) {
    const core::Handoff h = ingest_one(deal("d1", 5000));
    auto moved = engine_->reassign(h.id, "lea", "", as("ari"));
    ASSERT_FALSE(moved.ok());
    EXPECT_EQ(moved.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(moved.error().message.find("did you mean `lee`"), std::string::npos);
    auto same = engine_->show(h.id);
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(same->owner, "dana");
    EXPECT_EQ(same->revision, h.revision);
}

TEST_F(EngineTest, AMemberCannotAcceptSomeoneElsesHandoffAndAViewerCannotAct) {
    const core::Handoff h = ingest_one(deal("d1", 5000));
    auto by_lee = engine_->act(h.id, core::Accept{}, as("lee"));
    ASSERT_FALSE(by_lee.ok());
    EXPECT_EQ(by_lee.error().code, ErrorCode::forbidden);
    auto by_val = engine_->act(h.id, core::Comment{"hi"}, as("val"));
    ASSERT_FALSE(by_val.ok());
    EXPECT_EQ(by_val.error().code, ErrorCode::forbidden);
    auto unknown = engine_->actor("nobody");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::forbidden);
}

TEST_F(EngineTest, AFailedCommitLeavesNothingBehind) {
    failing_->fail_next_write = true;
    auto r = engine_->ingest(deal("d1", 5000));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::unavailable);
    auto events = engine_->events({});
    ASSERT_TRUE(events.ok());
    EXPECT_TRUE(events->empty());
    auto handoffs = engine_->list({.limit = 100});
    ASSERT_TRUE(handoffs.ok());
    EXPECT_TRUE(handoffs->empty());
    // The round-robin counter was rolled back too: the retry goes to the same person.
    EXPECT_EQ(ingest_one(deal("d1", 5000)).owner, "dana");
}

TEST_F(EngineTest, AFailedActionLeavesTheHandoffAsItWas) {
    const core::Handoff h = ingest_one(deal("d1", 5000));
    failing_->fail_next_write = true;
    ASSERT_FALSE(engine_->act(h.id, core::Accept{}, as("dana")).ok());
    auto same = engine_->show(h.id);
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(same->state, core::HandoffState::waiting);
    EXPECT_EQ(same->timeline.size(), h.timeline.size());
}

TEST_F(EngineTest, ApplyStoresNewVersionsAndHandoffsRememberTheirs) {
    const core::Handoff before = ingest_one(deal("d1", 5000));
    std::string changed = kSold;
    changed.replace(changed.find("accept_within: 4h"), 17, "accept_within: 2h");
    auto applied = engine_->apply({{"playbooks/sold.yaml", changed}});
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    ASSERT_EQ(applied->size(), 1u);
    EXPECT_EQ((*applied)[0].version, 2);
    EXPECT_TRUE((*applied)[0].changed);
    const core::Handoff after = ingest_one(deal("d2", 5000));
    EXPECT_EQ(after.playbook_version, 2);
    EXPECT_EQ(after.deadlines.accept_by, *parse_rfc3339("2026-11-23T12:00:00Z"));
    auto old = engine_->show(before.id);
    ASSERT_TRUE(old.ok());
    EXPECT_EQ(old->playbook_version, 1);
    // The same text again is not a new version.
    auto again = engine_->apply({{"playbooks/sold.yaml", changed}});
    ASSERT_TRUE(again.ok());
    EXPECT_EQ((*again)[0].version, 2);
    EXPECT_FALSE((*again)[0].changed);
}

TEST_F(EngineTest, ApplyWithAnErrorStoresNothing) {
    std::string broken = kSold;
    broken.replace(broken.find("owner: ops"), 10, "owner: opz");
    auto applied = engine_->apply({{"playbooks/sold.yaml", broken},
                                   {"playbooks/other.yaml", kTemplated}});
    ASSERT_FALSE(applied.ok());
    EXPECT_EQ(applied.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(applied.error().message.find("did you mean `ops`"), std::string::npos);
    auto sources = engine_->current_sources();
    ASSERT_TRUE(sources.ok());
    for (const auto& s : *sources) EXPECT_EQ(s.path.find("other"), std::string::npos);
}

TEST_F(EngineTest, OverdueFollowsTheClock) {
    const core::Handoff h = ingest_one(deal("d1", 5000));
    auto none = engine_->list({.overdue = true, .limit = 100});
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
    clock_.set(*h.deadlines.accept_by + Milliseconds(1));
    auto late = engine_->list({.overdue = true, .limit = 100});
    ASSERT_TRUE(late.ok());
    ASSERT_EQ(late->size(), 1u);
    EXPECT_EQ((*late)[0].id, h.id);
}

TEST_F(EngineTest, RelayShowsWhoHoldsTheBaton) {
    const core::Handoff first = ingest_one(deal("d1", 5000, "Harbor"));
    ASSERT_TRUE(engine_->act(first.id, core::Accept{}, as("dana")).ok());
    ASSERT_TRUE(engine_->act(first.id, core::Finish{true, "done by phone"}, as("dana")).ok());
    clock_.advance(std::chrono::hours(1));
    core::Event ready;
    ready.id = "r1";
    ready.type = "ready";
    ready.source = "ops";
    ready.subject = "Harbor";  // the templated playbook's subject is the event's
    ready.data = {{"owner", "lee"}};
    const core::Handoff second = ingest_one(ready);
    EXPECT_EQ(second.subject, "Harbor");
    clock_.advance(std::chrono::minutes(30));
    auto relay = engine_->relay("Harbor");
    ASSERT_TRUE(relay.ok()) << relay.error().message;
    ASSERT_EQ(relay->legs.size(), 2u);
    EXPECT_EQ(relay->legs[0].handoff.id, first.id);
    ASSERT_TRUE(relay->current.has_value());
    EXPECT_EQ(*relay->current, 1u);
    EXPECT_EQ(relay->legs[1].handoff.owner, "lee");
    EXPECT_EQ(relay->legs[1].held, Milliseconds(std::chrono::minutes(30)));
    auto missing = engine_->relay("Nobody");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_F(EngineTest, ReportCountsTimeToAcceptAndSilentDelay) {
    const core::Handoff h = ingest_one(deal("d1", 5000));
    clock_.set(*h.deadlines.accept_by + std::chrono::hours(1));
    ASSERT_TRUE(engine_->act(h.id, core::Accept{}, as("dana")).ok());
    auto rows = engine_->report(std::chrono::hours(24 * 30), core::ReportBy::playbook);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 2u);  // "sold" and "all"
    EXPECT_EQ((*rows)[0].key, "sold");
    EXPECT_EQ((*rows)[0].accepted, 1);
    EXPECT_EQ((*rows)[0].accept_p50, Milliseconds(std::chrono::hours(5)));
    EXPECT_EQ((*rows)[0].silent_delay, Milliseconds(std::chrono::hours(1)));
    EXPECT_EQ((*rows)[1].key, "all");
}

// The JSON views and their inverses (remote mode reads the API's answers back into domain
// values): what a view writes reads back into a value whose view is the same.
TEST_F(EngineTest, JsonViewsReadBackIntoTheSameValues) {
    const core::Handoff first = ingest_one(deal("d1", 5000, "Harbor"));
    ASSERT_TRUE(engine_->act(first.id, core::Accept{}, as("dana")).ok());
    ASSERT_TRUE(engine_->act(first.id, core::Check{1, true}, as("dana")).ok());
    ASSERT_TRUE(engine_->act(first.id, core::Comment{"Called them"}, as("dana")).ok());
    clock_.advance(std::chrono::minutes(90));
    const TimePoint now = clock_.now();
    auto shown = engine_->show(first.id);
    ASSERT_TRUE(shown.ok());
    const nlohmann::json view = engine::handoff_json(*shown, now, true);
    auto back = engine::handoff_from_json(view);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(engine::handoff_json(*back, now, true), view);
    EXPECT_EQ(back->timeline, shown->timeline);
    EXPECT_EQ(back->checklist[0].checked_by, "dana");

    core::Event ready;
    ready.id = "r1";
    ready.type = "ready";
    ready.source = "ops";
    ready.subject = "Harbor";
    ready.data = {{"owner", "lee"}};
    ingest_one(ready);
    auto relay = engine_->relay("Harbor");
    ASSERT_TRUE(relay.ok());
    const nlohmann::json relay_view = engine::relay_json(*relay, now);
    auto relay_back = engine::relay_from_json(relay_view);
    ASSERT_TRUE(relay_back.ok()) << relay_back.error().message;
    EXPECT_EQ(engine::relay_json(*relay_back, now), relay_view);
    EXPECT_EQ(relay_back->current, relay->current);

    auto rows = engine_->report(std::chrono::hours(24), core::ReportBy::owner);
    ASSERT_TRUE(rows.ok());
    const nlohmann::json report_view = engine::report_json(*rows);
    auto rows_back = engine::report_rows_from_json(report_view);
    ASSERT_TRUE(rows_back.ok()) << rows_back.error().message;
    EXPECT_EQ(engine::report_json(*rows_back), report_view);

    auto events = engine_->events({});
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 2u);
    for (const auto& e : *events) {
        const nlohmann::json event_view = engine::event_json(e);
        auto event_back = engine::event_record_from_json(event_view);
        ASSERT_TRUE(event_back.ok()) << event_back.error().message;
        EXPECT_EQ(engine::event_json(*event_back), event_view);
        EXPECT_EQ(event_back->seq, e.seq);
    }
}

TEST_F(EngineTest, AMalformedJsonViewIsCorruptAndNamesTheField) {
    const core::Handoff h = ingest_one(deal("d1", 5000));
    const nlohmann::json good = engine::handoff_json(h, clock_.now(), true);
    auto expect_corrupt = [](const Result<core::Handoff>& r, const std::string& field) {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::corrupt);
        EXPECT_EQ(r.error().field, field) << r.error().message;
        EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
    };
    nlohmann::json j = good;
    j.erase("owner");
    expect_corrupt(engine::handoff_from_json(j), "owner");
    j = good;
    j["state"] = "finished";
    expect_corrupt(engine::handoff_from_json(j), "state");
    j = good;
    j["checklist"][1]["checked"] = "yes";
    expect_corrupt(engine::handoff_from_json(j), "checklist[1].checked");
    j = good;
    j["timeline"][0]["at"] = "yesterday";
    expect_corrupt(engine::handoff_from_json(j), "timeline[0].at");
    expect_corrupt(engine::handoff_from_json(nlohmann::json::array()), "");

    nlohmann::json relay = {{"subject", "Acme"},
                            {"legs", nlohmann::json::array({engine::handoff_json(h, clock_.now(), false)})},
                            {"current", {{"handoff", 999}, {"holder", "x"}, {"held_ms", 1}}}};
    relay["legs"][0]["held_ms"] = 5;
    auto r = engine::relay_from_json(relay);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().field, "current.handoff");
    auto rows = engine::report_rows_from_json(nlohmann::json::object());
    ASSERT_FALSE(rows.ok());
    EXPECT_EQ(rows.error().code, ErrorCode::corrupt);
    auto event = engine::event_record_from_json({{"id", "x"}});
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(event.error().code, ErrorCode::corrupt);
}

// --- a delivery's dry run (baton sources test) ----------------------------------------------

// A HubSpot webhook entry as HubSpot documents it: a deal's stage changed.
nlohmann::json hubspot_entry(long long event_id, const std::string& stage) {
    return {{"eventId", event_id},         {"subscriptionId", 2201573},
            {"portalId", 62515},           {"appId", 1160452},
            {"occurredAt", 1794524217000}, {"subscriptionType", "deal.propertyChange"},
            {"attemptNumber", 0},          {"objectId", 1246965},
            {"propertyName", "dealstage"}, {"propertyValue", stage},
            {"changeSource", "CRM"}};
}

class DeliveryTestTest : public EngineTest {
  protected:
    void SetUp() override {
        EngineTest::SetUp();
        std::ifstream in(std::filesystem::path(BATON_SOURCE_DIR) / "examples" / "presets" /
                         "hubspot-deal-won.yaml");
        std::stringstream playbook;
        playbook << in.rdbuf();
        auto applied = engine_->apply(
            {{"sources.yaml", "sources:\n  - {name: deals, preset: hubspot, secret: s}\n"},
             {"playbooks/hubspot-deal-won.yaml", playbook.str()}});
        ASSERT_TRUE(applied.ok()) << applied.error().message;
    }

    engine::DeliveryTest dry_run(const nlohmann::json& body) {
        auto r = engine_->test_delivery("deals", body.dump(), {});
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? *r : engine::DeliveryTest{};
    }

    std::size_t stored_events() { return engine_->events({}).value().size(); }
    std::size_t stored_handoffs() { return engine_->list({}).value().size(); }
};

TEST_F(DeliveryTestTest, ABatchIsPlannedLikeIngestAndNothingIsStored) {
    const nlohmann::json body = {hubspot_entry(101, "closedwon"),
                                 hubspot_entry(102, "appointmentscheduled"),
                                 hubspot_entry(103, "closedwon")};
    const engine::DeliveryTest test = dry_run(body);
    EXPECT_EQ(test.source, "deals");
    ASSERT_EQ(test.events.size(), 3u);
    const auto& won = test.events[0];
    EXPECT_EQ(won.event.source, "deals");
    EXPECT_EQ(won.event.id, "101");
    EXPECT_EQ(won.event.type, "hubspot.deal.propertyChange");
    EXPECT_EQ(won.event.subject, "1246965");
    EXPECT_FALSE(won.duplicate);
    ASSERT_EQ(won.would_start.size(), 1u);
    const core::Handoff& h = won.would_start[0];
    EXPECT_EQ(h.id, 0);
    EXPECT_EQ(h.playbook_id, "hubspot-deal-won");
    EXPECT_EQ(h.title, "Won in HubSpot → onboarding");
    EXPECT_EQ(h.subject, "deal 1246965");
    EXPECT_EQ(h.owner, "dana");  // the round-robin team ops: its first member
    EXPECT_FALSE(h.unowned);
    // dana works Mon-Fri 09:00-17:00 UTC: 4h from Monday 10:00 is Monday 14:00.
    EXPECT_EQ(h.deadlines.accept_by, *parse_rfc3339("2026-11-23T14:00:00Z"));
    EXPECT_TRUE(h.deadlines.done_by.has_value());
    EXPECT_TRUE(test.events[1].would_start.empty()) << "another stage matches no playbook";
    // The third would be the team's second pick, as ingesting the batch would make it.
    ASSERT_EQ(test.events[2].would_start.size(), 1u);
    EXPECT_EQ(test.events[2].would_start[0].owner, "lee");

    EXPECT_EQ(stored_events(), 0u);
    EXPECT_EQ(stored_handoffs(), 0u);
    // The round-robin counter did not move: a second dry run and then the real ingest
    // both give the first pick to dana.
    EXPECT_EQ(dry_run(body).events[0].would_start.at(0).owner, "dana");
    core::Event first = won.event;
    const core::Handoff created = ingest_one(first);
    EXPECT_EQ(created.owner, "dana");
    EXPECT_EQ(created.subject, h.subject);
    EXPECT_EQ(created.deadlines, h.deadlines);
}

TEST_F(DeliveryTestTest, AStoredEventIsADuplicateAndAnIdTwiceInOneDeliveryToo) {
    const nlohmann::json body = {hubspot_entry(201, "closedwon")};
    auto real = engine_->ingest(dry_run(body).events.at(0).event);
    ASSERT_TRUE(real.ok()) << real.error().message;
    const engine::DeliveryTest again = dry_run(body);
    ASSERT_EQ(again.events.size(), 1u);
    EXPECT_TRUE(again.events[0].duplicate);
    EXPECT_TRUE(again.events[0].would_start.empty());
    const engine::DeliveryTest twice =
        dry_run({hubspot_entry(202, "closedwon"), hubspot_entry(202, "closedwon")});
    ASSERT_EQ(twice.events.size(), 2u);
    EXPECT_FALSE(twice.events[0].duplicate);
    EXPECT_EQ(twice.events[0].would_start.at(0).owner, "lee");  // the counter moved once
    EXPECT_TRUE(twice.events[1].duplicate);
    EXPECT_EQ(stored_events(), 1u);
    EXPECT_EQ(stored_handoffs(), 1u);
}

TEST_F(DeliveryTestTest, RefusalsNameWhatWasWrong) {
    auto unknown = engine_->test_delivery("dealz", "[]", {});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
    EXPECT_EQ(unknown.error().field, "source");
    EXPECT_NE(unknown.error().message.find("deals"), std::string::npos) << unknown.error().message;

    auto bad_json = engine_->test_delivery("deals", "[{\"eventId\": ", {});
    ASSERT_FALSE(bad_json.ok());
    EXPECT_EQ(bad_json.error().field, "body");

    nlohmann::json no_id = hubspot_entry(301, "closedwon");
    no_id.erase("eventId");
    auto mapping = engine_->test_delivery(
        "deals", nlohmann::json({hubspot_entry(300, "closedwon"), no_id}).dump(), {});
    ASSERT_FALSE(mapping.ok());
    EXPECT_EQ(mapping.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(mapping.error().field, "[1].id");

    auto long_id = engine_->test_delivery("deals", "[]", {std::string(201, 'x'), ""});
    ASSERT_FALSE(long_id.ok());
    EXPECT_EQ(long_id.error().field, "id");
    EXPECT_EQ(stored_events(), 0u);
}

TEST_F(DeliveryTestTest, ItsJsonReadsBackAsTheSameValues) {
    const engine::DeliveryTest test =
        dry_run({hubspot_entry(401, "closedwon"), hubspot_entry(402, "lost")});
    auto back = engine::delivery_test_from_json(engine::delivery_test_json(test, clock_.now()));
    ASSERT_TRUE(back.ok()) << back.error().message;
    ASSERT_EQ(back->events.size(), 2u);
    EXPECT_EQ(back->events[0].event.id, "401");
    EXPECT_EQ(back->events[0].event.data, test.events[0].event.data);
    ASSERT_EQ(back->events[0].would_start.size(), 1u);
    EXPECT_EQ(back->events[0].would_start[0].owner, "dana");
    EXPECT_EQ(back->events[0].would_start[0].deadlines, test.events[0].would_start[0].deadlines);
    EXPECT_TRUE(back->events[1].would_start.empty());
}

}  // namespace
}  // namespace baton
