// One of the two translation units that include Boost.Beast (with client.cpp; STYLE.md
// rule 16): it turns bytes on sockets into Request values and Response values back into bytes.
#include "http/server.h"
#include "http/compress.h"
#include "http/framing.h"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace baton::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class Session;

}  // namespace

struct Server::Impl {
    ServerOptions options;
    Handler handler;
    Observer observer;
    AsyncHandler async_handler;
    net::io_context ioc;
    tcp::acceptor acceptor{ioc};
    // The acceptor is not thread-safe: re-arming it (in the accept handler) and closing it
    // (stop) both run on this strand, never on two I/O threads at once (a TSan finding).
    net::strand<net::io_context::executor_type> accept_strand{net::make_strand(ioc)};
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    net::thread_pool workers;
    std::vector<std::thread> io_threads;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> connections{0};
    std::atomic<std::uint64_t> next_request{0};
    std::string request_prefix;
    unsigned short port = 0;

    std::mutex sessions_mutex;
    std::condition_variable sessions_done;
    std::set<std::shared_ptr<Session>> sessions;  // GUARDED_BY(sessions_mutex)
    bool stopped = false;                         // GUARDED_BY(sessions_mutex)

    explicit Impl(const ServerOptions& o, Handler h, Observer obs, AsyncHandler async)
        : options(o),
          handler(std::move(h)),
          observer(std::move(obs)),
          async_handler(std::move(async)),
          workers(static_cast<std::size_t>(std::max(1, o.worker_threads))) {}

    void accept();
    void forget(const std::shared_ptr<Session>& s);
};

namespace {

// A JSON string's contents: the detail and the field may quote what the client sent.
std::string json_text(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            out += '?';  // control bytes, and bytes that may not be UTF-8
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string status_reason_json(int status, const char* title, const std::string& detail,
                               const std::string& field = {}) {
    return std::string("{\"type\":\"about:blank\",\"title\":\"") + title +
           "\",\"status\":" + std::to_string(status) + ",\"detail\":\"" + json_text(detail) +
           "\"" + (field.empty() ? "" : ",\"field\":\"" + json_text(field) + "\"") + "}";
}

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, Server::Impl& server)
        : stream_(std::move(socket)), server_(server) {}

    void start() { read_request(); }

    // Closes the connection if it is waiting for a request or streaming; a request in
    // progress finishes and then closes because the server is stopping.
    void close_if_idle() {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            if (self->streaming_) return self->end_stream();
            if (self->idle_) {
                beast::error_code ec;
                self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
                self->stream_.close();
            }
        });
    }

private:
    void read_request() {
        idle_ = true;
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(server_.options.limits.header_bytes_max));
        parser_->body_limit(server_.options.limits.body_bytes_max);
        if (buffer_.size() > 0) return read_head();  // a pipelined request has begun
        // The first byte may take up to the idle timeout. It is waited for on its own: one
        // read with one deadline would give a slow client the idle timeout for the whole
        // header.
        stream_.expires_after(server_.options.limits.idle_timeout);
        stream_.async_read_some(buffer_.prepare(first_read_bytes),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    if (ec) return self->fail_read(ec);
                                    self->buffer_.commit(n);
                                    self->read_head();
                                });
    }

    // From its first byte on, the header must arrive within the read timeout (slow loris).
    void read_head() {
        stream_.expires_after(server_.options.limits.read_timeout);
        read_more_head();
    }

    // The raw head is checked (framing.h) before Beast, which is lenient, parses it; the
    // deadline set by read_head covers every read of it.
    void read_more_head() {
        const std::string_view bytes(static_cast<const char*>(buffer_.data().data()),
                                     buffer_.size());
        if (auto end = request_head_end(bytes)) {
            if (auto bad = check_request_head(bytes.substr(0, *end))) {
                idle_ = false;
                return reject(400, "Bad Request", bad->detail, bad->field);
            }
            return read_header();
        }
        if (buffer_.size() >= server_.options.limits.header_bytes_max) {
            idle_ = false;
            return reject(431, "Request Header Fields Too Large", "the headers are too large");
        }
        stream_.async_read_some(buffer_.prepare(first_read_bytes),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    if (ec) return self->fail_read(ec);
                                    self->buffer_.commit(n);
                                    self->read_more_head();
                                });
    }

    // Beast parses the head, all of which is in the buffer by now.
    void read_header() {
        bhttp::async_read_header(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                self->on_header(ec);
            });
    }

    static constexpr std::size_t first_read_bytes = 4096;

    void on_header(beast::error_code ec) {
        idle_ = false;
        if (ec) return fail_read(ec);
        started_ = std::chrono::steady_clock::now();
        const auto length = parser_->content_length();
        if (length && *length > server_.options.limits.body_bytes_max) {
            return reject(413, "Content Too Large",
                          "the body is larger than " +
                              std::to_string(server_.options.limits.body_bytes_max) + " bytes");
        }
        auto& header = parser_->get();
        if (auto expect = header.find(bhttp::field::expect);
            expect != header.end() && beast::iequals(expect->value(), "100-continue")) {
            auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(
                bhttp::status::continue_, 11);
            bhttp::async_write(stream_, *cont,
                               [self = shared_from_this(), cont](beast::error_code e,
                                                                 std::size_t) {
                                   if (e) return self->close();
                                   self->read_body();
                               });
            return;
        }
        read_body();
    }

    void read_body() {
        stream_.expires_after(server_.options.limits.read_timeout);
        bhttp::async_read(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->fail_read(ec);
                              self->dispatch();
                          });
    }

    void fail_read(beast::error_code ec) {
        if (ec == bhttp::error::body_limit) {
            return reject(413, "Content Too Large", "the body is too large");
        }
        if (ec == bhttp::error::header_limit) {
            return reject(431, "Request Header Fields Too Large", "the headers are too large");
        }
        if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
            ec == net::error::operation_aborted || ec == net::error::connection_reset ||
            ec == net::error::eof) {
            return close();
        }
        // Anything else is a malformed request.
        return reject(400, "Bad Request", "malformed HTTP request");
    }

    // Answers without reading further and closes: the rest of the input is not trusted.
    void reject(int status, const char* title, const std::string& detail,
                const std::string& field = {}) {
        Response r;
        r.status = status;
        r.content_type = "application/problem+json";
        r.body = status_reason_json(status, title, detail, field);
        keep_alive_ = false;
        request_.method = parser_ && parser_->is_header_done()
                              ? std::string(parser_->get().method_string())
                              : "";
        write(std::move(r));
    }

    bool build_request() {
        auto& msg = parser_->get();
        request_ = Request{};
        request_.method = std::string(msg.method_string());
        const std::string_view target(msg.target().data(), msg.target().size());
        const auto q = target.find('?');
        // The path stays percent-encoded: the router decodes it segment by segment. It must
        // still decode, so a malformed one is refused here.
        std::optional<std::string> path(std::string(target.substr(0, q)));
        if (!percent_decode(*path, false)) path.reset();
        auto query = q == std::string_view::npos ? std::optional<std::map<std::string, std::string>>(
                                                       std::map<std::string, std::string>())
                                                 : parse_query(target.substr(q + 1));
        if (!path || !query || path->empty() || path->front() != '/') return false;
        request_.path = std::move(*path);
        request_.query = std::move(*query);
        for (const auto& field : msg) {
            request_.headers.add(std::string(field.name_string()), std::string(field.value()));
        }
        request_.body = std::move(msg.body());
        request_.request_id = server_.request_prefix +
                              std::to_string(server_.next_request.fetch_add(1) + 1);
        beast::error_code ec;
        const auto remote = stream_.socket().remote_endpoint(ec);
        if (!ec) request_.remote = remote.address().to_string();
        keep_alive_ = msg.keep_alive() && !server_.stopping.load();
        return true;
    }

    void dispatch() {
        if (!build_request()) {
            return reject(400, "Bad Request", "malformed request target");
        }
        // A request that needs no blocking (an event to ingest) is answered from here when
        // its commit is done: no worker thread, no hand-off to one and back.
        if (server_.async_handler) {
            bool taken = false;
            try {
                taken = server_.async_handler(
                    request_, [self = shared_from_this()](std::function<Response()> make) {
                        net::post(self->stream_.get_executor(),
                                  [self, make = std::move(make)] { self->answer(make); });
                    });
            } catch (...) {
                taken = false;  // the worker runs it again and reports what fails
            }
            if (taken) return;
        }
        // The handler blocks on durable commits: run it on a worker, answer on our strand.
        net::post(server_.workers, [self = shared_from_this()] {
            Response response = self->guarded([&] { return self->server_.handler(self->request_); });
            net::post(self->stream_.get_executor(),
                      [self, r = std::move(response)]() mutable { self->write(std::move(r)); });
        });
    }

    void answer(const std::function<Response()>& make) { write(guarded(make)); }

    // make(), or when it throws anything at all, a 500 for this request alone, logged with
    // the request's id: no request can take the server down.
    Response guarded(const std::function<Response()>& make) {
        std::string what;
        try {
            return make();
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
            what = "an exception that is not a std::exception";
        }
        if (server_.options.fault_log) {
            try {
                server_.options.fault_log(request_, what);
            } catch (...) {
                // The log failed too; the answer below still goes out.
            }
        }
        Response response;
        response.status = 500;
        response.content_type = "application/problem+json";
        response.body = status_reason_json(500, "Internal Server Error",
                                           "an unexpected error; see the server log (request " +
                                               request_.request_id + ")");
        return response;
    }

    // The sink a streamed response pushes through: it counts the bytes not yet written and
    // hands each push to the session's strand.
    class Sink final : public StreamSink {
    public:
        Sink(std::weak_ptr<Session> session, std::size_t budget)
            : session_(std::move(session)), budget_(budget) {}
        bool push(std::string bytes) override {
            {
                std::lock_guard lock(mutex_);
                if (ended_) return false;
                if (backlog_ + bytes.size() > budget_) {
                    ended_ = true;
                } else {
                    backlog_ += bytes.size();
                }
            }
            auto session = session_.lock();
            if (!session) return false;
            if (ended()) {
                net::post(session->stream_.get_executor(), [session] { session->end_stream(); });
                return false;
            }
            net::post(session->stream_.get_executor(),
                      [session, b = std::move(bytes)]() mutable { session->enqueue(std::move(b)); });
            return true;
        }
        void close() override {
            {
                std::lock_guard lock(mutex_);
                if (ended_) return;
                ended_ = true;
            }
            if (auto session = session_.lock()) {
                // After what is queued: the stream's last words still reach the reader.
                net::post(session->stream_.get_executor(), [session] { session->finish_stream(); });
            }
        }
        void written(std::size_t n) {
            std::lock_guard lock(mutex_);
            backlog_ -= std::min(backlog_, n);
        }
        void end() {
            std::lock_guard lock(mutex_);
            ended_ = true;
        }
        bool ended() {
            std::lock_guard lock(mutex_);
            return ended_;
        }

    private:
        const std::weak_ptr<Session> session_;
        const std::size_t budget_;
        std::mutex mutex_;
        std::size_t backlog_ = 0;  // GUARDED_BY(mutex_)
        bool ended_ = false;       // GUARDED_BY(mutex_)
    };

    // A streamed response: the headers now (no length, Connection: close), then whatever
    // the stream pushes, for as long as both ends want it. No read or idle timeout applies.
    void start_stream(Response r) {
        auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(
            static_cast<bhttp::status>(r.status), 11);
        res->set(bhttp::field::server, "baton");
        res->set(bhttp::field::content_type, r.content_type);
        res->set("X-Content-Type-Options", "nosniff");
        if (!request_.request_id.empty()) res->set("X-Request-Id", request_.request_id);
        for (const auto& [name, value] : r.headers.entries()) res->set(name, value);
        res->keep_alive(false);
        event_stream_ = std::move(r.stream);
        std::string first = std::move(r.body);
        response_ = std::move(r);
        streaming_ = true;
        stream_.expires_never();
        auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*res);
        bhttp::async_write_header(
            stream_, *serializer,
            [self = shared_from_this(), res, serializer, first = std::move(first)](
                beast::error_code ec, std::size_t) mutable {
                self->observe();
                if (ec || !self->streaming_) return self->end_stream();
                self->sink_ = std::make_shared<Sink>(self, self->server_.options.limits
                                                               .stream_backlog_bytes_max);
                if (!first.empty()) self->sink_->push(std::move(first));
                self->event_stream_->open(self->sink_);
                self->watch_reader();
            });
    }

    // A reader of a stream sends nothing more; a read that ends means it went away.
    void watch_reader() {
        stream_.async_read_some(buffer_.prepare(first_read_bytes),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    if (ec) return self->end_stream();
                                    self->buffer_.commit(n);
                                    self->buffer_.consume(self->buffer_.size());
                                    self->watch_reader();
                                });
    }

    void enqueue(std::string bytes) {
        if (!streaming_) return;
        backlog_.push_back(std::move(bytes));
        if (!writing_) write_next();
    }

    void write_next() {
        if (backlog_.empty()) {
            writing_ = false;
            if (finishing_) end_stream();
            return;
        }
        writing_ = true;
        net::async_write(stream_, net::buffer(backlog_.front()),
                         [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                             if (self->sink_) self->sink_->written(n);
                             if (!self->backlog_.empty()) self->backlog_.pop_front();
                             if (ec) return self->end_stream();
                             self->write_next();
                         });
    }

    void finish_stream() {
        finishing_ = true;
        if (!writing_) end_stream();
    }

    // Ends a streamed response once, from either side.
    void end_stream() {
        if (!streaming_) return;
        streaming_ = false;
        if (sink_) sink_->end();
        if (event_stream_) event_stream_->closed();
        event_stream_.reset();
        backlog_.clear();
        close();
    }

    void write(Response r) {
        const bool head = request_.method == "HEAD";
        if (r.stream && head) {
            // The headers of a stream, and no stream: it was never opened, so it ends here.
            r.stream->closed();
            r.stream.reset();
            keep_alive_ = false;
        }
        if (r.stream) return start_stream(std::move(r));
        compress_response(request_, r);
        auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
            static_cast<bhttp::status>(r.status), 11);
        res->set(bhttp::field::server, "baton");
        res->set(bhttp::field::content_type, r.content_type);
        res->set("X-Content-Type-Options", "nosniff");
        if (!request_.request_id.empty()) res->set("X-Request-Id", request_.request_id);
        for (const auto& [name, value] : r.headers.entries()) res->set(name, value);
        const bool keep = keep_alive_ && !server_.stopping.load();
        res->keep_alive(keep);
        if (head) {
            // What a GET would have answered, less its body: the length is the GET's.
            res->content_length(r.body.size());
        } else {
            res->body() = std::move(r.body);
            res->prepare_payload();
        }
        response_ = std::move(r);
        stream_.expires_after(server_.options.limits.read_timeout);
        bhttp::async_write(stream_, *res,
                           [self = shared_from_this(), res, keep](beast::error_code ec,
                                                                  std::size_t) {
                               self->observe();
                               if (ec || !keep) return self->close();
                               self->read_request();
                           });
    }

    void observe() {
        if (!server_.observer || request_.method.empty()) return;
        const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - started_);
        server_.observer(request_, response_, elapsed);
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.close();
        server_.forget(shared_from_this());
    }

    beast::tcp_stream stream_;
    Server::Impl& server_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    Request request_;
    Response response_;
    bool keep_alive_ = true;
    bool idle_ = true;
    std::chrono::steady_clock::time_point started_{};
    // A streamed response, on the session's strand.
    bool streaming_ = false;
    bool writing_ = false;
    bool finishing_ = false;
    std::shared_ptr<EventStream> event_stream_;
    std::shared_ptr<Sink> sink_;
    std::deque<std::string> backlog_;
};

}  // namespace

void Server::Impl::forget(const std::shared_ptr<Session>& s) {
    std::lock_guard lock(sessions_mutex);
    if (sessions.erase(s) > 0) connections.fetch_sub(1);
    if (sessions.empty()) sessions_done.notify_all();
}

void Server::Impl::accept() {
    acceptor.async_accept(net::make_strand(ioc), net::bind_executor(accept_strand, [this](
                                                     beast::error_code ec, tcp::socket s) {
        if (ec) {
            if (ec == net::error::operation_aborted || stopping.load()) return;
            return accept();  // a failed accept (out of descriptors) must not stop the server
        }
        if (stopping.load()) return;
        // The session takes the socket only within the limit: beyond it, the socket is still
        // needed to answer 503.
        std::shared_ptr<Session> session;
        bool over_limit = false;
        {
            std::lock_guard lock(sessions_mutex);
            over_limit = sessions.size() >= options.limits.connections_max;
            if (!over_limit) {
                session = std::make_shared<Session>(std::move(s), *this);
                sessions.insert(session);
                connections.fetch_add(1);
            }
        }
        if (over_limit) {
            // Answer at once rather than leave the client hanging; the session is not
            // registered, so it ends when its write does.
            auto busy = std::make_shared<bhttp::response<bhttp::string_body>>(
                bhttp::status::service_unavailable, 11);
            busy->set(bhttp::field::content_type, "application/problem+json");
            busy->set("X-Content-Type-Options", "nosniff");
            busy->set(bhttp::field::retry_after, "1");
            busy->keep_alive(false);
            busy->body() = status_reason_json(503, "Service Unavailable",
                                              "too many open connections");
            busy->prepare_payload();
            auto stream = std::make_shared<beast::tcp_stream>(std::move(s));
            bhttp::async_write(*stream, *busy, [stream, busy](beast::error_code, std::size_t) {
                beast::error_code ignored;
                stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
            });
        } else {
            session->start();
        }
        accept();
    }));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, Handler handler,
                                              Observer observer, AsyncHandler async_handler) {
    auto impl = std::make_unique<Impl>(options, std::move(handler), std::move(observer),
                                       std::move(async_handler));
    beast::error_code ec;
    const auto address = net::ip::make_address(options.address, ec);
    if (ec) {
        return make_error(ErrorCode::invalid_argument,
                          "not an IP address: `" + options.address + "`", "listen");
    }
    const tcp::endpoint endpoint(address, options.port);
    impl->acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) impl->acceptor.bind(endpoint, ec);
    if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        return make_error(ErrorCode::unavailable, "cannot listen on " + options.address + ":" +
                                                      std::to_string(options.port) + ": " +
                                                      ec.message(),
                          "listen");
    }
    impl->port = impl->acceptor.local_endpoint().port();
    impl->request_prefix = std::to_string(impl->port) + "-" +
                           std::to_string(std::chrono::system_clock::now().time_since_epoch() /
                                          std::chrono::milliseconds(1) % 100000000) +
                           "-";
    impl->work.emplace(net::make_work_guard(impl->ioc));
    impl->accept();
    const int threads = options.io_threads > 0
                            ? options.io_threads
                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    for (int i = 0; i < threads; ++i) {
        impl->io_threads.emplace_back([io = &impl->ioc] { io->run(); });
    }
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

unsigned short Server::port() const { return impl_->port; }

std::size_t Server::open_connections() const { return impl_->connections.load(); }

void Server::stop() {
    Impl& s = *impl_;
    {
        std::lock_guard lock(s.sessions_mutex);
        if (s.stopped) return;
        s.stopped = true;
    }
    s.stopping.store(true);
    net::post(s.accept_strand, [&s] {
        beast::error_code ec;
        s.acceptor.close(ec);
    });
    {
        std::unique_lock lock(s.sessions_mutex);
        for (const auto& session : s.sessions) session->close_if_idle();
        s.sessions_done.wait_for(lock, s.options.limits.shutdown_grace,
                                 [&s] { return s.sessions.empty(); });
    }
    s.workers.join();
    s.work.reset();
    s.ioc.stop();
    for (auto& t : s.io_threads) {
        if (t.joinable()) t.join();
    }
    std::lock_guard lock(s.sessions_mutex);
    s.sessions.clear();
}

}  // namespace baton::http
