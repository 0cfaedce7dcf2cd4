// Metrics: request counts by route and status, a request-latency histogram and intake
// counters, rendered in the Prometheus text format (version 0.0.4) at /metrics.
// Thread-safe: recorded from every worker thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace baton::http {

class Metrics {
public:
    // Upper bounds of the latency buckets, in seconds.
    static constexpr std::array<double, 12> latency_buckets_s = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

    void record_request(const std::string& method, const std::string& route, int status,
                        std::chrono::microseconds elapsed);
    void add_events(std::int64_t ingested, std::int64_t duplicates);
    void add_signature_failure(const std::string& source);
    void add_rate_limited();

    // The Prometheus text of what this object counts; `extra` is appended (gauges that the
    // caller reads at scrape time, such as handoffs by state).
    std::string render(const std::string& extra) const;

private:
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, std::int64_t> requests_;  // GUARDED_BY(mutex_)
    std::array<std::int64_t, latency_buckets_s.size()> buckets_{};   // GUARDED_BY(mutex_)
    std::int64_t latency_count_ = 0;                                 // GUARDED_BY(mutex_)
    double latency_sum_s_ = 0;                                       // GUARDED_BY(mutex_)
    std::int64_t events_ingested_ = 0;                               // GUARDED_BY(mutex_)
    std::int64_t events_duplicate_ = 0;                              // GUARDED_BY(mutex_)
    std::map<std::string, std::int64_t> signature_failures_;         // GUARDED_BY(mutex_)
    std::int64_t rate_limited_ = 0;                                  // GUARDED_BY(mutex_)
};

// Escapes a Prometheus label value (backslash, quote, newline).
std::string prometheus_label(const std::string& value);

}  // namespace baton::http
