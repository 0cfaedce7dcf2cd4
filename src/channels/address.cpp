#include "channels/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace baton::channels {

namespace {

// Whether the first `bits` bits of `address` (4 or 16 bytes) equal those of `prefix`.
bool in_prefix(const std::uint8_t* address, std::initializer_list<std::uint8_t> prefix, int bits) {
    const std::uint8_t* p = prefix.begin();
    for (int i = 0; bits > 0; ++i, bits -= 8) {
        const std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
        const std::uint8_t want = static_cast<std::size_t>(i) < prefix.size() ? p[i] : 0;
        if ((address[i] & mask) != (want & mask)) return false;
    }
    return true;
}

IpAddress v4_from(const std::uint8_t* four) {
    IpAddress a;
    std::copy(four, four + 4, a.bytes.begin());
    return a;
}

AddressKind classify_v4(const std::uint8_t* a) {
    if (in_prefix(a, {0}, 8)) return AddressKind::unspecified;
    if (in_prefix(a, {127}, 8)) return AddressKind::loopback;
    if (in_prefix(a, {10}, 8) || in_prefix(a, {172, 16}, 12) || in_prefix(a, {192, 168}, 16)) {
        return AddressKind::private_network;
    }
    if (in_prefix(a, {100, 64}, 10)) return AddressKind::shared;
    if (in_prefix(a, {169, 254}, 16)) return AddressKind::link_local;
    if (in_prefix(a, {224}, 4)) return AddressKind::multicast;
    if (in_prefix(a, {240}, 4) || in_prefix(a, {192, 0, 0}, 24) || in_prefix(a, {198, 18}, 15)) {
        return AddressKind::reserved;
    }
    return AddressKind::global;
}

AddressKind classify_v6(const std::uint8_t* a) {
    static constexpr std::uint8_t zero[16] = {};
    if (std::memcmp(a, zero, 16) == 0) return AddressKind::unspecified;
    if (std::memcmp(a, zero, 15) == 0 && a[15] == 1) return AddressKind::loopback;
    // ::ffff:0:0/96 is handled by `unmapped` before we get here; NAT64 and 6to4 carry an
    // IPv4 address that decides where the packets end up.
    if (in_prefix(a, {0, 0x64, 0xff, 0x9b}, 96)) return classify_v4(a + 12);
    if (in_prefix(a, {0x20, 0x02}, 16)) {
        const AddressKind inside = classify_v4(a + 2);
        if (inside != AddressKind::global) return inside;
    }
    if (in_prefix(a, {}, 96)) return AddressKind::reserved;  // IPv4-compatible, deprecated
    if (in_prefix(a, {0x01, 0x00}, 64)) return AddressKind::reserved;  // discard-only
    if (in_prefix(a, {0xfc}, 7) || in_prefix(a, {0xfe, 0xc0}, 10)) {
        return AddressKind::private_network;
    }
    if (in_prefix(a, {0xfe, 0x80}, 10)) return AddressKind::link_local;
    if (in_prefix(a, {0xff}, 8)) return AddressKind::multicast;
    return AddressKind::global;
}

std::string lower_host(std::string_view host) {
    std::string out(host);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!out.empty() && out.back() == '.') out.pop_back();  // "example.com." is example.com
    return out;
}

bool allowed(const IpAddress& connected, std::string_view host,
             std::span<const std::string> allow) {
    const std::string name = lower_host(host);
    for (const auto& entry : allow) {
        if (auto ip = parse_ip(entry)) {
            if (unmapped(*ip) == connected) return true;
        } else if (!name.empty() && lower_host(entry) == name) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
        text = text.substr(1, text.size() - 2);
        if (text.find(':') == std::string_view::npos) return std::nullopt;
    }
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
    const std::string z(text);
    IpAddress a;
    if (::inet_pton(AF_INET, z.c_str(), a.bytes.data()) == 1) return a;
    a.v6 = true;
    if (::inet_pton(AF_INET6, z.c_str(), a.bytes.data()) == 1) return a;
    return std::nullopt;
}

std::optional<IpAddress> from_sockaddr(const sockaddr* address, socklen_t length) {
    if (address == nullptr) return std::nullopt;
    IpAddress a;
    if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(address);
        std::memcpy(a.bytes.data(), &in->sin_addr, 4);
        return a;
    }
    if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
        a.v6 = true;
        std::memcpy(a.bytes.data(), &in6->sin6_addr, 16);
        return a;
    }
    return std::nullopt;
}

std::string to_string(const IpAddress& address) {
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(address.v6 ? AF_INET6 : AF_INET, address.bytes.data(), text, sizeof text);
    return text;
}

IpAddress unmapped(const IpAddress& address) {
    if (address.v6 &&
        in_prefix(address.bytes.data(), {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96)) {
        return v4_from(address.bytes.data() + 12);
    }
    return address;
}

AddressKind classify(const IpAddress& address) {
    const IpAddress a = unmapped(address);
    return a.v6 ? classify_v6(a.bytes.data()) : classify_v4(a.bytes.data());
}

const char* describe(AddressKind kind) {
    switch (kind) {
        case AddressKind::global:
            return "a public address";
        case AddressKind::loopback:
            return "a loopback address";
        case AddressKind::private_network:
            return "a private address";
        case AddressKind::shared:
            return "a shared (carrier-grade NAT) address";
        case AddressKind::link_local:
            return "a link-local address";
        case AddressKind::unspecified:
            return "an unspecified address";
        case AddressKind::multicast:
            return "a multicast address";
        case AddressKind::reserved:
            return "a reserved address";
    }
    return "an address";
}

std::optional<std::string> refusal(const IpAddress& connected, std::string_view host,
                                   std::span<const std::string> allow) {
    const IpAddress address = unmapped(connected);
    const AddressKind kind = classify(address);
    if (kind == AddressKind::global || allowed(address, host, allow)) return std::nullopt;
    const std::string ip = to_string(address);
    const auto literal = parse_ip(host);
    if (host.empty() || (literal && unmapped(*literal) == address)) {
        return "refused: " + ip + " is " + describe(kind) + "; add it to allow: in " +
               "channels.yaml to permit it";
    }
    return "refused: " + std::string(host) + " resolves to " + ip + ", " + describe(kind) +
           "; add " + std::string(host) + " or " + ip + " to allow: in channels.yaml to " +
           "permit it";
}

}  // namespace baton::channels
