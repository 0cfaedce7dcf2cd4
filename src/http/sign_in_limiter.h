// SignInLimiter: how many password guesses the board's sign-in lets through, and the client
// address that the limits are keyed by (X-Forwarded-For believed from trusted proxies only).
//
// An attempt is reserved before the slow password hash, so parallel guesses cannot outrun
// the count. Two limits hold: per client address and person, a few free failures and then
// an exponential backoff (30 s doubling to 15 min), so that a guesser is slowed while the
// person still signs in from anywhere else; and per address, a cap on attempts across every
// login within a window. A sign-in that succeeds forgets its address+person failures and
// gives its reservation back to the address.
//
// Beast-free and clock-injected, so that unit tests run it without sockets or sleeps.
// Threading: every member function may be called concurrently.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace baton::http {

struct SignInLimits {
    int failures_free = 10;  // per address and person, before the backoff starts
    std::chrono::seconds backoff_first{30};
    std::chrono::seconds backoff_max{15 * 60};
    int attempts_per_address_max = 50;  // across logins, within `window`
    std::chrono::seconds window{15 * 60};
    std::size_t entries_max = 100000;  // remembered keys; beyond, the oldest state is dropped
};

class SignInLimiter {
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    explicit SignInLimiter(SignInLimits limits, Clock clock = std::chrono::steady_clock::now);

    // Counts an attempt of `person` (a canonical key: one person's handle and email give the
    // same) from `address` as a failure until succeeded() says otherwise. nullopt: go on;
    // else how long to wait (refused, and not counted).
    std::optional<std::chrono::seconds> reserve(const std::string& person,
                                                const std::string& address);
    void succeeded(const std::string& person, const std::string& address);

private:
    struct Backoff {
        int failures = 0;
        std::chrono::steady_clock::time_point last;
    };
    struct Window {
        int attempts = 0;
        std::chrono::steady_clock::time_point start;
    };
    std::chrono::seconds backoff_after(int failures) const;

    const SignInLimits limits_;
    const Clock clock_;
    std::mutex mutex_;
    std::map<std::string, Backoff> backoffs_;  // GUARDED_BY(mutex_), by address + person
    std::map<std::string, Window> addresses_;  // GUARDED_BY(mutex_), by address
};

// An address range of --trusted-proxy: IPv4 or IPv6 CIDR ("10.0.0.0/8", "::1/128"), or a
// single address.
struct AddressRange {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    int prefix_bits = 128;
    bool contains(std::string_view address) const;
};
Result<AddressRange> parse_address_range(std::string_view text);

// The client's address: `peer` itself unless it is in `trusted`; then the right-most entry
// of X-Forwarded-For (`forwarded_for`) that is not a trusted proxy (the left-most one when
// all are). An entry that is not an address stops the walk at the proxy that sent it.
std::string client_address(const std::string& peer, std::optional<std::string_view> forwarded_for,
                           const std::vector<AddressRange>& trusted);

}  // namespace baton::http
