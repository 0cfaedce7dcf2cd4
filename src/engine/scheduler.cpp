#include "engine/scheduler.h"

#include <algorithm>
#include <cstdio>

namespace baton::engine {

Scheduler::Scheduler(Engine& engine, SchedulerOptions options,
                     std::function<void(const Engine::TimerTick&)> on_tick)
    : engine_(engine), options_(options), on_tick_(std::move(on_tick)) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
    BATON_ASSERT(!thread_.joinable());
    thread_ = std::thread([this] { run(); });
}

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Scheduler::housekeep() {
    constexpr std::size_t batch = 1000;
    // Removes a batch at a time until one comes back short, at most 100,000 a turn (never
    // hog the store); false when the store failed.
    auto drain = [](auto&& expire) {
        for (int round = 0; round < 100; ++round) {
            Result<std::int64_t> removed = expire();
            if (!removed) {
                std::fprintf(stderr, "baton: housekeeping: %s\n", removed.error().message.c_str());
                return false;
            }
            if (static_cast<std::size_t>(*removed) < batch) break;
        }
        return true;
    };
    if (!drain([&] { return engine_.expire_idempotency(options_.idempotency_ttl, batch); })) return;
    if (!drain([&] { return engine_.expire_sessions(batch); })) return;
    (void)drain(
        [&] { return engine_.expire_hook_deliveries(options_.hook_deliveries_keep, batch); });
}

void Scheduler::run() {
    auto next_housekeeping = std::chrono::steady_clock::now();
    for (;;) {
        if (options_.housekeeping > Milliseconds(0) &&
            std::chrono::steady_clock::now() >= next_housekeeping) {
            housekeep();
            next_housekeeping = std::chrono::steady_clock::now() + options_.housekeeping;
        }
        Milliseconds sleep = options_.poll;
        auto tick = engine_.fire_due_timers(options_.batch_max);
        if (!tick) {
            // The store is unavailable: the timers stay due and fire on a later pass.
            std::fprintf(stderr, "baton: scheduler: %s\n", tick.error().message.c_str());
        } else {
            if (on_tick_ && (tick->fired > 0 || tick->spent > 0)) on_tick_(*tick);
            const std::size_t handled = static_cast<std::size_t>(tick->fired + tick->spent);
            if (handled >= options_.batch_max) {
                sleep = Milliseconds(0);  // more are due: go on at once
            } else if (tick->next_due) {
                sleep = std::clamp(*tick->next_due - engine_.now(), Milliseconds(0), options_.poll);
            }
        }
        std::unique_lock lock(mutex_);
        if (stopping_) return;
        if (sleep > Milliseconds(0)) changed_.wait_for(lock, sleep, [&] { return stopping_; });
        if (stopping_) return;
    }
}

}  // namespace baton::engine
