// Inbound webhook signatures, one suite per scheme. Each scheme is checked against a
// vector that was not produced by this code (published by the scheme's owner where one
// exists), then refused for a tampered body, a stale or future timestamp, a wrong secret,
// each missing header and each kind of malformed header.
#include "crypto/signatures.h"

#include <gtest/gtest.h>

#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.h"

namespace baton::crypto {
namespace {

using std::chrono::seconds;

TimePoint at(std::int64_t unix_seconds) {
    return from_unix_ms(unix_seconds * 1000);
}

// Checks the refusal's code and message, and that it gives nothing secret away.
void expect_refused(const Result<VerifiedDelivery>& result, const std::string& fragment,
                    const std::string& secret, ErrorCode code = ErrorCode::forbidden) {
    ASSERT_FALSE(result.ok()) << "accepted, expected: " << fragment;
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_NE(result.error().message.find(fragment), std::string::npos)
        << "message: " << result.error().message << "\nexpected: " << fragment;
    EXPECT_EQ(result.error().message.find(secret), std::string::npos);
}

// Replaces the value of the header called `name` (exact spelling), or removes it.
std::vector<Header> with(std::vector<Header> headers, const std::string& name,
                         std::optional<std::string> value) {
    std::erase_if(headers, [&](const Header& h) { return h.name == name; });
    if (value) headers.push_back({name, *value});
    return headers;
}

std::string flip_one_byte(std::string body, std::size_t at) {
    body[at] = char(body[at] ^ 0x01);
    return body;
}

// ---- Standard Webhooks ----------------------------------------------------------------

// The vector of the Standard Webhooks reference libraries (the sign test of
// standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py, also used
// by the Svix libraries).
const std::string sw_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string sw_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t sw_timestamp = 1614265330;
const std::string sw_body = R"({"test": 2432232314})";
const std::string sw_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

std::vector<Header> sw_headers(const std::string& signature = sw_signature,
                               std::int64_t timestamp = sw_timestamp) {
    return {{"webhook-id", sw_id},
            {"webhook-timestamp", std::to_string(timestamp)},
            {"webhook-signature", signature}};
}

Result<VerifiedDelivery> sw_verify(const std::vector<Header>& headers,
                                   const std::string& body = sw_body,
                                   TimePoint now = at(sw_timestamp),
                                   const std::string& secret = sw_secret) {
    return verify_standard_webhook(
        SignedRequest{.headers = headers, .body = body, .secret = secret, .now = now});
}

// A valid signature for another timestamp, made with the signer the spec vector pins down.
std::string sw_sign(std::int64_t timestamp, const std::string& body = sw_body) {
    Result<std::string> signature = sign_standard_webhook(sw_id, timestamp, body, sw_secret);
    BATON_ASSERT(signature.ok());
    return *signature;
}

TEST(StandardWebhooks, SignerReproducesTheSpecificationVector) {
    const Result<std::string> signature =
        sign_standard_webhook(sw_id, sw_timestamp, sw_body, sw_secret);
    ASSERT_TRUE(signature.ok()) << signature.error().message;
    EXPECT_EQ(*signature, sw_signature);
}

TEST(StandardWebhooks, VerifiesTheSpecificationVector) {
    const Result<VerifiedDelivery> delivery = sw_verify(sw_headers());
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->delivery_id, sw_id);
    EXPECT_EQ(delivery->event_type, "");
    EXPECT_EQ(delivery->signed_at, at(sw_timestamp));
}

TEST(StandardWebhooks, SecretPrefixIsOptional) {
    EXPECT_TRUE(sw_verify(sw_headers(), sw_body, at(sw_timestamp), sw_secret.substr(6)).ok());
}

TEST(StandardWebhooks, HeaderNamesIgnoreCase) {
    const std::vector<Header> headers = {{"Webhook-Id", sw_id},
                                         {"WEBHOOK-TIMESTAMP", std::to_string(sw_timestamp)},
                                         {"Webhook-Signature", sw_signature}};
    EXPECT_TRUE(sw_verify(headers).ok());
}

TEST(StandardWebhooks, AnyMatchingV1SignatureAccepts) {
    // As during a secret rotation: an old key's signature, a wrong one, another version.
    const std::string list =
        "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
        "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
        "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5B " +
        sw_signature + "  v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
    EXPECT_TRUE(sw_verify(sw_headers(list)).ok());
}

TEST(StandardWebhooks, RefusesATamperedBody) {
    for (std::size_t i : {std::size_t(0), std::size_t(9), sw_body.size() - 1}) {
        expect_refused(sw_verify(sw_headers(), flip_one_byte(sw_body, i)),
                       "signature does not match", sw_secret);
    }
    expect_refused(sw_verify(sw_headers(), sw_body + " "), "signature does not match", sw_secret);
}

TEST(StandardWebhooks, RefusesATamperedIdOrTimestamp) {
    expect_refused(sw_verify(with(sw_headers(), "webhook-id", "msg_other")),
                   "signature does not match", sw_secret);
    // The signature of one second, presented with the next: the timestamp is signed too.
    const std::vector<Header> moved = sw_headers(sw_signature, sw_timestamp + 1);
    expect_refused(sw_verify(moved), "signature does not match", sw_secret);
}

TEST(StandardWebhooks, RefusesAWrongSecret) {
    // A different key of the same length, validly encoded.
    const std::string other = "whsec_" + base64_encode(std::string(24, 'k'));
    expect_refused(sw_verify(sw_headers(), sw_body, at(sw_timestamp), other),
                   "signature does not match", other);
}

TEST(StandardWebhooks, AppliesTheToleranceBothWays) {
    const std::int64_t now = sw_timestamp;
    // Exactly at the edge is accepted, one second past it is not.
    EXPECT_TRUE(sw_verify(sw_headers(sw_sign(now - 300), now - 300), sw_body, at(now)).ok());
    EXPECT_TRUE(sw_verify(sw_headers(sw_sign(now + 300), now + 300), sw_body, at(now)).ok());
    expect_refused(sw_verify(sw_headers(sw_sign(now - 301), now - 301), sw_body, at(now)),
                   "timestamp outside the 300 s tolerance (signed 301 s ago)", sw_secret);
    expect_refused(sw_verify(sw_headers(sw_sign(now + 301), now + 301), sw_body, at(now)),
                   "timestamp outside the 300 s tolerance (signed 301 s in the future)", sw_secret);
    expect_refused(sw_verify(sw_headers(), sw_body, at(now + 86400)),
                   "timestamp outside the 300 s tolerance", sw_secret);
}

TEST(StandardWebhooks, HonoursAConfiguredTolerance) {
    const std::vector<Header> headers = sw_headers();
    const SignedRequest request{.headers = headers,
                                .body = sw_body,
                                .secret = sw_secret,
                                .now = at(sw_timestamp + 61),
                                .tolerance = seconds(60)};
    expect_refused(verify_standard_webhook(request), "outside the 60 s tolerance", sw_secret);
    SignedRequest later = request;
    later.now = at(sw_timestamp + 60);
    EXPECT_TRUE(verify_standard_webhook(later).ok());
}

TEST(StandardWebhooks, RefusesEachMissingHeader) {
    for (const char* name : {"webhook-id", "webhook-timestamp", "webhook-signature"}) {
        expect_refused(sw_verify(with(sw_headers(), name, std::nullopt)),
                       "missing " + std::string(name) + " header", sw_secret);
        expect_refused(sw_verify(with(sw_headers(), name, "")),
                       "empty " + std::string(name) + " header", sw_secret);
    }
    expect_refused(sw_verify({}), "missing webhook-id header", sw_secret);
}

TEST(StandardWebhooks, RefusesADuplicatedHeader) {
    std::vector<Header> headers = sw_headers();
    headers.push_back({"Webhook-Signature", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="});
    expect_refused(sw_verify(headers), "duplicate webhook-signature header", sw_secret);
}

TEST(StandardWebhooks, RefusesMalformedSignatureHeaders) {
    struct Case {
        std::string value;
        const char* fragment;
    };
    const Case cases[] = {
        {"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "expected space-separated v1,<base64>"},
        {",g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "expected space-separated"},
        {"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE", "not the base64 of 32 bytes"},
        {"v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE=", "not the base64 of 32 bytes"},
        {"v1,Zm9v", "not the base64 of 32 bytes"},
        {sw_signature + " garbage", "expected space-separated"},
        {"v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5B", "has no v1 signature"},
        {"   ", "has no v1 signature"},
        {std::string(signature_header_bytes_max + 1, 'v'), "longer than 2048 bytes"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.value);
        expect_refused(sw_verify(sw_headers(c.value)), c.fragment, sw_secret);
    }
}

TEST(StandardWebhooks, AcceptsASignatureHeaderAtTheLimit) {
    std::string value = sw_signature;
    value.append(signature_header_bytes_max - value.size(), ' ');
    EXPECT_TRUE(sw_verify(sw_headers(value)).ok());
}

TEST(StandardWebhooks, RefusesMalformedTimestamps) {
    for (const char* bad : {"hello", "-1614265330", "+1614265330", "1614265330.5", " 1614265330",
                            "1614265330 ", "0x60371f72", "1234567890123"}) {
        SCOPED_TRACE(bad);
        expect_refused(sw_verify(with(sw_headers(), "webhook-timestamp", bad)),
                       "malformed webhook-timestamp header: not a unix time", sw_secret);
    }
}

TEST(StandardWebhooks, RefusesAnUnusableSecret) {
    for (const char* secret : {"", "whsec_", "whsec_not base64!", "whsec_Zg="}) {
        SCOPED_TRACE(secret);
        const Result<VerifiedDelivery> result =
            sw_verify(sw_headers(), sw_body, at(sw_timestamp), secret);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(result.error().field, "secret");
        EXPECT_FALSE(check_webhook_secret(SignatureScheme::standard_webhooks, secret).ok());
    }
    EXPECT_TRUE(check_webhook_secret(SignatureScheme::standard_webhooks, sw_secret).ok());
}

TEST(StandardWebhooks, DecodesTheSecretToTheKeyBytes) {
    const Result<std::string> key = decode_standard_webhook_secret(sw_secret);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->size(), 24u);
    EXPECT_EQ(base64_encode(*key), sw_secret.substr(6));
}

TEST(StandardWebhooks, SignerRefusesIdsAndTimestampsItWouldNotAccept) {
    for (const char* id : {"", "msg.1", "msg 1", "msg\r\nX-Evil: 1", "msg\x01"}) {
        SCOPED_TRACE(id);
        const Result<std::string> signature = sign_standard_webhook(id, 1, "{}", sw_secret);
        ASSERT_FALSE(signature.ok());
        EXPECT_EQ(signature.error().field, "id");
    }
    const std::string long_id(signature_header_bytes_max + 1, 'a');
    EXPECT_FALSE(sign_standard_webhook(long_id, 1, "{}", sw_secret).ok());
    EXPECT_FALSE(sign_standard_webhook("msg_1", -1, "{}", sw_secret).ok());
    EXPECT_FALSE(sign_standard_webhook("msg_1", 1'000'000'000'000, "{}", sw_secret).ok());
    EXPECT_TRUE(sign_standard_webhook("msg_1", 999'999'999'999, "{}", sw_secret).ok());
    EXPECT_FALSE(sign_standard_webhook("msg_1", 1, "{}", "whsec_***").ok());
}

TEST(StandardWebhooks, SignerAndVerifierAgreeOnAFreshKey) {
    const Result<std::string> key = random_bytes(32);
    ASSERT_TRUE(key.ok());
    const std::string secret = "whsec_" + base64_encode(*key);
    const std::string body = "{\"type\":\"handoff.accepted\",\"data\":{}}";
    const Result<std::string> signature = sign_standard_webhook("dlv_1", 1800000000, body, secret);
    ASSERT_TRUE(signature.ok());
    const std::vector<Header> headers = {{"webhook-id", "dlv_1"},
                                         {"webhook-timestamp", "1800000000"},
                                         {"webhook-signature", *signature}};
    const Result<VerifiedDelivery> delivery = verify_standard_webhook(
        {.headers = headers, .body = body, .secret = secret, .now = at(1800000100)});
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->delivery_id, "dlv_1");
}

// ---- GitHub ----------------------------------------------------------------------------

// Published in GitHub's "Validating webhook deliveries".
const std::string gh_secret = "It's a Secret to Everybody";
const std::string gh_body = "Hello, World!";
const std::string gh_signature =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

std::vector<Header> gh_headers(const std::string& signature = gh_signature) {
    return {{"X-Hub-Signature-256", signature},
            {"X-GitHub-Event", "pull_request"},
            {"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"}};
}

Result<VerifiedDelivery> gh_verify(const std::vector<Header>& headers,
                                   const std::string& body = gh_body,
                                   const std::string& secret = gh_secret) {
    // GitHub signs no timestamp, so any `now` will do.
    return verify_github(
        SignedRequest{.headers = headers, .body = body, .secret = secret, .now = at(0)});
}

TEST(GitHub, VerifiesThePublishedVector) {
    const Result<VerifiedDelivery> delivery = gh_verify(gh_headers());
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->event_type, "pull_request");
    // Not the unsigned X-GitHub-Delivery but the SHA-256 of the signed body (issue 22, 4).
    EXPECT_EQ(delivery->delivery_id,
              "dffd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f");
    EXPECT_FALSE(delivery->signed_at.has_value());
}

TEST(GitHub, AcceptsLowercaseHeaderNamesAndUppercaseHex) {
    std::string upper = gh_signature;
    for (std::size_t i = 7; i < upper.size(); ++i) upper[i] = char(std::toupper(upper[i]));
    const std::vector<Header> headers = {
        {"x-hub-signature-256", upper}, {"x-github-event", "ping"}, {"x-github-delivery", "d1"}};
    EXPECT_TRUE(gh_verify(headers).ok());
}

TEST(GitHub, RefusesATamperedBody) {
    expect_refused(gh_verify(gh_headers(), flip_one_byte(gh_body, 0)), "signature does not match",
                   gh_secret);
    expect_refused(gh_verify(gh_headers(), "Hello, World?"), "signature does not match", gh_secret);
}

TEST(GitHub, RefusesAWrongSecret) {
    expect_refused(gh_verify(gh_headers(), gh_body, "It's a Secret to Everybody!"),
                   "signature does not match", gh_secret);
}

TEST(GitHub, RefusesAMissingSignatureHeader) {
    expect_refused(gh_verify(with(gh_headers(), "X-Hub-Signature-256", std::nullopt)),
                   "missing X-Hub-Signature-256 header", gh_secret);
}

TEST(GitHub, RequiresEventAndDeliveryAfterTheSignature) {
    for (const char* name : {"X-GitHub-Event", "X-GitHub-Delivery"}) {
        expect_refused(gh_verify(with(gh_headers(), name, std::nullopt)),
                       "missing " + std::string(name) + " header", gh_secret,
                       ErrorCode::invalid_argument);
    }
    // Without a valid signature the request is refused as forged, whatever else it lacks.
    const std::vector<Header> bare = {{"X-Hub-Signature-256", gh_signature}};
    expect_refused(gh_verify(bare, "forged"), "signature does not match", gh_secret);
}

TEST(GitHub, RefusesMalformedSignatureHeaders) {
    const std::string hex = gh_signature.substr(7);
    for (const std::string& bad :
         {"sha1=" + hex, hex, "sha256=" + hex.substr(1), "sha256=" + hex + "00",
          "sha256=" + hex.substr(2) + "zz", std::string("sha256="), "SHA256=" + hex}) {
        SCOPED_TRACE(bad);
        expect_refused(gh_verify(gh_headers(bad)),
                       "malformed X-Hub-Signature-256 header: expected sha256=<64 hex digits>",
                       gh_secret);
    }
    expect_refused(gh_verify(gh_headers(std::string(signature_header_bytes_max + 1, 'a'))),
                   "longer than 2048 bytes", gh_secret);
}

TEST(GitHub, RefusesAnEmptySecret) {
    const Result<VerifiedDelivery> result = gh_verify(gh_headers(), gh_body, "");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(result.error().field, "secret");
}

// ---- Stripe ----------------------------------------------------------------------------

// Stripe publishes no vector with its secret; this one was computed with Python's hmac
// module (not OpenSSL): hmac.new(secret, b"1700000000." + body, sha256).hexdigest().
const std::string st_secret = "whsec_stripe_test_secret_for_baton";
const std::string st_body = R"({"id":"evt_1","type":"invoice.paid"})";
constexpr std::int64_t st_timestamp = 1700000000;
const std::string st_v1 = "f67b462ac1caf6dd7530e125569de42cde98aca029ff2f566e0813070fd41422";

std::string st_header_for(std::int64_t timestamp, const std::string& body = st_body) {
    const std::string t = std::to_string(timestamp);
    return "t=" + t + ",v1=" + hex_encode(hmac_sha256(st_secret, t + "." + body));
}

Result<VerifiedDelivery> st_verify(const std::string& header, const std::string& body = st_body,
                                   TimePoint now = at(st_timestamp),
                                   const std::string& secret = st_secret) {
    const std::vector<Header> headers = {{"Stripe-Signature", header}};
    return verify_stripe(
        SignedRequest{.headers = headers, .body = body, .secret = secret, .now = now});
}

TEST(Stripe, VerifiesAnIndependentlyComputedVector) {
    const Result<VerifiedDelivery> delivery = st_verify("t=1700000000,v1=" + st_v1);
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->signed_at, at(st_timestamp));
    EXPECT_EQ(delivery->delivery_id, "");
    EXPECT_EQ(st_header_for(st_timestamp), "t=1700000000,v1=" + st_v1);
}

TEST(Stripe, AnyV1MatchesAndOtherSchemesAreIgnored) {
    const std::string wrong(64, '0');
    EXPECT_TRUE(st_verify("t=1700000000,v1=" + wrong + ",v1=" + st_v1 + ",v0=" + wrong).ok());
    EXPECT_TRUE(st_verify("v1=" + st_v1 + ",t=1700000000,scheme2=x").ok());
}

TEST(Stripe, RefusesATamperedBody) {
    const std::string header = "t=1700000000,v1=" + st_v1;
    expect_refused(st_verify(header, flip_one_byte(st_body, 10)), "signature does not match",
                   st_secret);
}

TEST(Stripe, RefusesAWrongSecret) {
    expect_refused(
        st_verify("t=1700000000,v1=" + st_v1, st_body, at(st_timestamp), "whsec_another_secret"),
        "signature does not match", st_secret);
}

TEST(Stripe, AppliesTheToleranceBothWays) {
    const TimePoint now = at(st_timestamp);
    EXPECT_TRUE(st_verify(st_header_for(st_timestamp - 300), st_body, now).ok());
    EXPECT_TRUE(st_verify(st_header_for(st_timestamp + 300), st_body, now).ok());
    expect_refused(st_verify(st_header_for(st_timestamp - 301), st_body, now),
                   "timestamp outside the 300 s tolerance (signed 301 s ago)", st_secret);
    expect_refused(st_verify(st_header_for(st_timestamp + 301), st_body, now),
                   "timestamp outside the 300 s tolerance (signed 301 s in the future)", st_secret);
}

TEST(Stripe, RefusesAMissingHeader) {
    const Result<VerifiedDelivery> result = verify_stripe(
        {.headers = {}, .body = st_body, .secret = st_secret, .now = at(st_timestamp)});
    expect_refused(result, "missing Stripe-Signature header", st_secret);
}

TEST(Stripe, RefusesMalformedHeaders) {
    const std::string v1 = ",v1=" + st_v1;
    struct Case {
        std::string header;
        const char* fragment;
    };
    const Case cases[] = {
        {"v1=" + st_v1, "has no timestamp (t=)"},
        {"t=1700000000", "has no v1 signature"},
        {"t=1700000000,v0=" + st_v1, "has no v1 signature"},
        {"t=soon" + v1, "malformed Stripe-Signature t=: not a unix time"},
        {"t=" + v1, "malformed Stripe-Signature t=: not a unix time"},
        {"t=1700000000,v1=" + st_v1.substr(1), "a v1 signature is not 64 hex digits"},
        {"t=1700000000,v1=" + st_v1.substr(2) + "zz", "a v1 signature is not 64 hex digits"},
        {"t=1700000000,t=1700000000" + v1, "two t= parts"},
        {"t=1700000000," + v1, "expected t=<unix>,v1=<hex>"},
        {"t=1700000000" + v1 + ",", "expected t=<unix>,v1=<hex>"},
        {"t 1700000000" + v1, "expected t=<unix>,v1=<hex>"},
        {"t=1700000000" + v1 + std::string(signature_header_bytes_max, ' '),
         "longer than 2048 bytes"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.header);
        expect_refused(st_verify(c.header), c.fragment, st_secret);
    }
}

// ---- Slack -----------------------------------------------------------------------------

// Published in Slack's "Verifying requests from Slack".
const std::string sl_secret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr std::int64_t sl_timestamp = 1531420618;
const std::string sl_body =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"
    "2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
const std::string sl_signature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

std::vector<Header> sl_headers(const std::string& signature = sl_signature,
                               const std::string& timestamp = std::to_string(sl_timestamp)) {
    return {{"X-Slack-Request-Timestamp", timestamp}, {"X-Slack-Signature", signature}};
}

std::vector<Header> sl_signed_at(std::int64_t timestamp) {
    const std::string t = std::to_string(timestamp);
    return sl_headers("v0=" + hex_encode(hmac_sha256(sl_secret, "v0:" + t + ":" + sl_body)), t);
}

Result<VerifiedDelivery> sl_verify(const std::vector<Header>& headers,
                                   const std::string& body = sl_body,
                                   TimePoint now = at(sl_timestamp),
                                   const std::string& secret = sl_secret) {
    return verify_slack(
        SignedRequest{.headers = headers, .body = body, .secret = secret, .now = now});
}

TEST(Slack, VerifiesThePublishedVector) {
    const Result<VerifiedDelivery> delivery = sl_verify(sl_headers());
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->signed_at, at(sl_timestamp));
}

TEST(Slack, RefusesATamperedBody) {
    expect_refused(sl_verify(sl_headers(), flip_one_byte(sl_body, sl_body.size() / 2)),
                   "signature does not match", sl_secret);
}

TEST(Slack, RefusesAWrongSecret) {
    expect_refused(
        sl_verify(sl_headers(), sl_body, at(sl_timestamp), "8f742231b10e8888abcd99yyyzzz85a6"),
        "signature does not match", sl_secret);
}

TEST(Slack, AppliesTheFiveMinuteToleranceBothWays) {
    const TimePoint now = at(sl_timestamp);
    EXPECT_TRUE(sl_verify(sl_signed_at(sl_timestamp - 300), sl_body, now).ok());
    EXPECT_TRUE(sl_verify(sl_signed_at(sl_timestamp + 300), sl_body, now).ok());
    expect_refused(sl_verify(sl_signed_at(sl_timestamp - 301), sl_body, now),
                   "timestamp outside the 300 s tolerance (signed 301 s ago)", sl_secret);
    expect_refused(sl_verify(sl_signed_at(sl_timestamp + 301), sl_body, now),
                   "timestamp outside the 300 s tolerance (signed 301 s in the future)", sl_secret);
    // The published vector itself, replayed a day later.
    expect_refused(sl_verify(sl_headers(), sl_body, at(sl_timestamp + 86400)),
                   "timestamp outside the 300 s tolerance", sl_secret);
}

TEST(Slack, RefusesEachMissingHeader) {
    for (const char* name : {"X-Slack-Request-Timestamp", "X-Slack-Signature"}) {
        expect_refused(sl_verify(with(sl_headers(), name, std::nullopt)),
                       "missing " + std::string(name) + " header", sl_secret);
    }
}

TEST(Slack, RefusesMalformedHeaders) {
    const std::string hex = sl_signature.substr(3);
    for (const std::string& bad : {"v1=" + hex, hex, "v0=" + hex.substr(1),
                                   "v0=" + hex.substr(2) + "zz", std::string("v0=")}) {
        SCOPED_TRACE(bad);
        expect_refused(sl_verify(sl_headers(bad)),
                       "malformed X-Slack-Signature header: expected v0=<64 hex digits>",
                       sl_secret);
    }
    for (const char* bad : {"yesterday", "-1531420618", "1531420618.0"}) {
        SCOPED_TRACE(bad);
        expect_refused(sl_verify(sl_headers(sl_signature, bad)),
                       "malformed X-Slack-Request-Timestamp header: not a unix time", sl_secret);
    }
}

// ---- HubSpot (signature v3) ------------------------------------------------------------

// The vectors of the schemes below were computed with Python's hmac and base64 modules (not
// OpenSSL), e.g. base64.b64encode(hmac.new(secret, b"POST" + uri + body + ts, sha256)
// .digest()); each suite also checks that the crypto helpers rebuild its vector.
const std::string hs_secret = "3b5c1f0e-8a2d-4c7b-9e61-5d4f2a7c9b10";
constexpr std::int64_t hs_timestamp_ms = 1700000000123;
const std::string hs_method = "POST";
const std::string hs_uri = "https://baton.example.com/hooks/hubspot?portal=62515";
const std::string hs_body =
    R"([{"eventId":1984001,"subscriptionId":2901,"portalId":62515,"appId":54321,)"
    R"("occurredAt":1699999999871,"subscriptionType":"contact.creation","attemptNumber":0,)"
    R"("objectId":1246965,"changeSource":"CRM","changeFlag":"NEW"}])";
const std::string hs_signature = "bniRo1ai6wATbvR3DCHWc0huagtf40mVWCQoQb0fDPs=";

std::string hs_sign(std::int64_t timestamp_ms, const std::string& body = hs_body,
                    const std::string& secret = hs_secret) {
    return base64_encode(
        hmac_sha256(secret, hs_method + hs_uri + body + std::to_string(timestamp_ms)));
}

std::vector<Header> hs_headers(const std::string& signature = hs_signature,
                               std::int64_t timestamp_ms = hs_timestamp_ms) {
    return {{"Content-Type", "application/json"},
            {"X-HubSpot-Signature-v3", signature},
            {"X-HubSpot-Request-Timestamp", std::to_string(timestamp_ms)}};
}

Result<VerifiedDelivery> hs_verify(const std::vector<Header>& headers,
                                   const std::string& body = hs_body,
                                   TimePoint now = from_unix_ms(hs_timestamp_ms),
                                   const std::string& secret = hs_secret,
                                   const std::string& uri = hs_uri,
                                   const std::string& method = hs_method) {
    return verify_hubspot_v3(SignedRequest{.headers = headers,
                                           .body = body,
                                           .secret = secret,
                                           .now = now,
                                           .method = method,
                                           .uri = uri});
}

TEST(HubSpot, VerifiesAnIndependentlyComputedVector) {
    EXPECT_EQ(hs_sign(hs_timestamp_ms), hs_signature);
    const Result<VerifiedDelivery> delivery = hs_verify(hs_headers());
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->delivery_id, "");
    EXPECT_EQ(delivery->event_type, "");
    EXPECT_EQ(delivery->signed_at, from_unix_ms(hs_timestamp_ms));
}

TEST(HubSpot, RefusesATamperedBodyUriOrMethod) {
    expect_refused(hs_verify(hs_headers(), flip_one_byte(hs_body, 20)), "signature does not match",
                   hs_secret);
    const TimePoint now = from_unix_ms(hs_timestamp_ms);
    expect_refused(
        hs_verify(hs_headers(), hs_body, now, hs_secret, "https://baton.example.com/hooks/other"),
        "signature does not match", hs_secret);
    expect_refused(hs_verify(hs_headers(), hs_body, now, hs_secret, hs_uri, "PUT"),
                   "signature does not match", hs_secret);
    // The timestamp is signed: one millisecond later is another signature.
    expect_refused(hs_verify(hs_headers(hs_signature, hs_timestamp_ms + 1)),
                   "signature does not match", hs_secret);
}

TEST(HubSpot, RefusesAWrongSecret) {
    const std::string other = "3b5c1f0e-8a2d-4c7b-9e61-5d4f2a7c9b11";
    expect_refused(hs_verify(hs_headers(), hs_body, from_unix_ms(hs_timestamp_ms), other),
                   "signature does not match", other);
}

TEST(HubSpot, ComparesTheToleranceInMilliseconds) {
    const TimePoint now = from_unix_ms(hs_timestamp_ms);
    const std::int64_t edge = 300'000;
    EXPECT_TRUE(
        hs_verify(hs_headers(hs_sign(hs_timestamp_ms - edge), hs_timestamp_ms - edge), hs_body, now)
            .ok());
    EXPECT_TRUE(
        hs_verify(hs_headers(hs_sign(hs_timestamp_ms + edge), hs_timestamp_ms + edge), hs_body, now)
            .ok());
    const std::int64_t stale = hs_timestamp_ms - edge - 1;
    expect_refused(hs_verify(hs_headers(hs_sign(stale), stale), hs_body, now),
                   "timestamp outside the 300 s tolerance (signed 300001 ms ago)", hs_secret);
    const std::int64_t future = hs_timestamp_ms + edge + 1;
    expect_refused(hs_verify(hs_headers(hs_sign(future), future), hs_body, now),
                   "timestamp outside the 300 s tolerance (signed 300001 ms in the future)",
                   hs_secret);
    // A timestamp in seconds, as the v1 and v2 signatures never had, reads as 1970.
    const std::int64_t seconds_by_mistake = hs_timestamp_ms / 1000;
    expect_refused(
        hs_verify(hs_headers(hs_sign(seconds_by_mistake), seconds_by_mistake), hs_body, now),
        "timestamp outside the 300 s tolerance", hs_secret);
}

TEST(HubSpot, RefusesEachMissingOrDuplicatedHeader) {
    for (const char* name : {"X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp"}) {
        expect_refused(hs_verify(with(hs_headers(), name, std::nullopt)),
                       "missing " + std::string(name) + " header", hs_secret);
    }
    std::vector<Header> twice = hs_headers();
    twice.push_back({"x-hubspot-signature-v3", hs_sign(hs_timestamp_ms, "[]")});
    expect_refused(hs_verify(twice), "duplicate X-HubSpot-Signature-v3 header", hs_secret);
}

TEST(HubSpot, RefusesMalformedHeaders) {
    const std::string hex = hex_encode(*base64_decode(hs_signature));
    for (const std::string& bad : {hex, "sha256=" + hs_signature, hs_signature.substr(1),
                                   std::string("v3,") + hs_signature, std::string("Zm9v")}) {
        SCOPED_TRACE(bad);
        expect_refused(hs_verify(hs_headers(bad)),
                       "malformed X-HubSpot-Signature-v3 header: expected <base64 of 32 bytes>",
                       hs_secret);
    }
    for (const char* bad :
         {"1700000000123.0", "-1700000000123", "2023-11-14T22:13:20Z", "1700000000123000"}) {
        SCOPED_TRACE(bad);
        expect_refused(
            hs_verify(with(hs_headers(), "X-HubSpot-Request-Timestamp", bad)),
            "malformed X-HubSpot-Request-Timestamp header: not a unix time in milliseconds",
            hs_secret);
    }
}

TEST(HubSpot, NeedsTheMethodAndUriFromTheCaller) {
    const TimePoint now = from_unix_ms(hs_timestamp_ms);
    for (const auto& [uri, method] : {std::pair<std::string, std::string>{"", hs_method},
                                      std::pair<std::string, std::string>{hs_uri, ""}}) {
        const Result<VerifiedDelivery> result =
            hs_verify(hs_headers(), hs_body, now, hs_secret, uri, method);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().field, "uri");
    }
}

// ---- Calendly --------------------------------------------------------------------------

const std::string cl_secret = "Qm8zpWk2Jv7XtR4nLs9eYd1cHf6uGa3b";
constexpr std::int64_t cl_timestamp = 1700000000;
const std::string cl_body =
    R"({"created_at":"2023-11-14T22:13:20.000000Z","created_by":"https://api.calendly.com/)"
    R"(users/AAAAAAAAAAAAAAAA","event":"invitee.created","payload":{"email":"ada@example.com",)"
    R"("name":"Ada Lovelace","uri":"https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/)"
    R"(invitees/AAAAAAAAAAAAAAAA"}})";
const std::string cl_v1 = "4904f42c665e19e9b317b28955a236f1f1bc8d734b15f67a9f8f49c03c7e7b52";

std::string cl_header_for(std::int64_t timestamp, const std::string& body = cl_body,
                          const std::string& secret = cl_secret) {
    const std::string t = std::to_string(timestamp);
    return "t=" + t + ",v1=" + hex_encode(hmac_sha256(secret, t + "." + body));
}

Result<VerifiedDelivery> cl_verify(const std::vector<Header>& headers,
                                   const std::string& body = cl_body,
                                   TimePoint now = at(cl_timestamp),
                                   const std::string& secret = cl_secret) {
    return verify_calendly(
        SignedRequest{.headers = headers, .body = body, .secret = secret, .now = now});
}

Result<VerifiedDelivery> cl_verify(const std::string& header, const std::string& body = cl_body,
                                   TimePoint now = at(cl_timestamp),
                                   const std::string& secret = cl_secret) {
    return cl_verify(std::vector<Header>{{"Calendly-Webhook-Signature", header}}, body, now,
                     secret);
}

TEST(Calendly, VerifiesAnIndependentlyComputedVector) {
    EXPECT_EQ(cl_header_for(cl_timestamp), "t=1700000000,v1=" + cl_v1);
    const Result<VerifiedDelivery> delivery = cl_verify("t=1700000000,v1=" + cl_v1);
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->delivery_id, "");
    EXPECT_EQ(delivery->signed_at, at(cl_timestamp));
}

TEST(Calendly, RefusesATamperedBodyOrAWrongSecret) {
    const std::string header = cl_header_for(cl_timestamp);
    expect_refused(cl_verify(header, flip_one_byte(cl_body, 5)), "signature does not match",
                   cl_secret);
    expect_refused(cl_verify(header, cl_body, at(cl_timestamp), "Qm8zpWk2Jv7XtR4nLs9eYd1cHf6uGa3c"),
                   "signature does not match", cl_secret);
}

TEST(Calendly, AppliesTheToleranceBothWays) {
    const TimePoint now = at(cl_timestamp);
    EXPECT_TRUE(cl_verify(cl_header_for(cl_timestamp - 300), cl_body, now).ok());
    expect_refused(cl_verify(cl_header_for(cl_timestamp - 301), cl_body, now),
                   "timestamp outside the 300 s tolerance (signed 301 s ago)", cl_secret);
    expect_refused(cl_verify(cl_header_for(cl_timestamp + 301), cl_body, now),
                   "timestamp outside the 300 s tolerance (signed 301 s in the future)", cl_secret);
}

TEST(Calendly, RefusesAMissingOrDuplicatedHeader) {
    expect_refused(cl_verify(std::vector<Header>{}), "missing Calendly-Webhook-Signature header",
                   cl_secret);
    const std::vector<Header> twice = {{"Calendly-Webhook-Signature", cl_header_for(cl_timestamp)},
                                       {"calendly-webhook-signature", cl_header_for(cl_timestamp)}};
    expect_refused(cl_verify(twice), "duplicate Calendly-Webhook-Signature header", cl_secret);
}

TEST(Calendly, RefusesMalformedHeaders) {
    struct Case {
        std::string header;
        const char* fragment;
    };
    const Case cases[] = {
        {"v1=" + cl_v1, "Calendly-Webhook-Signature header has no timestamp (t=)"},
        {"t=1700000000", "Calendly-Webhook-Signature header has no v1 signature"},
        {"t=1700000000,v1=" + cl_v1.substr(1),
         "malformed Calendly-Webhook-Signature header: a v1 signature is not 64 hex digits"},
        {"t=1700000000000,v1=" + cl_v1, "malformed Calendly-Webhook-Signature t=: not a unix"},
        {"t=1700000000;v1=" + cl_v1, "malformed Calendly-Webhook-Signature t=: not a unix"},
        {cl_v1, "malformed Calendly-Webhook-Signature header: expected t=<unix>,v1=<hex>"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.header);
        expect_refused(cl_verify(c.header), c.fragment, cl_secret);
    }
}

// ---- Typeform --------------------------------------------------------------------------

const std::string tf_secret = "tf_webhook_secret_8c1d";
const std::string tf_body =
    R"({"event_id":"01HF6A7XQZ3N4C2B1V0M9K8J7H","event_type":"form_response","form_response":)"
    R"({"form_id":"lT4Z3j","token":"a3a12ec67a1365927098a606107fac15","submitted_at":)"
    R"("2023-11-14T22:13:20Z","answers":[{"type":"email","email":"ada@example.com","field":)"
    R"({"id":"JwWggjAKtOkA","type":"email"}}]}})";
const std::string tf_signature = "sha256=ZTCQ+KOmzaWles5zSjc1RNg18sTuZYtKjRQj4l6zi7U=";

std::vector<Header> tf_headers(const std::string& signature = tf_signature) {
    return {{"Content-Type", "application/json"}, {"Typeform-Signature", signature}};
}

Result<VerifiedDelivery> tf_verify(const std::vector<Header>& headers,
                                   const std::string& body = tf_body,
                                   const std::string& secret = tf_secret) {
    return verify_typeform(
        SignedRequest{.headers = headers, .body = body, .secret = secret, .now = at(0)});
}

TEST(Typeform, VerifiesAnIndependentlyComputedVector) {
    EXPECT_EQ("sha256=" + base64_encode(hmac_sha256(tf_secret, tf_body)), tf_signature);
    const Result<VerifiedDelivery> delivery = tf_verify(tf_headers());
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    // The body's hash, so that a resend of the same body is a duplicate.
    EXPECT_EQ(delivery->delivery_id, sha256_hex(tf_body));
    EXPECT_EQ(delivery->delivery_id.size(), 64u);
    EXPECT_FALSE(delivery->signed_at.has_value());
}

TEST(Typeform, RefusesATamperedBodyOrAWrongSecret) {
    expect_refused(tf_verify(tf_headers(), flip_one_byte(tf_body, tf_body.size() - 2)),
                   "signature does not match", tf_secret);
    expect_refused(tf_verify(tf_headers(), tf_body, "tf_webhook_secret_8c1e"),
                   "signature does not match", tf_secret);
}

TEST(Typeform, RefusesAMissingOrDuplicatedHeader) {
    expect_refused(tf_verify(with(tf_headers(), "Typeform-Signature", std::nullopt)),
                   "missing Typeform-Signature header", tf_secret);
    std::vector<Header> twice = tf_headers();
    twice.push_back({"typeform-signature", tf_signature});
    expect_refused(tf_verify(twice), "duplicate Typeform-Signature header", tf_secret);
}

TEST(Typeform, RefusesMalformedHeaders) {
    const std::string base64 = tf_signature.substr(7);
    const std::string hex = "sha256=" + hex_encode(*base64_decode(base64));
    for (const std::string& bad : {base64, hex, "sha1=" + base64, "SHA256=" + base64,
                                   "sha256=" + base64.substr(1), std::string("sha256=")}) {
        SCOPED_TRACE(bad);
        expect_refused(tf_verify(tf_headers(bad)),
                       "malformed Typeform-Signature header: expected sha256=<base64 of 32 bytes>",
                       tf_secret);
    }
}

// ---- Shopify ---------------------------------------------------------------------------

const std::string sh_secret = "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";
const std::string sh_body = R"({"id":820982911946154508,"email":"jon@example.com","name":"#9999",)"
                            R"("financial_status":"paid","total_price":"403.00","currency":"USD"})";
const std::string sh_signature = "SxcdlMXBu2gZ+79ijGSyebHi9/+VtPjf72CMe+ruiKI=";
const std::string sh_webhook_id = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043";

std::vector<Header> sh_headers(const std::string& signature = sh_signature) {
    return {{"X-Shopify-Topic", "orders/paid"},
            {"X-Shopify-Hmac-SHA256", signature},
            {"X-Shopify-Shop-Domain", "example-shop.myshopify.com"},
            {"X-Shopify-API-Version", "2024-01"},
            {"X-Shopify-Webhook-Id", sh_webhook_id},
            {"X-Shopify-Triggered-At", "2023-11-14T22:13:20.123456789Z"}};
}

Result<VerifiedDelivery> sh_verify(const std::vector<Header>& headers,
                                   const std::string& body = sh_body,
                                   const std::string& secret = sh_secret) {
    return verify_shopify(
        SignedRequest{.headers = headers, .body = body, .secret = secret, .now = at(0)});
}

TEST(Shopify, VerifiesAnIndependentlyComputedVector) {
    EXPECT_EQ(base64_encode(hmac_sha256(sh_secret, sh_body)), sh_signature);
    const Result<VerifiedDelivery> delivery = sh_verify(sh_headers());
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->delivery_id, sha256_hex(sh_body)) << "the header is not signed";
    EXPECT_EQ(delivery->event_type, "orders/paid");
    EXPECT_FALSE(delivery->signed_at.has_value());
}

TEST(Shopify, TheTopicIsOptional) {
    const Result<VerifiedDelivery> delivery =
        sh_verify(with(sh_headers(), "X-Shopify-Topic", std::nullopt));
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->event_type, "");
}

TEST(Shopify, RefusesATamperedBodyOrAWrongSecret) {
    expect_refused(sh_verify(sh_headers(), flip_one_byte(sh_body, 30)), "signature does not match",
                   sh_secret);
    expect_refused(sh_verify(sh_headers(), sh_body, "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"),
                   "signature does not match", sh_secret);
}

TEST(Shopify, RefusesAMissingOrDuplicatedSignatureHeader) {
    expect_refused(sh_verify(with(sh_headers(), "X-Shopify-Hmac-SHA256", std::nullopt)),
                   "missing X-Shopify-Hmac-SHA256 header", sh_secret);
    std::vector<Header> twice = sh_headers();
    twice.push_back({"x-shopify-hmac-sha256", sh_signature});
    expect_refused(sh_verify(twice), "duplicate X-Shopify-Hmac-SHA256 header", sh_secret);
}

TEST(Shopify, RequiresTheWebhookIdAfterTheSignature) {
    expect_refused(sh_verify(with(sh_headers(), "X-Shopify-Webhook-Id", std::nullopt)),
                   "missing X-Shopify-Webhook-Id header", sh_secret, ErrorCode::invalid_argument);
    std::vector<Header> two_topics = sh_headers();
    two_topics.push_back({"X-Shopify-Topic", "orders/cancelled"});
    expect_refused(sh_verify(two_topics), "duplicate X-Shopify-Topic header", sh_secret,
                   ErrorCode::invalid_argument);
    // Without a valid signature the request is refused as forged, whatever else it lacks.
    const std::vector<Header> bare = {{"X-Shopify-Hmac-SHA256", sh_signature}};
    expect_refused(sh_verify(bare, "forged"), "signature does not match", sh_secret);
}

TEST(Shopify, RefusesMalformedHeaders) {
    const std::string hex = hex_encode(*base64_decode(sh_signature));
    for (const std::string& bad : {hex, "sha256=" + sh_signature, sh_signature.substr(0, 43),
                                   sh_signature + "=", std::string("SxcdlMXBu2gZ")}) {
        SCOPED_TRACE(bad);
        expect_refused(sh_verify(sh_headers(bad)),
                       "malformed X-Shopify-Hmac-SHA256 header: expected <base64 of 32 bytes>",
                       sh_secret);
    }
}

// ---- Cal.com ---------------------------------------------------------------------------

const std::string cc_secret = "calcom-signing-secret-4f2e";
const std::string cc_body =
    R"({"triggerEvent":"BOOKING_CREATED","createdAt":"2023-11-14T22:13:20.000Z","payload":)"
    R"({"type":"30min","title":"30 Min Meeting between Ada Lovelace and Grace Hopper",)"
    R"("startTime":"2023-11-20T10:00:00Z","endTime":"2023-11-20T10:30:00Z",)"
    R"("uid":"bFJeNb2uX8ANpT3JL5EfXw"}})";
const std::string cc_signature = "2a82a8eb575c62e445efe6ac07c5256f17fe8917af9666e419431cbc70c3b7ba";

std::vector<Header> cc_headers(const std::string& signature = cc_signature) {
    return {{"Content-Type", "application/json"}, {"X-Cal-Signature-256", signature}};
}

Result<VerifiedDelivery> cc_verify(const std::vector<Header>& headers,
                                   const std::string& body = cc_body,
                                   const std::string& secret = cc_secret) {
    return verify_cal_com(
        SignedRequest{.headers = headers, .body = body, .secret = secret, .now = at(0)});
}

TEST(CalCom, VerifiesAnIndependentlyComputedVector) {
    EXPECT_EQ(hex_encode(hmac_sha256(cc_secret, cc_body)), cc_signature);
    const Result<VerifiedDelivery> delivery = cc_verify(cc_headers());
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->delivery_id, sha256_hex(cc_body));
    EXPECT_FALSE(delivery->signed_at.has_value());
}

TEST(CalCom, RefusesATamperedBodyOrAWrongSecret) {
    expect_refused(cc_verify(cc_headers(), flip_one_byte(cc_body, 3)), "signature does not match",
                   cc_secret);
    expect_refused(cc_verify(cc_headers(), cc_body, "calcom-signing-secret-4f2f"),
                   "signature does not match", cc_secret);
}

TEST(CalCom, RefusesAMissingOrDuplicatedHeader) {
    expect_refused(cc_verify(with(cc_headers(), "X-Cal-Signature-256", std::nullopt)),
                   "missing X-Cal-Signature-256 header", cc_secret);
    std::vector<Header> twice = cc_headers();
    twice.push_back({"x-cal-signature-256", cc_signature});
    expect_refused(cc_verify(twice), "duplicate X-Cal-Signature-256 header", cc_secret);
}

TEST(CalCom, RefusesMalformedHeaders) {
    for (const std::string& bad :
         {"sha256=" + cc_signature, cc_signature.substr(1), cc_signature.substr(2) + "zz",
          base64_encode(*hex_decode(cc_signature))}) {
        SCOPED_TRACE(bad);
        expect_refused(cc_verify(cc_headers(bad)),
                       "malformed X-Cal-Signature-256 header: expected <64 hex digits>", cc_secret);
    }
}

// ---- Basic (Pipedrive) -----------------------------------------------------------------

const std::string ba_secret = "pipedrive:s3cr3t-for-baton";
const std::string ba_header = "Basic cGlwZWRyaXZlOnMzY3IzdC1mb3ItYmF0b24=";  // Python's base64

Result<VerifiedDelivery> ba_verify(const std::vector<Header>& headers,
                                   const std::string& secret = ba_secret) {
    return verify_basic_auth(SignedRequest{.headers = headers,
                                           .body = R"({"meta":{"action":"added"}})",
                                           .secret = secret,
                                           .now = at(0)});
}

Result<VerifiedDelivery> ba_verify(const std::string& authorization,
                                   const std::string& secret = ba_secret) {
    return ba_verify(std::vector<Header>{{"Authorization", authorization}}, secret);
}

TEST(BasicAuth, AcceptsTheConfiguredCredentials) {
    EXPECT_EQ("Basic " + base64_encode(ba_secret), ba_header);
    const Result<VerifiedDelivery> delivery = ba_verify(ba_header);
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->delivery_id, "");
    EXPECT_FALSE(delivery->signed_at.has_value());
    // The scheme's name ignores case (RFC 9110); the credentials do not.
    EXPECT_TRUE(ba_verify("basic " + base64_encode(ba_secret)).ok());
}

TEST(BasicAuth, RefusesOtherCredentials) {
    for (const std::string& credentials :
         {std::string("pipedrive:s3cr3t-for-baton!"), std::string("pipedrive:s3cr3t-for-bato"),
          std::string("Pipedrive:s3cr3t-for-baton"), std::string("pipedrive:"),
          std::string(":s3cr3t-for-baton")}) {
        SCOPED_TRACE(credentials);
        expect_refused(ba_verify("Basic " + base64_encode(credentials)), "credentials do not match",
                       "s3cr3t-for-baton");
    }
}

TEST(BasicAuth, RefusesAMissingMalformedOrDuplicatedHeader) {
    expect_refused(ba_verify(std::vector<Header>{}), "missing Authorization header",
                   "s3cr3t-for-baton");
    const std::string expected =
        "malformed Authorization header: expected Basic <base64 of user:password>";
    for (const std::string& bad :
         {"Bearer " + ba_secret, "Basic " + ba_secret, std::string("Basic"), std::string("Basic "),
          "Basic  " + base64_encode(ba_secret), "Basic " + base64_encode(ba_secret) + " ",
          "Basic " + base64_encode("pipedrive-s3cr3t-for-baton"),
          "Basic" + base64_encode(ba_secret)}) {
        SCOPED_TRACE(bad);
        expect_refused(ba_verify(bad), expected, "s3cr3t-for-baton");
    }
    const std::vector<Header> twice = {{"Authorization", ba_header}, {"authorization", ba_header}};
    expect_refused(ba_verify(twice), "duplicate Authorization header", "s3cr3t-for-baton");
}

TEST(BasicAuth, ChecksTheConfiguredSecret) {
    for (const char* secret : {"", "no-colon", ":password-only"}) {
        SCOPED_TRACE(secret);
        const Result<VerifiedDelivery> result = ba_verify(ba_header, secret);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(result.error().field, "secret");
        EXPECT_FALSE(check_webhook_secret(SignatureScheme::basic, secret).ok());
    }
    EXPECT_TRUE(check_webhook_secret(SignatureScheme::basic, ba_secret).ok());
    EXPECT_TRUE(check_webhook_secret(SignatureScheme::basic, "user:").ok());
}

// ---- Bearer (Zapier, Make, unsigned forms) ---------------------------------------------

const std::string be_secret = "bt_hook_Zk3q9R7vW2xN8mL4pT6yB1cD5fG0hJ";

Result<VerifiedDelivery> be_verify(const std::vector<Header>& headers,
                                   const std::string& secret = be_secret) {
    return verify_bearer(SignedRequest{
        .headers = headers, .body = R"({"zap":"new lead"})", .secret = secret, .now = at(0)});
}

Result<VerifiedDelivery> be_verify(const std::string& authorization,
                                   const std::string& secret = be_secret) {
    return be_verify(std::vector<Header>{{"Authorization", authorization}}, secret);
}

TEST(Bearer, AcceptsTheConfiguredToken) {
    const Result<VerifiedDelivery> delivery = be_verify("Bearer " + be_secret);
    ASSERT_TRUE(delivery.ok()) << delivery.error().message;
    EXPECT_EQ(delivery->delivery_id, "");
    EXPECT_TRUE(be_verify("bearer " + be_secret).ok());
}

TEST(Bearer, RefusesAnotherToken) {
    for (const std::string& token :
         {be_secret + "x", be_secret.substr(0, be_secret.size() - 1),
          std::string("bt_hook_Zk3q9R7vW2xN8mL4pT6yB1cD5fG0hK"), std::string("x")}) {
        SCOPED_TRACE(token);
        expect_refused(be_verify("Bearer " + token), "token does not match", be_secret);
    }
}

TEST(Bearer, RefusesAMissingMalformedOrDuplicatedHeader) {
    expect_refused(be_verify(std::vector<Header>{}), "missing Authorization header", be_secret);
    for (const std::string& bad :
         {be_secret, "Basic " + be_secret, std::string("Bearer"), std::string("Bearer "),
          "Bearer  " + be_secret, "Bearer " + be_secret + " extra", "Token " + be_secret}) {
        SCOPED_TRACE(bad);
        expect_refused(be_verify(bad), "malformed Authorization header: expected Bearer <token>",
                       be_secret);
    }
    const std::vector<Header> twice = {{"Authorization", "Bearer " + be_secret},
                                       {"Authorization", "Bearer " + be_secret}};
    expect_refused(be_verify(twice), "duplicate Authorization header", be_secret);
}

TEST(Bearer, ChecksTheConfiguredSecret) {
    for (const char* secret : {"", "two words", "tab\there"}) {
        SCOPED_TRACE(secret);
        const Result<VerifiedDelivery> result = be_verify("Bearer x", secret);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().field, "secret");
        EXPECT_FALSE(check_webhook_secret(SignatureScheme::bearer, secret).ok());
    }
    EXPECT_TRUE(check_webhook_secret(SignatureScheme::bearer, be_secret).ok());
}

// ---- Secret rotation -------------------------------------------------------------------

const std::string rotated_secret = "tf_webhook_secret_new_2024";

Result<VerifiedDelivery> verify_any(SignatureScheme scheme, const std::vector<Header>& headers,
                                    const std::string& body,
                                    const std::vector<std::string>& secrets,
                                    TimePoint now = at(0)) {
    // request.secret is not used: only the listed secrets count.
    return verify_signature_any(
        scheme, SignedRequest{.headers = headers, .body = body, .secret = "unused", .now = now},
        secrets);
}

TEST(SecretRotation, AcceptsTheOldAndTheNewSecret) {
    const std::vector<std::string> both = {tf_secret, rotated_secret};
    const std::vector<Header> old_signed = tf_headers();
    const std::vector<Header> new_signed =
        tf_headers("sha256=" + base64_encode(hmac_sha256(rotated_secret, tf_body)));
    for (const std::vector<Header>& headers : {old_signed, new_signed}) {
        const Result<VerifiedDelivery> delivery =
            verify_any(SignatureScheme::typeform, headers, tf_body, both);
        ASSERT_TRUE(delivery.ok()) << delivery.error().message;
        EXPECT_EQ(delivery->delivery_id, sha256_hex(tf_body));
    }
    // Once the old secret is retired, its signatures are refused.
    expect_refused(verify_any(SignatureScheme::typeform, old_signed, tf_body, {rotated_secret}),
                   "signature does not match", tf_secret);
}

TEST(SecretRotation, RefusesAThirdUnknownSecret) {
    const std::string unknown = "tf_webhook_secret_leaked";
    const std::vector<Header> headers =
        tf_headers("sha256=" + base64_encode(hmac_sha256(unknown, tf_body)));
    expect_refused(
        verify_any(SignatureScheme::typeform, headers, tf_body, {tf_secret, rotated_secret}),
        "signature does not match", rotated_secret);
}

TEST(SecretRotation, WorksForTimestampedAndCredentialSchemes) {
    const std::string new_key = "Qm8zpWk2Jv7XtR4nLs9eYd1cHf6uGa3z";
    const std::vector<Header> headers = {
        {"Calendly-Webhook-Signature", cl_header_for(cl_timestamp, cl_body, new_key)}};
    EXPECT_TRUE(verify_any(SignatureScheme::calendly, headers, cl_body, {cl_secret, new_key},
                           at(cl_timestamp))
                    .ok());
    const std::vector<Header> basic = {{"Authorization", ba_header}};
    EXPECT_TRUE(
        verify_any(SignatureScheme::basic, basic, "{}", {"pipedrive:new-password", ba_secret})
            .ok());
    expect_refused(verify_any(SignatureScheme::basic, basic, "{}", {"pipedrive:new-password"}),
                   "credentials do not match", "new-password");
}

TEST(SecretRotation, WhenNoneVerifiesTheRefusalIsTheFirstSecrets) {
    // The second secret signed this body, but the delivery lacks X-Shopify-Webhook-Id: the
    // refusal reported is the first secret's, the signature mismatch.
    const std::string new_secret = "shpss_new";
    const std::vector<Header> headers =
        with(sh_headers(base64_encode(hmac_sha256(new_secret, sh_body))), "X-Shopify-Webhook-Id",
             std::nullopt);
    expect_refused(verify_any(SignatureScheme::shopify, headers, sh_body, {sh_secret, new_secret}),
                   "signature does not match", new_secret);
    expect_refused(verify_any(SignatureScheme::shopify, headers, sh_body, {new_secret, sh_secret}),
                   "missing X-Shopify-Webhook-Id header", new_secret, ErrorCode::invalid_argument);
}

TEST(SecretRotation, RefusesUnusableSecretLists) {
    const std::vector<Header> headers = tf_headers();
    const std::vector<std::vector<std::string>> lists = {
        {},
        {tf_secret, ""},
        {"", tf_secret},
        {tf_secret, "a", "b", "c", "d"},
    };
    for (const std::vector<std::string>& secrets : lists) {
        SCOPED_TRACE(secrets.size());
        const Result<VerifiedDelivery> result =
            verify_any(SignatureScheme::typeform, headers, tf_body, secrets);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(result.error().field, "secret");
    }
    // The limit itself is allowed.
    EXPECT_TRUE(
        verify_any(SignatureScheme::typeform, headers, tf_body, {"a", "b", "c", tf_secret}).ok());
    static_assert(webhook_secrets_max == 4);
}

// ---- Choosing a scheme -----------------------------------------------------------------

TEST(SignatureScheme, NamesRoundTrip) {
    const SignatureScheme all[] = {SignatureScheme::standard_webhooks,
                                   SignatureScheme::github,
                                   SignatureScheme::stripe,
                                   SignatureScheme::slack,
                                   SignatureScheme::hubspot_v3,
                                   SignatureScheme::calendly,
                                   SignatureScheme::typeform,
                                   SignatureScheme::shopify,
                                   SignatureScheme::cal_com,
                                   SignatureScheme::basic,
                                   SignatureScheme::bearer};
    for (SignatureScheme scheme : all) {
        EXPECT_EQ(parse_signature_scheme(to_string(scheme)), scheme);
    }
    EXPECT_STREQ(to_string(SignatureScheme::hubspot_v3), "hubspot-v3");
    EXPECT_STREQ(to_string(SignatureScheme::cal_com), "cal-com");
    EXPECT_FALSE(parse_signature_scheme("hubspot").has_value());
    EXPECT_FALSE(parse_signature_scheme("cal_com").has_value());
    EXPECT_FALSE(parse_signature_scheme("GitHub").has_value());
    EXPECT_FALSE(parse_signature_scheme("").has_value());
}

TEST(SignatureScheme, DispatchesToTheSchemesVerifier) {
    const std::vector<Header> headers = gh_headers();
    const SignedRequest request{
        .headers = headers, .body = gh_body, .secret = gh_secret, .now = at(0)};
    EXPECT_TRUE(verify_signature(SignatureScheme::github, request).ok());
    expect_refused(verify_signature(SignatureScheme::slack, request),
                   "missing X-Slack-Request-Timestamp header", gh_secret);
    expect_refused(verify_signature(SignatureScheme::stripe, request),
                   "missing Stripe-Signature header", gh_secret);
    EXPECT_FALSE(verify_signature(SignatureScheme::standard_webhooks, request).ok());
    expect_refused(verify_signature(SignatureScheme::calendly, request),
                   "missing Calendly-Webhook-Signature header", gh_secret);
    expect_refused(verify_signature(SignatureScheme::typeform, request),
                   "missing Typeform-Signature header", gh_secret);
    expect_refused(verify_signature(SignatureScheme::shopify, request),
                   "missing X-Shopify-Hmac-SHA256 header", gh_secret);
    expect_refused(verify_signature(SignatureScheme::cal_com, request),
                   "missing X-Cal-Signature-256 header", gh_secret);
    // GitHub's published secret has spaces, which no Authorization header can carry.
    const Result<VerifiedDelivery> bearer = verify_signature(SignatureScheme::bearer, request);
    ASSERT_FALSE(bearer.ok());
    EXPECT_EQ(bearer.error().field, "secret");
    const std::vector<Header> hubspot = hs_headers();
    const SignedRequest hubspot_request{.headers = hubspot,
                                        .body = hs_body,
                                        .secret = hs_secret,
                                        .now = from_unix_ms(hs_timestamp_ms),
                                        .method = hs_method,
                                        .uri = hs_uri};
    EXPECT_TRUE(verify_signature(SignatureScheme::hubspot_v3, hubspot_request).ok());
    const std::vector<Header> basic = {{"Authorization", ba_header}};
    EXPECT_TRUE(verify_signature(SignatureScheme::basic,
                                 {.headers = basic, .body = "", .secret = ba_secret, .now = at(0)})
                    .ok());
}

TEST(SignatureScheme, ChecksConfiguredSecrets) {
    EXPECT_TRUE(check_webhook_secret(SignatureScheme::github, "x").ok());
    EXPECT_TRUE(check_webhook_secret(SignatureScheme::stripe, "whsec_anything").ok());
    EXPECT_FALSE(check_webhook_secret(SignatureScheme::slack, "").ok());
    EXPECT_FALSE(check_webhook_secret(SignatureScheme::github, "").ok());
}

}  // namespace
}  // namespace baton::crypto
