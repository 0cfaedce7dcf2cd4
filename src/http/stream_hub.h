// StreamHub: the board's live updates, GET /v1/stream (Server-Sent Events). One thread
// follows the store's change numbers (engine::Engine::changes) and sends each changed
// handoff, once, to every open stream, as
//
//     id: <change number>
//     event: handoff
//     data: <the handoff, as GET /v1/handoffs lists it>
//
// A reader resumes where it left off: the browser's EventSource sends the last id it saw
// as Last-Event-ID on reconnect, and the board passes the change number of its first list
// as ?after=. A reader further behind than `catch_up_max` changes gets `event: reset` (the
// board then reloads its list) rather than a flood. A comment line every `heartbeat`
// keeps proxies from closing a quiet stream.
//
// Following the store rather than this process's own writes means handoffs changed by
// another node (PostgreSQL), by the scheduler or by the CLI reach every reader too. A
// change through this server's API is seen at once (notify()); one on another node as soon
// as the store hears of it (PostgreSQL LISTEN/NOTIFY: Store::listen_for_changes); anything
// else within `poll`.
//
// A stream lasts only as long as the credential it was opened with: the hub asks `allowed`
// (the API's check of that token or session, against the store) before it sends a stream
// anything and, for a quiet stream, every `recheck`; once it says no, the stream ends with
// nothing more sent. A revoked token or a signed-out session so loses its stream within
// `recheck` plus `poll`.
//
// Threading: subscribe() and notify() may be called from any thread. The hub's thread is
// started by the constructor and joined by stop() (or the destructor), which ends every
// open stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "http/message.h"

namespace baton::http {

struct StreamHubOptions {
    std::chrono::milliseconds poll{250};
    std::chrono::milliseconds heartbeat{15000};
    std::chrono::milliseconds recheck{500};  // a quiet stream's credential asked again
    std::int64_t catch_up_max = 10000;  // changes; further behind: `event: reset`
    std::size_t batch = 500;            // changes read per look
    std::size_t streams_max = 1000;     // open streams; more get 503
};

class StreamHub {
public:
    StreamHub(engine::Engine& engine, StreamHubOptions options);
    ~StreamHub();
    StreamHub(const StreamHub&) = delete;
    StreamHub& operator=(const StreamHub&) = delete;

    // Whether the stream's credential still holds: called on the hub's thread, it may ask
    // the store; false ends the stream.
    using Allowed = std::function<bool()>;
    // A stream that starts after change number `after`, for as long as `allowed` holds.
    // nullptr when streams_max are open or the hub is stopping.
    std::shared_ptr<EventStream> subscribe(std::int64_t after, Allowed allowed);
    // Something changed here: look now rather than at the next poll.
    void notify();
    // Ends every stream and joins the thread. Idempotent.
    void stop();
    std::size_t open_streams() const;

    struct Subscriber;  // one open stream (defined in stream_hub.cpp)

private:
    void run();
    void deliver(std::chrono::steady_clock::time_point now);

    engine::Engine& engine_;
    const StreamHubOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;                                // GUARDED_BY(mutex_)
    bool poked_ = false;                                   // GUARDED_BY(mutex_)
    std::vector<std::shared_ptr<Subscriber>> subscribers_;  // GUARDED_BY(mutex_)
    std::thread thread_;
    std::unique_ptr<store::ChangeListener> listener_;  // other nodes' changes, when heard
};

}  // namespace baton::http
