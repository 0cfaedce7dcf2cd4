#include "http/stream_hub.h"
#include "core/utf8.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "engine/json_views.h"

namespace baton::http {

struct StreamHub::Subscriber final : EventStream {
    StreamHub& hub;
    std::mutex mutex;
    std::shared_ptr<StreamSink> sink;  // GUARDED_BY(mutex): set by open, cleared by closed
    bool ended = false;                // GUARDED_BY(mutex)
    // Only the hub's thread reads and writes these.
    std::int64_t position = 0;  // the last change number sent
    std::chrono::steady_clock::time_point last_sent{};
    std::chrono::steady_clock::time_point last_checked{};
    const Allowed allowed;

    Subscriber(StreamHub& h, std::int64_t after, Allowed a)
        : hub(h), position(after), allowed(std::move(a)) {}

    // Asks the credential again (at most every `recheck` unless `now_needed`: something is
    // about to be sent); a refused one ends the stream. True when it may go on.
    bool still_allowed(std::chrono::steady_clock::time_point now,
                       std::chrono::milliseconds recheck, bool now_needed) {
        if (!now_needed && now - last_checked < recheck) return true;
        last_checked = now;
        if (!allowed || allowed()) return true;
        end();
        return false;
    }

    void open(std::shared_ptr<StreamSink> s) override {
        {
            std::lock_guard lock(mutex);
            if (ended) return s->close();
            sink = std::move(s);
        }
        hub.notify();  // a reader that resumes gets what it missed at once
    }
    void closed() override {
        std::lock_guard lock(mutex);
        ended = true;
        sink.reset();
    }
    // Pushes to the reader; false when the stream has ended (or was never opened yet).
    bool push(std::string text) {
        std::shared_ptr<StreamSink> s;
        {
            std::lock_guard lock(mutex);
            if (ended || !sink) return false;
            s = sink;
        }
        if (s->push(std::move(text))) return true;
        std::lock_guard lock(mutex);
        ended = true;
        sink.reset();
        return false;
    }
    bool is_open() {
        std::lock_guard lock(mutex);
        return !ended && sink != nullptr;
    }
    bool is_ended() {
        std::lock_guard lock(mutex);
        return ended;
    }
    void end() {
        std::shared_ptr<StreamSink> s;
        {
            std::lock_guard lock(mutex);
            ended = true;
            s = std::move(sink);
        }
        if (s) s->close();
    }
};

StreamHub::StreamHub(engine::Engine& engine, StreamHubOptions options)
    : engine_(engine), options_(options), thread_([this] { run(); }) {
    listener_ = engine_.listen_for_changes([this] { notify(); });
}

StreamHub::~StreamHub() { stop(); }

std::shared_ptr<EventStream> StreamHub::subscribe(std::int64_t after, Allowed allowed) {
    std::lock_guard lock(mutex_);
    if (stopping_) return nullptr;
    std::size_t open = 0;
    for (const auto& s : subscribers_) open += s->is_ended() ? 0 : 1;
    if (open >= options_.streams_max) return nullptr;
    auto subscriber = std::make_shared<Subscriber>(*this, after, std::move(allowed));
    subscriber->last_checked = std::chrono::steady_clock::now();  // just admitted
    subscribers_.push_back(subscriber);
    return subscriber;
}

void StreamHub::notify() {
    {
        std::lock_guard lock(mutex_);
        poked_ = true;
    }
    wake_.notify_one();
}

void StreamHub::stop() {
    std::vector<std::shared_ptr<Subscriber>> ending;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
        ending = subscribers_;
    }
    listener_.reset();  // joins its thread, after which nothing calls notify()
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    for (const auto& s : ending) s->end();
    std::lock_guard lock(mutex_);
    subscribers_.clear();
}

std::size_t StreamHub::open_streams() const {
    std::lock_guard lock(mutex_);
    std::size_t open = 0;
    for (const auto& s : subscribers_) open += s->is_ended() ? 0 : 1;
    return open;
}

void StreamHub::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, options_.poll, [this] { return stopping_ || poked_; });
        if (stopping_) break;
        poked_ = false;
        lock.unlock();
        // This thread is every reader's: whatever one round throws (an exception escaping a
        // thread is std::terminate) is logged, and the next round tries again.
        try {
            deliver(std::chrono::steady_clock::now());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "baton: live updates: %s\n", e.what());
        } catch (...) {
            std::fprintf(stderr, "baton: live updates: an unknown exception\n");
        }
        lock.lock();
    }
}

namespace {

std::string event_text(const store::HandoffChange& change, TimePoint now) {
    return "id: " + std::to_string(change.seq) + "\nevent: handoff\ndata: " +
           core::dump_json(engine::handoff_json(change.handoff, now, false)) + "\n\n";
}

}  // namespace

void StreamHub::deliver(std::chrono::steady_clock::time_point now) {
    std::vector<std::shared_ptr<Subscriber>> open;
    {
        std::lock_guard lock(mutex_);
        std::erase_if(subscribers_, [](const auto& s) { return s->is_ended(); });
        for (const auto& s : subscribers_) {
            if (s->is_open()) open.push_back(s);
        }
    }
    // A stream whose credential was revoked (or expired) ends before it is sent anything.
    std::erase_if(open, [&](const auto& s) {
        return !s->still_allowed(now, options_.recheck, false);
    });
    if (open.empty()) return;
    auto latest = engine_.last_change_seq();
    if (!latest) {
        // The store is away: the readers wait (heartbeats below keep them connected).
        std::fprintf(stderr, "baton: live updates: %s\n", latest.error().message.c_str());
    } else {
        // Readers too far behind start again from a fresh list.
        for (const auto& s : open) {
            if (*latest - s->position > options_.catch_up_max || s->position > *latest) {
                if (!s->still_allowed(now, options_.recheck, true)) continue;
                s->position = *latest;
                s->last_sent = now;
                s->push("id: " + std::to_string(*latest) + "\nevent: reset\ndata: {}\n\n");
            }
        }
        const TimePoint wall = engine_.now();
        for (;;) {
            std::int64_t from = std::numeric_limits<std::int64_t>::max();
            for (const auto& s : open) {
                if (s->position < *latest && !s->is_ended()) from = std::min(from, s->position);
            }
            if (from == std::numeric_limits<std::int64_t>::max()) break;
            auto batch = engine_.changes(from, options_.batch);
            if (!batch) {
                std::fprintf(stderr, "baton: live updates: %s\n", batch.error().message.c_str());
                break;
            }
            if (batch->empty()) break;
            // Each change is written out once and sent to every reader that has not seen it.
            std::vector<std::string> texts;
            texts.reserve(batch->size());
            for (const auto& change : *batch) texts.push_back(event_text(change, wall));
            const std::int64_t last = batch->back().seq;
            for (const auto& s : open) {
                if (s->position >= last) continue;
                if (!s->still_allowed(now, options_.recheck, true)) continue;
                std::string out;
                for (std::size_t i = 0; i < batch->size(); ++i) {
                    if ((*batch)[i].seq > s->position) out += texts[i];
                }
                s->position = last;
                s->last_sent = now;
                s->push(std::move(out));
            }
            if (last >= *latest) break;
        }
    }
    for (const auto& s : open) {
        if (now - s->last_sent >= options_.heartbeat) {
            s->last_sent = now;
            s->push(": ping\n\n");
        }
    }
}

}  // namespace baton::http
