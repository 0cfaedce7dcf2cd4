// Cryptographic building blocks for Baton: SHA-256, HMAC-SHA256, hex and base64, a
// constant-time comparison and random bytes from the operating system. OpenSSL is used
// here and nowhere else (STYLE.md rule 16); nothing in this header mentions it.
//
// Byte strings travel as std::string / std::string_view holding raw bytes (not text).
// Every function is a pure function of its arguments except random_bytes and
// random_token, which read OpenSSL's CSPRNG. All functions are safe to call from any
// thread. No function puts its input into an error message, because the input is often
// a secret.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace baton::crypto {

// Sizes fixed by the algorithms, and the limit on one request for random bytes (a caller
// asking for more is mistaken; tokens and keys are tens of bytes).
inline constexpr std::size_t sha256_bytes = 32;
inline constexpr std::size_t random_bytes_max = 64 * 1024;
inline constexpr std::size_t token_random_bytes = 32;
inline constexpr std::string_view token_prefix = "bt_";

// SHA-256 of `bytes` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);

// HMAC-SHA256 of `message` under `key`: the raw 32-byte tag.
std::string hmac_sha256(std::string_view key, std::string_view message);

// Lowercase hex of raw bytes.
std::string hex_encode(std::string_view bytes);
// Accepts upper- and lowercase digits; refuses an odd length or any other character.
Result<std::string> hex_decode(std::string_view hex);

// Base64 with the standard alphabet (RFC 4648 section 4) and '=' padding.
std::string base64_encode(std::string_view bytes);
// Strict: the length must be a multiple of 4, padding only at the end, no whitespace, and
// the unused bits of the last character zero, so that each byte string has one spelling.
Result<std::string> base64_decode(std::string_view text);
// Base64 with the URL-safe alphabet (RFC 4648 section 5) and no padding.
std::string base64url_encode_unpadded(std::string_view bytes);

// True when a and b hold the same bytes. For equal lengths the time taken does not depend
// on the content; different lengths give false at once (the length is not a secret).
bool constant_time_equal(std::string_view a, std::string_view b);

// `count` bytes from OpenSSL's CSPRNG. Fails when the generator cannot be seeded, and
// refuses counts over random_bytes_max.
Result<std::string> random_bytes(std::size_t count);

// A fresh API token secret: "bt_" followed by the unpadded base64url spelling of
// token_random_bytes random bytes (46 characters in all).
Result<std::string> random_token();

}  // namespace baton::crypto
