// Delivery arithmetic for the outbox: after an attempt, whether a message is delivered,
// retried (and when) or failed for good. Exponential backoff with jitter and a cap, the
// receiver's Retry-After honoured, and an attempt limit. Pure: the jitter draw is a
// parameter.
#pragma once

#include <optional>
#include <string>

#include "core/time.h"

namespace baton::core {

struct RetryPolicy {
    int attempts_max = 8;
    Milliseconds backoff_first{5'000};     // the wait after the first failed attempt
    Milliseconds backoff_max{3'600'000};   // the cap of the exponential wait (1 h)
    Milliseconds retry_after_max{86'400'000};  // a receiver asking for longer gets a day
};

enum class AttemptResult { delivered, retry, failed };

struct Settlement {
    std::string status;  // "delivered", "pending" (retry at next_attempt_at) or "failed"
    TimePoint next_attempt_at{};
    bool gave_up = false;  // failed because the attempt limit was reached
};

// `attempt` counts from 1 (the attempt that just ended). `jitter` is a draw in [0, 1): the
// wait is between half and all of the exponential backoff ("equal jitter"), so that many
// messages failing together do not retry together. A Retry-After longer than that wins.
Settlement settle_attempt(AttemptResult result, int attempt,
                          std::optional<Milliseconds> retry_after, TimePoint now,
                          const RetryPolicy& policy, double jitter);

// The exponential backoff before jitter: backoff_first × 2^(attempt − 1), capped.
Milliseconds backoff(int attempt, const RetryPolicy& policy);

// A delivery target's URL cut where its host ends, for showing it without its bearer parts
// (the timeline, redacted views): "https://u:p@hooks.slack.com/x?y" is {"https://",
// "u:p", "hooks.slack.com", "/x?y"}. nullopt for a target that is not a URL (an email
// address, a channel name).
struct UrlParts {
    std::string scheme;    // with "://"
    std::string userinfo;  // before an "@" in the authority; usually empty
    bool has_userinfo = false;  // the authority has an "@", even with nothing before it
    std::string host;      // with its port, if any
    std::string rest;      // the path, query and fragment; may be empty
};
std::optional<UrlParts> split_url(const std::string& target);

}  // namespace baton::core
