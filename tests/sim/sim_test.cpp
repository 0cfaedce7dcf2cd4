// The deterministic simulation (label `sim`): a fixed set of seeds in CI, any number on
// demand. Environment:
//   BATON_SIM_SEEDS=N        run seeds FIRST .. FIRST+N-1 (default 10)
//   BATON_SIM_FIRST_SEED=S   the first of them (default 1)
//   BATON_SIM_STEPS=N        steps per seed (default 300)
//   BATON_SIM_SEED=S         run only seed S (a replay), with BATON_SIM_VERBOSE=1 to print
//                            every step
// scripts/sim.sh sets these. A failure prints the seed, the step, the last steps and the
// command that replays it.
//
// Also here: the FaultyStore on its own, so that the simulation's fault injection is known
// to do what the simulation assumes (a failed call or commit leaves nothing behind; a
// committed firing is reported, a rolled-back one is not).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "sim/faulty_store.h"
#include "sim/simulation.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace baton::sim {
namespace {

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') return fallback;
    return std::stoull(text);
}

TEST(Simulation, Seeds) {
    std::uint64_t first = env_number("BATON_SIM_FIRST_SEED", 1);
    std::uint64_t count = env_number("BATON_SIM_SEEDS", 10);
    if (const char* one = std::getenv("BATON_SIM_SEED"); one != nullptr && *one != '\0') {
        first = std::stoull(one);
        count = 1;
    }
    const int steps = static_cast<int>(env_number("BATON_SIM_STEPS", 300));
    const bool verbose = env_number("BATON_SIM_VERBOSE", 0) != 0;
    ASSERT_GT(count, 0u);
    ASSERT_GT(steps, 0);

    const auto started = std::chrono::steady_clock::now();
    SimStats total;
    int failed = 0;
    for (std::uint64_t seed = first; seed < first + count; ++seed) {
        SimOptions options;
        options.seed = seed;
        options.steps = steps;
        options.verbose = verbose;
        const auto seed_started = std::chrono::steady_clock::now();
        const SimResult r = run_simulation(options);
        // Every figure of the seed, so that an interrupted long run can still be summed.
        const SimStats& f = r.stats;
        std::cout << "sim: seed " << seed << (r.ok ? " ok" : " FAILED") << ": " << f.events_sent
                  << " sent, " << f.events_acknowledged << " acknowledged, " << f.duplicates_sent
                  << " repeats, " << f.handoffs << " handoffs, " << f.actions << " actions, "
                  << f.timers_fired << " timers fired, " << f.deliveries << " messages, "
                  << f.store_faults << " store faults, " << f.commit_faults << " commit faults, "
                  << f.read_faults << " read faults, " << f.channel_faults << " channel faults, "
                  << f.clock_jumps_back << " jumps back, " << f.dst_crossings << " DST crossings, "
                  << f.events_lost << " lost, "
                  << std::chrono::duration<double>(std::chrono::steady_clock::now() - seed_started)
                         .count()
                  << " s" << std::endl;
        if (!r.ok) {
            ++failed;
            ADD_FAILURE() << r.failure;
        }
        const SimStats& s = r.stats;
        total.steps += s.steps;
        total.events_sent += s.events_sent;
        total.events_acknowledged += s.events_acknowledged;
        total.duplicates_sent += s.duplicates_sent;
        total.handoffs += s.handoffs;
        total.actions += s.actions;
        total.actions_refused += s.actions_refused;
        total.ticks += s.ticks;
        total.timers_fired += s.timers_fired;
        total.deliveries += s.deliveries;
        total.store_faults += s.store_faults;
        total.commit_faults += s.commit_faults;
        total.read_faults += s.read_faults;
        total.channel_faults += s.channel_faults;
        total.clock_jumps_back += s.clock_jumps_back;
        total.dst_crossings += s.dst_crossings;
        total.events_lost += s.events_lost;
        // Each run must have exercised what it claims to check (a run long enough to:
        // a few dozen steps may not reach the second DST change).
        if (r.ok && steps >= 200) {
            EXPECT_GT(s.events_acknowledged, 0) << "seed " << seed;
            EXPECT_GT(s.handoffs, 0) << "seed " << seed;
            EXPECT_GT(s.timers_fired, 0) << "seed " << seed;
            EXPECT_GE(s.dst_crossings, 2) << "seed " << seed;
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "sim: " << count << " seeds from " << first << ", " << steps << " steps each, "
              << failed << " failed, " << seconds << " s\n"
              << "sim: " << total.events_sent << " events sent (" << total.duplicates_sent
              << " repeats), " << total.events_acknowledged << " acknowledged, " << total.handoffs
              << " handoffs, " << total.actions << " actions (" << total.actions_refused
              << " refused by the rules), " << total.ticks << " ticks, " << total.timers_fired
              << " timers fired, " << total.deliveries << " messages sent\n"
              << "sim: faults: " << total.store_faults << " store writes failed, "
              << total.commit_faults << " SQLite commits failed, " << total.read_faults
              << " reads failed, " << total.channel_faults << " channel faults; "
              << total.clock_jumps_back << " clock jumps back, " << total.dst_crossings
              << " DST changes crossed; events lost: " << total.events_lost << "\n";
    EXPECT_EQ(total.events_lost, 0);
    // Across the fixed seeds, every kind of fault happened.
    if (count >= 5) {
        EXPECT_GT(total.store_faults, 0);
        EXPECT_GT(total.commit_faults, 0);
        EXPECT_GT(total.read_faults, 0);
        EXPECT_GT(total.channel_faults, 0);
        EXPECT_GT(total.clock_jumps_back, 0);
        EXPECT_GT(total.actions_refused, 0);
    }
}

// A seed is a replay: the same seed takes the same steps, so its figures are the same.
TEST(Simulation, TheSameSeedReplaysTheSameRun) {
    SimOptions options;
    options.seed = 424242;
    options.steps = 120;
    const SimResult a = run_simulation(options);
    const SimResult b = run_simulation(options);
    ASSERT_TRUE(a.ok) << a.failure;
    ASSERT_TRUE(b.ok) << b.failure;
    auto figures = [](const SimStats& s) {
        return std::vector<std::int64_t>{s.events_sent,     s.events_acknowledged, s.handoffs,
                                         s.actions,         s.actions_refused,     s.ticks,
                                         s.timers_fired,    s.deliveries,          s.store_faults,
                                         s.commit_faults,   s.read_faults,         s.channel_faults,
                                         s.clock_jumps_back};
    };
    EXPECT_EQ(figures(a.stats), figures(b.stats));
    EXPECT_GT(a.stats.events_acknowledged, 0);
    options.seed = 424243;
    EXPECT_NE(figures(run_simulation(options).stats), figures(a.stats))
        << "another seed should take other steps";
}

// --- the FaultyStore on its own -----------------------------------------------------------

const TimePoint kStart = *parse_rfc3339("2026-03-27T10:00:00Z");

const char* const kPeople = "people:\n  - { handle: dana, role: member }\n";
const char* const kRush = R"(
id: rush
when: rush.started
subject: "{{data.company}}"
from: dana
owner: dana
done: Out of the door.
calendar: 24x7
accept_within: 1h
)";

class FaultyStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = store::open_sqlite({.path = dir_.file("baton.db")});
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        raw_ = std::move(opened).value();
        faulty_ = std::make_unique<FaultyStore>(*raw_);
        engine_ = std::make_unique<engine::Engine>(*faulty_, clock_);
        auto applied = engine_->apply({{"people.yaml", kPeople}, {"playbooks/rush.yaml", kRush}});
        ASSERT_TRUE(applied.ok()) << applied.error().message;
        (void)faulty_->take_writes();
    }

    core::Event rush(const std::string& id) {
        core::Event e;
        e.id = id;
        e.type = "rush.started";
        e.source = "test";
        e.time = clock_.now();
        e.data = {{"company", "Acme"}};
        return e;
    }

    std::size_t stored_events() {
        auto events = engine_->events({});
        EXPECT_TRUE(events.ok());
        return events.ok() ? events->size() : 0;
    }

    testing::TempDir dir_;
    testing::FakeClock clock_{kStart};
    std::unique_ptr<store::Store> raw_;
    std::unique_ptr<FaultyStore> faulty_;
    std::unique_ptr<engine::Engine> engine_;
};

TEST_F(FaultyStoreTest, EveryFailedCallOfAnIngestLeavesNoTrace) {
    // Fail each call of the ingest's write in turn: every one fails the ingest, and nothing
    // of it stays; past the last call, the ingest goes through.
    int calls = 0;
    for (int index = 0; index < 64; ++index) {
        faulty_->arm(Fault{Fault::Kind::fail_call, index});
        auto r = engine_->ingest(rush("e1"));
        const auto writes = faulty_->take_writes();
        ASSERT_EQ(writes.size(), 1u);
        if (!writes[0].fault_injected) {
            ASSERT_TRUE(r.ok()) << r.error().message;
            calls = writes[0].calls;
            break;
        }
        ASSERT_FALSE(r.ok()) << "call " << index << " failed, yet the ingest succeeded";
        EXPECT_EQ(r.error().code, ErrorCode::unavailable);
        EXPECT_FALSE(writes[0].fault_swallowed);
        EXPECT_EQ(stored_events(), 0u) << "after failing " << writes[0].fault;
        auto listed = engine_->list({});
        ASSERT_TRUE(listed.ok());
        EXPECT_TRUE(listed->empty()) << "after failing " << writes[0].fault;
    }
    EXPECT_GE(calls, 5) << "an ingest that creates a handoff makes several store calls";
    EXPECT_EQ(stored_events(), 1u);
}

TEST_F(FaultyStoreTest, AFailedCommitLeavesNoTraceAndTheRetrySucceeds) {
    faulty_->arm(Fault{Fault::Kind::fail_commit, 0});
    auto failed = engine_->ingest(rush("e1"));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, ErrorCode::unavailable);
    EXPECT_EQ(stored_events(), 0u);
    ASSERT_TRUE(store::sqlite_fail_commits(*raw_, 0, 1).ok());
    auto sqlite_failed = engine_->ingest(rush("e1"));
    ASSERT_FALSE(sqlite_failed.ok());
    EXPECT_EQ(stored_events(), 0u);
    auto retried = engine_->ingest(rush("e1"));
    ASSERT_TRUE(retried.ok()) << retried.error().message;
    EXPECT_FALSE(retried->duplicate);
    EXPECT_EQ(retried->handoff_ids.size(), 1u);
}

TEST_F(FaultyStoreTest, OnlyCommittedFiringsAreReported) {
    auto r = engine_->ingest(rush("e1"));
    ASSERT_TRUE(r.ok());
    (void)faulty_->take_writes();
    clock_.advance(std::chrono::hours(2));
    faulty_->arm(Fault{Fault::Kind::fail_commit, 0});
    ASSERT_FALSE(engine_->fire_due_timers(10).ok());
    auto rolled_back = faulty_->take_writes();
    ASSERT_EQ(rolled_back.size(), 1u);
    EXPECT_TRUE(rolled_back[0].firings.empty());
    auto tick = engine_->fire_due_timers(10);
    ASSERT_TRUE(tick.ok());
    auto committed = faulty_->take_writes();
    ASSERT_EQ(committed.size(), 1u);
    ASSERT_EQ(committed[0].firings.size(), 1u);
    EXPECT_EQ(committed[0].firings[0].kind, store::TimerKind::accept_due);
    EXPECT_EQ(committed[0].firings[0].fired_at, clock_.now());
    EXPECT_EQ(committed[0].handoffs.count(r->handoff_ids.at(0)), 1u);
}

TEST_F(FaultyStoreTest, AFailedReadAnswersUnavailable) {
    faulty_->fail_next_read();
    auto actor = engine_->actor("dana");
    ASSERT_FALSE(actor.ok());
    EXPECT_EQ(actor.error().code, ErrorCode::unavailable);
    EXPECT_EQ(faulty_->read_faults_injected(), 1);
    EXPECT_TRUE(engine_->actor("dana").ok());
}

}  // namespace
}  // namespace baton::sim
