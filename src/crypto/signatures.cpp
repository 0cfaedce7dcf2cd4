#include "crypto/signatures.h"

#include <utility>
#include <vector>

#include "crypto/crypto.h"

namespace baton::crypto {
namespace {

using std::string_view;

constexpr string_view standard_secret_prefix = "whsec_";

// Every refusal of what the request carries is forbidden: the caller answers 403 and does
// not need to tell a forged request from a broken one.
Error refuse(std::string message) {
    return make_error(ErrorCode::forbidden, std::move(message));
}

Error secret_error(std::string message) {
    return make_error(ErrorCode::invalid_argument, std::move(message), "secret");
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(string_view a, string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

std::vector<string_view> split(string_view text, char separator) {
    std::vector<string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(separator, start);
        if (end == string_view::npos) {
            parts.push_back(text.substr(start));
            return parts;
        }
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
}

// The value of the one header called `name`. A header sent twice is refused rather than
// guessed at: a proxy and the application could each pick a different copy.
Result<string_view> require_header(std::span<const Header> headers, string_view name,
                                   ErrorCode code = ErrorCode::forbidden) {
    const Header* found = nullptr;
    for (const Header& header : headers) {
        if (!equals_ignoring_case(header.name, name)) continue;
        if (found != nullptr) return make_error(code, "duplicate " + std::string(name) + " header");
        found = &header;
    }
    if (found == nullptr) return make_error(code, "missing " + std::string(name) + " header");
    if (found->value.empty()) return make_error(code, "empty " + std::string(name) + " header");
    if (found->value.size() > signature_header_bytes_max) {
        return make_error(code, std::string(name) + " header is longer than " +
                                    std::to_string(signature_header_bytes_max) + " bytes");
    }
    return string_view(found->value);
}

// Unix seconds as ASCII digits only: no sign, no fraction, no spaces, at most
// timestamp_digits_max digits, so the arithmetic below cannot overflow.
Result<std::int64_t> parse_timestamp(string_view text, string_view what) {
    const Error malformed =
        refuse("malformed " + std::string(what) + ": not a unix time in whole seconds");
    if (text.empty() || text.size() > timestamp_digits_max) return malformed;
    std::int64_t seconds = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return malformed;
        seconds = seconds * 10 + (c - '0');
    }
    return seconds;
}

// The tolerance applies in both directions: a timestamp from the future is as suspect as
// a stale one (a captured request held back, or a sender's clock far off).
Status check_freshness(std::int64_t signed_seconds, const SignedRequest& request) {
    BATON_ASSERT(request.tolerance.count() >= 0);
    const std::int64_t now_seconds =
        std::chrono::floor<std::chrono::seconds>(request.now.time_since_epoch()).count();
    const std::int64_t tolerance = request.tolerance.count();
    const std::string outside =
        "timestamp outside the " + std::to_string(tolerance) + " s tolerance";
    if (now_seconds - signed_seconds > tolerance) {
        return refuse(outside + " (signed " + std::to_string(now_seconds - signed_seconds) +
                      " s ago)");
    }
    if (signed_seconds - now_seconds > tolerance) {
        return refuse(outside + " (signed " + std::to_string(signed_seconds - now_seconds) +
                      " s in the future)");
    }
    return ok_status();
}

// Compares with every candidate, not stopping at a match, so the time taken says nothing
// about which of them (if any) was right.
bool any_matches(const std::vector<std::string>& candidates, string_view expected) {
    bool matched = false;
    for (const std::string& candidate : candidates) {
        matched = constant_time_equal(candidate, expected) || matched;
    }
    return matched;
}

std::optional<TimePoint> signed_time(std::int64_t seconds) {
    return from_unix_ms(seconds * 1000);
}

Status require_secret(string_view secret) {
    if (secret.empty()) return secret_error("webhook secret is empty");
    return ok_status();
}

// A hex HMAC-SHA256 tag after `prefix` ("sha256=", "v0="), as raw bytes.
Result<std::string> parse_prefixed_hex_tag(string_view value, string_view prefix,
                                           string_view header) {
    const std::string malformed = "malformed " + std::string(header) + " header: expected " +
                                  std::string(prefix) + "<64 hex digits>";
    if (value.substr(0, prefix.size()) != prefix) return refuse(malformed);
    Result<std::string> tag = hex_decode(value.substr(prefix.size()));
    if (!tag || tag->size() != sha256_bytes) return refuse(malformed);
    return std::move(tag).value();
}

// The v1 signatures of a webhook-signature header, decoded. Entries of other versions
// (v1a for asymmetric signatures, future ones) are skipped; extra spaces are tolerated.
Result<std::vector<std::string>> parse_standard_signatures(string_view value) {
    std::vector<std::string> signatures;
    for (string_view entry : split(value, ' ')) {
        if (entry.empty()) continue;
        const std::size_t comma = entry.find(',');
        if (comma == string_view::npos || comma == 0) {
            return refuse(
                "malformed webhook-signature header: expected space-separated "
                "v1,<base64> entries");
        }
        if (entry.substr(0, comma) != "v1") continue;
        Result<std::string> signature = base64_decode(entry.substr(comma + 1));
        if (!signature || signature->size() != sha256_bytes) {
            return refuse(
                "malformed webhook-signature header: a v1 signature is not the "
                "base64 of 32 bytes");
        }
        signatures.push_back(std::move(signature).value());
    }
    if (signatures.empty()) return refuse("webhook-signature header has no v1 signature");
    return signatures;
}

struct StripeSignature {
    string_view timestamp_text;
    std::int64_t timestamp = 0;
    std::vector<std::string> v1;
};

// "t=<unix>,v1=<hex>[,v1=<hex>...]"; other keys (v0, future schemes) are ignored.
Result<StripeSignature> parse_stripe_signature(string_view value) {
    StripeSignature parsed;
    bool have_timestamp = false;
    for (string_view item : split(value, ',')) {
        const std::size_t equals = item.find('=');
        if (equals == string_view::npos || equals == 0) {
            return refuse("malformed Stripe-Signature header: expected t=<unix>,v1=<hex>");
        }
        const string_view key = item.substr(0, equals);
        const string_view text = item.substr(equals + 1);
        if (key == "t") {
            if (have_timestamp) return refuse("malformed Stripe-Signature header: two t= parts");
            Result<std::int64_t> seconds = parse_timestamp(text, "Stripe-Signature t=");
            if (!seconds) return seconds.error();
            parsed.timestamp_text = text;
            parsed.timestamp = *seconds;
            have_timestamp = true;
        } else if (key == "v1") {
            Result<std::string> tag = hex_decode(text);
            if (!tag || tag->size() != sha256_bytes) {
                return refuse(
                    "malformed Stripe-Signature header: a v1 signature is not 64 "
                    "hex digits");
            }
            parsed.v1.push_back(std::move(tag).value());
        }
    }
    if (!have_timestamp) return refuse("Stripe-Signature header has no timestamp (t=)");
    if (parsed.v1.empty()) return refuse("Stripe-Signature header has no v1 signature");
    return parsed;
}

// Printable ASCII without '.', which separates the parts of the signed content, and without
// space, which separates signatures; this also keeps CR and LF out of an outbound header.
bool is_valid_webhook_id(string_view id) {
    if (id.empty() || id.size() > signature_header_bytes_max) return false;
    for (char c : id) {
        if (c <= ' ' || c > '~' || c == '.') return false;
    }
    return true;
}

}  // namespace

const char* to_string(SignatureScheme scheme) {
    switch (scheme) {
        case SignatureScheme::standard_webhooks:
            return "standard-webhooks";
        case SignatureScheme::github:
            return "github";
        case SignatureScheme::stripe:
            return "stripe";
        case SignatureScheme::slack:
            return "slack";
    }
    BATON_ASSERT(false && "unknown SignatureScheme");
    return "";
}

std::optional<SignatureScheme> parse_signature_scheme(string_view name) {
    for (SignatureScheme scheme : {SignatureScheme::standard_webhooks, SignatureScheme::github,
                                   SignatureScheme::stripe, SignatureScheme::slack}) {
        if (name == to_string(scheme)) return scheme;
    }
    return std::nullopt;
}

Result<std::string> decode_standard_webhook_secret(string_view secret) {
    if (secret.substr(0, standard_secret_prefix.size()) == standard_secret_prefix) {
        secret.remove_prefix(standard_secret_prefix.size());
    }
    if (secret.empty()) return secret_error("webhook secret is empty");
    Result<std::string> key = base64_decode(secret);
    if (!key) return secret_error("webhook secret is not whsec_ followed by base64");
    return key;
}

Status check_webhook_secret(SignatureScheme scheme, string_view secret) {
    if (scheme != SignatureScheme::standard_webhooks) return require_secret(secret);
    Result<std::string> key = decode_standard_webhook_secret(secret);
    if (!key) return key.error();
    return ok_status();
}

Result<VerifiedDelivery> verify_standard_webhook(const SignedRequest& request) {
    Result<std::string> key = decode_standard_webhook_secret(request.secret);
    if (!key) return key.error();
    Result<string_view> id = require_header(request.headers, "webhook-id");
    if (!id) return id.error();
    Result<string_view> timestamp_text = require_header(request.headers, "webhook-timestamp");
    if (!timestamp_text) return timestamp_text.error();
    Result<string_view> signature_header = require_header(request.headers, "webhook-signature");
    if (!signature_header) return signature_header.error();
    Result<std::int64_t> timestamp = parse_timestamp(*timestamp_text, "webhook-timestamp header");
    if (!timestamp) return timestamp.error();
    Result<std::vector<std::string>> signatures = parse_standard_signatures(*signature_header);
    if (!signatures) return signatures.error();

    std::string content;
    content.reserve(id->size() + timestamp_text->size() + request.body.size() + 2);
    content.append(*id).append(".").append(*timestamp_text).append(".").append(request.body);
    if (!any_matches(*signatures, hmac_sha256(*key, content))) {
        return refuse("signature does not match");
    }
    // The signature is checked before the time so that "timestamp outside" is only ever
    // said of a genuine (replayed or clock-skewed) delivery, never of a forgery.
    Status fresh = check_freshness(*timestamp, request);
    if (!fresh) return fresh.error();
    return VerifiedDelivery{std::string(*id), {}, signed_time(*timestamp)};
}

Result<VerifiedDelivery> verify_github(const SignedRequest& request) {
    Status secret = require_secret(request.secret);
    if (!secret) return secret.error();
    Result<string_view> header = require_header(request.headers, "X-Hub-Signature-256");
    if (!header) return header.error();
    Result<std::string> tag = parse_prefixed_hex_tag(*header, "sha256=", "X-Hub-Signature-256");
    if (!tag) return tag.error();
    if (!constant_time_equal(*tag, hmac_sha256(request.secret, request.body))) {
        return refuse("signature does not match");
    }
    // Signed or not, a GitHub delivery without these is not one Baton can route.
    Result<string_view> event =
        require_header(request.headers, "X-GitHub-Event", ErrorCode::invalid_argument);
    if (!event) return event.error();
    Result<string_view> delivery =
        require_header(request.headers, "X-GitHub-Delivery", ErrorCode::invalid_argument);
    if (!delivery) return delivery.error();
    // X-GitHub-Delivery is not signed: anyone holding one signed body could send it again
    // under a new id. The id is the signed body's hash, so that resend is a duplicate.
    return VerifiedDelivery{sha256_hex(request.body), std::string(*event), std::nullopt};
}

Result<VerifiedDelivery> verify_stripe(const SignedRequest& request) {
    Status secret = require_secret(request.secret);
    if (!secret) return secret.error();
    Result<string_view> header = require_header(request.headers, "Stripe-Signature");
    if (!header) return header.error();
    Result<StripeSignature> parsed = parse_stripe_signature(*header);
    if (!parsed) return parsed.error();

    std::string payload;
    payload.reserve(parsed->timestamp_text.size() + 1 + request.body.size());
    payload.append(parsed->timestamp_text).append(".").append(request.body);
    if (!any_matches(parsed->v1, hmac_sha256(request.secret, payload))) {
        return refuse("signature does not match");
    }
    Status fresh = check_freshness(parsed->timestamp, request);
    if (!fresh) return fresh.error();
    return VerifiedDelivery{{}, {}, signed_time(parsed->timestamp)};
}

Result<VerifiedDelivery> verify_slack(const SignedRequest& request) {
    Status secret = require_secret(request.secret);
    if (!secret) return secret.error();
    Result<string_view> timestamp_text =
        require_header(request.headers, "X-Slack-Request-Timestamp");
    if (!timestamp_text) return timestamp_text.error();
    Result<string_view> header = require_header(request.headers, "X-Slack-Signature");
    if (!header) return header.error();
    Result<std::int64_t> timestamp =
        parse_timestamp(*timestamp_text, "X-Slack-Request-Timestamp header");
    if (!timestamp) return timestamp.error();
    Result<std::string> tag = parse_prefixed_hex_tag(*header, "v0=", "X-Slack-Signature");
    if (!tag) return tag.error();

    std::string base;
    base.reserve(4 + timestamp_text->size() + request.body.size());
    base.append("v0:").append(*timestamp_text).append(":").append(request.body);
    if (!constant_time_equal(*tag, hmac_sha256(request.secret, base))) {
        return refuse("signature does not match");
    }
    Status fresh = check_freshness(*timestamp, request);
    if (!fresh) return fresh.error();
    return VerifiedDelivery{{}, {}, signed_time(*timestamp)};
}

Result<VerifiedDelivery> verify_signature(SignatureScheme scheme, const SignedRequest& request) {
    switch (scheme) {
        case SignatureScheme::standard_webhooks:
            return verify_standard_webhook(request);
        case SignatureScheme::github:
            return verify_github(request);
        case SignatureScheme::stripe:
            return verify_stripe(request);
        case SignatureScheme::slack:
            return verify_slack(request);
    }
    BATON_ASSERT(false && "unknown SignatureScheme");
    return make_error(ErrorCode::internal, "unknown signature scheme");
}

Result<std::string> sign_standard_webhook(string_view id, std::int64_t timestamp_seconds,
                                          string_view body, string_view secret) {
    Result<std::string> key = decode_standard_webhook_secret(secret);
    if (!key) return key.error();
    if (!is_valid_webhook_id(id)) {
        return make_error(ErrorCode::invalid_argument,
                          "a webhook id must be 1 to " +
                              std::to_string(signature_header_bytes_max) +
                              " printable ASCII characters other than '.' and space",
                          "id");
    }
    // The verifiers refuse what this refuses, so Baton never sends what it would not accept.
    const std::string timestamp_text = std::to_string(timestamp_seconds);
    if (timestamp_seconds < 0 || timestamp_text.size() > timestamp_digits_max) {
        return make_error(ErrorCode::invalid_argument,
                          "a webhook timestamp must be unix seconds, not negative and at most " +
                              std::to_string(timestamp_digits_max) + " digits",
                          "timestamp");
    }
    std::string content;
    content.reserve(id.size() + timestamp_text.size() + body.size() + 2);
    content.append(id).append(".").append(timestamp_text).append(".").append(body);
    return "v1," + base64_encode(hmac_sha256(*key, content));
}

}  // namespace baton::crypto
