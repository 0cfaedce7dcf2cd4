// Inbound webhook signatures: the checks that let POST /hooks/{source} believe a delivery
// came from the sender that shares its secret (DESIGN.md, "Secure by default"). Four
// schemes: Standard Webhooks, GitHub, Stripe and Slack request signing. Also the signer
// for Standard Webhooks, which Baton's own outbound webhooks use.
//
// These are pure functions: the caller passes the headers, the raw body, the secret and
// `now`, and gets back a VerifiedDelivery or an Error. Nothing here reads a clock, logs,
// or keeps state, so every function is safe to call from any thread. A SignedRequest
// only borrows; what it points at must outlive the call.
//
// Every comparison of a signature is constant time. Every refusal of the request's
// signature or signature headers is ErrorCode::forbidden, and its message never contains
// the secret or the expected signature. A secret that cannot be used at all (empty, or a
// Standard Webhooks secret that is not base64) is ErrorCode::invalid_argument with field
// "secret": that is a configuration fault, best caught when the configuration is loaded
// with decode_standard_webhook_secret / check_webhook_secret.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"

namespace baton::crypto {

// How far a signed timestamp may be from `now`, in either direction, unless told otherwise.
inline constexpr std::chrono::seconds signature_tolerance_default{300};
// A signature header is a few hundred bytes even with several signatures for a secret
// rotation; anything longer is refused before it is parsed.
inline constexpr std::size_t signature_header_bytes_max = 2048;
// Unix seconds up to the year 33658; more digits are not a timestamp but an attack on
// the arithmetic.
inline constexpr std::size_t timestamp_digits_max = 12;

// One HTTP request header as received. Names are matched without regard to ASCII case.
struct Header {
    std::string name;
    std::string value;
};

// What a verifier needs. Use designated initialisers: body and secret are both strings.
struct SignedRequest {
    std::span<const Header> headers;
    std::string_view body;    // the raw bytes as received, before any JSON parsing
    std::string_view secret;  // as configured for the source (see each scheme)
    TimePoint now;
    std::chrono::seconds tolerance = signature_tolerance_default;
};

// What a verified delivery says about itself, from headers when its scheme carries them.
// Stripe, Slack and Standard Webhooks put the event type (and Stripe the event id) in the
// body; there the fields stay empty and the caller reads the body.
struct VerifiedDelivery {
    std::string delivery_id;             // webhook-id; for GitHub the body's SHA-256
    std::string event_type;              // X-GitHub-Event
    std::optional<TimePoint> signed_at;  // the signed timestamp; GitHub signs none
};

enum class SignatureScheme { standard_webhooks, github, stripe, slack };

const char* to_string(SignatureScheme scheme);
std::optional<SignatureScheme> parse_signature_scheme(std::string_view name);

// Standard Webhooks (https://www.standardwebhooks.com). Headers webhook-id,
// webhook-timestamp (unix seconds) and webhook-signature (space-separated "v1,<base64>"
// entries; any one matching accepts, entries of other versions are skipped). The signed
// content is "{id}.{timestamp}.{body}". The secret is "whsec_" + base64 of the key; as in
// the reference libraries, the prefix may be left out but the rest is always base64.
Result<VerifiedDelivery> verify_standard_webhook(const SignedRequest& request);

// GitHub. X-Hub-Signature-256: "sha256=<hex>" of HMAC(secret, body); the secret is used
// as it is. GitHub signs no timestamp, so the tolerance does not apply. After the
// signature checks out, X-GitHub-Event and X-GitHub-Delivery are required (their absence
// is ErrorCode::invalid_argument); note that GitHub does not sign them. So the delivery id
// is not the header's but the hex SHA-256 of the signed body: the same body under a new
// X-GitHub-Delivery is the same delivery. The caller checks the event type against the body
// (core/github_events.h).
Result<VerifiedDelivery> verify_github(const SignedRequest& request);

// Stripe. Stripe-Signature: "t=<unix>,v1=<hex>[,v1=<hex>...]" with other keys (v0) ignored;
// the signed payload is "{t}.{body}"; the secret ("whsec_...") is used as it is.
Result<VerifiedDelivery> verify_stripe(const SignedRequest& request);

// Slack request signing. X-Slack-Request-Timestamp and X-Slack-Signature: "v0=<hex>" of
// HMAC(signing secret, "v0:{timestamp}:{body}").
Result<VerifiedDelivery> verify_slack(const SignedRequest& request);

// One of the above, chosen by the source's configured scheme.
Result<VerifiedDelivery> verify_signature(SignatureScheme scheme, const SignedRequest& request);

// The key bytes of a Standard Webhooks secret: the base64 after an optional "whsec_".
Result<std::string> decode_standard_webhook_secret(std::string_view secret);

// Whether a configured secret can be used with the scheme at all (not empty; base64 for
// Standard Webhooks). For loading configuration; the verifiers check it again.
Status check_webhook_secret(SignatureScheme scheme, std::string_view secret);

// The webhook-signature value "v1,<base64>" for one delivery. The id must be 1 to
// signature_header_bytes_max printable ASCII characters other than '.' (the separator of
// the signed content) and the timestamp not negative; otherwise invalid_argument.
Result<std::string> sign_standard_webhook(std::string_view id, std::int64_t timestamp_seconds,
                                          std::string_view body, std::string_view secret);

}  // namespace baton::crypto
