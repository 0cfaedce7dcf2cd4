// Response compression: gzip for large text answers (a board's page of 5,000 cards is 2.5 MB
// of JSON and about a tenth of that compressed), when the client takes it. Pure functions
// over Request/Response values; thread-safe.
//
// Only bodies of at least compress_bytes_min are compressed. Small answers gain little, and
// the answers that carry a secret (a new token, the session's CSRF token) are small, so a
// BREACH-style guess of a secret from compressed sizes has nothing to work on
// (docs/security.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace baton::http {

inline constexpr std::size_t compress_bytes_min = 32 * 1024;

// Whether Accept-Encoding takes gzip: it names gzip, and not with q=0.
bool accepts_gzip(const Headers& request_headers);

// `bytes` as one gzip member (RFC 1952), at zlib `level` (1: fastest). Nullopt only when zlib
// fails, which it does not for memory it was given.
std::optional<std::string> gzip(std::string_view bytes, int level);

// Compresses `response` in place when the request takes gzip and the answer is worth it: a
// body of compress_bytes_min or more, of a text type (JSON, problem+json, CSV, text), not
// already encoded, not a stream. Adds Content-Encoding and Vary.
void compress_response(const Request& request, Response& response);

}  // namespace baton::http
