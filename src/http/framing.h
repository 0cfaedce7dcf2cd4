// The strict HTTP/1.1 framing check (RFC 9112) on a request's raw head, before Beast parses
// it. Beast's parser is lenient where a lenient server can be smuggled through: it treats a
// Transfer-Encoding that does not end in `chunked` as no body (so the body is read as a
// second request), it unfolds obs-fold lines, and it lets a request go without Host. Every
// shape that a front end and Baton could frame differently is refused here, with 400 and
// the connection closed, so the bytes after it are never read as a request.
//
// Pure functions over strings: no sockets, no Beast; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace baton::http {

// Where the head ends in `bytes` (the offset just past its blank line), or nullopt when it
// has not all arrived. A bare LF (a line not ended by CRLF) ends it at once: such a head is
// refused by check_request_head, rather than waited for until the read times out.
std::optional<std::size_t> request_head_end(std::string_view bytes);

struct HeadProblem {
    std::string field;   // the header at fault (empty when it is the request line)
    std::string detail;  // a sentence for the problem+json
};

// Why the head (request line, fields and the blank line, as request_head_end delimits it)
// is refused; nullopt when it may be parsed.
std::optional<HeadProblem> check_request_head(std::string_view head);

}  // namespace baton::http
