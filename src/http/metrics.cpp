#include "http/metrics.h"

#include <cstdio>

namespace baton::http {

std::string prometheus_label(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

void Metrics::record_request(const std::string& method, const std::string& route, int status,
                             std::chrono::microseconds elapsed) {
    const double seconds = static_cast<double>(elapsed.count()) / 1e6;
    std::lock_guard lock(mutex_);
    ++requests_[{method + " " + route, status}];
    for (std::size_t i = 0; i < latency_buckets_s.size(); ++i) {
        if (seconds <= latency_buckets_s[i]) ++buckets_[i];
    }
    ++latency_count_;
    latency_sum_s_ += seconds;
}

void Metrics::add_events(std::int64_t ingested, std::int64_t duplicates) {
    std::lock_guard lock(mutex_);
    events_ingested_ += ingested;
    events_duplicate_ += duplicates;
}

void Metrics::add_signature_failure(const std::string& source) {
    std::lock_guard lock(mutex_);
    ++signature_failures_[source];
}

void Metrics::add_rate_limited() {
    std::lock_guard lock(mutex_);
    ++rate_limited_;
}

std::string Metrics::render(const std::string& extra) const {
    std::lock_guard lock(mutex_);
    std::string out;
    out += "# HELP baton_http_requests_total HTTP requests by route and status.\n";
    out += "# TYPE baton_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
        out += "baton_http_requests_total{route=\"" + prometheus_label(key.first) +
               "\",status=\"" + std::to_string(key.second) + "\"} " + std::to_string(count) +
               "\n";
    }
    out += "# HELP baton_http_request_duration_seconds Time from request to response.\n";
    out += "# TYPE baton_http_request_duration_seconds histogram\n";
    char bound[32];
    for (std::size_t i = 0; i < latency_buckets_s.size(); ++i) {
        std::snprintf(bound, sizeof bound, "%g", latency_buckets_s[i]);
        out += "baton_http_request_duration_seconds_bucket{le=\"" + std::string(bound) + "\"} " +
               std::to_string(buckets_[i]) + "\n";
    }
    out += "baton_http_request_duration_seconds_bucket{le=\"+Inf\"} " +
           std::to_string(latency_count_) + "\n";
    std::snprintf(bound, sizeof bound, "%.6f", latency_sum_s_);
    out += "baton_http_request_duration_seconds_sum " + std::string(bound) + "\n";
    out += "baton_http_request_duration_seconds_count " + std::to_string(latency_count_) + "\n";
    out += "# HELP baton_events_ingested_total Events durably stored.\n";
    out += "# TYPE baton_events_ingested_total counter\n";
    out += "baton_events_ingested_total " + std::to_string(events_ingested_) + "\n";
    out += "# HELP baton_events_duplicate_total Events refused as duplicates (same source and id).\n";
    out += "# TYPE baton_events_duplicate_total counter\n";
    out += "baton_events_duplicate_total " + std::to_string(events_duplicate_) + "\n";
    out += "# HELP baton_webhook_signature_failures_total Inbound webhooks refused (401).\n";
    out += "# TYPE baton_webhook_signature_failures_total counter\n";
    for (const auto& [source, count] : signature_failures_) {
        out += "baton_webhook_signature_failures_total{source=\"" + prometheus_label(source) +
               "\"} " + std::to_string(count) + "\n";
    }
    out += "# HELP baton_rate_limited_total Requests answered 429.\n";
    out += "# TYPE baton_rate_limited_total counter\n";
    out += "baton_rate_limited_total " + std::to_string(rate_limited_) + "\n";
    return out + extra;
}

}  // namespace baton::http
