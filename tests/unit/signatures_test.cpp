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

// ---- Choosing a scheme -----------------------------------------------------------------

TEST(SignatureScheme, NamesRoundTrip) {
    for (SignatureScheme scheme : {SignatureScheme::standard_webhooks, SignatureScheme::github,
                                   SignatureScheme::stripe, SignatureScheme::slack}) {
        EXPECT_EQ(parse_signature_scheme(to_string(scheme)), scheme);
    }
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
}

TEST(SignatureScheme, ChecksConfiguredSecrets) {
    EXPECT_TRUE(check_webhook_secret(SignatureScheme::github, "x").ok());
    EXPECT_TRUE(check_webhook_secret(SignatureScheme::stripe, "whsec_anything").ok());
    EXPECT_FALSE(check_webhook_secret(SignatureScheme::slack, "").ok());
    EXPECT_FALSE(check_webhook_secret(SignatureScheme::github, "").ok());
}

}  // namespace
}  // namespace baton::crypto
