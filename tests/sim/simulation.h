// The deterministic simulation of Baton's engine (issue 7, part 1).
//
// One run drives the real engine (src/engine) over a real SQLite file, with a fake clock
// and one seeded generator (std::mt19937_64) from which every choice is drawn: events
// arrive (some twice), people accept, forget, decline, reassign, tick checklist items,
// finish, act late or on a handoff that is not theirs; the clock moves forward by minutes
// or hours, jumps back, and crosses both DST changes of Europe/Berlin in 2026; the
// scheduler's step (Engine::fire_due_timers) and the dispatcher's (lease_notifications,
// a channel, settle_delivery) run at random moments. The store is wrapped in a FaultyStore
// that fails a chosen call or the commit of a write, and the real SQLite COMMIT is made to
// fail too; the channels fail, time out, answer late or succeed.
//
// After every step the run checks its invariants against what the store holds and against
// a model it keeps itself (see simulation.cpp and docs/reliability.md). The first broken
// invariant stops the run with its seed, its step, the last steps taken and the command
// that replays it. Nothing here reads the real time or starts a thread.
#pragma once

#include <cstdint>
#include <string>

namespace baton::sim {

struct SimOptions {
    std::uint64_t seed = 1;
    int steps = 400;
    int deep_check_every = 40;  // a full check of every handoff, every this many steps
    int log_steps_max = 30;     // the steps shown with a failure
    bool verbose = false;       // print every step as it runs
};

struct SimStats {
    std::int64_t steps = 0;
    std::int64_t events_sent = 0;  // ingest calls, duplicates included
    std::int64_t events_acknowledged = 0;
    std::int64_t duplicates_sent = 0;
    std::int64_t handoffs = 0;         // handoffs created (relays included)
    std::int64_t actions = 0;          // act and reassign calls
    std::int64_t actions_refused = 0;  // refused as the rules say
    std::int64_t ticks = 0;
    std::int64_t timers_fired = 0;
    std::int64_t deliveries = 0;     // messages handed to a channel
    std::int64_t store_faults = 0;   // writes failed by the FaultyStore (call or commit)
    std::int64_t commit_faults = 0;  // real SQLite COMMITs failed
    std::int64_t read_faults = 0;
    std::int64_t channel_faults = 0;  // retry, failed and late answers
    std::int64_t clock_jumps_back = 0;
    std::int64_t dst_crossings = 0;
    std::int64_t events_lost = 0;  // acknowledged events missing at the end: must be 0
};

struct SimResult {
    bool ok = false;
    std::string failure;  // seed, step, what broke, the last steps, how to replay
    SimStats stats;
};

// Runs one seed in a fresh temporary directory.
SimResult run_simulation(const SimOptions& options);

}  // namespace baton::sim
