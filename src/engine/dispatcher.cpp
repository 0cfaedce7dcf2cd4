#include "engine/dispatcher.h"

#include <algorithm>
#include <cstdio>

namespace baton::engine {

Dispatcher::Dispatcher(Engine& engine, ChannelSet channels, DispatcherOptions options)
    : engine_(engine), channels_(channels), options_(options) {}

Dispatcher::~Dispatcher() { stop(Milliseconds(0)); }

void Dispatcher::start() {
    BATON_ASSERT(!thread_.joinable());
    thread_ = std::thread([this] { run(); });
}

void Dispatcher::stop(Milliseconds grace) {
    {
        std::unique_lock lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        draining_ = true;
        // Messages in flight get `grace` to finish, so that their outcome is recorded now
        // rather than after their lease; the thread keeps settling them meanwhile (or, with
        // no thread, the waits below do).
        const auto deadline = std::chrono::steady_clock::now() + grace;
        while (!in_flight_.empty() && std::chrono::steady_clock::now() < deadline) {
            if (!thread_.joinable()) {
                lock.unlock();
                settle_finished();
                lock.lock();
            }
            changed_.wait_for(lock, Milliseconds(20));
        }
        stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
    settle_finished();
}

void Dispatcher::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    changed_.notify_all();
}

channels::Channel* Dispatcher::channel_for(const std::string& name) const {
    if (name == "slack") return channels_.slack;
    if (name == "email") return channels_.email;
    if (name == "webhook") return channels_.webhook;
    return nullptr;
}

void Dispatcher::settle_finished() {
    std::deque<Finished> finished;
    {
        std::lock_guard lock(mutex_);
        finished.swap(finished_);
    }
    for (const Finished& f : finished) {
        const double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(jitter_);
        auto settled = engine_.settle_delivery(f.notification, f.outcome, options_.retry, jitter);
        if (settled) {
            if (settled->status == "delivered") ++delivered_;
            if (settled->status == "pending") ++retried_;
            if (settled->status == "failed") ++failed_;
        } else {
            // The store could not record it: the lease runs out and the row is sent again,
            // with the same delivery id. Say so once per message.
            std::fprintf(stderr, "baton: dispatcher: could not record outbox row %lld: %s\n",
                         static_cast<long long>(f.notification.outbox_id),
                         settled.error().message.c_str());
        }
        std::lock_guard lock(mutex_);
        in_flight_.erase(f.notification.outbox_id);
    }
    if (!finished.empty()) changed_.notify_all();
}

Result<int> Dispatcher::pass() {
    settle_finished();
    std::size_t room = 0;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || draining_) return 0;
        room = options_.in_flight_max - std::min(options_.in_flight_max, in_flight_.size());
    }
    if (room == 0) return 0;
    auto lease = engine_.lease_notifications(room, options_.lease);
    if (!lease) return lease.error();
    {
        std::lock_guard lock(mutex_);
        next_due_ = lease->next_due;
    }
    int sent = 0;
    for (channels::Notification& n : lease->notifications) {
        channels::Channel* channel = channel_for(n.channel);
        const std::int64_t id = n.outbox_id;
        {
            std::lock_guard lock(mutex_);
            if (!in_flight_.insert(id).second) continue;  // still in flight from before
        }
        ++sent_;
        ++sent;
        if (channel == nullptr) {
            channels::Outcome none{channels::Outcome::Kind::failed, std::nullopt, 0,
                                   "no channel called `" + n.channel + "`"};
            std::lock_guard lock(mutex_);
            finished_.push_back({std::move(n), std::move(none)});
            continue;
        }
        channels::Notification copy = n;
        channel->send(std::move(n), [this, copy = std::move(copy)](channels::Outcome outcome) {
            {
                std::lock_guard lock(mutex_);
                finished_.push_back({copy, std::move(outcome)});
            }
            changed_.notify_all();
        });
    }
    return sent;
}

bool Dispatcher::drain(Milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto sent = pass();
        settle_finished();
        std::unique_lock lock(mutex_);
        const TimePoint now = engine_.now();
        const bool due = next_due_ && *next_due_ <= now;
        if (sent && *sent == 0 && in_flight_.empty() && finished_.empty() && !due) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        changed_.wait_for(lock, Milliseconds(20), [&] { return !finished_.empty(); });
    }
}

void Dispatcher::run() {
    for (;;) {
        auto sent = pass();
        if (!sent) {
            std::fprintf(stderr, "baton: dispatcher: %s\n", sent.error().message.c_str());
        }
        std::unique_lock lock(mutex_);
        if (stopping_) return;
        // Sleep until a send finishes, someone wakes us, the next row falls due, or the
        // poll interval passes (rows written by other processes, leases that ran out).
        Milliseconds sleep = options_.poll;
        if (next_due_) {
            const Milliseconds until = *next_due_ - engine_.now();
            sleep = std::clamp(until, Milliseconds(0), options_.poll);
        }
        if (sent && *sent > 0) sleep = Milliseconds(0);
        changed_.wait_for(lock, sleep, [&] { return stopping_ || woken_ || !finished_.empty(); });
        woken_ = false;
    }
}

Dispatcher::Counters Dispatcher::counters() const {
    return Counters{sent_.load(), delivered_.load(), retried_.load(), failed_.load()};
}

std::size_t Dispatcher::in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_.size();
}

}  // namespace baton::engine
