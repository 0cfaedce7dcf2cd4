// baton_ingest_cpu: the CPU one ingested event costs, without HTTP and without a load
// generator, so that a change to the ingest path can be measured on a machine that other
// work shares (bench/README.md). It opens the database of a workspace made by `baton init`,
// keeps up to --in-flight ingest_async() calls going (as the HTTP server does with that
// many connections) until --events have been answered, and prints the wall time, the
// process's CPU time per event, and the store's commits.
//
//   baton init /tmp/ws && baton_ingest_cpu --db /tmp/ws/baton.db --events 20000
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"

namespace {

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    std::string db;
    long events = 20000;
    long in_flight_max = 64;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--db") db = argv[i + 1];
        if (flag == "--events") events = std::atol(argv[i + 1]);
        if (flag == "--in-flight") in_flight_max = std::atol(argv[i + 1]);
    }
    if (db.empty() || events < 1 || in_flight_max < 1) {
        std::fprintf(stderr, "usage: baton_ingest_cpu --db PATH [--events N] [--in-flight N]\n");
        return 2;
    }
    auto store = baton::store::open_sqlite({.path = db});
    if (!store) {
        std::fprintf(stderr, "cannot open %s: %s\n", db.c_str(), store.error().message.c_str());
        return 1;
    }
    baton::engine::SystemClock clock;
    baton::engine::Engine engine(**store, clock);
    std::mutex mutex;
    std::condition_variable answered;
    long in_flight = 0, done = 0, failed = 0;
    const std::string prefix = std::to_string(std::chrono::system_clock::now().time_since_epoch() /
                                              std::chrono::milliseconds(1));
    const auto settings_before = baton::store::sqlite_settings(**store);
    const double cpu_before = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < events; ++i) {
        {
            std::unique_lock lock(mutex);
            answered.wait(lock, [&] { return in_flight < in_flight_max; });
            ++in_flight;
        }
        baton::core::Event e;
        e.id = prefix + "-" + std::to_string(i);
        e.type = "deal.won";
        e.source = "bench";
        e.time = clock.now();
        e.data = {{"company", "Client " + e.id}, {"amount", 5000}, {"pipeline", "services"}};
        engine.ingest_async(e, [&](baton::Result<baton::engine::IngestResult> r) {
            std::lock_guard lock(mutex);
            --in_flight;
            ++done;
            if (!r || r->handoff_ids.size() != 1) ++failed;
            answered.notify_one();
        });
    }
    {
        std::unique_lock lock(mutex);
        answered.wait(lock, [&] { return done == events; });
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpu_seconds() - cpu_before;
    const auto settings_after = baton::store::sqlite_settings(**store);
    const long commits = settings_before && settings_after
                             ? static_cast<long>(settings_after->commits - settings_before->commits)
                             : -1;
    std::printf("events=%ld failed=%ld wall_s=%.2f rate=%.0f cpu_us_per_event=%.1f commits=%ld "
                "events_per_commit=%.1f\n",
                events, failed, wall, static_cast<double>(events) / wall,
                1e6 * cpu / static_cast<double>(events), commits,
                commits > 0 ? static_cast<double>(events) / static_cast<double>(commits) : 0.0);
    return failed == 0 ? 0 : 1;
}
