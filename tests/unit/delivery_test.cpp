// The outbox's retry arithmetic: the exponential schedule with its cap, the jitter band,
// Retry-After, final failures and the attempt limit.
#include "core/delivery.h"

#include <gtest/gtest.h>

namespace baton::core {
namespace {

using std::chrono::seconds;

const TimePoint now = *parse_rfc3339("2026-11-23T10:00:00Z");

TEST(Delivery, TheBackoffDoublesUpToItsCap) {
    const RetryPolicy p;
    EXPECT_EQ(backoff(1, p), seconds(5));
    EXPECT_EQ(backoff(2, p), seconds(10));
    EXPECT_EQ(backoff(3, p), seconds(20));
    EXPECT_EQ(backoff(7, p), seconds(320));
    EXPECT_EQ(backoff(20, p), seconds(3600));
    EXPECT_EQ(backoff(1000, p), seconds(3600));  // no overflow
}

TEST(Delivery, JitterStaysBetweenHalfAndAllOfTheBackoff) {
    const RetryPolicy p;
    for (int attempt = 1; attempt < p.attempts_max; ++attempt) {
        const auto low = settle_attempt(AttemptResult::retry, attempt, std::nullopt, now, p, 0.0);
        const auto high =
            settle_attempt(AttemptResult::retry, attempt, std::nullopt, now, p, 0.999999);
        EXPECT_EQ(low.status, "pending");
        EXPECT_EQ(low.next_attempt_at - now, backoff(attempt, p) / 2);
        EXPECT_LE(high.next_attempt_at - now, backoff(attempt, p));
        EXPECT_GT(high.next_attempt_at, low.next_attempt_at);
    }
}

TEST(Delivery, ALongerRetryAfterWinsAndIsCapped) {
    const RetryPolicy p;
    auto s = settle_attempt(AttemptResult::retry, 1, Milliseconds(7000), now, p, 0.0);
    EXPECT_EQ(s.next_attempt_at - now, seconds(7));
    s = settle_attempt(AttemptResult::retry, 3, Milliseconds(1000), now, p, 0.0);
    EXPECT_EQ(s.next_attempt_at - now, seconds(10));  // the backoff is longer
    s = settle_attempt(AttemptResult::retry, 1, Milliseconds(10LL * 86'400'000), now, p, 0.0);
    EXPECT_EQ(s.next_attempt_at - now, p.retry_after_max);
}

TEST(Delivery, DeliveredAndFailedAreFinal) {
    const RetryPolicy p;
    auto d = settle_attempt(AttemptResult::delivered, 3, std::nullopt, now, p, 0.5);
    EXPECT_EQ(d.status, "delivered");
    auto f = settle_attempt(AttemptResult::failed, 1, Milliseconds(5000), now, p, 0.5);
    EXPECT_EQ(f.status, "failed");
    EXPECT_FALSE(f.gave_up);
}

TEST(Delivery, TheLastAttemptGivesUp) {
    RetryPolicy p;
    p.attempts_max = 3;
    EXPECT_EQ(settle_attempt(AttemptResult::retry, 2, std::nullopt, now, p, 0.5).status,
              "pending");
    const auto last = settle_attempt(AttemptResult::retry, 3, std::nullopt, now, p, 0.5);
    EXPECT_EQ(last.status, "failed");
    EXPECT_TRUE(last.gave_up);
}

// What the timeline and the redacted views show of a target is cut from these parts.
TEST(Delivery, AUrlSplitsAtItsHostAndAnythingElseIsNoUrl) {
    const auto slack = split_url("https://u:p@hooks.slack.com:443/services/T0/B0?x=1");
    ASSERT_TRUE(slack.has_value());
    EXPECT_EQ(slack->scheme, "https://");
    EXPECT_EQ(slack->userinfo, "u:p");
    EXPECT_TRUE(slack->has_userinfo);
    EXPECT_EQ(slack->host, "hooks.slack.com:443");
    EXPECT_EQ(slack->rest, "/services/T0/B0?x=1");
    const auto bare = split_url("http://@h");
    ASSERT_TRUE(bare.has_value());
    EXPECT_TRUE(bare->has_userinfo);
    EXPECT_EQ(bare->host, "h");
    EXPECT_EQ(bare->rest, "");
    EXPECT_FALSE(split_url("dana@example.com").has_value());
    EXPECT_FALSE(split_url("#ops").has_value());
}

}  // namespace
}  // namespace baton::core
