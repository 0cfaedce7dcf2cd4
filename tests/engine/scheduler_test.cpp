// The engine's time-driven use cases over a real SQLite file and a fake clock: due timers
// fire once each (also across a restart, and when the clock jumps back or forward),
// accepting stops the accept side, done stops everything, escalations tell the level's
// person and reassign only when told; the giver hears back; relays start the next
// playbook; events tick checklist items.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>

#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace baton {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::FakeClock;
using testing::TempDir;

const TimePoint kStart = *parse_rfc3339("2026-11-23T10:00:00Z");

const char* kPeople = R"(
people:
  - { handle: sam, role: member, email: sam@example.com }
  - { handle: dana, role: member, email: dana@example.com }
  - { handle: kim, role: admin, email: kim@example.com }
  - { handle: ari, role: admin, email: ari@example.com }
teams:
  - { handle: sales, members: [sam] }
  - { handle: managers, members: [ari, kim], rule: round-robin }
)";

// 24x7, so that the arithmetic in the tests is plain hours.
const char* kSold = R"(
id: sold
when: deal.won
subject: "{{data.company}}"
from: sales
owner: dana
done: The client is onboarded.
checklist:
  - Send the welcome email
  - { item: Countersign the contract, when: contract.signed }
calendar: 24x7
accept_within: 4h
done_within: 2d
remind: [2h]
escalate:
  - { after: 5h, to: managers }
  - { after: 1d, to: kim, on: done, reassign: true }
checkpoint:
  - slack: "#ops"
  - webhook: crm
  - email: owner
next: kickoff
)";

const char* kKickoff = R"(
id: kickoff
when: kickoff.needed
subject: "{{data.company}} kickoff"
from: dana
owner: sam
done: The kickoff is booked.
calendar: 24x7
accept_within: 1h
)";

class SchedulerTest : public ::testing::Test {
protected:
    void SetUp() override { open(); }

    void open() {
        engine_.reset();
        store_.reset();
        auto opened = store::open_sqlite({.path = dir_.file("baton.db")});
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        store_ = std::move(opened).value();
        engine_ = std::make_unique<engine::Engine>(*store_, clock_);
        if (!applied_) {
            auto applied = engine_->apply({{"people.yaml", kPeople},
                                           {"playbooks/sold.yaml", kSold},
                                           {"playbooks/kickoff.yaml", kKickoff}});
            ASSERT_TRUE(applied.ok()) << applied.error().message;
            applied_ = true;
        }
    }

    std::int64_t deal(const std::string& id) {
        auto r = engine_->ingest(event(id, "deal.won", "crm", "Acme"));
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        EXPECT_EQ(r->handoff_ids.size(), 1u);
        return r->handoff_ids.at(0);
    }

    // An event of `type` about `subject`, at the clock's now.
    core::Event event(const std::string& id, const std::string& type, const std::string& source,
                      const std::string& subject) {
        core::Event e;
        e.id = id;
        e.type = type;
        e.source = source;
        e.time = clock_.now();
        e.subject = subject;
        e.data = {{"company", subject}};
        return e;
    }

    engine::Engine::TimerTick tick() {
        auto t = engine_->fire_due_timers(1000);
        EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
        return t.ok() ? *t : engine::Engine::TimerTick{};
    }

    core::Handoff show(std::int64_t id) {
        auto h = engine_->show(id);
        EXPECT_TRUE(h.ok());
        return h.ok() ? *h : core::Handoff{};
    }

    int entries(const core::Handoff& h, const std::string& kind) {
        return static_cast<int>(std::count_if(h.timeline.begin(), h.timeline.end(),
                                              [&](const auto& e) { return e.kind == kind; }));
    }

    // Outbox rows of a handoff whose payload says `what`, as "channel:target".
    std::vector<std::string> told(std::int64_t id, const std::string& what) {
        std::vector<std::string> out;
        auto rows = engine_->outbox(id);
        EXPECT_TRUE(rows.ok());
        for (const auto& r : *rows) {
            if (r.payload.value("what", "") == what) out.push_back(r.channel + ":" + r.target);
        }
        return out;
    }

    core::Actor as(const std::string& handle) {
        auto a = engine_->actor(handle);
        EXPECT_TRUE(a.ok());
        return *a;
    }

    TempDir dir_;
    FakeClock clock_{kStart};
    bool applied_ = false;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<engine::Engine> engine_;
};

TEST_F(SchedulerTest, NothingFiresBeforeItIsDue) {
    const auto id = deal("d1");
    clock_.advance(hours(2) - minutes(1));
    const auto t = tick();
    EXPECT_EQ(t.fired, 0);
    ASSERT_TRUE(t.next_due.has_value());
    EXPECT_EQ(*t.next_due, kStart + hours(2));
    EXPECT_EQ(entries(show(id), "reminded"), 0);
}

TEST_F(SchedulerTest, TheReminderFiresOnceAndTellsTheOwner) {
    const auto id = deal("d1");
    clock_.advance(hours(2) + minutes(3));
    auto t = tick();
    EXPECT_EQ(t.fired, 1);
    ASSERT_EQ(t.lags.size(), 1u);
    EXPECT_EQ(t.lags[0], minutes(3));
    EXPECT_EQ(entries(show(id), "reminded"), 1);
    EXPECT_EQ(told(id, "reminded"), std::vector<std::string>{"notice:dana"});
    // Again, and after a restart: nothing fires twice.
    EXPECT_EQ(tick().fired, 0);
    open();
    EXPECT_EQ(tick().fired, 0);
    EXPECT_EQ(entries(show(id), "reminded"), 1);
}

TEST_F(SchedulerTest, OverdueAndEscalationTellOwnerGiverLevelAndChannels) {
    const auto id = deal("d1");
    clock_.advance(hours(5));
    const auto t = tick();
    EXPECT_EQ(t.fired, 3);  // the reminder, the accept deadline, escalation level 1
    const core::Handoff h = show(id);
    EXPECT_EQ(entries(h, "overdue"), 1);
    EXPECT_EQ(entries(h, "escalated"), 1);
    EXPECT_EQ(h.escalation_level, 1);
    EXPECT_EQ(h.owner, "dana");  // level 1 does not reassign
    auto overdue = told(id, "overdue");
    std::sort(overdue.begin(), overdue.end());
    EXPECT_EQ(overdue, (std::vector<std::string>{"notice:dana", "notice:sam", "slack:#ops",
                                                 "webhook:crm"}));
    // The level names a team: it resolves to one person by the team's rule.
    auto escalated = told(id, "escalated");
    std::sort(escalated.begin(), escalated.end());
    EXPECT_EQ(escalated,
              (std::vector<std::string>{"notice:ari", "slack:#ops", "webhook:crm"}));
}

TEST_F(SchedulerTest, AcceptingStopsTheAcceptSideOnly) {
    const auto id = deal("d1");
    ASSERT_TRUE(engine_->act(id, core::Accept{}, as("dana")).ok());
    EXPECT_EQ(told(id, "accepted").size(), 3u);  // the giver's team, #ops, crm
    clock_.advance(hours(30));
    const auto t = tick();
    // Reminder, accept deadline and level 1 were cancelled; the done-side level fires.
    EXPECT_EQ(t.fired, 1);
    const core::Handoff h = show(id);
    EXPECT_EQ(entries(h, "reminded"), 0);
    EXPECT_EQ(entries(h, "overdue"), 0);
    EXPECT_EQ(entries(h, "escalated"), 1);
    // Level 2 says reassign: kim owns it now and must accept; dana stays accountable.
    EXPECT_EQ(h.owner, "kim");
    EXPECT_EQ(h.pending_from, "dana");
    EXPECT_EQ(h.state, core::HandoffState::waiting);
    EXPECT_EQ(h.escalation_level, 2);
    EXPECT_EQ(entries(h, "reassigned"), 1);
}

// Found by the simulation (tests/sim): a reassignment gave the new owner a fresh accept
// timer but left the handoff showing the old accept deadline, so it was "overdue to accept"
// (and counted as silent delay) while the new owner's clock had barely started.
TEST_F(SchedulerTest, AReassignmentShowsTheNewOwnersAcceptDeadline) {
    const auto id = deal("d1");
    EXPECT_EQ(show(id).deadlines.accept_by, kStart + hours(4));
    clock_.advance(hours(3));
    auto moved = engine_->reassign(id, "sam", "dana is away", as("kim"));
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    EXPECT_EQ(moved->deadlines.accept_by, kStart + hours(7));
    core::Handoff h = show(id);
    EXPECT_EQ(h.deadlines.accept_by, kStart + hours(7));
    clock_.set(kStart + hours(5));
    EXPECT_FALSE(core::is_overdue_to_accept(show(id), clock_.now()));
    tick();
    EXPECT_EQ(entries(show(id), "overdue"), 0);
    clock_.set(kStart + hours(7) + minutes(1));
    tick();
    h = show(id);
    EXPECT_TRUE(core::is_overdue_to_accept(h, clock_.now()));
    ASSERT_EQ(entries(h, "overdue"), 1);
    for (const auto& e : h.timeline) {
        if (e.kind != "overdue") continue;
        EXPECT_NE(e.text.find("1 min past accept time"), std::string::npos) << e.text;
    }
}

TEST_F(SchedulerTest, DoneStopsEverythingAndTheRelayStartsTheNextPlaybook) {
    const auto id = deal("d1");
    ASSERT_TRUE(engine_->act(id, core::Accept{}, as("dana")).ok());
    ASSERT_TRUE(engine_->act(id, core::Check{1, true}, as("dana")).ok());
    ASSERT_TRUE(engine_->act(id, core::Check{2, true}, as("dana")).ok());
    auto done = engine_->act(id, core::Finish{}, as("dana"));
    ASSERT_TRUE(done.ok()) << done.error().message;
    EXPECT_EQ(told(id, "done").size(), 3u);
    clock_.advance(hours(100));
    const auto t = tick();
    const core::Handoff h = show(id);
    EXPECT_EQ(entries(h, "escalated"), 0);
    EXPECT_EQ(entries(h, "overdue"), 0);
    ASSERT_EQ(entries(h, "relayed"), 1);

    // The relay: kickoff started with the same subject and data, and its own deadlines.
    auto relay = engine_->relay("Acme");
    ASSERT_TRUE(relay.ok()) << relay.error().message;
    ASSERT_EQ(relay->legs.size(), 2u);
    const core::Handoff& next = relay->legs[1].handoff;
    EXPECT_EQ(next.playbook_id, "kickoff");
    EXPECT_EQ(next.subject, "Acme");  // carried over, not "Acme kickoff"
    EXPECT_EQ(next.owner, "sam");
    EXPECT_EQ(next.data["company"], "Acme");
    EXPECT_EQ(next.event_source, "baton");
    EXPECT_EQ(next.event_id, "relay:" + std::to_string(id));
    EXPECT_EQ(t.fired, 1);  // only the kickoff's accept deadline: sold's timers all stopped
}

TEST_F(SchedulerTest, AClockJumpBackFiresNothingTwiceAndAJumpForwardFiresEachOnce) {
    const auto id = deal("d1");
    clock_.advance(hours(3));
    EXPECT_EQ(tick().fired, 1);  // the reminder
    clock_.set(kStart - hours(10));  // back past the start
    EXPECT_EQ(tick().fired, 0);
    clock_.set(kStart + hours(3));
    EXPECT_EQ(tick().fired, 0);
    clock_.set(kStart + hours(72));  // forward past everything
    const auto t = tick();
    EXPECT_EQ(t.fired, 4);  // accept deadline, level 1, done deadline, level 2
    // Level 2 reassigns to kim, whose fresh accept window is all that is left to fire.
    ASSERT_TRUE(t.next_due.has_value());
    EXPECT_GT(*t.next_due, kStart + hours(72));
    const core::Handoff h = show(id);
    EXPECT_EQ(entries(h, "reminded"), 1);
    EXPECT_EQ(entries(h, "overdue"), 2);
    EXPECT_EQ(entries(h, "escalated"), 2);
}

TEST_F(SchedulerTest, TimersThatFellDueWhileDownFireOnceAtStart) {
    const auto id = deal("d1");
    engine_.reset();
    store_.reset();
    clock_.advance(hours(4) + minutes(30));
    open();
    const auto t = tick();
    EXPECT_EQ(t.fired, 2);  // the reminder and the accept deadline
    for (auto lag : t.lags) EXPECT_GE(lag, minutes(30));
    EXPECT_EQ(tick().fired, 0);
    EXPECT_EQ(entries(show(id), "overdue"), 1);
}

TEST_F(SchedulerTest, AnEventTicksTheChecklistItemOfItsSubject) {
    const auto id = deal("d1");
    core::Event signed_event = event("s1", "contract.signed", "docusign", "Acme");
    ASSERT_TRUE(engine_->ingest(signed_event).ok());
    core::Handoff h = show(id);
    EXPECT_FALSE(h.checklist[0].checked);
    EXPECT_TRUE(h.checklist[1].checked);
    EXPECT_EQ(h.checklist[1].checked_by, "baton");
    EXPECT_EQ(entries(h, "checked"), 1);

    // Another subject ticks nothing.
    auto globex = engine_->ingest(event("d2", "deal.won", "crm", "Globex"));
    ASSERT_TRUE(globex.ok());
    const auto other = globex->handoff_ids.at(0);
    signed_event.id = "s2";
    ASSERT_TRUE(engine_->ingest(signed_event).ok());
    EXPECT_FALSE(show(other).checklist[1].checked);
    EXPECT_EQ(entries(show(id), "checked"), 1);  // already ticked: not twice
}

TEST_F(SchedulerTest, TheAsynchronousIntakeTicksChecklistItemsToo) {
    const auto id = deal("d1");
    // The HTTP intake's path: planned outside the write, committed on the store's thread.
    const core::Event signed_event = event("s-async", "contract.signed", "docusign", "Acme");
    std::promise<Result<engine::IngestResult>> answered;
    engine_->ingest_async(signed_event, [&](Result<engine::IngestResult> r) {
        answered.set_value(std::move(r));
    });
    auto result = answered.get_future().get();
    ASSERT_TRUE(result.ok()) << result.error().message;
    const core::Handoff h = show(id);
    EXPECT_TRUE(h.checklist[1].checked);
    EXPECT_EQ(entries(h, "checked"), 1);
}

}  // namespace
}  // namespace baton
