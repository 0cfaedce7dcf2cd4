// SignInLimiter with an injected clock (issue 22, finding 2): attempts are counted when they
// are reserved, so parallel guesses cannot outrun the count; after the free failures the wait
// doubles from 30 s to 15 min; a success forgets the failures; another address is not held
// up by one guesser, yet one address meets a cap across logins. And the client address:
// X-Forwarded-For is believed only from a trusted proxy, taking the right-most untrusted entry.
#include "http/sign_in_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace baton::http {
namespace {

using namespace std::chrono_literals;

class Limiter : public ::testing::Test {
protected:
    SignInLimiter make(SignInLimits limits = {}) {
        return SignInLimiter(limits, [this] { return now_; });
    }
    std::chrono::steady_clock::time_point now_{std::chrono::hours(1000)};
};

TEST_F(Limiter, ParallelReservationsNeverPassTheFreeFailures) {
    SignInLimiter limiter = make();
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 40; ++i) {
        threads.emplace_back([&] {
            if (!limiter.reserve("person:lee", "10.0.0.1")) ++allowed;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(allowed.load(), 10);
}

TEST_F(Limiter, TheWaitDoublesFromThirtySecondsToFifteenMinutes) {
    SignInLimiter limiter = make();
    for (int i = 0; i < 10; ++i) ASSERT_FALSE(limiter.reserve("person:lee", "10.0.0.1")) << i;
    std::vector<long long> waits;
    for (int i = 0; i < 8; ++i) {
        const auto wait = limiter.reserve("person:lee", "10.0.0.1");
        ASSERT_TRUE(wait.has_value()) << i;
        waits.push_back(wait->count());
        now_ += *wait;  // the guesser waits exactly as told, and tries (and fails) again
        ASSERT_FALSE(limiter.reserve("person:lee", "10.0.0.1")) << i;
    }
    EXPECT_EQ(waits, (std::vector<long long>{30, 60, 120, 240, 480, 900, 900, 900}));
    // Refused tries are not counted: a second refusal tells the same remaining time.
    const auto again = limiter.reserve("person:lee", "10.0.0.1");
    ASSERT_TRUE(again);
    now_ += 100s;
    EXPECT_EQ(limiter.reserve("person:lee", "10.0.0.1").value_or(0s), *again - 100s);
}

TEST_F(Limiter, ASuccessForgetsTheFailuresAndQuietForgetsThemToo) {
    SignInLimiter limiter = make();
    for (int i = 0; i < 9; ++i) ASSERT_FALSE(limiter.reserve("person:lee", "10.0.0.1"));
    ASSERT_FALSE(limiter.reserve("person:lee", "10.0.0.1"));
    limiter.succeeded("person:lee", "10.0.0.1");
    for (int i = 0; i < 10; ++i) ASSERT_FALSE(limiter.reserve("person:lee", "10.0.0.1")) << i;
    ASSERT_TRUE(limiter.reserve("person:lee", "10.0.0.1"));
    // Quiet for 30 min: ten free failures again.
    now_ += 30min;
    for (int i = 0; i < 10; ++i) ASSERT_FALSE(limiter.reserve("person:lee", "10.0.0.1")) << i;
    EXPECT_TRUE(limiter.reserve("person:lee", "10.0.0.1"));
}

TEST_F(Limiter, AnotherAddressIsNotHeldUpButOneAddressHasACapAcrossLogins) {
    SignInLimiter limiter = make();
    for (int i = 0; i < 10; ++i) ASSERT_FALSE(limiter.reserve("person:lee", "10.0.0.1"));
    ASSERT_TRUE(limiter.reserve("person:lee", "10.0.0.1"));
    // lee herself, from her own address, is not locked out by the guesser.
    EXPECT_FALSE(limiter.reserve("person:lee", "10.0.0.2"));
    // The guesser moves on to other logins: 50 attempts per address in the window.
    for (int i = 0; i < 40; ++i) {
        ASSERT_FALSE(limiter.reserve("login:user" + std::to_string(i), "10.0.0.1")) << i;
    }
    const auto capped = limiter.reserve("login:someone-else", "10.0.0.1");
    ASSERT_TRUE(capped);
    EXPECT_EQ(capped->count(), 15 * 60);
    now_ += 15min;
    EXPECT_FALSE(limiter.reserve("login:someone-else", "10.0.0.1"));
}

TEST(ClientAddress, ForwardedForIsBelievedOnlyFromATrustedProxy) {
    std::vector<AddressRange> trusted;
    for (const char* cidr : {"10.0.0.0/8", "::1/128", "192.168.1.5"}) {
        auto r = parse_address_range(cidr);
        ASSERT_TRUE(r) << cidr;
        trusted.push_back(*r);
    }
    // No trusted proxy, or not from one: the peer, whatever the header says.
    EXPECT_EQ(client_address("203.0.113.9", "1.2.3.4", {}), "203.0.113.9");
    EXPECT_EQ(client_address("203.0.113.9", "1.2.3.4", trusted), "203.0.113.9");
    EXPECT_EQ(client_address("10.1.2.3", std::nullopt, trusted), "10.1.2.3");
    // From the proxy: the right-most entry that is not a trusted proxy. A client that
    // writes its own X-Forwarded-For cannot choose its address: the proxy appends the real one.
    EXPECT_EQ(client_address("10.1.2.3", "198.51.100.7", trusted), "198.51.100.7");
    EXPECT_EQ(client_address("10.1.2.3", "6.6.6.6, 198.51.100.7, 10.9.9.9", trusted),
              "198.51.100.7");
    EXPECT_EQ(client_address("::1", "2001:db8::1", trusted), "2001:db8::1");
    EXPECT_EQ(client_address("::ffff:192.168.1.5", "198.51.100.7", trusted), "198.51.100.7");
    // All trusted: the left-most. Garbage: the proxy that passed it on.
    EXPECT_EQ(client_address("10.1.2.3", "10.0.0.7,10.0.0.8", trusted), "10.0.0.7");
    EXPECT_EQ(client_address("10.1.2.3", "not-an-ip", trusted), "10.1.2.3");
    EXPECT_EQ(client_address("10.1.2.3", "198.51.100.7, junk, 10.0.0.8", trusted), "10.0.0.8");
}

TEST(ClientAddress, RangesParseOrSayWhatIsWrong) {
    auto r = parse_address_range("10.0.0.0/8");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->contains("10.255.1.1"));
    EXPECT_FALSE(r->contains("11.0.0.1"));
    EXPECT_FALSE(r->contains("::1"));
    auto v6 = parse_address_range("2001:db8::/32");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->contains("2001:db8:ffff::1"));
    EXPECT_FALSE(v6->contains("2001:db9::1"));
    for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "::1/129", "x/8",
                            "10.0.0.0/8a"}) {
        const auto refused = parse_address_range(bad);
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.error().field, "trusted-proxy");
        EXPECT_NE(refused.error().message.find("--trusted-proxy"), std::string::npos);
    }
}

}  // namespace
}  // namespace baton::http
