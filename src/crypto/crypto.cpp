#include "crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <climits>
#include <cstdint>
#include <string>

namespace baton::crypto {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";
constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char base64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// OpenSSL reads a null pointer with a zero length as "no key given" in some versions, which
// is not the same as an empty key; an empty view may well have a null data().
const unsigned char* bytes_of(std::string_view s) {
    static const unsigned char empty = 0;
    return s.empty() ? &empty : reinterpret_cast<const unsigned char*>(s.data());
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The 6-bit value of a standard base64 character, or -1.
int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Encodes with the given 64-character alphabet; `pad` adds '=' to a multiple of 4.
std::string base64_with(std::string_view bytes, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                                (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) |
                                std::uint32_t(std::uint8_t(bytes[i + 2]));
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 0) return out;
    std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    if (rest == 2) n |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    if (rest == 2) out += alphabet[(n >> 6) & 63];
    if (pad) out.append(3 - rest, '=');
    return out;
}

Error base64_error(const char* why) {
    return make_error(ErrorCode::invalid_argument, std::string("not valid base64: ") + why);
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
    std::array<unsigned char, sha256_bytes> digest{};
    const unsigned char* result = SHA256(bytes_of(bytes), bytes.size(), digest.data());
    BATON_ASSERT(result != nullptr);
    return hex_encode(
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
    // OpenSSL takes the key length as an int; a key of 2 GiB is a programmer error.
    BATON_ASSERT(key.size() <= std::size_t(INT_MAX));
    std::array<unsigned char, EVP_MAX_MD_SIZE> tag{};
    unsigned int tag_size = 0;
    const unsigned char* result = HMAC(EVP_sha256(), bytes_of(key), int(key.size()),
                                       bytes_of(message), message.size(), tag.data(), &tag_size);
    BATON_ASSERT(result != nullptr && tag_size == sha256_bytes);
    return std::string(reinterpret_cast<const char*>(tag.data()), tag_size);
}

std::string hex_encode(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        const auto b = std::uint8_t(c);
        out += hex_digits[b >> 4];
        out += hex_digits[b & 15];
    }
    return out;
}

Result<std::string> hex_decode(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        return make_error(ErrorCode::invalid_argument, "not valid hex: odd number of digits");
    }
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int high = hex_value(hex[i]);
        const int low = hex_value(hex[i + 1]);
        if (high < 0 || low < 0) {
            return make_error(ErrorCode::invalid_argument,
                              "not valid hex: a character is not a hex digit");
        }
        out += char((high << 4) | low);
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    return base64_with(bytes, base64_alphabet, true);
}

std::string base64url_encode_unpadded(std::string_view bytes) {
    return base64_with(bytes, base64url_alphabet, false);
}

Result<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return base64_error("the length is not a multiple of 4");
    std::size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
        ++padding;
    }
    const std::string_view body = text.substr(0, text.size() - padding);
    std::string out;
    out.reserve(body.size() * 3 / 4);
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (char c : body) {
        const int value = base64_value(c);
        if (value < 0) return base64_error("a character is outside the alphabet");
        bits = (bits << 6) | std::uint32_t(value);
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            out += char((bits >> bit_count) & 0xff);
        }
    }
    // What is left over is padding bits: 2 after "xx==", 4 after "xxx=". Non-zero ones would
    // give a second spelling of the same bytes.
    // (A lone character in the last group, "x===", fails the alphabet check above, since at
    // most two '=' count as padding.)
    if ((bits & ((1u << bit_count) - 1)) != 0) return base64_error("non-zero padding bits");
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(bytes_of(a), bytes_of(b), a.size()) == 0;
}

Result<std::string> random_bytes(std::size_t count) {
    if (count > random_bytes_max) {
        return make_error(ErrorCode::limit_exceeded, "at most " + std::to_string(random_bytes_max) +
                                                         " random bytes may be asked for at once");
    }
    std::string out(count, '\0');
    if (count == 0) return out;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(count)) != 1) {
        return make_error(ErrorCode::unavailable,
                          "the random number generator could not produce bytes");
    }
    return out;
}

Result<std::string> random_token() {
    Result<std::string> bytes = random_bytes(token_random_bytes);
    if (!bytes) return bytes.error();
    return std::string(token_prefix) + base64url_encode_unpadded(*bytes);
}

}  // namespace baton::crypto
