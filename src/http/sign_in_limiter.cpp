// The sign-in limits and the client address behind trusted proxies (see the header).
#include "http/sign_in_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace baton::http {

namespace {

using Seconds = std::chrono::seconds;

Seconds ceil_seconds(std::chrono::steady_clock::duration d) {
    return std::max(Seconds(1), std::chrono::ceil<Seconds>(d));
}

// `address` as 16 bytes (IPv4 IPv4-mapped, so that "::ffff:10.0.0.1" and "10.0.0.1" agree).
std::optional<std::array<std::uint8_t, 16>> address_bytes(std::string_view address) {
    if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
        address = address.substr(1, address.size() - 2);
    }
    if (address.empty() || address.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    const std::string text(address);
    std::array<std::uint8_t, 16> out{};
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
        out[10] = out[11] = 0xff;
        std::memcpy(out.data() + 12, &v4, 4);
        return out;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
        std::memcpy(out.data(), &v6, 16);
        return out;
    }
    return std::nullopt;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool trusted_address(std::string_view address, const std::vector<AddressRange>& trusted) {
    return std::any_of(trusted.begin(), trusted.end(),
                       [&](const AddressRange& r) { return r.contains(address); });
}

}  // namespace

SignInLimiter::SignInLimiter(SignInLimits limits, Clock clock)
    : limits_(limits), clock_(std::move(clock)) {}

Seconds SignInLimiter::backoff_after(int failures) const {
    // failures_free failures cost nothing; each one after doubles the wait.
    const int doublings = std::min(failures - limits_.failures_free, 30);
    Seconds wait = limits_.backoff_first;
    for (int i = 0; i < doublings && wait < limits_.backoff_max; ++i) wait *= 2;
    return std::min(wait, limits_.backoff_max);
}

std::optional<Seconds> SignInLimiter::reserve(const std::string& person,
                                              const std::string& address) {
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    // Bounded memory: a flood of made-up logins forgets state rather than grow without end.
    if (backoffs_.size() >= limits_.entries_max) backoffs_.clear();
    if (addresses_.size() >= limits_.entries_max) addresses_.clear();

    Window& window = addresses_[address];
    if (window.attempts == 0 || now >= window.start + limits_.window) window = {0, now};
    if (window.attempts >= limits_.attempts_per_address_max) {
        return ceil_seconds(window.start + limits_.window - now);
    }
    Backoff& backoff = backoffs_[address + "\n" + person];
    // Quiet for the longest backoff and a window more: the failures are forgotten.
    if (backoff.failures > 0 && now >= backoff.last + limits_.backoff_max + limits_.window) {
        backoff = {};
    }
    if (backoff.failures >= limits_.failures_free) {
        const auto until = backoff.last + backoff_after(backoff.failures);
        if (now < until) return ceil_seconds(until - now);
    }
    ++window.attempts;
    ++backoff.failures;
    backoff.last = now;
    return std::nullopt;
}

void SignInLimiter::succeeded(const std::string& person, const std::string& address) {
    std::lock_guard lock(mutex_);
    backoffs_.erase(address + "\n" + person);
    if (auto it = addresses_.find(address); it != addresses_.end() && it->second.attempts > 0) {
        --it->second.attempts;
    }
}

bool AddressRange::contains(std::string_view address) const {
    const auto other = address_bytes(address);
    if (!other) return false;
    for (int bit = 0; bit < prefix_bits; ++bit) {
        const int mask = 0x80 >> (bit % 8);
        if ((bytes[bit / 8] & mask) != ((*other)[bit / 8] & mask)) return false;
    }
    return true;
}

Result<AddressRange> parse_address_range(std::string_view text) {
    const auto bad = [&] {
        return make_error(ErrorCode::invalid_argument,
                          "--trusted-proxy `" + std::string(text) +
                              "` is not an address or CIDR range (10.0.0.0/8, ::1/128)",
                          "trusted-proxy");
    };
    text = trim(text);
    const auto slash = text.find('/');
    const auto bytes = address_bytes(text.substr(0, slash));
    if (!bytes) return bad();
    const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
    AddressRange range{*bytes, 128};
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3 ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return bad();
        }
        const int bits = std::stoi(std::string(digits));
        if (bits > (v4 ? 32 : 128)) return bad();
        range.prefix_bits = v4 ? 96 + bits : bits;
    }
    return range;
}

std::string client_address(const std::string& peer, std::optional<std::string_view> forwarded_for,
                           const std::vector<AddressRange>& trusted) {
    if (!forwarded_for || !trusted_address(peer, trusted)) return peer;
    std::string client = peer;
    std::string_view rest = *forwarded_for;
    while (!rest.empty()) {
        const auto comma = rest.rfind(',');
        const std::string_view entry =
            trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        if (!address_bytes(entry)) break;  // garbage: keep the proxy that passed it on
        client = std::string(entry);
        if (!trusted_address(entry, trusted)) break;
    }
    return client;
}

}  // namespace baton::http
