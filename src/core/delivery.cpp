#include "core/delivery.h"

#include <algorithm>

namespace baton::core {

Milliseconds backoff(int attempt, const RetryPolicy& policy) {
    Milliseconds wait = policy.backoff_first;
    for (int i = 1; i < attempt && wait < policy.backoff_max; ++i) wait *= 2;
    return std::min(wait, policy.backoff_max);
}

Settlement settle_attempt(AttemptResult result, int attempt,
                          std::optional<Milliseconds> retry_after, TimePoint now,
                          const RetryPolicy& policy, double jitter) {
    switch (result) {
        case AttemptResult::delivered: return {"delivered", now, false};
        case AttemptResult::failed: return {"failed", now, false};
        case AttemptResult::retry: break;
    }
    if (attempt >= policy.attempts_max) return {"failed", now, true};
    const Milliseconds full = backoff(attempt, policy);
    const double draw = std::clamp(jitter, 0.0, 1.0);
    Milliseconds wait = full / 2 + Milliseconds(static_cast<std::int64_t>(
                                       static_cast<double>((full / 2).count()) * draw));
    if (retry_after) wait = std::max(wait, std::min(*retry_after, policy.retry_after_max));
    return {"pending", now + wait, false};
}

std::optional<UrlParts> split_url(const std::string& target) {
    const auto scheme_end = target.find("://");
    if (scheme_end == std::string::npos) return std::nullopt;
    const std::size_t host_start = scheme_end + 3;
    const auto host_end = target.find_first_of("/?#", host_start);
    UrlParts parts;
    parts.scheme = target.substr(0, host_start);
    parts.host = target.substr(host_start, host_end == std::string::npos
                                               ? std::string::npos
                                               : host_end - host_start);
    if (const auto at = parts.host.rfind('@'); at != std::string::npos) {
        parts.userinfo = parts.host.substr(0, at);
        parts.has_userinfo = true;
        parts.host = parts.host.substr(at + 1);
    }
    if (host_end != std::string::npos) parts.rest = target.substr(host_end);
    return parts;
}

}  // namespace baton::core
