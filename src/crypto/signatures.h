// Inbound webhook signatures: the checks that let POST /hooks/{source} believe a delivery
// came from the sender that shares its secret (DESIGN.md, "Secure by default"). The
// schemes: Standard Webhooks, GitHub, Stripe, Slack, HubSpot (v3), Calendly, Typeform,
// Shopify and Cal.com request signing, and for senders that sign nothing (Pipedrive,
// Zapier, Make, form tools) a shared HTTP Basic or Bearer credential. Also the check of
// several secrets during a rotation, and the signer for Standard Webhooks, which Baton's
// own outbound webhooks use.
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
#include <vector>

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
// The same bound for a timestamp in milliseconds (HubSpot).
inline constexpr std::size_t timestamp_ms_digits_max = timestamp_digits_max + 3;
// Secrets of one source tried by verify_signature_any: the current one and, during a
// rollover window, the one before it. More is a configuration that forgot to retire keys.
inline constexpr std::size_t webhook_secrets_max = 4;

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
    // Only HubSpot signs these: the request's method ("POST") and the full URL the sender
    // called ("https://host/path?query"), which the caller rebuilds. Last, so that callers
    // that initialise by position need not name them.
    std::string_view method{};
    std::string_view uri{};
};

// What a verified delivery says about itself, from headers when its scheme carries them.
// Stripe, Slack and Standard Webhooks put the event type (and Stripe the event id) in the
// body; there the fields stay empty and the caller reads the body.
struct VerifiedDelivery {
    std::string delivery_id;  // webhook-id, X-Shopify-Webhook-Id; for GitHub, Typeform and
                              // Cal.com the body's SHA-256; empty where the body has the id
    std::string event_type;   // X-GitHub-Event, X-Shopify-Topic
    std::optional<TimePoint> signed_at;  // the signed timestamp, where the scheme signs one
};

enum class SignatureScheme {
    standard_webhooks,
    github,
    stripe,
    slack,
    hubspot_v3,
    calendly,
    typeform,
    shopify,
    cal_com,
    basic,
    bearer,
};

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

// HubSpot, signature v3. X-HubSpot-Request-Timestamp (unix *milliseconds*) and
// X-HubSpot-Signature-v3: base64 of HMAC(app secret, method + uri + body + timestamp),
// with request.method and request.uri as the sender used them. HubSpot decodes some
// percent-escapes of the URI before it signs; the uri is signed exactly as given, so the
// caller passes it as HubSpot called it. The event ids are in the body (one per entry).
// An empty request.method or request.uri is ErrorCode::internal with field "uri": the
// caller was not wired for this scheme.
Result<VerifiedDelivery> verify_hubspot_v3(const SignedRequest& request);

// Calendly. Calendly-Webhook-Signature: "t=<unix>,v1=<hex>" of HMAC(signing key,
// "{t}.{body}"), the layout of Stripe's header. The delivery's id is in the body.
Result<VerifiedDelivery> verify_calendly(const SignedRequest& request);

// Typeform. Typeform-Signature: "sha256=<base64>" of HMAC(secret, body). No timestamp; the
// delivery id is the body's hex SHA-256, so a resend of the same body is a duplicate.
Result<VerifiedDelivery> verify_typeform(const SignedRequest& request);

// Shopify. X-Shopify-Hmac-SHA256: base64 of HMAC(secret, body). No timestamp. After the
// signature checks out X-Shopify-Webhook-Id is required (invalid_argument when absent);
// X-Shopify-Topic, when present, is the event type. Shopify signs neither header, so the
// delivery id is the body's hex SHA-256 (as for GitHub): a signed body resent under a new
// X-Shopify-Webhook-Id is a duplicate. The topic may have been changed in transit; the
// shopify preset makes it part of the event id, so a captured body becomes at most one
// event per topic.
Result<VerifiedDelivery> verify_shopify(const SignedRequest& request);

// Cal.com. X-Cal-Signature-256: hex of HMAC(secret, body), no prefix. No timestamp; the
// delivery id is the body's hex SHA-256.
Result<VerifiedDelivery> verify_cal_com(const SignedRequest& request);

// No signature, a shared credential (Pipedrive): Authorization: "Basic <base64 of
// user:password>", whose decoded credentials must equal the secret "user:password". The
// credential is not bound to the body, so it proves less than a signature; delivery id
// empty.
Result<VerifiedDelivery> verify_basic_auth(const SignedRequest& request);

// No signature, a shared token (Zapier, Make, form tools that cannot sign): Authorization:
// "Bearer <secret>". The weakest scheme here, for senders that offer nothing better.
Result<VerifiedDelivery> verify_bearer(const SignedRequest& request);

// One of the above, chosen by the source's configured scheme.
Result<VerifiedDelivery> verify_signature(SignatureScheme scheme, const SignedRequest& request);

// verify_signature under each of a source's secrets (request.secret is ignored): accepts
// when any one verifies, for a secret rotation's rollover window. Every secret is tried,
// even after one succeeds, so the time taken does not tell which one matched. When none
// verifies, the refusal is the first secret's. No secrets, more than webhook_secrets_max,
// or any unusable one is invalid_argument with field "secret".
Result<VerifiedDelivery> verify_signature_any(SignatureScheme scheme, const SignedRequest& request,
                                              std::span<const std::string> secrets);

// The key bytes of a Standard Webhooks secret: the base64 after an optional "whsec_".
Result<std::string> decode_standard_webhook_secret(std::string_view secret);

// Whether a configured secret can be used with the scheme at all (not empty; base64 for
// Standard Webhooks; "user:password" with a non-empty user for Basic; for Bearer, printable
// ASCII without spaces, as a header can carry it). For loading configuration; the
// verifiers check it again.
Status check_webhook_secret(SignatureScheme scheme, std::string_view secret);

// The webhook-signature value "v1,<base64>" for one delivery. The id must be 1 to
// signature_header_bytes_max printable ASCII characters other than '.' (the separator of
// the signed content) and the timestamp not negative; otherwise invalid_argument.
Result<std::string> sign_standard_webhook(std::string_view id, std::int64_t timestamp_seconds,
                                          std::string_view body, std::string_view secret);

// The headers that sign `body` under `scheme` with `secret` as its sender would (for the
// board's test delivery, which then goes through the verifiers above like any call): the
// signature, its timestamp at `now` where the scheme signs one, and the delivery id header
// a scheme requires (`delivery_id`: webhook-id, X-GitHub-Delivery, X-Shopify-Webhook-Id).
// HubSpot v3 signs `method` and `uri` too. invalid_argument for an unusable secret.
Result<std::vector<Header>> sign_request(SignatureScheme scheme, std::string_view secret,
                                         std::string_view body, TimePoint now,
                                         std::string_view method, std::string_view uri,
                                         std::string_view delivery_id);

}  // namespace baton::crypto
