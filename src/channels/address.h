// The SSRF guard's pure half: what kind of address an IP address is, and whether the
// channels may connect to it. Baton sends to URLs that people type into channels.yaml and
// playbooks, so a URL must not become a way to reach the machine itself or the private
// network behind it (a database's admin port, a cloud metadata service at 169.254.169.254).
//
// The transport calls `refusal` for the address it is about to connect to — after DNS, so
// that a name which resolves (or re-resolves, DNS rebinding) to a private address is
// refused too. An operator who means it lists the host or the address under `allow:`.
//
// Plain values and pure functions: safe from any thread.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace baton::channels {

struct IpAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // network order; an IPv4 address uses the first 4
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// "127.0.0.1", "::1", "[::1]" (brackets as in a URL). Nothing else: no ports, no names,
// no shorthand such as "127.1".
std::optional<IpAddress> parse_ip(std::string_view text);
// The address the kernel was given, as a socket address of family AF_INET or AF_INET6.
std::optional<IpAddress> from_sockaddr(const sockaddr* address, socklen_t length);
std::string to_string(const IpAddress& address);
// An IPv4 address written as IPv6 (::ffff:a.b.c.d) is that IPv4 address: the guard judges
// and the allow-list matches it as such.
IpAddress unmapped(const IpAddress& address);

enum class AddressKind {
    global,           // anything not below: may be connected to
    loopback,         // 127.0.0.0/8, ::1
    private_network,  // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10
    shared,           // 100.64.0.0/10 (carrier-grade NAT)
    link_local,       // 169.254/16 (cloud metadata lives here), fe80::/10
    unspecified,      // 0.0.0.0/8, ::
    multicast,        // 224/4, ff00::/8
    reserved,         // 240/4 with the broadcast address, 192.0.0/24, 198.18/15, 100::/64
};

// The kind of an address. IPv4 embedded in IPv6 (mapped, NAT64 64:ff9b::/96, 6to4
// 2002::/16) is judged by the IPv4 address inside.
AddressKind classify(const IpAddress& address);
// "a loopback address", "a private address", …
const char* describe(AddressKind kind);

// Why the channels must not connect to `connected` for a URL whose host is `host` (as
// written in the URL, an IPv6 literal with its brackets), or nullopt when they may: the
// address is global, or the host name or the address is on the allow-list. The reason is
// one line for the timeline, such as "refused: 127.0.0.1 is a loopback address; add it to
// allow: in channels.yaml to permit it".
std::optional<std::string> refusal(const IpAddress& connected, std::string_view host,
                                   std::span<const std::string> allow);

}  // namespace baton::channels
