// Seeds a Baton workspace database with COUNT open handoffs, each with an armed timer, for
// the timer benchmark (bench/timers.sh). Every handoff waits for its owner and has a done
// deadline 30 days out; the first DUE of them also have an accept deadline, all at the same
// placeholder time, which the script then spreads over one minute just before it starts
// the server. It writes through the real Store, in batches, so the rows are exactly what
// Baton itself writes.
//
// Usage: baton_seed_timers DB_PATH COUNT DUE
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/clock.h"
#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"

namespace {

const char* kPeople = R"(people:
  - { handle: sam, email: sam@example.com }
  - { handle: dana, email: dana@example.com }
)";

const char* kPlaybook = R"(id: bench
title: Bench
when: bench.started
from: sam
owner: dana
done: Done.
calendar: 24x7
accept_within: 1h
done_within: 30d
)";

int fail(const std::string& what) {
    std::fprintf(stderr, "baton_seed_timers: %s\n", what.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace baton;
    if (argc != 4) return fail("usage: baton_seed_timers DB_PATH COUNT DUE");
    const long count = std::atol(argv[2]);
    const long due = std::atol(argv[3]);
    auto opened = store::open_sqlite({.path = argv[1]});
    if (!opened) return fail(opened.error().message);
    engine::SystemClock clock;
    engine::Engine engine(**opened, clock);
    auto applied = engine.apply({{"people.yaml", kPeople}, {"playbooks/bench.yaml", kPlaybook}});
    if (!applied) return fail(applied.error().message);

    const TimePoint now = clock.now();
    const TimePoint placeholder = now + std::chrono::hours(24 * 365);
    const long batch = 5000;
    const auto started = std::chrono::steady_clock::now();
    for (long first = 0; first < count; first += batch) {
        Status st = (*opened)->write([&](store::Transaction& tx) -> Status {
            for (long i = first; i < std::min(count, first + batch); ++i) {
                core::Handoff h;
                h.playbook_id = "bench";
                h.playbook_version = 1;
                h.title = "Bench";
                h.subject = "Client " + std::to_string(i);
                h.giver = "sam";
                h.owner = "dana";
                h.done_definition = "Done.";
                h.created_at = h.updated_at = now;
                h.deadlines.done_by = now + std::chrono::hours(24 * 30);
                h.event_source = "bench";
                h.event_id = std::to_string(i);
                h.timeline.push_back({now, "baton", "created", "Handed over by sam to dana", {}});
                auto id = tx.insert_handoff(h);
                if (!id) return id.error();
                std::vector<store::TimerRecord> timers = {
                    {0, *id, store::TimerKind::done_due, 0, *h.deadlines.done_by, std::nullopt,
                     false, "dana"}};
                if (i < due) {
                    timers.push_back({0, *id, store::TimerKind::accept_due, 0, placeholder,
                                      std::nullopt, false, "dana"});
                }
                if (auto s = tx.insert_timers(timers); !s) return s;
            }
            return ok_status();
        });
        if (!st) return fail(st.error().message);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("seeded %ld handoffs (%ld with a timer falling due) in %.1f s\n", count, due,
                seconds);
    return 0;
}
