// Server: Baton's HTTP/1.1 server on Boost.Beast and Asio. It owns the listening socket,
// `io_threads` I/O threads that read and write connections asynchronously, and a pool of
// `worker_threads` on which the handler runs (handlers block on durable commits, so they
// must not run on the I/O threads). Every resource limit is named in ServerLimits and
// enforced before the handler sees a request.
//
// Threading: start() returns a running server; the handler is called concurrently from the
// worker threads and must be thread-safe. stop() may be called from any thread, once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/message.h"

namespace baton::http {

struct ServerLimits {
    std::size_t header_bytes_max = 16 * 1024;
    std::size_t body_bytes_max = 1024 * 1024;  // larger bodies get 413 before being read
    // The whole request (headers and body) must arrive within this once its first byte has;
    // a slow client (slow loris) is cut off without holding up anyone else.
    std::chrono::milliseconds read_timeout{10000};
    // How long a keep-alive connection may sit between requests.
    std::chrono::milliseconds idle_timeout{60000};
    // Connections beyond this are answered 503 and closed.
    std::size_t connections_max = 4096;
    // How long stop() waits for in-flight requests before closing what remains.
    std::chrono::milliseconds shutdown_grace{10000};
    // A streamed response (Server-Sent Events) whose reader falls this far behind is cut
    // off; the reader reconnects and resumes from the last event it saw.
    std::size_t stream_backlog_bytes_max = 1024 * 1024;
};

struct ServerOptions {
    std::string address = "127.0.0.1";
    unsigned short port = 8080;  // 0: the OS picks; see Server::port()
    int io_threads = 0;          // 0: one per core
    int worker_threads = 64;
    ServerLimits limits;
    // Called when a handler throws (anything: a std::exception or not) with the request and
    // what was thrown; that request is answered 500 problem+json and the server goes on.
    // For the log: it must not throw, and it is called from worker and I/O threads.
    std::function<void(const Request&, const std::string& what)> fault_log;
};

using Handler = std::function<Response(Request&)>;
// A handler that does not block: it either answers through `respond` (exactly once, from
// any thread, now or later) and returns true, or returns false without calling it, and the
// request goes to `Handler` on a worker. It runs on an I/O thread, so it must not wait for
// a durable commit; what it keeps of the Request it must copy. `respond` takes a function
// that makes the Response, which runs on the connection's I/O thread: whoever answers
// (a store thread) only hands it on.
using Respond = std::function<void(std::function<Response()>)>;
using AsyncHandler = std::function<bool(Request&, const Respond&)>;
// Called after each response is written: for logs and metrics.
using Observer = std::function<void(const Request&, const Response&,
                                    std::chrono::microseconds elapsed)>;

class Server {
public:
    // Binds and starts serving. Errors: unavailable (address in use, cannot bind).
    static Result<std::unique_ptr<Server>> start(const ServerOptions& options, Handler handler,
                                                 Observer observer,
                                                 AsyncHandler async_handler = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    unsigned short port() const;
    std::size_t open_connections() const;
    // Stops accepting, lets in-flight requests finish (up to shutdown_grace), closes idle
    // connections, and joins every thread. Idempotent.
    void stop();

    struct Impl;  // opaque: defined in server.cpp, with the connections that use it

private:
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace baton::http
