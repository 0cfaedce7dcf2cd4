// baton_fixed_rate: an open-loop HTTP/1.1 load generator for bench/run.sh's fixed-rate run.
// wrk cannot hold a fixed rate and Debian has no wrk2, hence this small tool.
//
// It opens C keep-alive connections, then schedules request i at start + i/RATE for
// DURATION seconds. A scheduled request goes out on the first idle connection; when every
// connection is busy it waits in a queue. Latency is measured from the request's scheduled
// time, not from when it was actually written, so a stalled server is charged for every
// request it delayed (no coordinated omission, as in wrk2).
//
// Each request POSTs one unique event (id PREFIX-N) with a Bearer token:
//   {"type":"deal.won","id":"PREFIX-N","source":"bench",
//    "data":{"company":"Fixed N","amount":5000,"pipeline":"services"}}
//
// Usage: baton_fixed_rate --port P --token T [--host 127.0.0.1] [--path /v1/events]
//          [--rate 5000] [--duration 10] [--connections 64] [--id-prefix fixed]
// Prints a human summary and one machine-readable line starting with RESULT.
// Every wait is bounded: after DURATION it gives in-flight requests 10 s, then stops.
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string host = "127.0.0.1";
    std::string port;
    std::string path = "/v1/events";
    std::string token;
    double rate = 5000;
    double duration_s = 10;
    int connections = 64;
    std::string id_prefix = "fixed";
};

class Generator;

struct Connection {
    explicit Connection(net::io_context& ioc) : socket(ioc) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    std::string request;
    Clock::time_point scheduled{};
    bool alive = true;
};

class Generator {
public:
    Generator(net::io_context& ioc, Options o) : ioc_(ioc), o_(std::move(o)), timer_(ioc),
                                                 deadline_(ioc) {
        total_ = static_cast<std::uint64_t>(std::llround(o_.rate * o_.duration_s));
        latencies_us_.reserve(total_);
    }

    bool connect() {
        tcp::resolver resolver(ioc_);
        beast::error_code ec;
        const auto endpoints = resolver.resolve(o_.host, o_.port, ec);
        if (ec) {
            std::cerr << "baton_fixed_rate: cannot resolve " << o_.host << ":" << o_.port << "\n";
            return false;
        }
        for (int i = 0; i < o_.connections; ++i) {
            auto c = std::make_unique<Connection>(ioc_);
            net::connect(c->socket, endpoints, ec);
            if (ec) {
                std::cerr << "baton_fixed_rate: cannot connect: " << ec.message() << "\n";
                return false;
            }
            idle_.push_back(c.get());
            connections_.push_back(std::move(c));
        }
        return true;
    }

    void start() {
        start_ = Clock::now();
        const auto limit = start_ + seconds(o_.duration_s) + std::chrono::seconds(10);
        deadline_.expires_at(limit);
        deadline_.async_wait([this](beast::error_code ec) {
            if (ec) return;
            timed_out_ = true;
            ioc_.stop();
        });
        tick();
    }

    int report() const {
        std::vector<std::uint32_t> sorted = latencies_us_;
        std::sort(sorted.begin(), sorted.end());
        auto pct = [&](double p) -> double {
            if (sorted.empty()) return 0;
            auto idx = static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size()));
            idx = std::clamp<std::size_t>(idx, 1, sorted.size()) - 1;
            return sorted[idx] / 1000.0;
        };
        const double elapsed =
            std::chrono::duration<double>((last_done_ > start_ ? last_done_ : Clock::now()) -
                                          start_)
                .count();
        const std::uint64_t completed = latencies_us_.size();
        const double achieved = elapsed > 0 ? completed / elapsed : 0;
        const std::uint64_t unfinished = issued_ - completed;
        // Sent but not answered when the tool stopped: the server may still commit these.
        std::uint64_t inflight = 0;
        for (const auto& c : connections_) {
            if (c->alive && std::find(idle_.begin(), idle_.end(), c.get()) == idle_.end()) {
                ++inflight;
            }
        }
        std::uint64_t other = 0;
        for (const auto& [status, n] : statuses_) {
            if (status != 202) other += n;
        }
        std::printf("target %.0f req/s for %.1f s on %d connections: %llu scheduled, %llu "
                    "answered (%llu x 202, %llu other), %llu socket errors, %llu unanswered\n",
                    o_.rate, o_.duration_s, o_.connections,
                    static_cast<unsigned long long>(issued_),
                    static_cast<unsigned long long>(completed),
                    static_cast<unsigned long long>(completed - other),
                    static_cast<unsigned long long>(other),
                    static_cast<unsigned long long>(errors_),
                    static_cast<unsigned long long>(unfinished));
        for (const auto& [status, n] : statuses_) {
            if (status != 202) std::printf("  status %d: %llu\n", status,
                                           static_cast<unsigned long long>(n));
        }
        if (timed_out_) std::printf("  stopped at the deadline: the server did not answer in time\n");
        std::printf("achieved %.0f req/s; latency from scheduled send: p50 %.2f ms, p90 %.2f "
                    "ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
                    achieved, pct(50), pct(90), pct(99), pct(99.9), pct(100));
        std::printf("RESULT scheduled=%llu completed=%llu ok=%llu other=%llu errors=%llu "
                    "unfinished=%llu inflight=%llu rate=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
                    "p999_ms=%.3f max_ms=%.3f\n",
                    static_cast<unsigned long long>(issued_),
                    static_cast<unsigned long long>(completed),
                    static_cast<unsigned long long>(completed - other),
                    static_cast<unsigned long long>(other),
                    static_cast<unsigned long long>(errors_),
                    static_cast<unsigned long long>(unfinished),
                    static_cast<unsigned long long>(inflight), achieved, pct(50), pct(90),
                    pct(99), pct(99.9), pct(100));
        return 0;
    }

private:
    static Clock::duration seconds(double s) {
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
    }

    Clock::time_point scheduled_at(std::uint64_t i) const {
        return start_ + seconds(static_cast<double>(i) / o_.rate);
    }

    // Moves every request whose time has come into the queue, hands queued requests to idle
    // connections, and sleeps until the next scheduled time.
    void tick() {
        const auto now = Clock::now();
        while (issued_ < total_ && scheduled_at(issued_) <= now) {
            pending_.push_back(scheduled_at(issued_));
            ++issued_;
        }
        while (!pending_.empty() && !idle_.empty()) {
            Connection* c = idle_.back();
            idle_.pop_back();
            send(*c, pending_.front());
            pending_.pop_front();
        }
        if (issued_ < total_) {
            timer_.expires_at(scheduled_at(issued_));
            timer_.async_wait([this](beast::error_code ec) {
                if (!ec) tick();
            });
        } else {
            maybe_finish();
        }
    }

    void send(Connection& c, Clock::time_point scheduled) {
        c.scheduled = scheduled;
        const std::uint64_t n = next_id_++;
        const std::string body = R"({"type":"deal.won","id":")" + o_.id_prefix + "-" +
                                 std::to_string(n) +
                                 R"(","source":"bench","data":{"company":"Fixed )" +
                                 std::to_string(n) +
                                 R"(","amount":5000,"pipeline":"services"}})";
        c.request = "POST " + o_.path + " HTTP/1.1\r\nHost: " + o_.host + ":" + o_.port +
                    "\r\nAuthorization: Bearer " + o_.token +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
        net::async_write(c.socket, net::buffer(c.request),
                         [this, &c](beast::error_code ec, std::size_t) {
                             if (ec) return fail(c);
                             c.parser.emplace();
                             c.parser->body_limit(1024 * 1024);
                             http::async_read(c.socket, c.buffer, *c.parser,
                                              [this, &c](beast::error_code e, std::size_t) {
                                                  if (e) return fail(c);
                                                  done(c);
                                              });
                         });
    }

    void done(Connection& c) {
        const auto now = Clock::now();
        last_done_ = now;
        latencies_us_.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - c.scheduled).count()));
        ++statuses_[c.parser->get().result_int()];
        if (!c.parser->get().keep_alive()) return fail(c, false);
        if (!pending_.empty()) {
            const auto next = pending_.front();
            pending_.pop_front();
            return send(c, next);
        }
        idle_.push_back(&c);
        maybe_finish();
    }

    void fail(Connection& c, bool count = true) {
        if (count) ++errors_;
        // A lost request is not answered: it stays counted as unfinished.
        c.alive = false;
        beast::error_code ignored;
        c.socket.close(ignored);
        if (std::none_of(connections_.begin(), connections_.end(),
                         [](const auto& x) { return x->alive; })) {
            std::cerr << "baton_fixed_rate: every connection failed\n";
            timer_.cancel();
            deadline_.cancel();
            return;
        }
        maybe_finish();
    }

    void maybe_finish() {
        if (issued_ < total_ || !pending_.empty()) return;
        std::size_t alive = 0;
        for (const auto& c : connections_) alive += c->alive ? 1 : 0;
        if (idle_.size() < alive) return;  // requests still in flight
        deadline_.cancel();
        for (auto& c : connections_) {
            beast::error_code ignored;
            c->socket.shutdown(tcp::socket::shutdown_both, ignored);
            c->socket.close(ignored);
        }
    }

    net::io_context& ioc_;
    Options o_;
    net::steady_timer timer_;
    net::steady_timer deadline_;
    std::vector<std::unique_ptr<Connection>> connections_;
    std::vector<Connection*> idle_;
    std::deque<Clock::time_point> pending_;
    Clock::time_point start_{};
    Clock::time_point last_done_{};
    std::uint64_t total_ = 0;
    std::uint64_t issued_ = 0;
    std::uint64_t next_id_ = 0;
    std::uint64_t errors_ = 0;
    bool timed_out_ = false;
    std::vector<std::uint32_t> latencies_us_;
    std::map<int, std::uint64_t> statuses_;
};

[[noreturn]] void usage() {
    std::cerr << "usage: baton_fixed_rate --port P --token T [--host H] [--path /v1/events] "
                 "[--rate 5000] [--duration 10] [--connections 64] [--id-prefix fixed]\n";
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) usage();
        const std::string value = argv[++i];
        if (arg == "--host") o.host = value;
        else if (arg == "--port") o.port = value;
        else if (arg == "--path") o.path = value;
        else if (arg == "--token") o.token = value;
        else if (arg == "--rate") o.rate = std::atof(value.c_str());
        else if (arg == "--duration") o.duration_s = std::atof(value.c_str());
        else if (arg == "--connections") o.connections = std::atoi(value.c_str());
        else if (arg == "--id-prefix") o.id_prefix = value;
        else usage();
    }
    if (o.port.empty() || o.rate <= 0 || o.duration_s <= 0 || o.duration_s > 3600 ||
        o.connections < 1 || o.connections > 10000) {
        usage();
    }
    net::io_context ioc(1);
    Generator g(ioc, o);
    if (!g.connect()) return 1;
    g.start();
    ioc.run();
    return g.report();
}
