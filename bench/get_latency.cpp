// baton_get_latency: the latency of one GET, repeated, for bench/list.sh.
//
// Opens C keep-alive connections, each on its own thread, and sends N requests in all
// (closed loop: a connection sends its next request when the previous answer has been read
// whole). It first sends W warm-up requests that are not counted. Latency is from writing
// the request to having read the whole response body.
//
// Usage: baton_get_latency --port P --path /v1/handoffs?... [--token T] [--host 127.0.0.1]
//          [--requests 2000] [--connections 1] [--warmup 50]
// Prints one line:
//   RESULT requests=N ok=N other=N p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. bytes=..
// where `other` counts answers that were not 200 and `bytes` is the last body's size.
// It exits non-zero when it cannot connect or a connection breaks.
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
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
    std::string path;
    std::string token;
    long requests = 2000;
    int connections = 1;
    long warmup = 50;
};

struct Tally {
    std::mutex mutex;
    std::vector<double> latencies_ms;  // guarded by mutex
    long other = 0;                    // guarded by mutex
    std::size_t bytes = 0;             // guarded by mutex
    std::string error;                 // guarded by mutex
};

// One connection's share: `count` requests after `warmup` uncounted ones.
void run_connection(const Options& o, long warmup, long count, Tally& tally) {
    try {
        net::io_context ioc;
        tcp::resolver resolver(ioc);
        tcp::socket socket(ioc);
        net::connect(socket, resolver.resolve(o.host, o.port));
        http::request<http::empty_body> req{http::verb::get, o.path, 11};
        req.set(http::field::host, o.host);
        req.keep_alive(true);
        if (!o.token.empty()) req.set(http::field::authorization, "Bearer " + o.token);
        beast::flat_buffer buffer;
        std::vector<double> mine;
        mine.reserve(static_cast<std::size_t>(count));
        long other = 0;
        std::size_t bytes = 0;
        for (long i = 0; i < warmup + count; ++i) {
            const auto t0 = Clock::now();
            http::write(socket, req);
            http::response_parser<http::string_body> parser;
            parser.body_limit(256 * 1024 * 1024);
            http::read(socket, buffer, parser);
            const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            if (i < warmup) continue;
            mine.push_back(ms);
            if (parser.get().result_int() != 200) ++other;
            bytes = parser.get().body().size();
        }
        std::lock_guard lock(tally.mutex);
        tally.latencies_ms.insert(tally.latencies_ms.end(), mine.begin(), mine.end());
        tally.other += other;
        tally.bytes = bytes;
    } catch (const std::exception& e) {
        std::lock_guard lock(tally.mutex);
        tally.error = e.what();
    }
}

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size()));
    return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const char* value = argv[i + 1];
        if (key == "--host")
            o.host = value;
        else if (key == "--port")
            o.port = value;
        else if (key == "--path")
            o.path = value;
        else if (key == "--token")
            o.token = value;
        else if (key == "--requests")
            o.requests = std::atol(value);
        else if (key == "--connections")
            o.connections = std::atoi(value);
        else if (key == "--warmup")
            o.warmup = std::atol(value);
        else {
            std::fprintf(stderr, "baton_get_latency: unknown option %s\n", key.c_str());
            return 2;
        }
    }
    if (o.port.empty() || o.path.empty() || o.requests < 1 || o.connections < 1 ||
        o.connections > 256 || o.warmup < 0) {
        std::fprintf(stderr,
                     "usage: baton_get_latency --port P --path PATH [--token T] "
                     "[--requests N] [--connections 1..256] [--warmup W]\n");
        return 2;
    }
    Tally tally;
    std::vector<std::thread> threads;
    for (int c = 0; c < o.connections; ++c) {
        // The requests split as evenly as they go; the first connections take the rest.
        const long share = o.requests / o.connections + (c < o.requests % o.connections ? 1 : 0);
        const long warm = o.warmup / o.connections;
        threads.emplace_back(run_connection, std::cref(o), warm, share, std::ref(tally));
    }
    for (auto& t : threads) t.join();
    if (!tally.error.empty()) {
        std::fprintf(stderr, "baton_get_latency: %s\n", tally.error.c_str());
        return 1;
    }
    std::sort(tally.latencies_ms.begin(), tally.latencies_ms.end());
    const auto n = static_cast<long>(tally.latencies_ms.size());
    std::printf(
        "RESULT requests=%ld ok=%ld other=%ld p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f "
        "max_ms=%.2f bytes=%zu\n",
        n, n - tally.other, tally.other, percentile(tally.latencies_ms, 50),
        percentile(tally.latencies_ms, 90), percentile(tally.latencies_ms, 99),
        tally.latencies_ms.empty() ? 0.0 : tally.latencies_ms.back(), tally.bytes);
    return 0;
}
