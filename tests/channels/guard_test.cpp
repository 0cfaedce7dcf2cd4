// The pure halves of the transport: the SSRF guard's address classification and refusal,
// the URL check, and the mapping from what happened on the wire to an Outcome. Tables.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>
#include <vector>

#include "channels/address.h"
#include "channels/limits.h"
#include "channels/outcome.h"
#include "channels/url_guard.h"
#include "core/limits.h"

namespace baton::channels {
namespace {

IpAddress ip(const char* text) {
    auto a = parse_ip(text);
    EXPECT_TRUE(a.has_value()) << text;
    return a.value_or(IpAddress{});
}

TEST(Address, Classify) {
    struct Case {
        const char* address;
        AddressKind kind;
    };
    const Case cases[] = {
        {"127.0.0.1", AddressKind::loopback},
        {"127.255.255.254", AddressKind::loopback},
        {"10.0.0.1", AddressKind::private_network},
        {"10.255.255.255", AddressKind::private_network},
        {"172.16.0.1", AddressKind::private_network},
        {"172.31.255.255", AddressKind::private_network},
        {"172.32.0.1", AddressKind::global},
        {"172.15.255.255", AddressKind::global},
        {"192.168.1.1", AddressKind::private_network},
        {"192.169.0.1", AddressKind::global},
        {"100.64.0.1", AddressKind::shared},
        {"100.127.255.255", AddressKind::shared},
        {"100.128.0.1", AddressKind::global},
        {"100.63.255.255", AddressKind::global},
        {"169.254.169.254", AddressKind::link_local},
        {"169.255.0.1", AddressKind::global},
        {"0.0.0.0", AddressKind::unspecified},
        {"0.1.2.3", AddressKind::unspecified},
        {"224.0.0.1", AddressKind::multicast},
        {"239.255.255.255", AddressKind::multicast},
        {"240.0.0.1", AddressKind::reserved},
        {"255.255.255.255", AddressKind::reserved},
        {"198.18.0.1", AddressKind::reserved},
        {"8.8.8.8", AddressKind::global},
        {"1.1.1.1", AddressKind::global},
        {"::1", AddressKind::loopback},
        {"::", AddressKind::unspecified},
        {"::ffff:127.0.0.1", AddressKind::loopback},
        {"::ffff:10.1.2.3", AddressKind::private_network},
        {"::ffff:8.8.8.8", AddressKind::global},
        {"fc00::1", AddressKind::private_network},
        {"fd12:3456:789a::1", AddressKind::private_network},
        {"fe80::1", AddressKind::link_local},
        {"febf:ffff::1", AddressKind::link_local},
        {"fec0::1", AddressKind::private_network},
        {"ff02::1", AddressKind::multicast},
        {"2001:4860:4860::8888", AddressKind::global},
        {"64:ff9b::a00:1", AddressKind::private_network},  // NAT64 of 10.0.0.1
        {"64:ff9b::808:808", AddressKind::global},         // NAT64 of 8.8.8.8
        {"2002:7f00:1::", AddressKind::loopback},          // 6to4 of 127.0.0.1
        {"::7f00:1", AddressKind::reserved},               // IPv4-compatible, deprecated
        {"100::1", AddressKind::reserved},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.address);
        EXPECT_EQ(classify(ip(c.address)), c.kind) << describe(classify(ip(c.address)));
    }
}

TEST(Address, ParseOnlyWhatAUrlOrAnAllowListHolds) {
    for (const char* good : {"127.0.0.1", "::1", "[::1]", "[fe80::1]", "255.255.255.255"}) {
        EXPECT_TRUE(parse_ip(good).has_value()) << good;
    }
    for (const char* bad : {"", "127.1", "1.2.3.4:80", "localhost", "[127.0.0.1]", "1.2.3.256",
                            "::1::2", "[::1", "0x7f.0.0.1"}) {
        EXPECT_FALSE(parse_ip(bad).has_value()) << bad;
    }
    EXPECT_EQ(to_string(ip("::ffff:127.0.0.1")), "::ffff:127.0.0.1");
    EXPECT_EQ(to_string(unmapped(ip("::ffff:127.0.0.1"))), "127.0.0.1");
}

TEST(Address, FromSockaddr) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    ::inet_pton(AF_INET, "10.0.0.1", &v4.sin_addr);
    auto a = from_sockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof v4);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(*a, ip("10.0.0.1"));

    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    ::inet_pton(AF_INET6, "fe80::1", &v6.sin6_addr);
    a = from_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof v6);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(*a, ip("fe80::1"));

    EXPECT_FALSE(from_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof(sockaddr_in)));
    sockaddr unix_socket{};
    unix_socket.sa_family = AF_UNIX;
    EXPECT_FALSE(from_sockaddr(&unix_socket, sizeof unix_socket));
}

TEST(Address, Refusal) {
    struct Case {
        const char* connected;
        const char* host;
        std::vector<std::string> allow;
        const char* refused;  // nullptr: allowed
    };
    const Case cases[] = {
        {"127.0.0.1",
         "127.0.0.1",
         {},
         "refused: 127.0.0.1 is a loopback address; add it to allow: in channels.yaml to "
         "permit it"},
        {"10.0.0.1", "10.0.0.1", {}, "refused: 10.0.0.1 is a private address"},
        {"169.254.169.254", "169.254.169.254", {}, "is a link-local address"},
        {"127.0.0.1",
         "localhost",
         {},
         "refused: localhost resolves to 127.0.0.1, a loopback address; add localhost or "
         "127.0.0.1 to allow:"},
        {"::1", "[::1]", {}, "refused: ::1 is a loopback address"},
        {"::ffff:127.0.0.1", "localhost", {}, "resolves to 127.0.0.1"},
        {"127.0.0.1", "127.0.0.1", {"127.0.0.1"}, nullptr},
        {"127.0.0.1", "localhost", {"127.0.0.1"}, nullptr},
        {"127.0.0.1", "localhost", {"localhost"}, nullptr},
        {"127.0.0.1", "LocalHost.", {"localhost"}, nullptr},
        {"::ffff:127.0.0.1", "x", {"127.0.0.1"}, nullptr},
        {"::1", "[::1]", {"::1"}, nullptr},
        {"::1", "[::1]", {"[::1]"}, nullptr},
        {"127.0.0.1", "crm.internal", {"other.internal", "127.0.0.2"}, "resolves to 127.0.0.1"},
        {"10.0.0.1", "10.0.0.1", {"127.0.0.1"}, "is a private address"},
        {"8.8.8.8", "dns.google", {}, nullptr},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(c.connected) + " for " + c.host);
        const auto why = refusal(ip(c.connected), c.host, c.allow);
        if (c.refused == nullptr) {
            EXPECT_FALSE(why.has_value()) << *why;
        } else {
            ASSERT_TRUE(why.has_value());
            EXPECT_NE(why->find(c.refused), std::string::npos) << *why;
        }
    }
}

TEST(UrlGuard, Table) {
    struct Case {
        const char* url;
        UrlUse use;
        const char* host;  // nullptr: refused
        int port;
        const char* error;  // a part of the refusal
    };
    const Case cases[] = {
        {"https://hooks.slack.com/services/T/B/X", UrlUse::http, "hooks.slack.com", 443, ""},
        {"http://127.0.0.1:8080/x", UrlUse::http, "127.0.0.1", 8080, ""},
        {"HTTP://Example.COM/", UrlUse::http, "Example.COM", 80, ""},
        {"http://[::1]:9/x", UrlUse::http, "[::1]", 9, ""},
        {"smtp://mail.example.com:25", UrlUse::smtp, "mail.example.com", 25, ""},
        {"smtps://mail.example.com", UrlUse::smtp, "mail.example.com", 465, ""},
        {"ftp://example.com/x", UrlUse::http, nullptr, 0, "the scheme ftp:// is not allowed"},
        {"file:///etc/passwd", UrlUse::http, nullptr, 0, "not allowed"},
        {"smtp://mail:25", UrlUse::http, nullptr, 0, "use https:// or http://"},
        {"https://mail", UrlUse::smtp, nullptr, 0, "use smtp:// or smtps://"},
        {"http://user:pw@127.0.0.1/", UrlUse::http, nullptr, 0, "credentials"},
        {"http://user@example.com/", UrlUse::http, nullptr, 0, "credentials"},
        {"smtp://u:p@mail:25", UrlUse::smtp, nullptr, 0, "credentials"},
        {"javascript:alert(1)", UrlUse::http, nullptr, 0, "refused:"},
        {"127.0.0.1/x", UrlUse::http, nullptr, 0, "malformed"},
        {"", UrlUse::http, nullptr, 0, "malformed"},
        {"http://:80/", UrlUse::http, nullptr, 0, "malformed"},
        // libcurl reads the odd spellings of an address as that address; the socket's
        // address is judged anyway, whatever the spelling.
        {"http://0x7f000001/", UrlUse::http, "127.0.0.1", 80, ""},
        {"http://2130706433/", UrlUse::http, "127.0.0.1", 80, ""},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.url);
        const auto parts = check_url(c.url, c.use);
        if (c.host != nullptr) {
            ASSERT_TRUE(parts.ok()) << parts.error().message;
            EXPECT_EQ(parts->host, c.host);
            EXPECT_EQ(parts->port, c.port);
        } else {
            ASSERT_FALSE(parts.ok());
            EXPECT_EQ(parts.error().message.rfind("refused: ", 0), 0u) << parts.error().message;
            EXPECT_NE(parts.error().message.find(c.error), std::string::npos)
                << parts.error().message;
        }
    }
    const std::string too_long = "https://h/" + std::string(baton::limits::url_bytes_max, 'a');
    EXPECT_FALSE(check_url(too_long, UrlUse::http).ok());
}

TEST(UrlGuard, ARefusalNeverQuotesTheUrl) {
    for (const char* url :
         {"ftp://hooks.example.com/services/SECRET", "https://u:SECRET@h/", "https://h/SECRET\n"}) {
        const auto parts = check_url(url, UrlUse::http);
        ASSERT_FALSE(parts.ok()) << url;
        EXPECT_EQ(parts.error().message.find("SECRET"), std::string::npos) << parts.error().message;
    }
}

TimePoint now_for_tests() {
    return from_unix_ms(1'784'800'000'000);
}

TEST(Outcome, Table) {
    using K = Outcome::Kind;
    using E = TransferError;
    struct Case {
        Protocol protocol;
        E error;
        int status;
        const char* retry_after;
        K kind;
        long long retry_after_ms;  // -1: none
        const char* detail;
    };
    const Case cases[] = {
        {Protocol::http, E::none, 200, "", K::delivered, -1, "HTTP 200"},
        {Protocol::http, E::none, 204, "", K::delivered, -1, "HTTP 204"},
        {Protocol::http, E::none, 500, "", K::retry, -1, "HTTP 500"},
        {Protocol::http, E::none, 503, "120", K::retry, 120000, "HTTP 503"},
        {Protocol::http, E::none, 429, "7", K::retry, 7000, "HTTP 429"},
        {Protocol::http, E::none, 408, "", K::retry, -1, "HTTP 408"},
        {Protocol::http, E::none, 410, "", K::failed, -1, "HTTP 410"},
        {Protocol::http, E::none, 400, "7", K::failed, -1, "HTTP 400"},
        {Protocol::http, E::none, 404, "", K::failed, -1, "HTTP 404"},
        {Protocol::http, E::none, 301, "", K::failed, -1, "redirect, not followed"},
        {Protocol::http, E::timeout, 0, "", K::retry, -1, "timed out"},
        {Protocol::http, E::connection, 0, "", K::retry, -1, ""},
        {Protocol::http, E::other, 0, "", K::retry, -1, ""},
        {Protocol::http, E::refused, 0, "", K::failed, -1, ""},
        {Protocol::http, E::bad_url, 0, "", K::failed, -1, ""},
        {Protocol::http, E::shutdown, 0, "", K::retry, -1, "shutting down"},
        {Protocol::http, E::timeout, 200, "", K::retry, -1, "timed out"},
        {Protocol::smtp, E::none, 250, "", K::delivered, -1, "SMTP 250"},
        {Protocol::smtp, E::none, 221, "", K::delivered, -1, "SMTP 221"},
        {Protocol::smtp, E::other, 451, "", K::retry, -1, "SMTP 451"},
        {Protocol::smtp, E::connection, 421, "", K::retry, -1, "SMTP 421"},
        {Protocol::smtp, E::other, 550, "", K::failed, -1, "SMTP 550"},
        {Protocol::smtp, E::login, 535, "", K::failed, -1, "SMTP 535"},
        {Protocol::smtp, E::login, 0, "", K::failed, -1, "login refused"},
        {Protocol::smtp, E::connection, 0, "", K::retry, -1, ""},
        {Protocol::smtp, E::timeout, 0, "", K::retry, -1, "timed out"},
    };
    for (const Case& c : cases) {
        TransferResult r;
        r.protocol = c.protocol;
        r.error = c.error;
        r.status = c.status;
        r.retry_after = c.retry_after;
        SCOPED_TRACE((c.protocol == Protocol::http ? "http " : "smtp ") + std::to_string(c.status) +
                     " error " + std::to_string(int(c.error)));
        const Outcome o = outcome_of(r, now_for_tests());
        EXPECT_EQ(o.kind, c.kind) << o.detail;
        EXPECT_EQ(o.retry_after.has_value(), c.retry_after_ms >= 0);
        if (o.retry_after && c.retry_after_ms >= 0) {
            EXPECT_EQ(o.retry_after->count(), c.retry_after_ms);
        }
        EXPECT_NE(o.detail.find(c.detail), std::string::npos) << o.detail;
    }
}

TEST(Outcome, DetailIsOneShortLineWithTheAnswersStart) {
    TransferResult r;
    r.status = 410;
    r.body = "channel_is_archived\r\nsecond line " + std::string(1000, 'x');
    const Outcome o = outcome_of(r, now_for_tests());
    EXPECT_EQ(o.detail.rfind("HTTP 410: channel_is_archived second line", 0), 0u) << o.detail;
    EXPECT_LE(o.detail.size(), limits::detail_bytes_max);
    EXPECT_EQ(o.detail.find('\n'), std::string::npos);
}

TEST(RetryAfter, SecondsAndDates) {
    const TimePoint now = *parse_rfc3339("2026-11-23T08:00:00Z");
    struct Case {
        const char* value;
        long long ms;  // -1: not a Retry-After
    };
    const Case cases[] = {
        {"7", 7000},
        {" 7 ", 7000},
        {"0", 0},
        {"Mon, 23 Nov 2026 08:00:30 GMT", 30000},
        {"Mon, 23 Nov 2026 07:00:00 GMT", 0},  // in the past: now
        {"Sun, 06 Nov 1994 08:49:37 GMT", 0},
        {"99999999999999999999999", 24LL * 3600 * 1000},
        {"864000", 24LL * 3600 * 1000},  // ten days: clamped to a day
        {"", -1},
        {"soon", -1},
        {"-5", -1},
        {"7.5", -1},
        {"Mon, 23 Nov 2026 08:00:30 UTC", -1},
        {"Mon, 31 Feb 2026 08:00:30 GMT", -1},
        {"Monday, 23-Nov-26 08:00:30 GMT", -1},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.value);
        const auto delay = parse_retry_after(c.value, now);
        ASSERT_EQ(delay.has_value(), c.ms >= 0);
        if (delay) {
            EXPECT_EQ(delay->count(), c.ms);
        }
    }
}

TEST(OneLine, CutsOnACharacterBoundary) {
    EXPECT_EQ(one_line("a\r\nb", 10), "a b");
    EXPECT_EQ(one_line("ééé", 3), "é");  // 6 bytes; 3 would split the second é
    EXPECT_EQ(one_line("\n\nabc", 10), "abc");
}

}  // namespace
}  // namespace baton::channels
