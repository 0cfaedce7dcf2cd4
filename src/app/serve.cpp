#include "app/serve.h"

#include <pthread.h>
#include <signal.h>

#include <array>
#include <iostream>
#include <mutex>

#include "channels/channels.h"
#include "cli/files.h"
#include "core/duration.h"
#include "engine/dispatcher.h"
#include "engine/scheduler.h"
#include "http/api.h"
#include "http/server.h"

namespace baton::app {

namespace {

// A flag's value, else its BATON_* environment variable (--read-timeout → BATON_READ_TIMEOUT).
std::optional<std::string> setting(cli::Context& ctx, const cli::Args& args,
                                   const std::string& flag) {
    if (auto v = args.get(flag)) return v;
    std::string env = "BATON_";
    for (char c : flag.substr(2)) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    std::string value = ctx.env ? ctx.env(env.c_str()) : "";
    if (value.empty()) return std::nullopt;
    return value;
}

Result<long long> number(const std::string& text, const std::string& flag, long long min,
                         long long max) {
    try {
        std::size_t used = 0;
        const long long v = std::stoll(text, &used);
        if (used == text.size() && v >= min && v <= max) return v;
    } catch (const std::exception&) {
    }
    return make_error(ErrorCode::invalid_argument,
                      flag + " must be a whole number from " + std::to_string(min) + " to " +
                          std::to_string(max),
                      flag);
}

Result<std::chrono::milliseconds> duration(const std::string& text, const std::string& flag) {
    auto span = core::parse_span(text);
    if (!span) return make_error(ErrorCode::invalid_argument, flag + ": " + span.error().message, flag);
    return std::chrono::duration_cast<std::chrono::milliseconds>(span->total_24x7());
}

// --trusted-proxy CIDR (repeatable), else BATON_TRUSTED_PROXY (comma-separated).
Result<std::vector<http::AddressRange>> trusted_proxies(cli::Context& ctx, const cli::Args& args) {
    std::vector<std::string> texts = args.many("--trusted-proxy");
    if (texts.empty() && ctx.env) {
        std::string all = ctx.env("BATON_TRUSTED_PROXY");
        for (std::size_t start = 0; start <= all.size();) {
            const auto comma = std::min(all.find(',', start), all.size());
            if (comma > start) texts.push_back(all.substr(start, comma - start));
            start = comma + 1;
        }
    }
    std::vector<http::AddressRange> out;
    for (const std::string& text : texts) {
        if (text.find_first_not_of(" \t") == std::string::npos) continue;
        auto range = http::parse_address_range(text);
        if (!range) return range.error();
        out.push_back(*range);
    }
    return out;
}

Result<http::ServerOptions> server_options(cli::Context& ctx, const cli::Args& args) {
    http::ServerOptions o;
    const std::string listen = setting(ctx, args, "--listen").value_or("127.0.0.1:8080");
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        const std::string port_example =
            !listen.empty() && listen.find_first_not_of("0123456789") == std::string::npos
                ? listen
                : "8080";
        return make_error(ErrorCode::invalid_argument,
                          "--listen must be ADDRESS:PORT, such as 127.0.0.1:" + port_example +
                              " (this machine only) or 0.0.0.0:" + port_example +
                              " (every network interface)",
                          "listen");
    }
    o.address = listen.substr(0, colon);
    if (o.address.size() > 2 && o.address.front() == '[') o.address = o.address.substr(1, o.address.size() - 2);
    // The one host name everybody types; any other name would need a resolver's answer
    // that may change under a running server, so it is refused with what to write instead.
    if (o.address == "localhost") o.address = "127.0.0.1";
    if (o.address.find_first_not_of("0123456789.:abcdefABCDEF") != std::string::npos) {
        return make_error(ErrorCode::invalid_argument,
                          "--listen takes an IP address, not the host name `" + o.address +
                              "`: 127.0.0.1:PORT listens on this machine only, 0.0.0.0:PORT "
                              "on every network interface",
                          "listen");
    }
    auto port = number(listen.substr(colon + 1), "--listen port", 0, 65535);
    if (!port) return port.error();
    o.port = static_cast<unsigned short>(*port);
    struct IntFlag {
        const char* flag;
        long long min, max;
        std::function<void(long long)> set;
    };
    const IntFlag ints[] = {
        {"--io-threads", 1, 256, [&](long long v) { o.io_threads = static_cast<int>(v); }},
        {"--workers", 1, 4096, [&](long long v) { o.worker_threads = static_cast<int>(v); }},
        {"--body-limit", 1024, 64LL << 20,
         [&](long long v) { o.limits.body_bytes_max = static_cast<std::size_t>(v); }},
        {"--max-connections", 1, 1000000,
         [&](long long v) { o.limits.connections_max = static_cast<std::size_t>(v); }},
    };
    for (const auto& f : ints) {
        if (auto text = setting(ctx, args, f.flag)) {
            auto v = number(*text, f.flag, f.min, f.max);
            if (!v) return v.error();
            f.set(*v);
        }
    }
    if (auto t = setting(ctx, args, "--read-timeout")) {
        auto d = duration(*t, "--read-timeout");
        if (!d) return d.error();
        o.limits.read_timeout = *d;
    }
    if (auto t = setting(ctx, args, "--idle-timeout")) {
        auto d = duration(*t, "--idle-timeout");
        if (!d) return d.error();
        o.limits.idle_timeout = *d;
    }
    return o;
}

// Timer firing figures for /metrics: how many fired, and how late (a histogram).
class TimerStats {
public:
    void record(const engine::Engine::TimerTick& tick) {
        std::lock_guard lock(mutex_);
        fired_ += tick.fired;
        for (auto lag : tick.lags) {
            const double s = std::chrono::duration<double>(lag).count();
            for (std::size_t i = 0; i < buckets_s.size(); ++i) {
                if (s <= buckets_s[i]) ++counts_[i];
            }
            ++lag_count_;
            lag_sum_s_ += s;
        }
    }
    std::string render() const {
        std::lock_guard lock(mutex_);
        std::string out = "# HELP baton_timers_fired_total Timers that reminded, escalated or "
                          "marked a handoff overdue.\n# TYPE baton_timers_fired_total counter\n"
                          "baton_timers_fired_total " + std::to_string(fired_) + "\n";
        out += "# HELP baton_timer_lag_seconds How late a timer fired after it fell due.\n"
               "# TYPE baton_timer_lag_seconds histogram\n";
        for (std::size_t i = 0; i < buckets_s.size(); ++i) {
            out += "baton_timer_lag_seconds_bucket{le=\"" + format_bound(buckets_s[i]) + "\"} " +
                   std::to_string(counts_[i]) + "\n";
        }
        out += "baton_timer_lag_seconds_bucket{le=\"+Inf\"} " + std::to_string(lag_count_) + "\n";
        out += "baton_timer_lag_seconds_sum " + std::to_string(lag_sum_s_) + "\n";
        out += "baton_timer_lag_seconds_count " + std::to_string(lag_count_) + "\n";
        return out;
    }

private:
    static std::string format_bound(double v) {
        std::string s = std::to_string(v);
        while (s.size() > 1 && s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
        return s;
    }
    static constexpr std::array<double, 8> buckets_s = {0.1, 0.25, 0.5, 1, 2.5, 5, 30, 300};
    mutable std::mutex mutex_;
    std::int64_t fired_ = 0;
    std::array<std::int64_t, 8> counts_{};
    std::int64_t lag_count_ = 0;
    double lag_sum_s_ = 0;
};

std::string delivery_metrics(const engine::Dispatcher& d) {
    const auto c = d.counters();
    std::string out =
        "# HELP baton_deliveries_total Outbox delivery attempts by how they ended.\n"
        "# TYPE baton_deliveries_total counter\n";
    out += "baton_deliveries_total{result=\"delivered\"} " + std::to_string(c.delivered) + "\n";
    out += "baton_deliveries_total{result=\"retry\"} " + std::to_string(c.retried) + "\n";
    out += "baton_deliveries_total{result=\"failed\"} " + std::to_string(c.failed) + "\n";
    out += "# HELP baton_deliveries_in_flight Messages sent and not yet settled.\n"
           "# TYPE baton_deliveries_in_flight gauge\n"
           "baton_deliveries_in_flight " + std::to_string(d.in_flight()) + "\n";
    return out;
}

}  // namespace

Result<std::string> serve(cli::Context& ctx, const cli::Args& args) {
    auto options = server_options(ctx, args);
    if (!options) return options.error();
    http::ApiOptions api_options;
    if (auto rate = setting(ctx, args, "--rate-limit")) {
        auto v = number(*rate, "--rate-limit", 0, 10000000);
        if (!v) return v.error();
        api_options.rate_per_token_s = static_cast<double>(*v);
    }
    if (auto t = setting(ctx, args, "--session-ttl")) {
        auto d = duration(*t, "--session-ttl");
        if (!d) return d.error();
        api_options.session_ttl = *d;
    }
    api_options.secure_cookies = args.flag("--secure-cookies");
    auto proxies = trusted_proxies(ctx, args);
    if (!proxies) return proxies.error();
    api_options.trusted_proxies = std::move(proxies).value();
    std::mutex log_mutex;
    if (!args.flag("--quiet")) {
        api_options.log = [&log_mutex](const std::string& line) {
            std::lock_guard lock(log_mutex);
            std::cerr << line << '\n';
        };
    }
    auto engine = ctx.local_engine();
    if (!engine) return engine.error();
    if (auto dir = setting(ctx, args, "--playbooks")) {
        auto files = cli::collect_yaml({*dir});
        if (!files) return files.error();
        auto applied = (*engine)->apply(*files);
        if (!applied) return applied.error();
    }
    // Block the stop signals before the server's threads start, so that they inherit the
    // mask and only sigwait below receives them. The store opened above already runs a
    // thread of its own; it starts with every signal blocked (start_store_thread).
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    // The checkpoints: the scheduler fires due timers; the dispatcher delivers the outbox
    // through the channels. Both run beside the server and never inside a request.
    engine::DispatcherOptions dispatch_options;
    dispatch_options.poll = Milliseconds(1000);
    if (auto t = setting(ctx, args, "--poll")) {
        auto d = duration(*t, "--poll");
        if (!d) return d.error();
        dispatch_options.poll = *d;
    }
    if (auto t = setting(ctx, args, "--delivery-lease")) {
        auto d = duration(*t, "--delivery-lease");
        if (!d) return d.error();
        dispatch_options.lease = *d;
    }
    engine::SchedulerOptions scheduler_options{.batch_max = 500, .poll = dispatch_options.poll};
    if (auto t = setting(ctx, args, "--keep-deliveries")) {
        auto d = duration(*t, "--keep-deliveries");
        if (!d) return d.error();
        scheduler_options.hook_deliveries_keep = *d;
    }
    channels::Channels channels;
    engine::Dispatcher dispatcher(
        **engine, engine::ChannelSet{&channels.slack(), &channels.email(), &channels.webhook()},
        dispatch_options);
    TimerStats timer_stats;
    engine::Scheduler scheduler(**engine, scheduler_options,
                                [&](const engine::Engine::TimerTick& tick) {
                                    timer_stats.record(tick);
                                    dispatcher.wake();
                                });
    api_options.extra_metrics = [&] { return timer_stats.render() + delivery_metrics(dispatcher); };
    http::Api api(**engine, api_options);
    options->fault_log = [&api](const http::Request& r, const std::string& what) {
        api.log_fault(r, what);
    };
    auto server = http::Server::start(
        *options, [&api](http::Request& r) { return api.handle(r); },
        [&api](const http::Request& r, const http::Response& res, std::chrono::microseconds us) {
            api.observe(r, res, us);
        },
        [&api](http::Request& r, const http::Respond& respond) {
            return api.handle_async(r, respond);
        });
    if (!server) return server.error();
    dispatcher.start();
    scheduler.start();
    const std::string host = options->address.find(':') != std::string::npos
                                 ? "[" + options->address + "]"
                                 : options->address;
    std::cout << "Baton is listening on http://" << host << ":" << (*server)->port() << " ("
              << (*engine)->describe_store() << ")" << std::endl;
    // Without a channels.yaml nothing is sent: say so where the person who started it looks.
    if (auto applied = (*engine)->channels_applied(); applied && !*applied) {
        std::cout << "No channels.yaml is applied yet: Slack, email and webhook messages wait "
                     "in the outbox until one is (docs/channels.md)"
                  << std::endl;
    }
    int received = 0;
    sigwait(&stop_signals, &received);
    (*server)->stop();
    scheduler.stop();
    dispatcher.stop();
    // Answer what the channels still hold while the dispatcher is alive to hear it.
    channels.shutdown();
    return "Baton stopped (" + std::string(received == SIGTERM ? "SIGTERM" : "SIGINT") +
           "): every in-flight request was answered.\n";
}

}  // namespace baton::app
