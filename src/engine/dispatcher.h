// Dispatcher: delivers the outbox — the checkpoint messages, reminders, escalations and
// "the giver hears back" notices — through the channels, on its own thread, at its own
// pace, so that intake never waits for the outside world.
//
// At least once: a row is leased before it is sent (store::Transaction::lease_outbox) and
// settled after; if the process dies in between, the lease runs out and the row is sent
// again with the same delivery id, which receivers use to drop the repeat. Retries back
// off exponentially with jitter (core/delivery.h); a final failure is recorded on the
// handoff's timeline. Many messages are in flight at once, and the channels keep a slow
// endpoint from delaying the others.
//
// Ownership: borrows the engine and the channels, which must outlive it. Threading: start()
// runs one thread; pass() and drain() are for tests that drive it by hand (never both).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "channels/channel.h"
#include "core/delivery.h"
#include "engine/engine.h"

namespace baton::engine {

struct ChannelSet {
    channels::Channel* slack = nullptr;
    channels::Channel* email = nullptr;
    channels::Channel* webhook = nullptr;
};

struct DispatcherOptions {
    std::size_t in_flight_max = 64;  // messages sent and not yet settled
    // How long a sent message is held before another pass may send it again. Longer than
    // any channel's total timeout plus its rate-limit queue.
    Milliseconds lease{600'000};
    Milliseconds poll{500};  // the longest sleep between looks at the outbox
    core::RetryPolicy retry{};
};

class Dispatcher {
public:
    Dispatcher(Engine& engine, ChannelSet channels, DispatcherOptions options);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    void start();
    // Stops taking rows, waits up to `grace` for messages in flight (still recording how
    // they end), and stops the thread. What was not settled is sent again after its lease.
    // The channels may still answer sends afterwards (into a queue nobody reads): shut them
    // down before destroying the dispatcher.
    void stop(Milliseconds grace = Milliseconds(5000));
    void wake();  // new rows may be due

    // One pass: settles the sends that finished, then leases and sends what is due.
    // Answers how many it sent.
    Result<int> pass();
    // Passes until nothing is due or in flight, or `timeout` passes; true when idle.
    bool drain(Milliseconds timeout);

    struct Counters {
        std::uint64_t sent = 0;
        std::uint64_t delivered = 0;
        std::uint64_t retried = 0;
        std::uint64_t failed = 0;
    };
    Counters counters() const;
    std::size_t in_flight() const;

private:
    struct Finished {
        channels::Notification notification;
        channels::Outcome outcome;
    };
    void run();
    channels::Channel* channel_for(const std::string& name) const;
    void settle_finished();

    Engine& engine_;
    const ChannelSet channels_;
    const DispatcherOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Finished> finished_ /* GUARDED_BY(mutex_) */;
    std::set<std::int64_t> in_flight_ /* GUARDED_BY(mutex_) */;
    bool draining_ = false /* GUARDED_BY(mutex_) */;  // stop(): lease nothing more
    bool stopping_ = false /* GUARDED_BY(mutex_) */;
    bool woken_ = false /* GUARDED_BY(mutex_) */;
    std::optional<TimePoint> next_due_ /* GUARDED_BY(mutex_) */;
    std::mt19937_64 jitter_{std::random_device{}()};  // used by the settling thread only
    std::atomic<std::uint64_t> sent_{0}, delivered_{0}, retried_{0}, failed_{0};
    std::thread thread_;
};

}  // namespace baton::engine
