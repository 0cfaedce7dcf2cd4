// Crypto building blocks: SHA-256 and HMAC-SHA256 against published vectors (FIPS 180-2,
// RFC 4231), hex and base64 against RFC 4648 and on bad input, the constant-time
// comparison, and the shape of random bytes and API tokens.
#include "crypto/crypto.h"
#include "crypto/password.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace baton::crypto {
namespace {

using namespace std::string_literals;

TEST(Sha256, MatchesPublishedVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // FIPS 180-2, the two-block message.
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, HashesEmbeddedNulBytes) {
    EXPECT_NE(sha256_hex("a\0b"s), sha256_hex("a"));
    EXPECT_EQ(sha256_hex("a\0b"s).size(), 64u);
}

TEST(HmacSha256, MatchesRfc4231) {
    // Test case 2: a key shorter than the output.
    EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Test case 1.
    EXPECT_EQ(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    // Test case 6: a key longer than the block, which HMAC hashes first.
    EXPECT_EQ(hex_encode(hmac_sha256(std::string(131, '\xaa'),
                                     "Test Using Larger Than Block-Size Key - Hash Key First")),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256, ReturnsRawBytesAndDependsOnTheKey) {
    EXPECT_EQ(hmac_sha256("key", "message").size(), sha256_bytes);
    EXPECT_NE(hmac_sha256("key", "message"), hmac_sha256("kez", "message"));
    // An empty key is a key (all zeros after padding), not "no key".
    EXPECT_EQ(hmac_sha256("", "message"), hmac_sha256(std::string_view(), "message"));
    EXPECT_NE(hmac_sha256("", "message"), hmac_sha256("x", "message"));
}

TEST(Hex, EncodesLowercaseAndRoundTripsEveryByte) {
    EXPECT_EQ(hex_encode(""), "");
    EXPECT_EQ(hex_encode("\x00\x01\xab\xff"s), "0001abff");
    std::string all;
    for (int i = 0; i < 256; ++i) all += char(i);
    const Result<std::string> back = hex_decode(hex_encode(all));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, all);
}

TEST(Hex, DecodesEitherCase) {
    const Result<std::string> upper = hex_decode("ABCDEF");
    ASSERT_TRUE(upper.ok());
    EXPECT_EQ(*upper, "\xab\xcd\xef");
    const Result<std::string> empty = hex_decode("");
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(*empty, "");
}

TEST(Hex, RefusesBadInput) {
    for (const char* bad : {"abc", "zz", "0x00", "ab cd", "a", "g0", "00\n"}) {
        SCOPED_TRACE(bad);
        const Result<std::string> decoded = hex_decode(bad);
        ASSERT_FALSE(decoded.ok());
        EXPECT_EQ(decoded.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(decoded.error().message.find("not valid hex"), std::string::npos);
    }
}

TEST(Base64, MatchesRfc4648) {
    struct Case {
        const char* bytes;
        const char* text;
    };
    const Case cases[] = {{"", ""},
                          {"f", "Zg=="},
                          {"fo", "Zm8="},
                          {"foo", "Zm9v"},
                          {"foob", "Zm9vYg=="},
                          {"fooba", "Zm9vYmE="},
                          {"foobar", "Zm9vYmFy"}};
    for (const Case& c : cases) {
        SCOPED_TRACE(c.bytes);
        EXPECT_EQ(base64_encode(c.bytes), c.text);
        const Result<std::string> decoded = base64_decode(c.text);
        ASSERT_TRUE(decoded.ok());
        EXPECT_EQ(*decoded, c.bytes);
    }
}

TEST(Base64, RoundTripsEveryByteAndEveryLength) {
    std::string all;
    for (int i = 0; i < 256; ++i) all += char(255 - i);
    for (std::size_t length = 0; length <= all.size(); length += 37) {
        const std::string bytes = all.substr(0, length);
        const Result<std::string> back = base64_decode(base64_encode(bytes));
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(*back, bytes);
    }
    // The standard alphabet uses '+' and '/'.
    EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
}

TEST(Base64, RefusesBadInput) {
    const char* bad[] = {
        "Zg",            // not a multiple of 4
        "Zg=",           // not a multiple of 4
        "Z===",          // three '=' leave one character, which cannot carry a byte
        "====",          // nothing but padding
        "Zg=a",          // padding in the middle
        "Zm9v\n",        // whitespace
        "Zm 9",          // whitespace
        "-_8=",          // the URL-safe alphabet
        "Zh==",          // non-zero padding bits: a second spelling of "f"
        "Zm9=",          // non-zero padding bits: a second spelling of "fo"
        "Zm9vYg==Zg==",  // padding before the end
    };
    for (const char* text : bad) {
        SCOPED_TRACE(text);
        const Result<std::string> decoded = base64_decode(text);
        ASSERT_FALSE(decoded.ok());
        EXPECT_EQ(decoded.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(decoded.error().message.find("not valid base64"), std::string::npos);
        // The input may be a secret: it is never echoed back.
        EXPECT_EQ(decoded.error().message.find(text), std::string::npos);
    }
}

TEST(Base64Url, UsesTheUrlAlphabetWithoutPadding) {
    EXPECT_EQ(base64url_encode_unpadded("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_encode_unpadded("f"), "Zg");
    EXPECT_EQ(base64url_encode_unpadded("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode_unpadded(""), "");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
    EXPECT_TRUE(constant_time_equal("", ""));
    EXPECT_TRUE(constant_time_equal("secret", "secret"));
    EXPECT_TRUE(constant_time_equal("a\0b"s, "a\0b"s));
    EXPECT_FALSE(constant_time_equal("secret", "secreT"));
    EXPECT_FALSE(constant_time_equal("secret", "Secret"));
    EXPECT_FALSE(constant_time_equal("a\0b"s, "a\0c"s));
    // Different lengths are unequal even when one is a prefix of the other.
    EXPECT_FALSE(constant_time_equal("secret", "secret2"));
    EXPECT_FALSE(constant_time_equal("secret", ""));
    EXPECT_FALSE(constant_time_equal("", "x"));
}

TEST(RandomBytes, GivesTheLengthAskedFor) {
    for (std::size_t count : {std::size_t(0), std::size_t(1), std::size_t(32), std::size_t(1000)}) {
        const Result<std::string> bytes = random_bytes(count);
        ASSERT_TRUE(bytes.ok());
        EXPECT_EQ(bytes->size(), count);
    }
}

TEST(RandomBytes, TwoCallsDiffer) {
    const Result<std::string> a = random_bytes(32);
    const Result<std::string> b = random_bytes(32);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    // Equal by chance with probability 2^-256.
    EXPECT_NE(*a, *b);
}

TEST(RandomBytes, RefusesMoreThanTheLimit) {
    EXPECT_TRUE(random_bytes(random_bytes_max).ok());
    const Result<std::string> over = random_bytes(random_bytes_max + 1);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().code, ErrorCode::limit_exceeded);
}

TEST(RandomToken, HasThePrefixAndUrlSafeBody) {
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        const Result<std::string> token = random_token();
        ASSERT_TRUE(token.ok());
        // "bt_" + 43 characters: 32 bytes in unpadded base64url.
        ASSERT_EQ(token->size(), 46u);
        EXPECT_EQ(token->substr(0, 3), "bt_");
        for (char c : token->substr(3)) {
            const bool url_safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                  (c >= '0' && c <= '9') || c == '-' || c == '_';
            EXPECT_TRUE(url_safe) << "unexpected character " << c << " in " << *token;
        }
        seen.insert(*token);
    }
    EXPECT_EQ(seen.size(), 20u);
}

// --- passwords (Argon2id through libsodium) ---------------------------------------------

TEST(Password, HashesVerifyAndAreSaltedAndRefuseWrongOnes) {
    auto first = hash_password("correct horse battery staple");
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ(first->rfind("$argon2id$", 0), 0u) << *first;
    EXPECT_EQ(first->find("correct"), std::string::npos) << "the password is not in the hash";
    EXPECT_TRUE(verify_password("correct horse battery staple", *first));
    EXPECT_FALSE(verify_password("correct horse battery stapl", *first));
    EXPECT_FALSE(verify_password("", *first));
    auto second = hash_password("correct horse battery staple");
    ASSERT_TRUE(second.ok());
    EXPECT_NE(*first, *second) << "each hash has its own salt";
    EXPECT_TRUE(verify_password("correct horse battery staple", *second));
}

TEST(Password, LimitsAreCheckedAndNamed) {
    auto short_one = hash_password("seven77");
    ASSERT_FALSE(short_one.ok());
    EXPECT_EQ(short_one.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(short_one.error().field, "password");
    // Eight characters of two bytes each is long enough: characters count, not bytes.
    EXPECT_TRUE(hash_password("éééééééé").ok());
    EXPECT_FALSE(hash_password("ééé").ok());
    auto long_one = hash_password(std::string(password_bytes_max + 1, 'x'));
    ASSERT_FALSE(long_one.ok());
    EXPECT_EQ(long_one.error().field, "password");
    EXPECT_TRUE(hash_password(std::string(password_bytes_max, 'x')).ok());
}

TEST(Password, AStoredValueThatIsNotAHashNeverVerifies) {
    EXPECT_FALSE(verify_password("anything at all", ""));
    EXPECT_FALSE(verify_password("anything at all", "$argon2id$v=19$garbage"));
    EXPECT_FALSE(verify_password("anything at all", std::string(500, 'a')));
}


}  // namespace
}  // namespace baton::crypto
