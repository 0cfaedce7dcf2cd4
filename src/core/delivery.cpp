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

}  // namespace baton::core
