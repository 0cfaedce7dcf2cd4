// The shared body of the four signature fuzz targets (signature_standard_webhooks.cpp,
// signature_github.cpp, signature_stripe.cpp, signature_slack.cpp). The input is an
// HTTP-like message: "Name: value" header lines, an empty line, the body.
//
// Properties, for each scheme:
//   1. No refusal message contains the secret, and every refusal is forbidden (or, for
//      GitHub's unsigned routing headers, invalid_argument).
//   2. The input, signed here with the right secret (the signature header set or
//      extended the way a sender would, computed from crypto::hmac_sha256 and the scheme's
//      documented format, not from the verifier's code), with `now` at its signed time, is
//      never refused as "signature does not match" — it may still be refused for its other
//      headers.
//   3. When the input verifies (as it is — a seed may carry a real signature — or signed
//      here): it does not verify with a wrong secret, nor (for the
//      schemes that sign a timestamp) one second outside the tolerance on either side; and
//      what the delivery reports (id, event, signed time) is what its headers say.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/signatures.h"
#include "fuzz_support.h"

namespace baton::fuzz {

inline const std::string signing_key = "baton fuzz key: 32 bytes long..";  // the raw bytes
inline const std::string plain_secret = "fuzz-secret-3f9a1c";
inline const std::string plain_wrong_secret = "fuzz-secret-3f9a1d";
constexpr std::int64_t now_seconds = 1'790'000'000;

inline std::string secret_for(crypto::SignatureScheme scheme) {
    if (scheme != crypto::SignatureScheme::standard_webhooks) return plain_secret;
    return "whsec_" + crypto::base64_encode(signing_key);
}

inline std::string wrong_secret_for(crypto::SignatureScheme scheme) {
    if (scheme != crypto::SignatureScheme::standard_webhooks) return plain_wrong_secret;
    return "whsec_" + crypto::base64_encode("baton fuzz key: 32 bytes long.!");
}

inline bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// The first header called `name`, added (empty) when there is none.
inline crypto::Header& header(std::vector<crypto::Header>& headers, std::string_view name) {
    for (auto& h : headers) {
        if (same_name(h.name, name)) return h;
    }
    headers.push_back({std::string(name), ""});
    return headers.back();
}

inline std::optional<std::string> find_header(const std::vector<crypto::Header>& headers,
                                              std::string_view name) {
    for (const auto& h : headers) {
        if (same_name(h.name, name)) return h.value;
    }
    return std::nullopt;
}

// Unix seconds when `text` is what every scheme accepts as a timestamp.
inline std::optional<std::int64_t> seconds_of(std::string_view text) {
    if (text.empty() || text.size() > crypto::timestamp_digits_max) return std::nullopt;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text[0] == '-') {
        return std::nullopt;
    }
    return value;
}

// The first t= item of a Stripe-Signature value, as the sender wrote it.
inline std::string stripe_timestamp(const std::string& value) {
    std::size_t start = 0;
    while (start <= value.size()) {
        const auto comma = value.find(',', start);
        const std::string item = value.substr(start, comma - start);
        if (item.rfind("t=", 0) == 0) return item.substr(2);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return {};
}

// The time a request says it was signed at, when its scheme signs one and it is well formed.
inline std::optional<std::int64_t> signed_time_of(crypto::SignatureScheme scheme,
                                                  const std::vector<crypto::Header>& headers) {
    using crypto::SignatureScheme;
    const char* name = scheme == SignatureScheme::standard_webhooks ? "webhook-timestamp"
                       : scheme == SignatureScheme::slack           ? "X-Slack-Request-Timestamp"
                       : scheme == SignatureScheme::stripe          ? "Stripe-Signature"
                                                                    : nullptr;
    if (name == nullptr) return std::nullopt;
    const auto value = find_header(headers, name);
    if (!value) return std::nullopt;
    return seconds_of(scheme == SignatureScheme::stripe ? stripe_timestamp(*value) : *value);
}

// Signs the request the way a sender with the right secret would.
inline void sign(crypto::SignatureScheme scheme,
                                        std::vector<crypto::Header>& headers,
                                        const std::string& body) {
    using crypto::SignatureScheme;
    switch (scheme) {
        case SignatureScheme::standard_webhooks: {
            const std::string id = header(headers, "webhook-id").value;
            const std::string timestamp = header(headers, "webhook-timestamp").value;
            const std::string tag =
                crypto::hmac_sha256(signing_key, id + "." + timestamp + "." + body);
            header(headers, "webhook-signature").value += " v1," + crypto::base64_encode(tag);
            return;
        }
        case SignatureScheme::github:
            header(headers, "X-Hub-Signature-256").value =
                "sha256=" + crypto::hex_encode(crypto::hmac_sha256(plain_secret, body));
            return;
        case SignatureScheme::stripe: {
            std::string& value = header(headers, "Stripe-Signature").value;
            const std::string timestamp = stripe_timestamp(value);
            value += ",v1=" + crypto::hex_encode(
                                  crypto::hmac_sha256(plain_secret, timestamp + "." + body));
            return;
        }
        case SignatureScheme::slack: {
            const std::string timestamp = header(headers, "X-Slack-Request-Timestamp").value;
            header(headers, "X-Slack-Signature").value =
                "v0=" + crypto::hex_encode(crypto::hmac_sha256(
                            plain_secret, "v0:" + timestamp + ":" + body));
            return;
        }
    }
}

inline Result<crypto::VerifiedDelivery> verify(crypto::SignatureScheme scheme,
                                               const std::vector<crypto::Header>& headers,
                                               const std::string& body, const std::string& secret,
                                               std::int64_t at_seconds) {
    return crypto::verify_signature(
        scheme, {.headers = headers,
                 .body = body,
                 .secret = secret,
                 .now = from_unix_ms(at_seconds * 1000),
                 .tolerance = crypto::signature_tolerance_default});
}

inline void check_refusal(const Result<crypto::VerifiedDelivery>& result,
                          const std::string& secret) {
    if (result) return;
    FUZZ_CHECK(result.error().message.find(secret) == std::string::npos,
               "a refusal never shows the secret: " + result.error().message);
    FUZZ_CHECK(result.error().code == ErrorCode::forbidden ||
                   result.error().code == ErrorCode::invalid_argument,
               "a refusal is forbidden (or invalid_argument for GitHub's routing headers)");
}

inline void check_delivery(crypto::SignatureScheme scheme, const crypto::VerifiedDelivery& d,
                           const std::vector<crypto::Header>& headers, const std::string& body,
                           std::optional<std::int64_t> signed_seconds) {
    using crypto::SignatureScheme;
    if (scheme == SignatureScheme::standard_webhooks) {
        FUZZ_CHECK(d.delivery_id == find_header(headers, "webhook-id"), "webhook-id reported");
    }
    if (scheme == SignatureScheme::github) {
        // X-GitHub-Delivery is not signed: the id is the signed body's hash.
        FUZZ_CHECK(d.delivery_id == crypto::sha256_hex(body), "delivery id");
        FUZZ_CHECK(d.event_type == find_header(headers, "X-GitHub-Event"), "event type");
        FUZZ_CHECK(!d.signed_at, "GitHub signs no time");
    } else {
        FUZZ_CHECK(d.signed_at && signed_seconds &&
                       *d.signed_at == from_unix_ms(*signed_seconds * 1000),
                   "the signed time is reported");
    }
}

// Property 3, for a request that verified at `at` (unix seconds).
inline void check_verified(crypto::SignatureScheme scheme, const crypto::VerifiedDelivery& d,
                           const std::vector<crypto::Header>& headers, const std::string& body,
                           std::int64_t at) {
    check_delivery(scheme, d, headers, body, signed_time_of(scheme, headers));
    const auto wrong = verify(scheme, headers, body, wrong_secret_for(scheme), at);
    FUZZ_CHECK(!wrong.ok(), "verified with the wrong secret");
    if (scheme == crypto::SignatureScheme::github) return;
    const std::int64_t tolerance = crypto::signature_tolerance_default.count();
    FUZZ_CHECK(!verify(scheme, headers, body, secret_for(scheme), at + tolerance + 1).ok(),
               "verified after the tolerance");
    FUZZ_CHECK(!verify(scheme, headers, body, secret_for(scheme), at - tolerance - 1).ok(),
               "verified before the tolerance");
}

inline int run_signature_target(crypto::SignatureScheme scheme, const std::uint8_t* data,
                                std::size_t size) {
    const Message message = parse_message(as_text(data, size));
    std::vector<crypto::Header> headers;
    for (const auto& h : message.headers) headers.push_back({h.name, h.value});
    const std::string secret = secret_for(scheme);

    // As it is, at its own signed time when it names one (a seed is a real delivery).
    const std::int64_t raw_at = signed_time_of(scheme, headers).value_or(now_seconds);
    const auto raw = verify(scheme, headers, message.body, secret, raw_at);
    check_refusal(raw, secret);
    if (raw) check_verified(scheme, *raw, headers, message.body, raw_at);

    sign(scheme, headers, message.body);
    const std::int64_t at = signed_time_of(scheme, headers).value_or(now_seconds);
    const auto signed_result = verify(scheme, headers, message.body, secret, at);
    check_refusal(signed_result, secret);
    if (!signed_result) {
        FUZZ_CHECK(signed_result.error().message != "signature does not match",
                   "a correctly signed request was called a forgery");
        return 0;
    }
    check_verified(scheme, *signed_result, headers, message.body, at);
    if (scheme != crypto::SignatureScheme::github) {
        FUZZ_CHECK(verify(scheme, headers, message.body, secret,
                          at + crypto::signature_tolerance_default.count())
                       .ok(),
                   "refused at the edge of the tolerance");
    }
    return 0;
}

}  // namespace baton::fuzz
