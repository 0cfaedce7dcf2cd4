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

// The value of the header called `name` when it was sent, empty when it was not; sent
// twice or too long is refused as require_header refuses it.
Result<string_view> optional_header(std::span<const Header> headers, string_view name,
                                    ErrorCode code) {
    for (const Header& header : headers) {
        if (equals_ignoring_case(header.name, name)) return require_header(headers, name, code);
    }
    return string_view();
}

// A unix time as ASCII digits only: no sign, no fraction, no spaces, at most `digits_max`
// digits, so the arithmetic below cannot overflow.
Result<std::int64_t> parse_unix_time(string_view text, string_view what, std::size_t digits_max,
                                     string_view unit) {
    const Error malformed =
        refuse("malformed " + std::string(what) + ": not a unix time in " + std::string(unit));
    if (text.empty() || text.size() > digits_max) return malformed;
    std::int64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return malformed;
        value = value * 10 + (c - '0');
    }
    return value;
}

Result<std::int64_t> parse_timestamp(string_view text, string_view what) {
    return parse_unix_time(text, what, timestamp_digits_max, "whole seconds");
}

Result<std::int64_t> parse_timestamp_ms(string_view text, string_view what) {
    return parse_unix_time(text, what, timestamp_ms_digits_max, "milliseconds");
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

// check_freshness for a timestamp in milliseconds (HubSpot), compared in milliseconds so
// that the edge is exact.
Status check_freshness_ms(std::int64_t signed_ms, const SignedRequest& request) {
    BATON_ASSERT(request.tolerance.count() >= 0);
    const std::int64_t now_ms = to_unix_ms(request.now);
    const std::int64_t tolerance_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(request.tolerance).count();
    const std::string outside =
        "timestamp outside the " + std::to_string(request.tolerance.count()) + " s tolerance";
    if (now_ms - signed_ms > tolerance_ms) {
        return refuse(outside + " (signed " + std::to_string(now_ms - signed_ms) + " ms ago)");
    }
    if (signed_ms - now_ms > tolerance_ms) {
        return refuse(outside + " (signed " + std::to_string(signed_ms - now_ms) +
                      " ms in the future)");
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

// A base64 HMAC-SHA256 tag after `prefix` ("sha256=", or none), as raw bytes.
Result<std::string> parse_prefixed_base64_tag(string_view value, string_view prefix,
                                              string_view header) {
    const std::string malformed = "malformed " + std::string(header) + " header: expected " +
                                  std::string(prefix) + "<base64 of 32 bytes>";
    if (value.substr(0, prefix.size()) != prefix) return refuse(malformed);
    Result<std::string> tag = base64_decode(value.substr(prefix.size()));
    if (!tag || tag->size() != sha256_bytes) return refuse(malformed);
    return std::move(tag).value();
}

// Whether two credentials are equal, in a time that depends on neither their content nor
// their lengths: the digests are compared, not the credentials, because unlike a tag's the
// length of a password is part of the secret.
bool same_credential(string_view presented, string_view secret) {
    return constant_time_equal(sha256_hex(presented), sha256_hex(secret));
}

// The credentials of "Authorization: <scheme> <credentials>". The scheme's name is matched
// without regard to case (RFC 9110, 11.1); one space separates it from the credentials.
Result<string_view> parse_authorization(std::span<const Header> headers, string_view scheme,
                                        string_view expected) {
    Result<string_view> value = require_header(headers, "Authorization");
    if (!value) return value.error();
    const Error malformed = refuse("malformed Authorization header: expected " +
                                   std::string(scheme) + " " + std::string(expected));
    if (value->size() <= scheme.size() + 1 ||
        !equals_ignoring_case(value->substr(0, scheme.size()), scheme) ||
        (*value)[scheme.size()] != ' ') {
        return malformed;
    }
    const string_view credentials = value->substr(scheme.size() + 1);
    for (char c : credentials) {
        if (c <= ' ' || c > '~') return malformed;
    }
    return credentials;
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

// The layout of Stripe-Signature, which Calendly-Webhook-Signature shares.
struct TimestampedSignature {
    string_view timestamp_text;
    std::int64_t timestamp = 0;
    std::vector<std::string> v1;
};

// "t=<unix>,v1=<hex>[,v1=<hex>...]"; other keys (v0, future schemes) are ignored.
Result<TimestampedSignature> parse_timestamped_signature(string_view value, string_view header) {
    const std::string name(header);
    TimestampedSignature parsed;
    bool have_timestamp = false;
    for (string_view item : split(value, ',')) {
        const std::size_t equals = item.find('=');
        if (equals == string_view::npos || equals == 0) {
            return refuse("malformed " + name + " header: expected t=<unix>,v1=<hex>");
        }
        const string_view key = item.substr(0, equals);
        const string_view text = item.substr(equals + 1);
        if (key == "t") {
            if (have_timestamp) return refuse("malformed " + name + " header: two t= parts");
            Result<std::int64_t> seconds = parse_timestamp(text, name + " t=");
            if (!seconds) return seconds.error();
            parsed.timestamp_text = text;
            parsed.timestamp = *seconds;
            have_timestamp = true;
        } else if (key == "v1") {
            Result<std::string> tag = hex_decode(text);
            if (!tag || tag->size() != sha256_bytes) {
                return refuse("malformed " + name + " header: a v1 signature is not 64 hex digits");
            }
            parsed.v1.push_back(std::move(tag).value());
        }
    }
    if (!have_timestamp) return refuse(name + " header has no timestamp (t=)");
    if (parsed.v1.empty()) return refuse(name + " header has no v1 signature");
    return parsed;
}

// Stripe and Calendly: the payload "{t}.{body}", signed and fresh.
Result<VerifiedDelivery> verify_timestamped(const SignedRequest& request, string_view header) {
    Status secret = require_secret(request.secret);
    if (!secret) return secret.error();
    Result<string_view> value = require_header(request.headers, header);
    if (!value) return value.error();
    Result<TimestampedSignature> parsed = parse_timestamped_signature(*value, header);
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

// Typeform, Shopify and Cal.com: one tag of HMAC(secret, body) in one header, nothing else.
enum class TagEncoding { hex, base64 };

Status check_body_tag(const SignedRequest& request, string_view header, string_view prefix,
                      TagEncoding encoding) {
    Status secret = require_secret(request.secret);
    if (!secret) return secret;
    Result<string_view> value = require_header(request.headers, header);
    if (!value) return value.error();
    Result<std::string> tag = encoding == TagEncoding::hex
                                  ? parse_prefixed_hex_tag(*value, prefix, header)
                                  : parse_prefixed_base64_tag(*value, prefix, header);
    if (!tag) return tag.error();
    if (!constant_time_equal(*tag, hmac_sha256(request.secret, request.body))) {
        return refuse("signature does not match");
    }
    return ok_status();
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
        case SignatureScheme::hubspot_v3:
            return "hubspot-v3";
        case SignatureScheme::calendly:
            return "calendly";
        case SignatureScheme::typeform:
            return "typeform";
        case SignatureScheme::shopify:
            return "shopify";
        case SignatureScheme::cal_com:
            return "cal-com";
        case SignatureScheme::basic:
            return "basic";
        case SignatureScheme::bearer:
            return "bearer";
    }
    BATON_ASSERT(false && "unknown SignatureScheme");
    return "";
}

std::optional<SignatureScheme> parse_signature_scheme(string_view name) {
    for (SignatureScheme scheme :
         {SignatureScheme::standard_webhooks, SignatureScheme::github, SignatureScheme::stripe,
          SignatureScheme::slack, SignatureScheme::hubspot_v3, SignatureScheme::calendly,
          SignatureScheme::typeform, SignatureScheme::shopify, SignatureScheme::cal_com,
          SignatureScheme::basic, SignatureScheme::bearer}) {
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
    switch (scheme) {
        case SignatureScheme::standard_webhooks: {
            Result<std::string> key = decode_standard_webhook_secret(secret);
            if (!key) return key.error();
            return ok_status();
        }
        case SignatureScheme::basic: {
            Status present = require_secret(secret);
            if (!present) return present;
            const std::size_t colon = secret.find(':');
            if (colon == string_view::npos || colon == 0) {
                return secret_error("a basic secret is user:password with a non-empty user");
            }
            return ok_status();
        }
        case SignatureScheme::bearer: {
            Status present = require_secret(secret);
            if (!present) return present;
            // parse_authorization accepts nothing else, so such a token could never match.
            for (char c : secret) {
                if (c <= ' ' || c > '~') {
                    return secret_error("a bearer secret is printable ASCII without spaces");
                }
            }
            return ok_status();
        }
        default:
            return require_secret(secret);
    }
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
    return verify_timestamped(request, "Stripe-Signature");
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

Result<VerifiedDelivery> verify_hubspot_v3(const SignedRequest& request) {
    Status secret = require_secret(request.secret);
    if (!secret) return secret.error();
    // Without them nothing HubSpot signed can be rebuilt: the caller was not wired for it.
    if (request.method.empty() || request.uri.empty()) {
        return make_error(ErrorCode::internal, "hubspot-v3 needs the request's method and full URI",
                          "uri");
    }
    Result<string_view> timestamp_text =
        require_header(request.headers, "X-HubSpot-Request-Timestamp");
    if (!timestamp_text) return timestamp_text.error();
    Result<string_view> header = require_header(request.headers, "X-HubSpot-Signature-v3");
    if (!header) return header.error();
    Result<std::int64_t> timestamp_ms =
        parse_timestamp_ms(*timestamp_text, "X-HubSpot-Request-Timestamp header");
    if (!timestamp_ms) return timestamp_ms.error();
    Result<std::string> tag = parse_prefixed_base64_tag(*header, "", "X-HubSpot-Signature-v3");
    if (!tag) return tag.error();

    std::string source;
    source.reserve(request.method.size() + request.uri.size() + request.body.size() +
                   timestamp_text->size());
    source.append(request.method).append(request.uri).append(request.body).append(*timestamp_text);
    if (!constant_time_equal(*tag, hmac_sha256(request.secret, source))) {
        return refuse("signature does not match");
    }
    Status fresh = check_freshness_ms(*timestamp_ms, request);
    if (!fresh) return fresh.error();
    return VerifiedDelivery{{}, {}, from_unix_ms(*timestamp_ms)};
}

Result<VerifiedDelivery> verify_calendly(const SignedRequest& request) {
    return verify_timestamped(request, "Calendly-Webhook-Signature");
}

Result<VerifiedDelivery> verify_typeform(const SignedRequest& request) {
    Status signature =
        check_body_tag(request, "Typeform-Signature", "sha256=", TagEncoding::base64);
    if (!signature) return signature.error();
    return VerifiedDelivery{sha256_hex(request.body), {}, std::nullopt};
}

Result<VerifiedDelivery> verify_shopify(const SignedRequest& request) {
    Status signature = check_body_tag(request, "X-Shopify-Hmac-SHA256", "", TagEncoding::base64);
    if (!signature) return signature.error();
    Result<string_view> id =
        require_header(request.headers, "X-Shopify-Webhook-Id", ErrorCode::invalid_argument);
    if (!id) return id.error();
    Result<string_view> topic =
        optional_header(request.headers, "X-Shopify-Topic", ErrorCode::invalid_argument);
    if (!topic) return topic.error();
    // Neither header is signed: the id is the signed body's hash, so the same body under a
    // new X-Shopify-Webhook-Id is a duplicate (as for GitHub). The header is still required:
    // Shopify always sends it, and its absence says the request is not Shopify's.
    return VerifiedDelivery{sha256_hex(request.body), std::string(*topic), std::nullopt};
}

Result<VerifiedDelivery> verify_cal_com(const SignedRequest& request) {
    Status signature = check_body_tag(request, "X-Cal-Signature-256", "", TagEncoding::hex);
    if (!signature) return signature.error();
    return VerifiedDelivery{sha256_hex(request.body), {}, std::nullopt};
}

Result<VerifiedDelivery> verify_basic_auth(const SignedRequest& request) {
    Status secret = check_webhook_secret(SignatureScheme::basic, request.secret);
    if (!secret) return secret.error();
    Result<string_view> encoded =
        parse_authorization(request.headers, "Basic", "<base64 of user:password>");
    if (!encoded) return encoded.error();
    Result<std::string> credentials = base64_decode(*encoded);
    if (!credentials || credentials->find(':') == std::string::npos) {
        return refuse("malformed Authorization header: expected Basic <base64 of user:password>");
    }
    if (!same_credential(*credentials, request.secret)) {
        return refuse("credentials do not match");
    }
    return VerifiedDelivery{{}, {}, std::nullopt};
}

Result<VerifiedDelivery> verify_bearer(const SignedRequest& request) {
    Status secret = check_webhook_secret(SignatureScheme::bearer, request.secret);
    if (!secret) return secret.error();
    Result<string_view> token = parse_authorization(request.headers, "Bearer", "<token>");
    if (!token) return token.error();
    if (!same_credential(*token, request.secret)) return refuse("token does not match");
    return VerifiedDelivery{{}, {}, std::nullopt};
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
        case SignatureScheme::hubspot_v3:
            return verify_hubspot_v3(request);
        case SignatureScheme::calendly:
            return verify_calendly(request);
        case SignatureScheme::typeform:
            return verify_typeform(request);
        case SignatureScheme::shopify:
            return verify_shopify(request);
        case SignatureScheme::cal_com:
            return verify_cal_com(request);
        case SignatureScheme::basic:
            return verify_basic_auth(request);
        case SignatureScheme::bearer:
            return verify_bearer(request);
    }
    BATON_ASSERT(false && "unknown SignatureScheme");
    return make_error(ErrorCode::internal, "unknown signature scheme");
}

Result<VerifiedDelivery> verify_signature_any(SignatureScheme scheme, const SignedRequest& request,
                                              std::span<const std::string> secrets) {
    if (secrets.empty()) return secret_error("no webhook secret is configured");
    if (secrets.size() > webhook_secrets_max) {
        return secret_error("at most " + std::to_string(webhook_secrets_max) +
                            " webhook secrets may be configured at once");
    }
    for (const std::string& secret : secrets) {
        Status usable = check_webhook_secret(scheme, secret);
        if (!usable) return usable.error();
    }
    // Every secret is tried, so that the time taken does not say which one (if any) matched.
    std::optional<Result<VerifiedDelivery>> accepted;
    std::optional<Result<VerifiedDelivery>> first_refusal;
    for (const std::string& secret : secrets) {
        SignedRequest attempt = request;
        attempt.secret = secret;
        Result<VerifiedDelivery> result = verify_signature(scheme, attempt);
        if (result.ok()) {
            if (!accepted) accepted.emplace(std::move(result));
        } else if (!first_refusal) {
            first_refusal.emplace(std::move(result));
        }
    }
    if (accepted) return std::move(*accepted);
    return std::move(*first_refusal);
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

Result<std::vector<Header>> sign_request(SignatureScheme scheme, string_view secret,
                                         string_view body, TimePoint now, string_view method,
                                         string_view uri, string_view delivery_id) {
    if (Status usable = check_webhook_secret(scheme, secret); !usable) return usable.error();
    const std::string key(secret);
    const std::int64_t ms = to_unix_ms(now);
    const std::string t = std::to_string(ms / 1000);
    const std::string id(delivery_id);
    const auto hmac = [&](const std::string& content) { return hmac_sha256(key, content); };
    switch (scheme) {
        case SignatureScheme::standard_webhooks: {
            auto signature = sign_standard_webhook(id, ms / 1000, body, secret);
            if (!signature) return signature.error();
            return std::vector<Header>{
                {"webhook-id", id}, {"webhook-timestamp", t}, {"webhook-signature", *signature}};
        }
        case SignatureScheme::github:
            return std::vector<Header>{
                {"X-Hub-Signature-256", "sha256=" + hex_encode(hmac(std::string(body)))},
                {"X-GitHub-Delivery", id}};
        case SignatureScheme::stripe:
            return std::vector<Header>{
                {"Stripe-Signature",
                 "t=" + t + ",v1=" + hex_encode(hmac(t + "." + std::string(body)))}};
        case SignatureScheme::slack:
            return std::vector<Header>{
                {"X-Slack-Request-Timestamp", t},
                {"X-Slack-Signature",
                 "v0=" + hex_encode(hmac("v0:" + t + ":" + std::string(body)))}};
        case SignatureScheme::hubspot_v3: {
            const std::string ms_text = std::to_string(ms);
            const std::string content =
                std::string(method) + std::string(uri) + std::string(body) + ms_text;
            return std::vector<Header>{{"X-HubSpot-Request-Timestamp", ms_text},
                                       {"X-HubSpot-Signature-v3", base64_encode(hmac(content))}};
        }
        case SignatureScheme::calendly:
            return std::vector<Header>{
                {"Calendly-Webhook-Signature",
                 "t=" + t + ",v1=" + hex_encode(hmac(t + "." + std::string(body)))}};
        case SignatureScheme::typeform:
            return std::vector<Header>{
                {"Typeform-Signature", "sha256=" + base64_encode(hmac(std::string(body)))}};
        case SignatureScheme::shopify:
            return std::vector<Header>{
                {"X-Shopify-Hmac-SHA256", base64_encode(hmac(std::string(body)))},
                {"X-Shopify-Webhook-Id", id}};
        case SignatureScheme::cal_com:
            return std::vector<Header>{
                {"X-Cal-Signature-256", hex_encode(hmac(std::string(body)))}};
        case SignatureScheme::basic:
            return std::vector<Header>{{"Authorization", "Basic " + base64_encode(key)}};
        case SignatureScheme::bearer:
            return std::vector<Header>{{"Authorization", "Bearer " + key}};
    }
    return make_error(ErrorCode::internal, "an unknown signature scheme");
}

}  // namespace baton::crypto
