// Scheduler: fires due timers (reminders, deadlines, escalations) in the running server, on
// its own thread, in bounded batches (Engine::fire_due_timers). It sleeps until the next
// timer is due or the poll interval passes, whichever is first, so that a timer created by
// intake a moment ago is not missed for long, and it wakes the dispatcher when firing
// queued messages.
//
// Ownership: borrows the engine (and the dispatcher, optional), which must outlive it.
// Threading: start() runs one thread; stop() joins it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/engine.h"

namespace baton::engine {

struct SchedulerOptions {
    std::size_t batch_max = 500;  // timers per transaction
    Milliseconds poll{250};       // the longest sleep between looks at the timers
    // Housekeeping, every `housekeeping` (0: never): expired browser sessions, stored
    // Idempotency-Key answers older than `idempotency_ttl`, and logged /hooks calls older
    // than `hook_deliveries_keep`, are removed a batch at a time.
    Milliseconds housekeeping{600'000};
    Milliseconds idempotency_ttl{86'400'000};
    // The /hooks delivery log keeps each call this long (serve --keep-deliveries).
    Milliseconds hook_deliveries_keep{7 * 86'400'000LL};
};

class Scheduler {
public:
    // `on_tick` (may be empty) hears every batch that fired something: the dispatcher's
    // wake, and the metrics.
    Scheduler(Engine& engine, SchedulerOptions options,
              std::function<void(const Engine::TimerTick&)> on_tick);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    void start();
    void stop();

private:
    void run();
    void housekeep();

    Engine& engine_;
    const SchedulerOptions options_;
    const std::function<void(const Engine::TimerTick&)> on_tick_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false /* GUARDED_BY(mutex_) */;
    std::thread thread_;
};

}  // namespace baton::engine
